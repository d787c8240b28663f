package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Limiter paces sends with the token buckets every replica shares
// ("tg:global"); *ratelimit.Limiter is one.
type Limiter interface {
	// Wait takes a token from every named bucket, waiting as long as they
	// ask; a bucket no rule limits costs nothing.
	Wait(ctx context.Context, names ...string) error
}

// Keeper keeps messages durably and sends them later under the shared
// limits, again after each failure of the moment, until they go through or
// the chat refuses them for good; *replies.Coalescer is one.
type Keeper interface {
	Retrier
	// RetryAt is Retry for a message that must not go out before at.
	RetryAt(ctx context.Context, chat ChatRef, m Message, at time.Time) error
}

// DeliveryOptions are the parts a Delivery sends through. main builds them
// once; every field is required.
type DeliveryOptions struct {
	// Send reaches every platform (a Mux).
	Send Sender
	// Limit holds the shared buckets: each message Delivery sends itself
	// first takes a token from "<platform>:global".
	Limit Limiter
	// Keep holds the messages a platform could not take now, and those
	// quiet hours hold.
	Keep Keeper
	// Outbox says when quiet hours end (GoesOutAt).
	Outbox Outbox
	Log    *slog.Logger
	Now    func() time.Time
}

// Delivery is how a feature sends what is not a reply to the update in
// hand (Context.Reply) and not a broadcast (Env.Outbox): telling one person
// privately, editing a message the bot posted, and what a feature needs to
// know of the platforms (deep links, member counts, admin checks). Every
// message it sends takes a token from the shared "<platform>:global" bucket
// first, and one the platform cannot take for the moment (a 5xx, a network
// failure, a 429) is kept and sent again, like a reply.
type Delivery struct {
	send   Sender
	limit  Limiter
	keep   Keeper
	outbox Outbox
	log    *slog.Logger
	now    func() time.Time
}

// NewDelivery returns the Delivery over o; it panics when a part is
// missing (a wiring mistake).
func NewDelivery(o DeliveryOptions) *Delivery {
	if o.Send == nil || o.Limit == nil || o.Keep == nil || o.Outbox == nil || o.Log == nil || o.Now == nil {
		panic("bot: NewDelivery needs Send, Limit, Keep, Outbox, Log and Now")
	}
	return &Delivery{send: o.Send, limit: o.Limit, keep: o.Keep, outbox: o.Outbox, log: o.Log, now: o.Now}
}

// Told says what became of a private message that was not refused.
type Told struct {
	// Later is set when the message was kept to go out later rather than
	// sent now: the platform failed for the moment (At is zero: it goes as
	// soon as the platform takes it) or quiet hours hold it (until At).
	// It still fails later if the person never started the bot.
	Later bool
	At    time.Time
}

// Tell sends m to user's private chat now: an answer the person waits for.
// It fails when the person cannot be reached privately (they never started
// a chat with the bot, blocked it, or their platform has no private chats);
// a failure of the moment is not an error: m is kept (Told.Later).
func (d *Delivery) Tell(ctx context.Context, user UserRef, m Message) (Told, error) {
	return d.sendKept(ctx, user.PrivateChat(), m)
}

// Notify is Tell for news that can wait (a promotion from the waitlist, a
// cancellation, a reminder, a digest): inside the quiet hours the groups
// keep (Outbox.GoesOutAt) it is kept and goes out when they end, unless
// that is after deadline (zero: none), when it is sent now. A held message
// is not tried now, so whether the person can be reached is not known yet.
func (d *Delivery) Notify(ctx context.Context, user UserRef, m Message, deadline time.Time) (Told, error) {
	at, held := d.notifyAt(deadline)
	if !held || m.File != nil {
		return d.sendKept(ctx, user.PrivateChat(), m)
	}
	chat := user.PrivateChat()
	if err := d.keep.RetryAt(ctx, chat, m, at); err != nil {
		return Told{}, fmt.Errorf("hold message to %s: %w", chat, err)
	}
	return Told{Later: true, At: at}, nil
}

// NotifyAt returns when a Notify made now with deadline goes out: now, or
// the end of the quiet hours. Text that says "in an hour" is written as
// seen from then.
func (d *Delivery) NotifyAt(deadline time.Time) time.Time {
	at, _ := d.notifyAt(deadline)
	return at
}

func (d *Delivery) notifyAt(deadline time.Time) (at time.Time, held bool) {
	now := d.now()
	at = d.outbox.GoesOutAt(now, false)
	if at.Sub(now) <= time.Minute || !deadline.IsZero() && !at.Before(deadline) {
		return now, false
	}
	return at, true
}

// Post sends m to a chat now (the fallback mention in a group for a person
// who cannot be told privately), kept and sent again like Tell.
func (d *Delivery) Post(ctx context.Context, chat ChatRef, m Message) (Told, error) {
	return d.sendKept(ctx, chat, m)
}

func (d *Delivery) sendKept(ctx context.Context, chat ChatRef, m Message) (Told, error) {
	d.take(ctx, chat)
	_, err := d.send.Send(ctx, chat, m)
	if err == nil {
		return Told{}, nil
	}
	k := KindOf(err)
	if m.File != nil || k != Temporary && k != RateLimited || errors.Is(err, ErrUnsupported) {
		return Told{}, err
	}
	if qerr := d.keep.Retry(context.WithoutCancel(ctx), chat, m); qerr != nil {
		return Told{}, fmt.Errorf("keep message to %s: %w (sending: %w)", chat, qerr, err)
	}
	d.log.Info("message kept to send again", "chat", chat, "err", err)
	return Told{Later: true}, nil
}

// take takes a token from the chat's platform-wide bucket; when Redis
// cannot be asked, the message goes anyway.
func (d *Delivery) take(ctx context.Context, chat ChatRef) {
	if err := d.limit.Wait(ctx, chat.Platform()+":global"); err != nil && ctx.Err() == nil {
		d.log.Warn("rate limit unavailable; sending anyway", "chat", chat, "err", err)
	}
}

// Edit changes a message the bot posted in chat (ErrUnsupported where the
// platform cannot). It takes a token like a send; it is not kept.
func (d *Delivery) Edit(ctx context.Context, chat ChatRef, msgID string, m Message) error {
	e, ok := d.send.(Editor)
	if !ok {
		return ErrUnsupported
	}
	d.take(ctx, chat)
	return e.Edit(ctx, chat, msgID, m)
}

// DeepLink returns a link opening a private chat with the bot on platform
// carrying payload, or "" when that platform has none.
func (d *Delivery) DeepLink(platform, payload string) string {
	if m, ok := d.send.(Mux); ok {
		return m.DeepLinkOn(platform, payload)
	}
	if l, ok := d.send.(DeepLinker); ok {
		return l.DeepLink(payload)
	}
	return ""
}

// Inspector asks the platforms about chats (member counts, admins).
func (d *Delivery) Inspector() ChatInspector {
	if ci, ok := d.send.(ChatInspector); ok {
		return ci
	}
	return noInspector{}
}

type noInspector struct{}

func (noInspector) MemberCount(context.Context, ChatRef) (int, error) { return 0, ErrUnsupported }
func (noInspector) IsAdmin(context.Context, ChatRef, UserRef) (bool, error) {
	return false, ErrUnsupported
}
