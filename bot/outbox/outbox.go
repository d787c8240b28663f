// Package outbox delivers broadcasts reliably: one durable delivery per chat
// in Redis, drained by workers in every replica under shared rate limits,
// retried on temporary failures, recorded for reach reports.
//
// Redis layout (all under the hash tag {ob}, base <prefix>:ob:{ob}):
//
//	seq                 INCR counter of broadcast ids
//	pending             ZSET "<id>|<chat>" scored by due time (Unix ms)
//	inflight            ZSET "<id>|<chat>" scored by lease deadline (Unix ms)
//	recent              ZSET broadcast id scored by creation (Unix s)
//	b:<id>              HASH kind ref title msg(JSON) report_to urgent created
//	                    not_before due total sent failed cancelled members
//	                    counting (member counts owed) state("" | cancelled
//	                    | recalled) reported
//	b:<id>:grid         HASH chat -> grid (every target chat)
//	b:<id>:sent         HASH chat -> platform message id
//	b:<id>:failed       HASH chat -> reason shown to staff
//	b:<id>:tries        HASH chat -> failed tries so far
//	b:<id>:grids        SET "<day>|<grid>" already counted as a push
//	b:<id>:recalled     HASH chat -> 1 once deleted
//	b:<id>:missed       HASH chat -> 1: a channel's request the roll-up found
//	                    never reached the chat (see Confirmer)
//	members:<day>       HASH chat -> member count (cache, 2 days)
//	holders             HASH "<id>|<chat>" -> replica name of its claim
//	counts              HASH "<id>|<chat>" -> day: sent deliveries whose
//	                    member count is still to be looked up
//	reach:<day>         HASH reach records, see reachKey
//
// A delivery moves pending -> inflight (claimed, with a lease renewed while
// its worker lives) -> done (sent or failed). A worker that dies leaves its
// claim in inflight until the lease ends (15 s by default), or until its
// replica starts again under the same name and takes its claims back at
// once; then it goes back to pending, so nothing is lost and only what was
// being sent at the moment of death may be sent twice.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/ratelimit"
)

// KindReport is the kind of the delivery reports the outbox sends itself;
// they are not counted as reach.
const KindReport = "report"

// ErrNoChats is returned by Enqueue for a broadcast without target chats.
var ErrNoChats = errors.New("broadcast has no chats")

// ErrNotFound is returned for an unknown (or expired) broadcast id.
var ErrNotFound = errors.New("no such broadcast")

// Outbox is a bot.Outbox backed by Redis. Enqueue and the status methods
// may be used from any replica; Run drains the queue and may run in many.
type Outbox struct {
	rdb    redis.UniversalClient
	k      bot.Keys
	base   string
	dir    *grid.Directory
	send   bot.Sender
	lim    *ratelimit.Limiter
	log    *slog.Logger
	now    func() time.Time
	loc    *time.Location
	cfg    Config
	quiet  quiet
	wake   chan struct{}
	counts chan struct{}
	// metrics counts deliveries and the queue's depth (env.Metrics).
	metrics *bot.Metrics
	chans   map[string]Channel
}

var _ bot.Outbox = (*Outbox)(nil)

// Channel is a delivery channel whose sends are requests someone still has
// to act on, such as a WeChat Work customer group's group-send task, which
// the group's owner confirms in the client. Its Sender sits in the Mux
// under the same platform prefix ("wxc"); the Channel tells the outbox
// which kinds of broadcast go to its chats and what a delivery report adds
// about them.
type Channel interface {
	// Carries reports whether broadcasts of kind go to the channel's chats;
	// Enqueue leaves its chats out of other kinds.
	Carries(kind string) bool
	// ReportNote returns what the delivery report of a broadcast adds about
	// the channel's chats it reached (sent: chat → the message id its
	// Sender returned), as HTML; "" adds nothing.
	ReportNote(ctx context.Context, sent map[bot.ChatRef]string) string
}

// AddChannel registers ch for the chats of platform. Call it before Run and
// Enqueue.
func (o *Outbox) AddChannel(platform string, ch Channel) {
	if o.chans == nil {
		o.chans = map[string]Channel{}
	}
	o.chans[platform] = ch
}

// carried reports whether a broadcast of kind goes to chat.
func (o *Outbox) carried(chat bot.ChatRef, kind string) bool {
	ch, ok := o.chans[chat.Platform()]
	return !ok || ch.Carries(kind)
}

// New returns an Outbox that sends through env.Send (a bot.Mux), marks gone
// chats in env.Dir, and takes tokens from lim (nil: no limits). Zero fields
// of cfg take DefaultConfig's values; bad quiet hours turn quiet hours off
// (check cfg.Validate at start-up).
func New(env feature.Env, lim *ratelimit.Limiter, cfg Config) *Outbox {
	o := &Outbox{
		rdb: env.Redis, k: env.Keys, base: env.Keys.Key("ob", "{ob}"), dir: env.Dir,
		send: env.Send, lim: lim, metrics: env.Metrics, log: env.Log, now: env.Now, loc: env.Loc, cfg: cfg,
		wake: make(chan struct{}, 1), counts: make(chan struct{}, 1),
	}
	o.cfg = withDefaults(cfg)
	if o.lim == nil {
		o.lim = ratelimit.New(env.Redis, env.Keys, ratelimit.Config{}, env.Metrics)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.loc == nil {
		o.loc = time.Local
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	qs, err1 := parseClock(o.cfg.QuietStart)
	qe, err2 := parseClock(o.cfg.QuietEnd)
	if err1 != nil || err2 != nil {
		qs, qe = 0, 0
	}
	o.quiet = quiet{start: qs, end: qe, loc: o.loc}
	return o
}

func (o *Outbox) key(parts ...string) string {
	if len(parts) == 0 {
		return o.base
	}
	return o.base + ":" + joinColon(parts)
}

func joinColon(parts []string) string {
	s := parts[0]
	for _, p := range parts[1:] {
		s += ":" + p
	}
	return s
}

func (o *Outbox) bkey(id string, parts ...string) string {
	return o.key(append([]string{"b", id}, parts...)...)
}

func (o *Outbox) day(t time.Time) string { return t.In(o.loc).Format(time.DateOnly) }

// Enqueue stores the broadcast and one delivery per distinct chat in one
// round trip, due at NotBefore (or now), held to the end of quiet hours
// unless Urgent, and wakes this replica's workers.
func (o *Outbox) Enqueue(ctx context.Context, b bot.Broadcast) (string, error) {
	seen := make(map[bot.ChatRef]bool, len(b.Chats))
	args := []any{o.base, 0, int64(o.cfg.Retention.Seconds()), 0, b.Kind, b.Ref, b.Title, "",
		string(b.ReportTo), boolStr(b.Urgent), unixOrZero(b.NotBefore), boolStr(b.Kind != KindReport)}
	for _, c := range b.Chats {
		if c == "" || seen[c] || !o.carried(c, b.Kind) {
			continue
		}
		seen[c] = true
		args = append(args, string(c), b.Grids[c])
	}
	if len(seen) == 0 {
		return "", ErrNoChats
	}
	msg, err := json.Marshal(b.Message)
	if err != nil {
		return "", fmt.Errorf("enqueue %s %s: %w", b.Kind, b.Ref, err)
	}
	now := o.now()
	due := o.dueAt(now, b.NotBefore, b.Urgent)
	args[1], args[3], args[7] = due.UnixMilli(), now.Unix(), string(msg)
	id, err := enqueueScript.Run(ctx, o.rdb,
		[]string{o.key("seq"), o.key("pending"), o.key("recent")}, args...).Int64()
	if err != nil {
		return "", fmt.Errorf("enqueue %s %s: %w", b.Kind, b.Ref, err)
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return fmt.Sprint(id), nil
}

// GoesOutAt implements bot.Outbox.
func (o *Outbox) GoesOutAt(notBefore time.Time, urgent bool) time.Time {
	return o.dueAt(o.now(), notBefore, urgent)
}

func (o *Outbox) dueAt(now, notBefore time.Time, urgent bool) time.Time {
	due := now
	if notBefore.After(due) {
		due = notBefore
	}
	if !urgent {
		due = o.quiet.hold(due)
	}
	return due
}

// Sent returns the platform message id of each chat reached so far.
func (o *Outbox) Sent(ctx context.Context, id string) (map[bot.ChatRef]string, error) {
	h, err := o.rdb.HGetAll(ctx, o.bkey(id, "sent")).Result()
	if err != nil {
		return nil, fmt.Errorf("sent of broadcast %s: %w", id, err)
	}
	out := make(map[bot.ChatRef]string, len(h))
	for c, m := range h {
		out[bot.ChatRef(c)] = m
	}
	return out, nil
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
