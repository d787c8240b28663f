package redistest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gridbot/bot/redistest"
)

// TestTTLLapsesOnTheWallClock: a key set with a short TTL is gone once that
// time has passed, whichever Redis the tests run on, so a test waiting for a
// lease or an update claim to lapse behaves the same with Go alone as in CI.
func TestTTLLapsesOnTheWallClock(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	key := keys.Key("lease")
	if err := rdb.Set(ctx, key, "holder", 50*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("key with a 50ms TTL still there after 200ms (exists=%d, err=%v)", n, err)
	}
}

// TestFastForwardStillExpires: tests that skip time with miniredis's
// FastForward keep working alongside the wall-clock TTLs.
func TestFastForwardStillExpires(t *testing.T) {
	rdb, keys, mr := redistest.New(t)
	if mr == nil {
		t.Skip("FastForward needs the in-process miniredis")
	}
	ctx := context.Background()
	key := keys.Key("lease")
	if err := rdb.Set(ctx, key, "holder", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	mr.FastForward(30 * time.Minute)
	if ttl := rdb.TTL(ctx, key).Val(); ttl <= 0 || ttl > 30*time.Minute {
		t.Errorf("TTL after fast-forwarding 30 of 60 minutes = %v, want at most 30m", ttl)
	}
	mr.FastForward(31 * time.Minute)
	if n := rdb.Exists(ctx, key).Val(); n != 0 {
		t.Errorf("key still there after fast-forwarding past its TTL")
	}
}

// TestStallable: a frozen process's commands wait while another process's
// go through, and are answered when it thaws; a failed (killed) process's
// commands fail at once and change nothing.
func TestStallable(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	proc, st := redistest.NewStallable(t, rdb)
	key := keys.Key("n")
	st.Freeze()
	done := make(chan error, 1)
	go func() { done <- proc.Incr(ctx, key).Err() }()
	if err := rdb.Incr(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := proc.Incr(short, key).Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("frozen command with a deadline = %v, want the deadline", err)
	}
	st.Thaw()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("held command after the thaw: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held command was never answered after the thaw")
	}
	st.Fail()
	if err := proc.Incr(ctx, key).Err(); !errors.Is(err, redistest.ErrDown) {
		t.Errorf("command of a killed process = %v, want ErrDown", err)
	}
	if n, err := rdb.Get(ctx, key).Int(); err != nil || n != 2 {
		t.Errorf("counter = %d, %v; want 2 (the other process's and the held one)", n, err)
	}
}
