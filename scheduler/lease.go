package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

var renewScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
`)

// renew extends the lease if this replica holds it or takes it if nobody
// does (SET NX semantics, compare-and-extend in one script). Leadership
// counts locally until a little before the lease would lapse, so a replica
// cut off from Redis steps down before another can take over. While leader
// it gives every job a chance to catch up a slot missed today.
func (s *Scheduler) renew(ctx context.Context) error {
	start := time.Now()
	ttl := s.opts.Lease
	r, err := renewScript.Run(ctx, s.rdb, []string{s.key("leader")}, s.opts.ID, ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("scheduler: renew lease: %w", err)
	}
	if r == 0 {
		if s.Leader() {
			s.log.Warn("scheduler: lost the lease", "id", s.opts.ID)
		}
		s.leaderUntil.Store(0)
		return nil
	}
	was := s.Leader()
	s.leaderUntil.Store(start.Add(ttl - ttl/10).UnixNano())
	if !was {
		s.log.Info("scheduler: leading", "id", s.opts.ID)
	}
	s.catchUp()
	return nil
}

func (s *Scheduler) release(ctx context.Context) {
	s.leaderUntil.Store(0)
	if _, err := bot.ReleaseOwned(ctx, s.rdb, s.key("leader"), s.opts.ID); err != nil && ctx.Err() == nil {
		s.log.Error("scheduler: release lease", "err", err)
	}
}

// fenced steps down after Redis refused what (a slot or due items) because
// another replica holds the lease: this one stalled past its lease and
// still believed it led.
func (s *Scheduler) fenced(what string) {
	if s.leaderUntil.Swap(0) != 0 {
		s.log.Warn("scheduler: another replica leads now; stepping down", "id", s.opts.ID, "refused", what)
	}
}
