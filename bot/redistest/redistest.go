// Package redistest gives tests a Redis: the real server named by
// GRIDBOT_TEST_REDIS (host:port, optionally host:port/db), or an in-process
// miniredis when that is unset. Each test gets its own key prefix, so tests
// running at the same time never see each other's keys; nothing ever flushes
// the database.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// Real reports whether tests run against a real Redis server.
func Real() bool { return os.Getenv("GRIDBOT_TEST_REDIS") != "" }

// New returns a client and a fresh key prefix ("t<random>"); the prefix's
// keys are deleted when the test ends. With miniredis, the returned
// *miniredis.Miniredis is non-nil (for FastForward); with real Redis it is
// nil.
func New(tb testing.TB) (*redis.Client, bot.Keys, *miniredis.Miniredis) {
	tb.Helper()
	var mr *miniredis.Miniredis
	opt := &redis.Options{PoolSize: 64}
	if addr := os.Getenv("GRIDBOT_TEST_REDIS"); addr != "" {
		host, db, _ := strings.Cut(addr, "/")
		opt.Addr = host
		if db != "" {
			n, err := strconv.Atoi(db)
			if err != nil {
				tb.Fatalf("GRIDBOT_TEST_REDIS: bad db %q", db)
			}
			opt.DB = n
		}
	} else {
		mr = miniredis.RunT(tb)
		opt.Addr = mr.Addr()
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("redis at %s: %v", opt.Addr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	keys := bot.Keys("t" + hex.EncodeToString(b))
	tb.Cleanup(func() {
		if mr == nil {
			ctx := context.Background()
			iter := rdb.Scan(ctx, 0, string(keys)+":*", 1000).Iterator()
			var batch []string
			for iter.Next(ctx) {
				batch = append(batch, iter.Val())
				if len(batch) == 500 {
					rdb.Unlink(ctx, batch...)
					batch = batch[:0]
				}
			}
			if len(batch) > 0 {
				rdb.Unlink(ctx, batch...)
			}
		}
		_ = rdb.Close()
	})
	return rdb, keys, mr
}

// Counter is a go-redis hook that counts round trips: one per command sent
// alone, one per pipeline or transaction.
type Counter struct{ n atomicInt }

// Count returns the round trips since the last Reset.
func (c *Counter) Count() int64 { return c.n.Load() }

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// DialHook implements redis.Hook.
func (c *Counter) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (c *Counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (c *Counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// Count attaches a Counter to rdb and returns it.
func Count(rdb *redis.Client) *Counter {
	c := &Counter{}
	rdb.AddHook(c)
	return c
}
