package main

import (
	"context"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// useTestCluster points r at the Redis Cluster of GRIDBOT_TEST_REDIS_CLUSTER
// when that is set, so in-process runs of the bot use the cluster too.
func useTestCluster(r *RedisConfig) {
	if seeds := redistest.ClusterSeeds(); seeds != nil {
		r.Addr, r.Addrs = "", seeds
	}
}

// checkKeyspace reads every key the bot wrote under r.Prefix and checks
// that each belongs to one family of bot.Keyspace and sits in the slot its
// rule says.
func checkKeyspace(t *testing.T, r RedisConfig) {
	t.Helper()
	if !r.configured() {
		return
	}
	rdb, err := redisx.Open(redisx.Options{Addr: r.Addr, Addrs: r.Addrs})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	k := bot.Keys(r.Prefix)
	seen := map[string]int{}
	scan := func(ctx context.Context, c redis.UniversalClient) error {
		iter := c.Scan(ctx, 0, r.Prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			key := iter.Val()
			f, ok := bot.FamilyOf(k, key)
			if !ok {
				t.Errorf("key %q belongs to no family of bot.Keyspace", key)
				continue
			}
			if err := f.CheckSlot(k, key); err != nil {
				t.Error(err)
			}
			seen[f.Name]++
		}
		return iter.Err()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return scan(ctx, c)
		})
	} else {
		err = scan(ctx, rdb)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 8 {
		t.Errorf("only %d key families written (%v): the run did not exercise the bot", len(seen), seen)
	}
	t.Logf("keys by family: %v", seen)
	redistest.DeletePrefix(ctx, rdb, r.Prefix+":")
}
