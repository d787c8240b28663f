package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// OnDue registers the handler of due items whose key starts with kind+":".
func (s *Scheduler) OnDue(kind string, h func(ctx context.Context, key string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[kind] = h
}

// Schedule sets (or moves) key, "kind:rest", to fire at at.
func (s *Scheduler) Schedule(ctx context.Context, key string, at time.Time) error {
	if k, _, ok := strings.Cut(key, ":"); !ok || k == "" {
		return fmt.Errorf("schedule %q: key must be kind:rest", key)
	}
	if err := s.rdb.ZAdd(ctx, s.key("due"), redis.Z{Score: float64(at.UnixMilli()), Member: key}).Err(); err != nil {
		return fmt.Errorf("schedule %q: %w", key, err)
	}
	return nil
}

// Cancel removes key if it has not fired.
func (s *Scheduler) Cancel(ctx context.Context, key string) error {
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.key("due"), key)
	pipe.ZRem(ctx, s.key("firing"), key)
	pipe.HDel(ctx, s.key("attempts"), key)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cancel %q: %w", key, err)
	}
	return nil
}

// claimDueScript moves due items to the firing set and returns them; it
// returns false when the caller no longer holds the leader lease (fencing).
var claimDueScript = redis.NewScript(`
if redis.call('GET', KEYS[3]) ~= ARGV[4] then return false end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZADD', KEYS[1], ARGV[1], m)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], ARGV[2], m)
end
return due
`)

var doneDueScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`)

// retryDueScript puts a failed item back unless it was cancelled or moved
// meanwhile; it returns the attempts so far, negated once they reach the
// maximum and the item is dropped.
var retryDueScript = redis.NewScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if n >= tonumber(ARGV[2]) then
  redis.call('HDEL', KEYS[2], ARGV[1])
  return -n
end
redis.call('ZADD', KEYS[3], 'NX', tonumber(ARGV[3]) + tonumber(ARGV[4]) * 2 ^ (n - 1), ARGV[1])
return n
`)

// firingLease is how long a claimed due item stays with the leader before
// it is taken to have died.
const firingLease = 5 * time.Minute

// scan fires the items due now, a batch at a time.
func (s *Scheduler) scan(ctx context.Context) {
	for ctx.Err() == nil && s.Leader() {
		now := s.now()
		keys, err := claimDueScript.Run(ctx, s.rdb, []string{s.key("due"), s.key("firing"), s.key("leader")},
			now.UnixMilli(), now.Add(firingLease).UnixMilli(), 100, s.opts.ID).StringSlice()
		if errors.Is(err, redis.Nil) {
			s.fenced("due items")
			return
		}
		if err != nil {
			if ctx.Err() == nil && !s.scanDown.Swap(true) {
				s.log.Error("scheduler: claim due items", "err", err)
			}
			return
		}
		s.scanDown.Store(false)
		for _, key := range keys {
			s.fire(ctx, key)
		}
		if len(keys) < 100 {
			return
		}
	}
}

func (s *Scheduler) fire(ctx context.Context, key string) {
	kind, _, _ := strings.Cut(key, ":")
	s.mu.Lock()
	h := s.handlers[kind]
	s.mu.Unlock()
	var err error
	if h == nil {
		err = fmt.Errorf("no handler for kind %q", kind)
	} else {
		err = safeCall(ctx, h, key)
	}
	wctx := context.WithoutCancel(ctx)
	if err == nil {
		if err := doneDueScript.Run(wctx, s.rdb, []string{s.key("firing"), s.key("attempts")}, key).Err(); err != nil {
			s.log.Error("scheduler: record due item done", "key", key, "err", err)
		}
		return
	}
	n, rerr := retryDueScript.Run(wctx, s.rdb, []string{s.key("firing"), s.key("attempts"), s.key("due")},
		key, s.opts.MaxAttempts, s.now().UnixMilli(), s.opts.RetryBackoff.Milliseconds()).Int()
	switch {
	case rerr != nil:
		s.log.Error("scheduler: requeue due item", "key", key, "err", rerr)
	case n < 0:
		s.log.Error("scheduler: due item dropped after repeated failures", "key", key, "attempts", -n, "err", err)
	default:
		s.log.Warn("scheduler: due item failed, will retry", "key", key, "attempt", n, "err", err)
	}
}

func safeCall(ctx context.Context, h func(context.Context, string) error, key string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, key)
}
