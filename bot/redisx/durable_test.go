package redisx_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// recorder is a node hook that writes down each round trip as the command
// names it carried.
type recorder struct {
	mu    sync.Mutex
	trips []string
}

func (r *recorder) add(cmds ...redis.Cmder) {
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name())
	}
	r.mu.Lock()
	r.trips = append(r.trips, strings.Join(names, " "))
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.trips
	r.trips = nil
	return t
}

func (r *recorder) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { r.add(cmd); return next(ctx, cmd) }
}
func (r *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { r.add(cmds...); return next(ctx, cmds) }
}

// withoutInfo drops the client's own trips: connection set-up (hello,
// client setinfo), cluster topology and the replica count.
func withoutInfo(trips []string) []string {
	var out []string
	for _, t := range trips {
		own := true
		for _, n := range strings.Fields(t) {
			if n != "info" && n != "cluster" && n != "hello" && n != "client" {
				own = false
			}
		}
		if !own {
			out = append(out, t)
		}
	}
	return out
}

func clusterOrSkip(t *testing.T) []string {
	seeds := redistest.ClusterSeeds()
	if seeds == nil {
		t.Skip("GRIDBOT_TEST_REDIS_CLUSTER unset: durable writes need a master with replicas (.ci/redis-cluster.sh)")
	}
	return seeds
}

// TestWritesWaitForAReplicaInTheSameRoundTrip: on a cluster whose masters
// have one replica each, every write carries WAIT 1 in its own round trip,
// reads carry none, and a transaction is confirmed by a marker write.
func TestWritesWaitForAReplicaInTheSameRoundTrip(t *testing.T) {
	rec := &recorder{}
	rdb, err := redisx.Open(redisx.Options{Addrs: clusterOrSkip(t), WaitReplicas: -1, WaitTimeout: time.Second, Hooks: []redis.Hook{rec}})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	key := "t" + strings.ReplaceAll(t.Name(), "/", "_") + ":{x}"
	defer redistest.DeletePrefix(ctx, rdb, key)
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rec.take()
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"write", func() error { return rdb.HSet(ctx, key+":h", "a", "1").Err() }, []string{"hset wait"}},
		{"read", func() error { return rdb.HGet(ctx, key+":h", "a").Err() }, []string{"hget"}},
		{"script", func() error {
			return rdb.Eval(ctx, "return redis.call('INCR', KEYS[1])", []string{key + ":n"}).Err()
		}, []string{"eval wait"}},
		{"pipeline", func() error {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, key+":n")
				p.Get(ctx, key+":n")
				return nil
			})
			return err
		}, []string{"incr get wait"}},
		{"transaction", func() error {
			_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, key+":n")
				p.Expire(ctx, key+":n", time.Minute)
				return nil
			})
			return err
		}, []string{"multi incr expire exec", "set wait"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := withoutInfo(rec.take()); strings.Join(got, "|") != strings.Join(s.want, "|") {
			t.Errorf("%s: round trips %q, want %q", s.name, got, s.want)
		}
	}
	if n, _ := rdb.Get(ctx, key+":n").Int(); n != 3 {
		t.Errorf("counter = %d, want 3 (each write applied once)", n)
	}
	if ttl := rdb.TTL(ctx, redisx.MarkerKey(key+":n")).Val(); ttl <= 0 {
		t.Errorf("marker of the transaction: ttl %v, want it written with a TTL", ttl)
	}
}

// TestStrictWaitFailsWhenReplicasAreMissing: asking for two replicas where
// each master has one fails the write with ErrNotReplicated after the
// timeout instead of reporting it done.
func TestStrictWaitFailsWhenReplicasAreMissing(t *testing.T) {
	rdb, err := redisx.Open(redisx.Options{Addrs: clusterOrSkip(t), WaitReplicas: 2, WaitTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	key := "t" + t.Name() + ":{x}:s"
	defer rdb.Del(ctx, key)
	err = rdb.Set(ctx, key, "1", time.Minute).Err()
	if !errors.Is(err, redisx.ErrNotReplicated) {
		t.Fatalf("set with 2 replicas wanted of 1: err %v, want ErrNotReplicated", err)
	}
	if err := rdb.Get(ctx, key).Err(); err != nil {
		t.Errorf("reads still work: %v", err)
	}
}

// TestAutoDoesNotWaitWithoutReplicas: a lone master (GRIDBOT_TEST_REDIS)
// gets no WAIT in auto mode, so a single-node set-up pays nothing.
func TestAutoDoesNotWaitWithoutReplicas(t *testing.T) {
	addr, _, _ := strings.Cut(os.Getenv("GRIDBOT_TEST_REDIS"), "/")
	if addr == "" {
		t.Skip("GRIDBOT_TEST_REDIS unset")
	}
	rec := &recorder{}
	rdb, err := redisx.Open(redisx.Options{Addr: addr, WaitReplicas: -1, Hooks: []redis.Hook{rec}})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	if n, _ := rdb.Info(ctx, "replication").Result(); !strings.Contains(n, "connected_slaves:0") {
		t.Skip("this Redis has replicas")
	}
	key := "t" + t.Name()
	defer rdb.Del(ctx, key)
	rec.take()
	if err := rdb.Set(ctx, key, "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if got := withoutInfo(rec.take()); strings.Join(got, "|") != "set" {
		t.Errorf("round trips %q, want just set", got)
	}
}

func TestOpenWantsOneShape(t *testing.T) {
	for _, o := range []redisx.Options{{}, {Addr: "a:1", Addrs: []string{"b:1"}}, {Addrs: []string{"b:1"}, DB: 3}, {SentinelMaster: "m"}} {
		if _, err := redisx.Open(o); err == nil {
			t.Errorf("Open(%+v) = nil error", o)
		}
	}
}
