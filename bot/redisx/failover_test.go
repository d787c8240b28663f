package redisx_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// TestWaitKeepsAcknowledgedWritesThroughAFailover shows why writes wait:
// with the replica cut off (stopped with SIGSTOP and its link closed by the
// master), a client that does not wait is told its write succeeded, and the
// write is gone once the master is killed and the replica promoted; the
// waiting client is told its write failed (ErrNotReplicated), so nobody is
// told a lie. After the promotion both clients work again without being
// reopened.
func TestWaitKeepsAcknowledgedWritesThroughAFailover(t *testing.T) {
	topo := redistest.StartSentinel(t)
	open := func(wait int) redis.UniversalClient {
		rdb, err := redisx.Open(redisx.Options{SentinelMaster: topo.SentinelMaster, SentinelAddrs: topo.SentinelAddrs,
			WaitReplicas: wait, WaitTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rdb.Close() })
		return rdb
	}
	durable, plain := open(-1), open(0)
	ctx := context.Background()
	if err := durable.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	topo.Pause(topo.Replica)
	m := redis.NewClient(&redis.Options{Addr: topo.Master})
	if err := m.ClientKillByFilter(ctx, "TYPE", "replica").Err(); err != nil {
		t.Fatal(err)
	}
	_ = m.Close()
	plainErr := plain.Set(ctx, "plain", "1", 0).Err()
	durableErr := durable.Set(ctx, "durable", "1", 0).Err()
	topo.KillMasterOf("plain")
	topo.Resume(topo.Replica)

	if plainErr != nil {
		t.Fatalf("without waiting, the write to a master with a stalled replica: %v, want success", plainErr)
	}
	if !errors.Is(durableErr, redisx.ErrNotReplicated) {
		t.Fatalf("waiting write with the replica stalled: %v, want ErrNotReplicated", durableErr)
	}
	var v string
	var err error
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err = durable.Set(ctx, "after", "1", 0).Err(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no write succeeded within 30 s of the promotion: %v", err)
	}
	if v, _ = durable.Get(ctx, "before").Result(); v != "1" {
		t.Errorf("a write acknowledged after WAIT is missing after the failover")
	}
	if err := plain.Get(ctx, "plain").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("the unwaited write survived (%v): the set-up did not stall replication, so this test proves nothing", err)
	}
	if err := plain.Set(ctx, "plain", "2", 0).Err(); err != nil {
		t.Errorf("the plain client after the failover: %v", err)
	}
}
