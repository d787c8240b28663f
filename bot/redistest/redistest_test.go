package redistest_test

import (
	"context"
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
