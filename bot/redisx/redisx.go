// Package redisx opens gridbot's Redis in one of its three shapes — a
// single node, a Redis Cluster, or a master watched by Redis Sentinel — with
// retries and redirects tuned for a failover, and with durable writes: a
// write is not reported as done until a replica has it (see Durable).
package redisx

import (
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options says which Redis to open. Exactly one of Addr, Addrs and
// SentinelMaster is set (Open reports otherwise).
type Options struct {
	// Addr is a single node, host:port.
	Addr string
	// Addrs are seed nodes of a Redis Cluster.
	Addrs []string
	// SentinelMaster is the master name Sentinel watches; SentinelAddrs are
	// the Sentinels, SentinelPassword their own password (if any).
	SentinelMaster   string
	SentinelAddrs    []string
	SentinelPassword string

	DB       int
	Password string

	// WaitReplicas is how many replicas must acknowledge each write before
	// the command returns: 0 never waits, -1 (auto) waits for one replica
	// whenever the master has one connected.
	WaitReplicas int
	// WaitTimeout bounds each wait; a write not acknowledged in time fails
	// with ErrNotReplicated.
	WaitTimeout time.Duration

	// PoolSize is the connections per node (go-redis's default when 0).
	PoolSize int

	// Hooks are added to every node's client after the durability hook
	// (tests count round trips with them).
	Hooks []redis.Hook
}

// Timeouts and retry budget: a Sentinel or cluster failover takes a few
// seconds (node timeout plus election), during which commands fail fast and
// are retried with backoff, and the bot answers 系统繁忙 until it is over.
const (
	dialTimeout     = 2 * time.Second
	ioTimeout       = 3 * time.Second
	maxRetries      = 3
	maxRedirects    = 8
	minRetryBackoff = 16 * time.Millisecond
	maxRetryBackoff = 512 * time.Millisecond
	// A dead node refuses connections at once; trying it five times per
	// command (go-redis's default) only delays the move to its successor.
	dialerRetries      = 2
	dialerRetryTimeout = 50 * time.Millisecond
)

// Open returns a client for o: a *redis.ClusterClient for Addrs, a
// Sentinel-backed *redis.Client for SentinelMaster, a plain *redis.Client
// for Addr. The durability hook is on every node.
func Open(o Options) (redis.UniversalClient, error) {
	n := 0
	for _, set := range []bool{o.Addr != "", len(o.Addrs) > 0, o.SentinelMaster != "" || len(o.SentinelAddrs) > 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("redisx: set exactly one of Addr, Addrs, SentinelMaster")
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = time.Second
	}
	hook := func(c *redis.Client) {
		if o.WaitReplicas != 0 {
			c.AddHook(NewDurable(c, o.WaitReplicas, o.WaitTimeout))
		}
		for _, h := range o.Hooks {
			c.AddHook(h)
		}
	}
	switch {
	case len(o.Addrs) > 0:
		if o.DB != 0 {
			return nil, fmt.Errorf("redisx: Redis Cluster has database 0 only, got %d", o.DB)
		}
		r := &reloader{}
		cc := redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: o.Addrs, Password: o.Password, PoolSize: o.PoolSize,
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
			DialerRetries: dialerRetries, DialerRetryTimeout: dialerRetryTimeout,
			MaxRetries: maxRetries, MaxRedirects: maxRedirects,
			MinRetryBackoff: minRetryBackoff, MaxRetryBackoff: maxRetryBackoff,
			NewClient: func(opt *redis.Options) *redis.Client {
				c := redis.NewClient(opt)
				c.AddHook(r)
				hook(c)
				return c
			},
		})
		r.cc.Store(cc)
		return cc, nil
	case o.SentinelMaster != "":
		if len(o.SentinelAddrs) == 0 {
			return nil, errors.New("redisx: SentinelMaster needs SentinelAddrs")
		}
		c := redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: o.SentinelMaster, SentinelAddrs: o.SentinelAddrs, SentinelPassword: o.SentinelPassword,
			DB: o.DB, Password: o.Password, PoolSize: o.PoolSize,
			DialerRetries: dialerRetries, DialerRetryTimeout: dialerRetryTimeout,
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
			MaxRetries: maxRetries, MinRetryBackoff: minRetryBackoff, MaxRetryBackoff: maxRetryBackoff,
		})
		hook(c)
		return c, nil
	case o.Addr != "":
		c := redis.NewClient(&redis.Options{
			Addr: o.Addr, DB: o.DB, Password: o.Password, PoolSize: o.PoolSize,
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
			MaxRetries: maxRetries, MinRetryBackoff: minRetryBackoff, MaxRetryBackoff: maxRetryBackoff,
		})
		hook(c)
		return c, nil
	}
	return nil, errors.New("redisx: SentinelAddrs need SentinelMaster")
}
