package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// PollLease makes one replica at a time the reader of getUpdates (Telegram
// allows one). The holder is named in a Redis key with a TTL, renewed every
// TTL/3; each time a replica takes the lease it draws a fencing token, a
// number one higher than any before, and the offset key is written only by
// a script that checks the lease still holds that token. So:
//
//   - after a kill -9 another replica takes over at most TTL + TTL/3 later,
//     reads the offset the dead leader last stored and gets from Telegram
//     every update the dead one had fetched but not finished (they are not
//     confirmed until a getUpdates with a higher offset); updates it had
//     in hand are freed by the router's claims (bot.RouterOptions.ClaimTTL);
//   - a leader that stalls (GC, SIGSTOP, a frozen VM) and wakes after losing
//     the lease can neither store an offset (the token no longer matches)
//     nor hand updates to the router: before every update it checks its
//     lease locally (valid until a tenth of TTL before it would lapse,
//     counted from the renewal's start), and before every batch in Redis.
//
// Keys (hash tag {tgpoll}, one slot): <prefix>:tg:{tgpoll}:lease ("<token>
// <instance>", TTL), :fence (the last token drawn), :offset (the next
// update id wanted). The offset of releases before the lease,
// <prefix>:tg:offset, is read once when :offset does not exist yet.
type PollLease struct {
	rdb    redis.UniversalClient
	lease  string
	fence  string
	offset string
	legacy string
	ttl    time.Duration
	id     string
	log    *slog.Logger
}

// NewPollLease returns the lease for keys' prefix; instance names this
// replica (it should be unique per process) and ttl is the lease's life
// without renewal (at least 1s).
func NewPollLease(rdb redis.UniversalClient, keys bot.Keys, instance string, ttl time.Duration, log *slog.Logger) *PollLease {
	if log == nil {
		log = slog.Default()
	}
	ttl = max(ttl, time.Second)
	return &PollLease{rdb: rdb, ttl: ttl, id: instance, log: log,
		lease:  keys.Key("tg", "{tgpoll}", "lease"),
		fence:  keys.Key("tg", "{tgpoll}", "fence"),
		offset: keys.Key("tg", "{tgpoll}", "offset"),
		legacy: keys.Key("tg", "offset"),
	}
}

// acquireScript: the token if the lease is (now) ours, else 0; and the
// lease's remaining PTTL.
var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then
  local sp = string.find(v, ' ', 1, true)
  if sp and string.sub(v, sp + 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {tonumber(string.sub(v, 1, sp - 1)), 0}
  end
  return {0, redis.call('PTTL', KEYS[1])}
end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], t .. ' ' .. ARGV[1], 'PX', ARGV[2])
return {t, 0}
`)

// acquireReply is acquireScript's reply: the fencing token when the lease
// is this replica's, else 0 and the holder's remaining time.
type acquireReply struct {
	token int64
	left  time.Duration
}

// parseAcquire reads acquireScript's {token, PTTL ms}; another shape is a
// redisx.ErrReply.
func parseAcquire(v any) (acquireReply, error) {
	ns, err := redisx.Ints(v, 2)
	if err != nil {
		return acquireReply{}, err
	}
	return acquireReply{token: ns[0], left: time.Duration(ns[1]) * time.Millisecond}, nil
}

// fencedSetScript stores the offset only while the lease holds ARGV[1].
var fencedSetScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`)

// ErrLeaseLost is returned by a leader's offset store once another replica
// holds the lease.
var ErrLeaseLost = errors.New("telegram poll lease lost")

// term is one spell of leadership. It is the OffsetStore and the guard of
// the poll loop run under it; ctx ends when the lease is lost.
type term struct {
	l      *PollLease
	token  int64
	value  string
	until  atomic.Int64 // local validity deadline, Unix ns
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// acquire blocks until this replica holds the lease, then keeps renewing it
// in the background; it fails only when ctx ends.
func (l *PollLease) acquire(ctx context.Context) (*term, error) {
	failing := false
	for attempt := 0; ; attempt++ {
		start := time.Now()
		v, err := acquireScript.Run(ctx, l.rdb, []string{l.lease, l.fence}, l.id, l.ttl.Milliseconds()).Result()
		var res acquireReply
		if err == nil {
			res, err = parseAcquire(v)
		}
		wait := l.ttl / 3
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			if !failing {
				l.log.Warn("telegram poll lease: redis unavailable, retrying", "err", err)
			}
			failing = true
			wait = backoff(min(attempt, 4))
		case res.token > 0:
			t := &term{l: l, token: res.token, value: strconv.FormatInt(res.token, 10) + " " + l.id}
			t.until.Store(start.Add(l.ttl - l.ttl/10).UnixNano())
			t.ctx, t.cancel = context.WithCancel(ctx)
			t.wg.Add(1)
			go t.renew()
			return t, nil
		default:
			failing = false
			wait = min(wait, res.left+10*time.Millisecond)
		}
		if err := sleepCtx(ctx, max(wait, 10*time.Millisecond)); err != nil {
			return nil, err
		}
	}
}

// Valid reports whether the lease is still surely held (locally, without
// asking Redis).
func (t *term) Valid() bool {
	return t.ctx.Err() == nil && time.Now().UnixNano() < t.until.Load()
}

// check renews the lease in Redis now and reports whether it is still
// ours; a lost lease ends the term.
func (t *term) check(ctx context.Context) bool {
	start := time.Now()
	ok, err := bot.ExtendOwned(ctx, t.l.rdb, t.l.lease, t.value, t.l.ttl)
	switch {
	case err != nil:
		t.l.log.Warn("telegram poll lease: renew failed", "err", err)
	case !ok:
		t.l.log.Warn("telegram poll lease lost to another replica", "token", t.token)
		t.cancel()
	default:
		t.until.Store(start.Add(t.l.ttl - t.l.ttl/10).UnixNano())
	}
	if !t.Valid() {
		t.cancel()
		return false
	}
	return true
}

func (t *term) renew() {
	defer t.wg.Done()
	for {
		if err := sleepCtx(t.ctx, t.l.ttl/3); err != nil {
			return
		}
		rctx, cancel := context.WithTimeout(t.ctx, t.l.ttl/3)
		ok := t.check(rctx)
		cancel()
		if !ok {
			return
		}
	}
}

// end stops renewing and gives the lease up if it is still ours.
func (t *term) end() {
	t.cancel()
	t.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := bot.ReleaseOwned(ctx, t.l.rdb, t.l.lease, t.value); err != nil {
		t.l.log.Warn("telegram poll lease: release failed", "err", err)
	}
}

// Load implements OffsetStore.
func (t *term) Load(ctx context.Context) (int, error) {
	for _, key := range []string{t.l.offset, t.l.legacy} {
		v, err := t.l.rdb.Get(ctx, key).Int()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("load telegram offset: %w", err)
		}
		return v, nil
	}
	return 0, nil
}

// Save implements OffsetStore; it fails with ErrLeaseLost, ending the
// term, once the lease is no longer this term's.
func (t *term) Save(ctx context.Context, offset int) error {
	n, err := fencedSetScript.Run(ctx, t.l.rdb, []string{t.l.lease, t.l.offset}, t.value, offset).Int()
	if err != nil {
		return fmt.Errorf("save telegram offset: %w", err)
	}
	if n == 0 {
		t.cancel()
		return fmt.Errorf("save telegram offset %d with token %d: %w", offset, t.token, ErrLeaseLost)
	}
	return nil
}

// PollLeader takes part in the election of the getUpdates reader until ctx
// ends: while this replica holds the lease it polls as Poll does, under
// the lease's fencing (see PollLease); when it loses the lease it stops
// polling, drops what it fetched but did not hand over, and waits to win
// the lease again. It returns nil when ctx ends.
func (c *Client) PollLeader(ctx context.Context, l *PollLease, submit Submit) error {
	for ctx.Err() == nil {
		t, err := l.acquire(ctx)
		if err != nil {
			break
		}
		c.log.Info("telegram poll leader", "instance", l.id, "token", t.token)
		err = c.poll(t.ctx, t, t, submit)
		t.end()
		if err != nil && ctx.Err() == nil {
			c.log.Warn("telegram polling under the lease stopped", "err", err)
		}
		if ctx.Err() == nil {
			c.log.Warn("telegram poll lease lost; no longer polling", "instance", l.id, "token", t.token)
		}
	}
	return nil
}
