package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redisx"
)

// An update's dedupe key (<prefix>:upd:{<update id>}) holds "d" once the
// update was handled to the end (for DedupeTTL), or, while a process
// handles it, that process's claim "p:<instance>" with a short TTL
// (ClaimTTL) that the process renews until it is done. So a replica never
// takes over an update another live replica has in hand, and the update of
// a process that died (kill -9, lost machine) is free again ClaimTTL after
// its last renewal.

// claimScript: 1 claimed; 0 done, or in hand in this process; -1 in hand
// elsewhere (the claim's remaining PTTL is the second value).
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'd' or v == ARGV[1] then return {0, 0} end
if v then return {-1, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, 0}
`)

// claimState is the first value of claimScript's reply.
type claimState int64

const (
	claimElsewhere claimState = -1 // in hand in another process
	claimSkip      claimState = 0  // done, or in hand in this process
	claimTaken     claimState = 1  // claimed now, by this process
)

// claimReply is claimScript's reply: the state and, when the update is in
// hand elsewhere, the claim's remaining time.
type claimReply struct {
	state claimState
	left  time.Duration
}

// parseClaimReply reads claimScript's {state, PTTL ms}; any other shape is
// a redisx.ErrReply.
func parseClaimReply(v any) (claimReply, error) {
	ns, err := redisx.Ints(v, 2)
	if err != nil {
		return claimReply{}, err
	}
	st := claimState(ns[0])
	if st < claimElsewhere || st > claimTaken {
		return claimReply{}, fmt.Errorf("%w: claim state %d", redisx.ErrReply, ns[0])
	}
	return claimReply{state: st, left: time.Duration(ns[1]) * time.Millisecond}, nil
}

// takeOverScript replaces a claim that has outlived any live holder.
var takeOverScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// InstanceID returns name (or "gridbot") with a random suffix: an id for
// one process start, to tell replicas (and restarts) apart in leases and
// claims.
func InstanceID(name string) string {
	if name == "" {
		name = "gridbot"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// claim marks an update as being handled by this process. It returns false
// when the update was handled already or is in hand in this process. When
// another process has it in hand, claim waits until that process marks it
// done (false) or its claim lapses because the process died (the update is
// then claimed here: true). A claim that lives on past the longest a live
// holder keeps one (HandlerTimeout plus two ClaimTTLs: an older format, or
// a holder stuck past its timeout) is taken over too.
//
// When Roles is a WhoisPiper and c's update has a speaker in a chat, the
// lookup of the speaker travels in the same pipeline as the claim (one
// round trip for both) and its answer is kept in c for route, as is the
// command's Prefetch.
func (r *Router) claim(ctx context.Context, c *Context) (bool, error) {
	id := c.Update.ID
	key := r.dedupeKey(id)
	ttl := r.opt.ClaimTTL.Milliseconds()
	var held string
	var heldSince time.Time
	for {
		res, err := r.claimOnce(ctx, c, key)
		if err != nil {
			return false, fmt.Errorf("claim update %s: %w", id, err)
		}
		if res.state != claimElsewhere {
			return res.state == claimTaken, nil
		}
		now := time.Now()
		if held == "" {
			held, heldSince = r.holder(ctx, key), now
			r.log.Info("update in hand on another replica; waiting", "update", id, "holder", held)
		}
		if now.Sub(heldSince) > r.opt.HandlerTimeout+2*r.opt.ClaimTTL && held != "" {
			ok, err := takeOverScript.Run(ctx, r.opt.Redis, []string{key}, held, r.boot, ttl).Int()
			if err != nil {
				return false, fmt.Errorf("claim update %s: %w", id, err)
			}
			if ok == 1 {
				r.log.Warn("took over a stale claim", "update", id, "holder", held)
				return true, nil
			}
			held = ""
		}
		wait := min(res.left, r.opt.ClaimTTL/4, time.Second)
		wait = max(wait, 20*time.Millisecond)
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("claim update %s: waiting for its holder: %w", id, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// claimOnce runs claimScript on key once, with the speaker's lookup in the
// same pipeline when Roles can pipe it (the lookup's answer, or its error,
// is then kept in c).
func (r *Router) claimOnce(ctx context.Context, c *Context, key string) (claimReply, error) {
	piper, _ := r.opt.Roles.(WhoisPiper)
	u := c.Update
	if piper == nil || !r.asksWho(u) {
		v, err := claimScript.Run(ctx, r.opt.Redis, []string{key}, r.boot, r.opt.ClaimTTL.Milliseconds()).Result()
		if err != nil {
			return claimReply{}, err
		}
		return parseClaimReply(v)
	}
	pipe := r.opt.Redis.Pipeline()
	cl := redisx.EvalIn(ctx, pipe, claimScript, []string{key}, r.boot, r.opt.ClaimTTL.Milliseconds())
	who := piper.WhoisIn(ctx, pipe, u.Chat, u.User, u.UserName, u.Username)
	var pre func() (any, error)
	if c.Command != nil && c.Command.Prefetch != nil {
		pre = c.Command.Prefetch(ctx, pipe, u)
	}
	_, _ = pipe.Exec(ctx)
	v, err := cl.Result(ctx, r.opt.Redis)
	if err != nil {
		return claimReply{}, err
	}
	res, err := parseClaimReply(v)
	if err != nil {
		return claimReply{}, err
	}
	w, werr := who(ctx)
	c.who = &whoAnswer{who: w, err: werr}
	c.prefetch = pre
	return res, nil
}

// whoAnswer is the speaker's lookup made with the claim.
type whoAnswer struct {
	who Who
	err error
}

func (r *Router) holder(ctx context.Context, key string) string {
	v, _ := r.opt.Redis.Get(ctx, key).Result()
	return v
}

// holdClaim renews the claim on id every ClaimTTL/3 until stop is called;
// stop waits for a renewal under way, so none lands after it returns.
func (r *Router) holdClaim(ctx context.Context, id string) (stop func()) {
	key := r.dedupeKey(id)
	var mu sync.Mutex
	stopped := false
	var t *time.Timer
	renew := func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		switch ok, err := ExtendOwned(ctx, r.opt.Redis, key, r.boot, r.opt.ClaimTTL); {
		case err != nil:
			r.log.Warn("renew update claim", "update", id, "err", err)
		case !ok:
			r.log.Warn("update claim lapsed while its handler ran; another replica may redo it", "update", id)
		}
		t.Reset(r.opt.ClaimTTL / 3)
	}
	mu.Lock()
	t = time.AfterFunc(r.opt.ClaimTTL/3, renew)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}
