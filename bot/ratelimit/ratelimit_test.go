package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestManyGoroutinesNeverExceed hammers one bucket from many goroutines (and
// two Limiters, as two replicas would) and checks the grants against the
// most the limit allows over the measured time.
func TestManyGoroutinesNeverExceed(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	lim := ratelimit.Limit{N: 100, Per: time.Second, Burst: 5}
	cfg := ratelimit.Config{Limits: map[string]ratelimit.Limit{"tg:global": lim}}
	ls := []*ratelimit.Limiter{ratelimit.New(rdb, keys, cfg, nil), ratelimit.New(rdb, keys, cfg, nil)}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := ls[i%2].Wait(ctx, "tg:global"); err != nil {
					return
				}
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	most := float64(lim.Burst) + elapsed.Seconds()*float64(lim.N)
	got := float64(granted.Load())
	if got > most {
		t.Errorf("granted %v in %v, want at most %v", got, elapsed, most)
	}
	if got < 0.8*most {
		t.Errorf("granted %v in %v, want at least %v (limiter too strict)", got, elapsed, 0.8*most)
	}
}
