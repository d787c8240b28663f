package redistest

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Memory returns the bytes Redis holds for the keys matching pattern
// (MEMORY USAGE with every element sampled, summed) and how many keys
// there are. It needs a real server (miniredis has no MEMORY command; Real
// says whether tests have one); on a Cluster it asks every master. For
// tests and benchmarks only: it lists keys with KEYS.
func Memory(ctx context.Context, rdb redis.UniversalClient, pattern string) (bytes int64, keys int, err error) {
	one := func(ctx context.Context, c *redis.Client) error {
		bytes, keys = 0, 0
		ks, err := c.Keys(ctx, pattern).Result()
		if err != nil {
			return err
		}
		pipe := c.Pipeline()
		cmds := make([]*redis.IntCmd, len(ks))
		for i, k := range ks {
			cmds[i] = pipe.MemoryUsage(ctx, k, 0)
		}
		if len(ks) > 0 {
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				return err
			}
		}
		for _, c := range cmds {
			bytes += c.Val()
		}
		keys += len(ks)
		return nil
	}
	switch c := rdb.(type) {
	case *redis.Client:
		err = one(ctx, c)
	case *redis.ClusterClient:
		var mu sync.Mutex
		err = c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			b, k, e := Memory(ctx, m, pattern)
			mu.Lock()
			bytes, keys = bytes+b, keys+k
			mu.Unlock()
			return e
		})
	default:
		err = fmt.Errorf("redistest.Memory: client %T not supported", rdb)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("memory usage of %s: %w", pattern, err)
	}
	return bytes, keys, nil
}
