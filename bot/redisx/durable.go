package redisx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated means a write reached the master but not enough replicas
// acknowledged it in time. The write may survive or may be lost in a
// failover, so callers treat it as failed: the user is asked to try again,
// and every script a retry runs is idempotent for what was already done.
var ErrNotReplicated = errors.New("redis write not acknowledged by a replica in time")

// Durable is a go-redis hook for one node's client that makes writes
// survive a failover: Redis replicates asynchronously, so a master that dies
// right after answering can take an acknowledged write with it, and the
// replica promoted in its place never saw it. Durable sends WAIT
// numreplicas timeout after every write, on the same connection (a single
// command becomes a two-command pipeline, a pipeline gets WAIT appended, so
// neither costs an extra round trip), and fails the write with
// ErrNotReplicated when fewer replicas acknowledged it. A MULTI/EXEC is
// followed by a small marker write to the same slot and WAIT: replication
// is ordered, so a replica that has the marker has the transaction (one
// extra round trip, only for transactions).
//
// With want < 0 (auto) Durable waits for one replica when the master has
// at least one connected (INFO replication, refreshed every few seconds),
// and does not wait on a master without replicas: after a failover the new
// master is alone until the old one comes back, and refusing every write
// meanwhile would stop the bot. A positive want is strict: writes fail
// while fewer replicas are connected.
type Durable struct {
	c       *redis.Client
	want    int
	timeout time.Duration

	mu       sync.Mutex
	checked  time.Time
	replicas atomic.Int64
}

// NewDurable returns the hook for c (the node client it is added to).
func NewDurable(c *redis.Client, want int, timeout time.Duration) *Durable {
	d := &Durable{c: c, want: want, timeout: timeout}
	d.replicas.Store(-1)
	return d
}

type bypassKey struct{}

func bypass(ctx context.Context) bool { return ctx.Value(bypassKey{}) != nil }

// Volatile marks the writes made with the returned context as state whose
// loss in a failover is harmless (rate-limit buckets): they do not wait for
// replicas.
func Volatile(ctx context.Context) context.Context { return context.WithValue(ctx, bypassKey{}, true) }

// replicaRefresh is how often auto mode re-reads the replica count.
const replicaRefresh = 2 * time.Second

// need returns how many replicas a write must wait for now.
func (d *Durable) need(ctx context.Context) int {
	if d.want > 0 {
		return d.want
	}
	d.mu.Lock()
	stale := time.Since(d.checked) > replicaRefresh || d.replicas.Load() < 0
	if stale {
		d.checked = time.Now()
	}
	d.mu.Unlock()
	if stale {
		info, err := d.c.Info(context.WithValue(ctx, bypassKey{}, true), "replication").Result()
		if err == nil {
			d.replicas.Store(int64(connectedReplicas(info)))
		}
	}
	if d.replicas.Load() > 0 {
		return 1
	}
	return 0
}

func connectedReplicas(info string) int {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func (d *Durable) waitCmd(ctx context.Context, n int) *redis.IntCmd {
	return redis.NewIntCmd(ctx, "wait", n, d.timeout.Milliseconds())
}

func (d *Durable) check(w *redis.IntCmd, n int) error {
	got, err := w.Result()
	if err != nil {
		return fmt.Errorf("wait for replicas: %w", err)
	}
	if got < int64(n) {
		return fmt.Errorf("%w (%d of %d within %s)", ErrNotReplicated, got, n, d.timeout)
	}
	return nil
}

// DialHook implements redis.Hook.
func (d *Durable) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (d *Durable) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if bypass(ctx) || !isWrite(cmd) {
			return next(ctx, cmd)
		}
		n := d.need(ctx)
		if n == 0 {
			return next(ctx, cmd)
		}
		w := d.waitCmd(ctx, n)
		_, err := d.c.Pipelined(context.WithValue(ctx, bypassKey{}, true), func(p redis.Pipeliner) error {
			_ = p.Process(ctx, cmd)
			_ = p.Process(ctx, w)
			return nil
		})
		if cmd.Err() != nil {
			return cmd.Err()
		}
		if err == nil {
			err = d.check(w, n)
		}
		if err != nil {
			cmd.SetErr(err)
		}
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (d *Durable) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if bypass(ctx) || !anyWrite(cmds) {
			return next(ctx, cmds)
		}
		n := d.need(ctx)
		if n == 0 {
			return next(ctx, cmds)
		}
		if len(cmds) > 0 && cmds[0].Name() == "multi" {
			if err := next(ctx, cmds); err != nil {
				return err
			}
			return d.afterTx(ctx, cmds, n)
		}
		w := d.waitCmd(ctx, n)
		err := next(ctx, append(cmds[:len(cmds):len(cmds)], w))
		if err != nil {
			return err
		}
		if err := d.check(w, n); err != nil {
			for _, c := range cmds {
				if isWrite(c) {
					c.SetErr(err)
				}
			}
			return err
		}
		return nil
	}
}

// afterTx confirms a committed transaction: it writes a marker in the slot
// of the transaction's first key and waits for it to replicate.
func (d *Durable) afterTx(ctx context.Context, cmds []redis.Cmder, n int) error {
	key := ""
	for _, c := range cmds {
		if k := firstKey(c); k != "" {
			key = k
			break
		}
	}
	w := d.waitCmd(ctx, n)
	_, err := d.c.Pipelined(context.WithValue(ctx, bypassKey{}, true), func(p redis.Pipeliner) error {
		p.Set(ctx, MarkerKey(key), "1", 10*time.Second)
		_ = p.Process(ctx, w)
		return nil
	})
	if err == nil {
		err = d.check(w, n)
	}
	if err != nil {
		for _, c := range cmds {
			if isWrite(c) {
				c.SetErr(err)
			}
		}
	}
	return err
}

// MarkerKey is the key afterTx writes to confirm a transaction on key's
// slot: gridbot:wait:{<key's hash tag, or key itself>}. Its slot is key's.
func MarkerKey(key string) string {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			key = key[s+1 : s+1+e]
		}
	}
	return "gridbot:wait:{" + key + "}"
}

func firstKey(c redis.Cmder) string {
	args := c.Args()
	if len(args) < 2 {
		return ""
	}
	switch c.Name() {
	case "multi", "exec":
		return ""
	case "eval", "evalsha", "eval_ro", "evalsha_ro":
		if len(args) < 4 {
			return ""
		}
		k, _ := args[3].(string)
		return k
	}
	k, _ := args[1].(string)
	return k
}

func anyWrite(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if isWrite(c) {
			return true
		}
	}
	return false
}

// isWrite reports whether cmd may change data. Unknown commands count as
// writes: waiting for a read costs a little time, skipping a write could
// lose it.
func isWrite(cmd redis.Cmder) bool {
	return !readOnly[cmd.Name()]
}

var readOnly = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`get mget strlen getrange exists type ttl pttl expiretime pexpiretime
		hget hmget hgetall hkeys hvals hlen hexists hstrlen hscan hrandfield
		smembers sismember smismember scard srandmember sscan sinter sunion sdiff sintercard
		zrange zrangebyscore zrevrangebyscore zrangebylex zrevrange zrank zrevrank zscore zmscore zcard zcount zlexcount zscan zrandmember zinter zunion zdiff
		lrange llen lindex lpos xrange xrevrange xlen xinfo xpending
		scan keys dbsize randomkey ping echo info time config cluster client hello auth select readonly readwrite
		wait command memory object dump lastsave role slowlog debug monitor psubscribe subscribe unsubscribe punsubscribe
		script evalsha_ro eval_ro fcall_ro asking quit sentinel multi exec discard watch unwatch`) {
		readOnly[n] = true
	}
}
