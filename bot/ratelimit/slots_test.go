package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gridbot/bot/redistest"
)

// TestReservedSlotsKeepEveryWindow has 16 senders in two replicas reserve
// 200 slots of the default Telegram bucket as fast as they can, and checks
// the slots the Redis server handed out (its own clock, so no timing of
// this machine enters): no one-second window holds more than Telegram's 30
// (and no 1.03 s window more than the cap), and the steady pace is the
// cap's 30 in 1.03 s: a sender that comes back late loses no slot.
func TestReservedSlotsKeepEveryWindow(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	cfg := DefaultConfig()
	lim := cfg.Limits["tg:global"]
	ls := []*Limiter{New(rdb, keys, cfg, nil), New(rdb, keys, cfg, nil)}
	const total = 200
	var mu sync.Mutex
	var slots []int64
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				n := len(slots)
				mu.Unlock()
				if n >= total {
					return
				}
				chat := fmt.Sprintf("tg:chat:-%d%d", i, n)
				_, ok, slot, err := ls[i%2].reserve(context.Background(), time.Hour, 0, "tg:global", chat)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					continue
				}
				mu.Lock()
				slots = append(slots, slot)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(slots) < total {
		t.Fatalf("%d slots reserved, want %d", len(slots), total)
	}
	slices.Sort(slots)
	most := func(window time.Duration) int {
		n, j := 0, 0
		for i := range slots {
			for slots[i]-slots[j] >= window.Microseconds() {
				j++
			}
			n = max(n, i-j+1)
		}
		return n
	}
	if got := most(time.Second); got > 30 {
		t.Errorf("a one-second window holds %d slots, want at most Telegram's 30", got)
	}
	if got := most(lim.Window); got > lim.Cap {
		t.Errorf("a %v window holds %d slots, want at most %d", lim.Window, got, lim.Cap)
	}
	steady := slots[100 : 101+3*lim.Cap]
	per := float64(steady[len(steady)-1]-steady[0]) / float64(len(steady)-1)
	if want := float64(lim.Window.Microseconds()) / float64(lim.Cap); per > want*1.01 {
		t.Errorf("steady slots %.0f µs apart, want %.0f (%d in every %v)", per, want, lim.Cap, lim.Window)
	}
	t.Logf("%d slots over %.3f s of the server's clock: most in 1 s %d, steady slots %.1f µs apart",
		len(slots), float64(slots[len(slots)-1]-slots[0])/1e6, most(time.Second), per)
}

// TestBurstWithinCap reserves slots of an idle bucket that allows a burst
// of 3 but at most 4 in any 10 minutes: 3 go at once, the 4th one token
// later, the 5th only when the first has left the window; a slot given
// back (its sender woke too late) is handed out again.
func TestBurstWithinCap(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	l := New(rdb, keys, Config{Limits: map[string]Limit{"x": {N: 10, Per: time.Minute, Burst: 3, Cap: 4, Window: 10 * time.Minute}}}, nil)
	var slots []int64
	for range 5 {
		_, ok, slot, err := l.reserve(context.Background(), time.Hour, 0, "x")
		if err != nil || !ok {
			t.Fatalf("reserve: %v %v", ok, err)
		}
		slots = append(slots, slot)
	}
	gap := func(i int) time.Duration { return time.Duration(slots[i]-slots[0]) * time.Microsecond }
	if gap(2) >= time.Second {
		t.Errorf("third slot %v after the first, want the burst at once", gap(2))
	}
	if g := gap(3); g < 6*time.Second || g > 7*time.Second {
		t.Errorf("fourth slot %v after the first, want one token (6 s) later", g)
	}
	if g := gap(4); g != 10*time.Minute {
		t.Errorf("fifth slot %v after the first, want 10m0s (the cap's window)", g)
	}
	_, ok, again, err := l.reserve(context.Background(), time.Hour, slots[4], "x")
	if err != nil || !ok || again != slots[4] {
		t.Errorf("slot after giving back the fifth = %v (%v, %v), want the same slot again", time.Duration(again-slots[0])*time.Microsecond, ok, err)
	}
	if w, ok, err := l.Reserve(context.Background(), Ahead, "x"); err != nil || ok || w < 9*time.Minute {
		t.Errorf("Reserve within Ahead = %v, %v, %v; want nothing taken and about 10 minutes to wait", w, ok, err)
	}
}
