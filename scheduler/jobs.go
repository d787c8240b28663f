package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// slot returns the latest time at or before now, on now's day in loc, that
// the job's schedule names; false if there is none yet today.
func (j *job) slot(now time.Time, loc *time.Location) (time.Time, bool) {
	now = now.In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	t := j.sched.Next(day.Add(-time.Second))
	if t.After(now) {
		return time.Time{}, false
	}
	for range 100000 {
		n := j.sched.Next(t)
		if n.After(now) || n.IsZero() {
			break
		}
		t = n
	}
	return t, true
}

// seed records, for jobs never run before, the current slot as done, so a
// new job waits for its next slot instead of running at start-up.
func (s *Scheduler) seed(ctx context.Context, jobs ...*job) error {
	if len(jobs) == 0 {
		return nil
	}
	now := s.now()
	pipe := s.rdb.Pipeline()
	for _, j := range jobs {
		t, ok := j.slot(now, s.loc)
		if !ok {
			t = now
		}
		pipe.HSetNX(ctx, s.key("last"), j.name, t.Unix())
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("scheduler: seed job records: %w", err)
	}
	return nil
}

var claimSlotScript = redis.NewScript(`
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if last >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// tick runs the job for its latest slot today if this replica leads and
// no replica has run that slot. It runs inside the cron chain (skip if
// still running, recover panics), whether cron or a catch-up called it.
func (s *Scheduler) tick(j *job) {
	if !s.Leader() {
		return
	}
	ctx := s.ctx()
	slot, ok := j.slot(s.now(), s.loc)
	if !ok {
		return
	}
	n, err := claimSlotScript.Run(ctx, s.rdb, []string{s.key("last")}, j.name, slot.Unix()).Int()
	if err != nil {
		s.log.Error("scheduler: claim slot", "job", j.name, "err", err)
		return
	}
	if n == 0 {
		return
	}
	s.log.Info("scheduler: job start", "job", j.name, "slot", slot.Format(time.DateTime))
	start := time.Now()
	if err := j.fn(ctx); err != nil {
		s.log.Error("scheduler: job failed", "job", j.name, "slot", slot.Format(time.DateTime), "err", err)
		return
	}
	s.log.Info("scheduler: job done", "job", j.name, "took", time.Since(start).Round(time.Millisecond))
}

// catchUp gives every job the chance to run a slot missed today; tick
// finds out whether there is one.
func (s *Scheduler) catchUp() {
	s.mu.Lock()
	jobs := append([]*job(nil), s.jobs...)
	s.mu.Unlock()
	for _, j := range jobs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			j.wrapped.Run()
		}()
	}
}
