package ratelimit_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
)

func newLimiter(t *testing.T, limits map[string]ratelimit.Limit) *ratelimit.Limiter {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	return ratelimit.New(rdb, keys, ratelimit.Config{Limits: limits}, nil)
}

func TestRuleMostSpecific(t *testing.T) {
	l := newLimiter(t, ratelimit.DefaultConfig().Limits)
	for name, want := range map[string]int{
		"tg:global":         30,
		"tg:chat:-1001234":  20,
		"wecom:hook:3fa1b2": 20,
		"console:global":    0,
		"tg":                0,
	} {
		if got := l.Rule(name).N; got != want {
			t.Errorf("Rule(%q).N = %d, want %d", name, got, want)
		}
	}
}

func TestBurstThenWait(t *testing.T) {
	ctx := context.Background()
	l := newLimiter(t, map[string]ratelimit.Limit{"x": {N: 10, Per: time.Minute, Burst: 3}})
	for i := range 3 {
		w, err := l.Take(ctx, "x")
		if err != nil || w != 0 {
			t.Fatalf("take %d: wait %v, err %v; want 0, nil", i, w, err)
		}
	}
	w, err := l.Take(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if w < 5*time.Second || w > 6*time.Second {
		t.Errorf("wait after burst = %v, want about 6s (one token per 6s)", w)
	}
}

func TestAllOrNothing(t *testing.T) {
	ctx := context.Background()
	l := newLimiter(t, map[string]ratelimit.Limit{
		"g":      {N: 100, Per: time.Minute, Burst: 5},
		"g:chat": {N: 1, Per: time.Minute, Burst: 1},
	})
	if w, err := l.Take(ctx, "g", "g:chat:1"); err != nil || w != 0 {
		t.Fatalf("first take: %v %v", w, err)
	}
	for range 10 {
		if w, _ := l.Take(ctx, "g", "g:chat:1"); w == 0 {
			t.Fatal("second take on chat 1 allowed, want a wait")
		}
	}
	// The refused takes must not have used the global bucket's 4 tokens left.
	for i := range 4 {
		if w, err := l.Take(ctx, "g", "g:chat:"+string(rune('a'+i))); err != nil || w != 0 {
			t.Fatalf("take %d on other chat: wait %v, err %v; want 0", i, w, err)
		}
	}
	if w, _ := l.Take(ctx, "g", "g:chat:z"); w == 0 {
		t.Error("sixth global take allowed, want a wait")
	}
}

func TestUnlimitedSkipsRedis(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	c := redistest.Count(rdb)
	l := ratelimit.New(rdb, keys, ratelimit.Config{}, nil)
	for range 100 {
		if w, err := l.Take(context.Background(), "console:global"); w != 0 || err != nil {
			t.Fatalf("take = %v, %v", w, err)
		}
	}
	if got := c.Count(); got != 0 {
		t.Errorf("round trips = %d, want 0", got)
	}
}

func TestBackoff(t *testing.T) {
	ctx := context.Background()
	l := newLimiter(t, map[string]ratelimit.Limit{"x": {N: 100, Per: time.Second, Burst: 10}})
	if err := l.Backoff(ctx, "x", 3*time.Second); err != nil {
		t.Fatal(err)
	}
	w, err := l.Take(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if w < 2900*time.Millisecond || w > 3*time.Second {
		t.Errorf("wait after 3s backoff = %v, want about 3s", w)
	}
	// A shorter backoff never shortens a longer one.
	if err := l.Backoff(ctx, "x", time.Second); err != nil {
		t.Fatal(err)
	}
	if w2, _ := l.Take(ctx, "x"); w2 < 2*time.Second {
		t.Errorf("wait after shorter backoff = %v, want still about 3s", w2)
	}
}

// TestManyGoroutinesNeverExceed hammers one bucket through Wait from 16
// goroutines (and two Limiters, as two replicas would) until 200 tokens are
// granted, and checks the slots the Redis server handed out, read off the
// script's replies by a go-redis hook (the limiter's own clock, so no timing
// of this machine enters): between any two slots no more tokens than the
// burst plus the tokens the rate refills in that span, counting only the
// slots kept (a sender that woke late gives its slot back and rebooks).
func TestManyGoroutinesNeverExceed(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	slots := &slotLog{}
	rdb.AddHook(slots)
	lim := ratelimit.Limit{N: 100, Per: time.Second, Burst: 5}
	cfg := ratelimit.Config{Limits: map[string]ratelimit.Limit{"tg:global": lim}}
	ls := []*ratelimit.Limiter{ratelimit.New(rdb, keys, cfg, nil), ratelimit.New(rdb, keys, cfg, nil)}
	const total = 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var granted atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := ls[i%2].Wait(ctx, "tg:global"); err != nil {
					return
				}
				if granted.Add(1) >= total {
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	got := slots.sorted()
	if len(got) < total {
		t.Fatalf("the hook saw %d slots taken, want at least the %d tokens granted", len(got), total)
	}
	iv := lim.Interval().Microseconds()
	for j := range got {
		for i := 0; i < j; i++ {
			if n, most := j-i+1, int64(lim.Burst)+(got[j]-got[i])/iv; int64(n) > most {
				t.Fatalf("%d slots within %d µs (slots %d..%d), want at most %d (burst %d, one per %d µs)",
					n, got[j]-got[i], i, j, most, lim.Burst, iv)
			}
		}
	}
}

// slotLog is a go-redis hook that keeps the slots the limiter's script
// took (its reply {1, wait, slot}) and drops a slot given back (its second
// argument, when not 0).
type slotLog struct {
	mu    sync.Mutex
	slots map[int64]int
}

func (l *slotLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *slotLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		l.record(cmd)
		return err
	}
}

func (l *slotLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (l *slotLog) record(cmd redis.Cmder) {
	name := cmd.Name()
	if (name != "evalsha" && name != "eval") || cmd.Err() != nil {
		return
	}
	args := cmd.Args()
	if len(args) < 3 {
		return
	}
	nkeys, _ := strconv.Atoi(fmt.Sprint(args[2]))
	argv := args[3+nkeys:]
	res, ok := cmd.(*redis.Cmd)
	if !ok || len(argv) < 2 {
		return
	}
	vals, err := res.Int64Slice()
	if err != nil || len(vals) != 3 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.slots == nil {
		l.slots = map[int64]int{}
	}
	if rel, _ := strconv.ParseInt(fmt.Sprint(argv[1]), 10, 64); rel != 0 && l.slots[rel] > 0 {
		l.slots[rel]--
	}
	if vals[0] == 1 {
		l.slots[vals[2]]++
	}
}

// sorted returns the slots kept, in order.
func (l *slotLog) sorted() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for s, n := range l.slots {
		for range n {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
