// Package ratelimit keeps token buckets in Redis, shared by every replica of
// the bot, so that all of them together stay under a platform's limits.
//
// A bucket is named ("tg:global", "tg:chat:-1001234", "wecom:hook:3fa1…")
// and governed by the Limit of the most specific configured rule: the name
// itself, else the name with its last ":part" removed, and so on. A name no
// rule covers is unlimited. Each Take is one Redis round trip: a Lua script
// that checks every named bucket against the server's clock (TIME) and takes
// a token from all of them or from none.
//
// Keys: <prefix>:rl:{rl}:<name>, one string per bucket holding its
// theoretical arrival time (GCRA) in microseconds; it expires once the
// bucket is full again. Bucket writes do not wait for replicas
// (redisx.Volatile): a bucket lost in a failover only allows one burst, which
// the platform's 429 and Backoff then correct, and waiting on every token
// would slow every send.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// Limit lets N tokens through per Per, Burst of them at once: after a burst
// the bucket refills one token every Per/N.
type Limit struct {
	N     int           `yaml:"n"`
	Per   time.Duration `yaml:"per"`
	Burst int           `yaml:"burst"`
}

// Unlimited reports whether the limit lets everything through (N or Per
// not positive).
func (l Limit) Unlimited() bool { return l.N <= 0 || l.Per <= 0 }

// Interval is the time one token takes to refill.
func (l Limit) Interval() time.Duration { return l.Per / time.Duration(l.N) }

func (l Limit) burstOrOne() int {
	if l.Burst < 1 {
		return 1
	}
	return l.Burst
}

// Config holds the rules by bucket name or name prefix.
type Config struct {
	Limits map[string]Limit `yaml:"limits"`
}

// DefaultConfig follows the platforms' published limits: Telegram about 30
// messages a second per bot (kept at 29 with no burst, as Telegram counts any
// one-second window) and 20 a minute per group; a WeChat Work group robot 20
// a minute per webhook.
func DefaultConfig() Config {
	return Config{Limits: map[string]Limit{
		"tg:global":  {N: 29, Per: time.Second, Burst: 1},
		"tg:chat":    {N: 20, Per: time.Minute, Burst: 1},
		"wecom:hook": {N: 20, Per: time.Minute, Burst: 1},
	}}
}

// Validate reports the first rule that makes no sense, naming it: a bucket
// name Buckets never gives (a misspelt rule would limit nothing), or
// negative or impossible numbers.
func (c Config) Validate() error {
	names := slices.Sorted(maps.Keys(c.Limits))
	for _, name := range names {
		l := c.Limits[name]
		if !knownBucket(name) {
			return fmt.Errorf("ratelimit.limits.%s: no such bucket; want tg:global, tg:chat, tg:chat:<chat id>, wecom:global or wecom:hook", name)
		}
		if l.N < 0 || l.Per < 0 || l.Burst < 0 {
			return fmt.Errorf("ratelimit.limits.%s: want n, per and burst of zero or more (n: 20, per: 1m, burst: 1)", name)
		}
		if l.N > 0 && l.Per > 0 && l.Interval() < time.Microsecond {
			return fmt.Errorf("ratelimit.limits.%s: want at most one token per microsecond, got %d per %s", name, l.N, l.Per)
		}
	}
	return nil
}

// knownBucket reports whether name is a bucket Buckets gives, or a prefix
// of such names that a rule may govern: "<platform>:global",
// "tg:chat[:<id>]", "wecom:hook[:<hash>]", "console:chat[:<id>]".
func knownBucket(name string) bool {
	parts := strings.SplitN(name, ":", 3)
	if len(parts) < 2 {
		return false
	}
	per := map[string]string{"tg": "chat", "console": "chat", "wecom": "hook"}[parts[0]]
	switch {
	case per == "":
		return false
	case parts[1] == "global":
		return len(parts) == 2
	case parts[1] == per:
		return len(parts) == 2 || parts[2] != ""
	}
	return false
}

// Limiter takes tokens from buckets in Redis. It is safe for concurrent use.
type Limiter struct {
	rdb redis.UniversalClient
	k   bot.Keys
	cfg Config
}

// New returns a Limiter using the rules of cfg.
func New(rdb redis.UniversalClient, k bot.Keys, cfg Config) *Limiter {
	return &Limiter{rdb: rdb, k: k, cfg: cfg}
}

// Rule returns the limit that governs the bucket called name.
func (l *Limiter) Rule(name string) Limit {
	for n := name; n != ""; {
		if lim, ok := l.cfg.Limits[n]; ok {
			return lim
		}
		i := strings.LastIndexByte(n, ':')
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return Limit{}
}

func (l *Limiter) key(name string) string { return l.k.Key("rl", "{rl}", name) }

// The arithmetic is in microseconds, kept below 2^53 so Lua's doubles hold
// it exactly; numbers go back to Redis as strings formatted with %.0f because
// Redis would print a bare number with 14 digits only.
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local tats = {}
for i, k in ipairs(KEYS) do
  local iv = tonumber(ARGV[2*i-1])
  local b = tonumber(ARGV[2*i])
  local tat = tonumber(redis.call('GET', k) or '0')
  if tat < now then tat = now end
  local w = tat - now - (b - 1) * iv
  if w > wait then wait = w end
  tats[i] = tat
end
if wait > 0 then return wait end
for i, k in ipairs(KEYS) do
  local tat = tats[i] + tonumber(ARGV[2*i-1])
  redis.call('SET', k, string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
end
return 0
`)

// Take takes one token from every named bucket, or from none of them. It
// returns 0 when the tokens were taken, else how long to wait before trying
// again. Names no rule limits are ignored; with none left, Take does not
// touch Redis.
func (l *Limiter) Take(ctx context.Context, names ...string) (time.Duration, error) {
	keys := make([]string, 0, len(names))
	args := make([]any, 0, 2*len(names))
	for _, n := range names {
		lim := l.Rule(n)
		if lim.Unlimited() {
			continue
		}
		keys = append(keys, l.key(n))
		args = append(args, lim.Interval().Microseconds(), lim.burstOrOne())
	}
	if len(keys) == 0 {
		return 0, nil
	}
	us, err := takeScript.Run(redisx.Volatile(ctx), l.rdb, keys, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("take %s: %w", strings.Join(names, ","), err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

// Wait takes a token from every named bucket, sleeping as long as the
// buckets ask; it returns early with ctx's error.
func (l *Limiter) Wait(ctx context.Context, names ...string) error {
	for {
		w, err := l.Take(ctx, names...)
		if err != nil || w == 0 {
			return err
		}
		t := time.NewTimer(w)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

var backoffScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local want = now + tonumber(ARGV[1]) + (tonumber(ARGV[3]) - 1) * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat >= want then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', want), 'PX', math.floor((want - now) / 1000) + 1000)
return 1
`)

// Backoff empties the named bucket for d: no token is given before d has
// passed (after a platform answered 429 with retry_after d). A bucket no
// rule limits is left alone.
func (l *Limiter) Backoff(ctx context.Context, name string, d time.Duration) error {
	lim := l.Rule(name)
	if lim.Unlimited() || d <= 0 {
		return nil
	}
	err := backoffScript.Run(redisx.Volatile(ctx), l.rdb, []string{l.key(name)},
		d.Microseconds(), lim.Interval().Microseconds(), lim.burstOrOne()).Err()
	if err != nil {
		return fmt.Errorf("back off %s: %w", name, err)
	}
	return nil
}

// Buckets names the rate-limit buckets a message to c takes from: the
// platform's ("tg:global") and the chat's own ("tg:chat:<id>"; on WeChat
// Work, where a group is reached through one robot webhook,
// "wecom:hook:<hash of the chat id>"). The outbox and the group reply
// coalescer take from the same buckets, so together they keep to the limits.
func Buckets(c bot.ChatRef) (global, chat string) {
	p := c.Platform()
	if p == "wecom" {
		h := sha256.Sum256([]byte(c.ID()))
		return p + ":global", p + ":hook:" + hex.EncodeToString(h[:8])
	}
	return p + ":global", p + ":chat:" + c.ID()
}
