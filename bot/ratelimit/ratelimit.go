// Package ratelimit keeps token buckets in Redis, shared by every replica of
// the bot, so that all of them together stay under a platform's limits.
//
// A bucket is named ("tg:global", "tg:chat:-1001234", "wecom:hook:3fa1…")
// and governed by the Limit of the most specific configured rule: the name
// itself, else the name with its last ":part" removed, and so on. A name no
// rule covers is unlimited. Each Take or Reserve is one Redis round trip: a
// Lua script that checks every named bucket against the server's clock
// (TIME) and takes a token from all of them or from none.
//
// A token is taken for a slot: the earliest moment every bucket allows. A
// caller may reserve a slot a little ahead (Reserve, Take within Ahead) and
// sleep until it, so a sender that wakes late delays its own message but
// never loses the bucket's slot to nobody; the pace stays the limit's.
//
// Keys: <prefix>:rl:{rl}:<name>, one string per bucket holding its
// theoretical arrival time (GCRA) in microseconds, and for a limit with a
// Cap, <prefix>:rl:{rl}:<name>:w, a list of its last 2·Cap slots; both expire
// once the bucket is full again. Bucket writes do not wait for replicas
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
// the bucket refills one token every Per/N. A Cap with its Window also
// keeps any span of Window to at most Cap tokens, bursts included: a
// platform that counts every one-second window (Telegram) is never sent
// more than it takes, while an idle bucket still lets a burst go at once.
type Limit struct {
	N      int           `yaml:"n"`
	Per    time.Duration `yaml:"per"`
	Burst  int           `yaml:"burst"`
	Cap    int           `yaml:"cap"`
	Window time.Duration `yaml:"window"`
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
// messages a second per bot (30 a second in bursts of 3, and never more
// than 30 in any 1.03 s, as Telegram counts any one-second window and the
// network moves a send by a few milliseconds: 29.1 a second when busy) and
// 20 a minute per group; a
// WeChat Work group robot 20 a minute per webhook. Telegram's paid
// broadcasts (tg:paid, used by the outbox only when the operator turned
// them on) allow 1,000 a second.
func DefaultConfig() Config {
	return Config{Limits: map[string]Limit{
		"tg:global":  {N: 30, Per: time.Second, Burst: 3, Cap: 30, Window: 1030 * time.Millisecond},
		"tg:paid":    {N: 1000, Per: time.Second, Burst: 20, Cap: 1000, Window: 1030 * time.Millisecond},
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
			return fmt.Errorf("ratelimit.limits.%s: no such bucket; want tg:global, tg:paid, tg:chat, tg:chat:<chat id>, wecom:global or wecom:hook", name)
		}
		if l.N < 0 || l.Per < 0 || l.Burst < 0 {
			return fmt.Errorf("ratelimit.limits.%s: want n, per and burst of zero or more (n: 20, per: 1m, burst: 1)", name)
		}
		if l.N > 0 && l.Per > 0 && l.Interval() < time.Microsecond {
			return fmt.Errorf("ratelimit.limits.%s: want at most one token per microsecond, got %d per %s", name, l.N, l.Per)
		}
		if l.Cap < 0 || l.Window < 0 || (l.Cap > 0) != (l.Window > 0) {
			return fmt.Errorf("ratelimit.limits.%s: want cap and window both set or both left out (cap: 30, window: 1030ms), got cap %d, window %s", name, l.Cap, l.Window)
		}
	}
	return nil
}

// knownBucket reports whether name is a bucket Buckets gives, or a prefix
// of such names that a rule may govern: "<platform>:global", "<platform>:paid",
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
	case parts[1] == "global" || parts[1] == "paid":
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
	// metrics counts late senders (nil: not counted).
	metrics *bot.Metrics
}

// New returns a Limiter using the rules of cfg; m counts the senders that
// woke too late for their slot (nil: not counted).
func New(rdb redis.UniversalClient, k bot.Keys, cfg Config, m *bot.Metrics) *Limiter {
	return &Limiter{rdb: rdb, k: k, cfg: cfg, metrics: m}
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

// Ahead is how far ahead Take reserves a slot (and sleeps for it) rather
// than answer "wait": a few tokens of the bot-wide Telegram bucket, so
// every sender queues on equal terms and a sender that comes back a little
// late still finds its slot kept.
const Ahead = 100 * time.Millisecond

// The arithmetic is in microseconds, kept below 2^53 so Lua's doubles hold
// it exactly; numbers go back to Redis as strings formatted with %.0f because
// Redis would print a bare number with 14 digits only. ARGV[1] is how far
// ahead a slot may be reserved, ARGV[2] an unused earlier slot to give back
// first (0: none): its token, and its place in a capped bucket's window;
// then per key interval, burst, cap, window.
// Returns {1, slot - now, slot} when the tokens were taken for the slot,
// else {0, slot - now, slot} with nothing taken.
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = now
local tats = {}
for i, k in ipairs(KEYS) do
  local a = 4 * i - 1
  if ARGV[2] ~= '0' and (tonumber(ARGV[a + 2]) == 0 or redis.call('LREM', k .. ':w', 1, ARGV[2]) == 1) then
    local tat = math.max(tonumber(redis.call('GET', k) or '0') - tonumber(ARGV[a]), now)
    redis.call('SET', k, string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
  end
end
for i, k in ipairs(KEYS) do
  local a = 4 * i - 1
  local iv, b, cap, win = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local tat = tonumber(redis.call('GET', k) or '0')
  tats[i] = tat
  if tat - (b - 1) * iv > slot then slot = tat - (b - 1) * iv end
  if cap > 0 then
    local w = k .. ':w'
    local last = tonumber(redis.call('LINDEX', w, 0) or '0')
    local old = tonumber(redis.call('LINDEX', w, cap - 1) or '0')
    if last > slot then slot = last end
    if old > 0 and old + win > slot then slot = old + win end
  end
end
if slot - now > tonumber(ARGV[1]) then return {0, slot - now, slot} end
for i, k in ipairs(KEYS) do
  local a = 4 * i - 1
  local cap, win = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local tat = math.max(tats[i], slot) + tonumber(ARGV[a])
  redis.call('SET', k, string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
  if cap > 0 then
    local w = k .. ':w'
    redis.call('LPUSH', w, string.format('%.0f', slot))
    redis.call('LTRIM', w, 0, 2 * cap - 1)
    redis.call('PEXPIRE', w, math.floor((slot + win - now) / 1000) + 1000)
  end
end
return {1, slot - now, slot}
`)

// Reserve takes one token from every named bucket, or from none of them,
// for the earliest moment all of them allow (the slot). When the slot is
// at most ahead from now, the tokens are taken for it and Reserve returns
// how long until the slot and true: the caller must not send before then.
// Otherwise nothing is taken and it returns how long until the slot and
// false. Names no rule limits are ignored; with none left, Reserve does not
// touch Redis and returns 0, true.
func (l *Limiter) Reserve(ctx context.Context, ahead time.Duration, names ...string) (time.Duration, bool, error) {
	w, ok, _, err := l.reserve(ctx, ahead, 0, names...)
	return w, ok, err
}

// reserve is Reserve that first gives back the unused slot release and its
// tokens (0 for none) and also returns the slot it took,
// in microseconds of the Redis server's clock (0 when nothing is limited).
func (l *Limiter) reserve(ctx context.Context, ahead time.Duration, release int64, names ...string) (time.Duration, bool, int64, error) {
	keys := make([]string, 0, len(names))
	args := make([]any, 2, 2+4*len(names))
	args[0], args[1] = max(ahead, 0).Microseconds(), release
	for _, n := range names {
		lim := l.Rule(n)
		if lim.Unlimited() {
			continue
		}
		keys = append(keys, l.key(n))
		args = append(args, lim.Interval().Microseconds(), lim.burstOrOne(), max(lim.Cap, 0), lim.Window.Microseconds())
	}
	if len(keys) == 0 {
		return 0, true, 0, nil
	}
	res, err := takeScript.Run(redisx.Volatile(ctx), l.rdb, keys, args...).Int64Slice()
	if err == nil && len(res) != 3 {
		err = fmt.Errorf("script returned %d values, want 3", len(res))
	}
	if err != nil {
		return 0, false, 0, fmt.Errorf("take %s: %w", strings.Join(names, ","), err)
	}
	return time.Duration(max(res[1], 0)) * time.Microsecond, res[0] == 1, res[2], nil
}

// Late is how long after its slot a sender may still go. One that wakes
// later (a paused process) would land among the senders after it and break
// the limits, so it gives its tokens back and reserves anew, at most Rebook
// times (then it goes: the platform's 429 corrects the rest).
const (
	Late   = 10 * time.Millisecond
	Rebook = 3
)

// Take takes one token from every named bucket, or from none of them. It
// returns 0 when the tokens were taken and the caller may send now, else
// how long to wait before trying again. A slot no more than Ahead away is
// reserved and slept for before Take returns 0 (if ctx ends first, the
// token is spent and ctx's error returned); see Late for a sender that
// wakes late. Names no rule limits are ignored; with none left, Take does
// not touch Redis.
func (l *Limiter) Take(ctx context.Context, names ...string) (time.Duration, error) {
	w, ok, slot, err := l.reserve(ctx, Ahead, 0, names...)
	if err != nil || !ok {
		return w, err
	}
	for try := 0; ; try++ {
		at := time.Now().Add(w)
		if err := sleep(ctx, w); err != nil {
			return 0, err
		}
		if try == Rebook || time.Since(at) <= Late {
			return 0, nil
		}
		l.metrics.LateSender()
		for ok, release := false, slot; !ok; release = 0 {
			if w, ok, slot, err = l.reserve(ctx, Ahead, release, names...); err != nil {
				return 0, nil // the tokens are taken; the platform's 429 corrects the rest
			}
			if !ok {
				if err := sleep(ctx, max(w-Ahead/2, time.Millisecond)); err != nil {
					return 0, err
				}
			}
		}
	}
}

// sleep waits d, returning early with ctx's error.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait takes a token from every named bucket, sleeping as long as the
// buckets ask; it returns early with ctx's error.
func (l *Limiter) Wait(ctx context.Context, names ...string) error {
	for {
		w, err := l.Take(ctx, names...)
		if err != nil || w == 0 {
			return err
		}
		if err := sleep(ctx, w-Ahead/2); err != nil {
			return err
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
