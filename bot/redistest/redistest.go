// Package redistest gives tests a Redis: a Redis Cluster when
// GRIDBOT_TEST_REDIS_CLUSTER names its seed nodes (comma-separated
// host:port), else the real server named by GRIDBOT_TEST_REDIS (host:port,
// optionally host:port/db), else an in-process miniredis. Each test gets its
// own key prefix, so tests running at the same time never see each other's
// keys; nothing ever flushes a database.
//
// The prefix is plain text ("t" and 12 hex digits) in front of every key, so
// a key's hash tag ({42} in t1a2b…:ev:{42}:seats) still decides its cluster
// slot exactly as it does in production, and scripts that are cluster-safe
// there are cluster-safe here.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// Real reports whether tests run against a real Redis server (single node or
// cluster).
func Real() bool { return os.Getenv("GRIDBOT_TEST_REDIS") != "" || Cluster() }

// Cluster reports whether tests run against a Redis Cluster.
func Cluster() bool { return ClusterSeeds() != nil }

// ClusterSeeds returns the seed nodes of GRIDBOT_TEST_REDIS_CLUSTER, or nil.
func ClusterSeeds() []string {
	var out []string
	for _, a := range strings.Split(os.Getenv("GRIDBOT_TEST_REDIS_CLUSTER"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// New returns a client and a fresh key prefix ("t<random>"); the prefix's
// keys are deleted when the test ends. With miniredis, the returned
// *miniredis.Miniredis is non-nil (for FastForward) and its TTLs lapse on
// the wall clock as a real server's do (to within 20ms), so a test that
// waits for a lease or claim to expire passes with Go alone as it does
// against real Redis; FastForward still shortens every TTL at once. With
// real Redis it is nil. On a cluster the client is a *redis.ClusterClient opened as the bot
// opens it (bot/redisx: retries, redirects, writes waiting for a replica;
// GRIDBOT_TEST_REDIS_WAIT=0 turns the waiting off, to measure its cost).
func New(tb testing.TB) (redis.UniversalClient, bot.Keys, *miniredis.Miniredis) {
	tb.Helper()
	rdb, mr := open(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("test redis: %v", err)
	}
	keys := bot.Keys("t" + randHex(6))
	tb.Cleanup(func() {
		if mr == nil {
			DeletePrefix(context.Background(), rdb, string(keys)+":")
		}
		_ = rdb.Close()
	})
	return rdb, keys, mr
}

func open(tb testing.TB) (redis.UniversalClient, *miniredis.Miniredis) {
	if seeds := ClusterSeeds(); seeds != nil {
		hl := &hookList{}
		wait := -1
		if os.Getenv("GRIDBOT_TEST_REDIS_WAIT") == "0" {
			wait = 0
		}
		rdb, err := redisx.Open(redisx.Options{Addrs: seeds, PoolSize: 64, WaitReplicas: wait, Hooks: []redis.Hook{hl}})
		if err != nil {
			tb.Fatalf("GRIDBOT_TEST_REDIS_CLUSTER: %v", err)
		}
		nodeHooks.Store(rdb, hl)
		return rdb, nil
	}
	opt := &redis.Options{PoolSize: 64}
	var mr *miniredis.Miniredis
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
		ExpireOnWallClock(tb, mr)
		opt.Addr = mr.Addr()
	}
	return redis.NewClient(opt), mr
}

// tick is how often the in-process miniredis's TTLs are brought up to the
// wall clock.
const tick = 20 * time.Millisecond

// ExpireOnWallClock makes mr's TTLs run down with the wall clock, as a real
// server's do, until the test ends: every tick it fast-forwards them by the
// time passed. (miniredis's own ClockTTL does so on every command, which
// walks every key each time and made a test with a year of records twenty
// times slower.) A test's own FastForward adds to it.
func ExpireOnWallClock(tb testing.TB, mr *miniredis.Miniredis) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(tick)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				mr.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	tb.Cleanup(func() { close(stop); <-done })
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DeletePrefix unlinks every key that starts with prefix, on every master
// of a cluster. Keys are unlinked one slot at a time, so it never sends a
// cross-slot command.
func DeletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	del := func(ctx context.Context, c redis.UniversalClient) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Unlink(ctx, iter.Val())
		}
		return nil
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return del(ctx, c) })
		return
	}
	_ = del(ctx, rdb)
}

// Counter is a go-redis hook that counts round trips: one per command sent
// alone, one per pipeline or transaction, connection upkeep left out (see
// handshake). On a cluster it counts what each
// node receives, so a pipeline split over two nodes counts two, and a
// MOVED or ASK redirect counts the command again.
type Counter struct{ n atomic.Int64 }

// handshake reports whether cmd is the client's own upkeep rather than the
// caller's work: a new connection's HELLO, AUTH, SELECT, READONLY and CLIENT
// settings, a cluster slot-map or COMMAND load, a health PING, and the INFO
// replication probe that decides whether writes wait for a replica. They happen when a pool dials,
// not per action, so the Counter leaves them out.
func handshake(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "select", "readonly", "client", "cluster", "info", "command", "ping":
		return true
	}
	return false
}

// allHandshake reports whether a pipeline is only connection upkeep (a new
// connection's HELLO and CLIENT SETINFO go as one).
func allHandshake(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if !handshake(c) {
			return false
		}
	}
	return len(cmds) > 0
}

// Count returns the round trips since the last Reset.
func (c *Counter) Count() int64 { return c.n.Load() }

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// DialHook implements redis.Hook.
func (c *Counter) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (c *Counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (c *Counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !allHandshake(cmds) {
			c.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// Count attaches a Counter to rdb and returns it. For a cluster client made
// by New, the counter sees every node's traffic.
func Count(rdb redis.UniversalClient) *Counter {
	c := &Counter{}
	if hl, ok := nodeHooks.Load(rdb); ok {
		hl.(*hookList).add(c)
		return c
	}
	rdb.AddHook(c)
	return c
}

// CountCalls attaches a Counter to rdb at the client's level and returns
// it: on a cluster it counts a pipeline once however many nodes it is split
// over (go-redis sends the parts side by side, so the caller waits one round
// trip), and a command once whatever redirects it takes. On one node it
// counts as Count does.
func CountCalls(rdb redis.UniversalClient) *Counter {
	c := &Counter{}
	rdb.AddHook(c)
	return c
}

// nodeHooks maps each cluster client made by New to the hooks of its nodes.
var nodeHooks sync.Map

// hookList is installed on every node client of a cluster and forwards to
// the counters added since.
type hookList struct {
	mu       sync.Mutex
	counters []*Counter
}

func (h *hookList) add(c *Counter) {
	h.mu.Lock()
	h.counters = append(h.counters, c)
	h.mu.Unlock()
}

func (h *hookList) each(f func(*Counter)) {
	h.mu.Lock()
	cs := h.counters
	h.mu.Unlock()
	for _, c := range cs {
		f(c)
	}
}

func (h *hookList) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *hookList) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.each(func(c *Counter) { c.n.Add(1) })
		}
		return next(ctx, cmd)
	}
}

func (h *hookList) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !allHandshake(cmds) {
			h.each(func(c *Counter) { c.n.Add(1) })
		}
		return next(ctx, cmds)
	}
}
