// Package replies coalesces the bot's answers in busy groups under the
// platforms' per-group send budget (Telegram: about 20 messages a minute
// per group, edits included; a WeChat Work group robot: 20 a minute per
// webhook, no edits).
//
// A handler's answer is written to Redis first (one round trip) and the
// group is marked due. Workers in every replica claim due groups with a
// lease and spend each token of the group's bucket (the same Redis buckets
// the outbox uses) on one message: all answers waiting, merged (answers of
// one kind become one section naming each person), or an edit of a live
// message such as an activity's sign-up list. When the group cannot show an
// answer within PrivateAfter, the person gets it privately at once (if they
// have started the bot) and the group gets the short line later. Answers
// stay in Redis until sent, so a crash loses none; a worker that dies
// mid-send makes at most that one message go twice.
//
// Redis layout (hash tag {rp}, base <prefix>:rp:{rp}):
//
//	seq            INCR answer ids
//	due            ZSET chat -> when to look at it next (Unix ms)
//	lease          ZSET chat -> lease deadline of the worker holding it
//	q:<chat>       ZSET answer id -> queued at (Unix ms)
//	e:<chat>       HASH answer id -> answer JSON
//	p:<chat>       HASH answer id -> 1 once told privately
//	live:<chat>    HASH live key -> "<platform message id>|<content digest>"
//	dirty:<chat>   HASH live key -> "since:version" of changes not shown
//	lives:<key>    SET chats showing the live message key
//	np:<user>      "1" for a while after a private send was refused
package replies

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redisx"
)

// Render builds the current state of the live message key for chat. ok is
// false when chat should no longer show it (the list was turned off).
type Render func(ctx context.Context, chat bot.ChatRef, key string) (m bot.Message, ok bool, err error)

// Coalescer is a bot.Replies backed by Redis; Run drains it and may run in
// many replicas.
type Coalescer struct {
	rdb    redis.UniversalClient
	base   string
	send   bot.Sender
	lim    *ratelimit.Limiter
	log    *slog.Logger
	cfg    Config
	now    func() time.Time
	render map[string]liveKind
	wake   chan struct{}
	ttl    time.Duration
}

var (
	_ bot.Replies = (*Coalescer)(nil)
	_ bot.Keeper  = (*Coalescer)(nil)
)

// New returns a Coalescer that sends through send (a bot.Mux) and takes
// tokens from lim. Zero fields of cfg take DefaultConfig's values.
func New(rdb redis.UniversalClient, keys bot.Keys, send bot.Sender, lim *ratelimit.Limiter, log *slog.Logger, cfg Config) *Coalescer {
	if log == nil {
		log = slog.Default()
	}
	if lim == nil {
		lim = ratelimit.New(rdb, keys, ratelimit.Config{}, nil)
	}
	return &Coalescer{rdb: rdb, base: keys.Key("rp", "{rp}"), send: send, lim: lim, log: log.With("part", "replies"),
		cfg: cfg.withDefaults(), now: time.Now, render: map[string]liveKind{}, wake: make(chan struct{}, 1),
		ttl: 30 * 24 * time.Hour}
}

// LiveOptions says how a kind of live message is kept current.
type LiveOptions struct {
	// Repost posts the message anew at the bottom of the chat when it is
	// buried under Repost messages or cannot be edited (WeChat Work);
	// without it such a message is left as it is.
	Repost bool
	// Idle brings the message up to date only when the group is owed
	// nothing else (an activity notice, whose numbers answers also carry).
	Idle bool
}

type liveKind struct {
	r   Render
	opt LiveOptions
}

// Live registers the renderer of live messages whose keys start with
// prefix+":" ("ev" for "ev:3"). Register before Run.
func (c *Coalescer) Live(prefix string, r Render, opt LiveOptions) {
	c.render[prefix] = liveKind{r: r, opt: opt}
}

func (c *Coalescer) kindOf(key string) (liveKind, bool) {
	prefix, _, _ := strings.Cut(key, ":")
	k, ok := c.render[prefix]
	return k, ok
}

func (c *Coalescer) key(parts ...string) string { return c.base + ":" + strings.Join(parts, ":") }

// stored is an answer as queued.
type stored struct {
	bot.Answer
	// At is when it was queued (Unix ms).
	At int64 `json:"at"`
	// Hold, when set, is when it may go out (Unix ms).
	Hold int64 `json:"hold,omitempty"`
}

// Answer implements bot.Replies in one round trip.
func (c *Coalescer) Answer(ctx context.Context, chat bot.ChatRef, a bot.Answer) error {
	return c.queue(ctx, chat, a, time.Time{})
}

// AnswerIn implements bot.AnswerPiper: Answer queued in pipe, so the router
// sends a handler's answers with the update's done mark in one round trip.
func (c *Coalescer) AnswerIn(ctx context.Context, pipe redis.Pipeliner, chat bot.ChatRef, a bot.Answer) func(context.Context) error {
	keys, args, err := c.queueArgs(chat, a, time.Time{})
	if err != nil {
		return func(context.Context) error { return err }
	}
	p := redisx.EvalIn(ctx, pipe, answerScript, keys, args...)
	return func(ctx context.Context) error {
		if _, err := p.Result(ctx, c.rdb); err != nil {
			return fmt.Errorf("answer in %s: %w", chat, err)
		}
		c.kick()
		return nil
	}
}

// queue stores a for chat, to go out at hold (zero: now), and makes the
// chat due then.
func (c *Coalescer) queue(ctx context.Context, chat bot.ChatRef, a bot.Answer, hold time.Time) error {
	keys, args, err := c.queueArgs(chat, a, hold)
	if err != nil {
		return err
	}
	if err := answerScript.Run(ctx, c.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("answer in %s: %w", chat, err)
	}
	c.kick()
	return nil
}

// queueArgs returns answerScript's keys and arguments for queue.
func (c *Coalescer) queueArgs(chat bot.ChatRef, a bot.Answer, hold time.Time) ([]string, []any, error) {
	now := c.now().UnixMilli()
	st, due := stored{Answer: a, At: now}, now
	if hold.UnixMilli() > now {
		st.Hold, due = hold.UnixMilli(), hold.UnixMilli()
	}
	js, err := json.Marshal(st)
	if err != nil {
		return nil, nil, fmt.Errorf("answer in %s: %w", chat, err)
	}
	return []string{c.key("due"), c.key("lease"), c.key("seq")},
		[]any{c.base, string(chat), string(js), now, a.Live, int64(c.ttl / time.Second), due}, nil
}

// Retry implements bot.Retrier in one round trip: m is queued for chat
// (private or group) as an answer to no one in particular, sent as it is,
// on its own, once the chat has budget, again after each failure of the
// moment, until it goes through or the chat refuses it for good.
func (c *Coalescer) Retry(ctx context.Context, chat bot.ChatRef, m bot.Message) error {
	return c.RetryAt(ctx, chat, m, time.Time{})
}

// RetryAt implements bot.Keeper in one round trip: Retry, but m does not
// go out before at (the end of the quiet hours).
func (c *Coalescer) RetryAt(ctx context.Context, chat bot.ChatRef, m bot.Message, at time.Time) error {
	return c.queue(ctx, chat, bot.Answer{Text: m.Text, ReplyTo: m.ReplyTo, Buttons: m.Buttons}, at)
}

// Touch implements bot.Replies in one round trip.
func (c *Coalescer) Touch(ctx context.Context, key string, chats ...bot.ChatRef) error {
	args := []any{c.base, key, c.now().UnixMilli(), int64(c.ttl / time.Second)}
	for _, ch := range chats {
		args = append(args, string(ch))
	}
	if err := touchScript.Run(ctx, c.rdb, []string{c.key("due"), c.key("lease")}, args...).Err(); err != nil {
		return fmt.Errorf("touch %s: %w", key, err)
	}
	c.kick()
	return nil
}

// Show implements bot.Replies in one round trip.
func (c *Coalescer) Show(ctx context.Context, key string, posts map[bot.ChatRef]string) error {
	args := []any{c.base, key, c.now().UnixMilli(), int64(c.ttl / time.Second)}
	for ch, id := range posts {
		if id != "" {
			args = append(args, string(ch), id)
		}
	}
	if len(args) == 4 {
		return nil
	}
	if err := showScript.Run(ctx, c.rdb, []string{c.key("due"), c.key("lease")}, args...).Err(); err != nil {
		return fmt.Errorf("show %s: %w", key, err)
	}
	c.kick()
	return nil
}

// Drop implements bot.Replies.
func (c *Coalescer) Drop(ctx context.Context, key string) error {
	if err := dropScript.Run(ctx, c.rdb, []string{c.key("lives:" + key)}, c.base, key).Err(); err != nil {
		return fmt.Errorf("drop %s: %w", key, err)
	}
	return nil
}

// Idle reports whether no group is due now or being sent to: every answer
// queued so far has been sent (or told privately), and what remains waits
// for a later time (a group's send budget, a retry).
func (c *Coalescer) Idle(ctx context.Context) (bool, error) {
	p := c.rdb.Pipeline()
	d := p.ZCount(ctx, c.key("due"), "-inf", strconv.FormatInt(c.now().UnixMilli(), 10))
	l := p.ZCard(ctx, c.key("lease"))
	if _, err := p.Exec(ctx); err != nil {
		return false, fmt.Errorf("replies idle: %w", err)
	}
	return d.Val()+l.Val() == 0, nil
}

func (c *Coalescer) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
