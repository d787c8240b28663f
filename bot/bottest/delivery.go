package bottest

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gridbot/bot"
)

// Kept is a message a Keeper was given.
type Kept struct {
	Chat bot.ChatRef
	Msg  bot.Message
	// At is when it may go out (zero: at once).
	At time.Time
}

// Keeper is a bot.Keeper that records what it is given and sends nothing.
// The zero Keeper is ready to use.
type Keeper struct {
	mu   sync.Mutex
	kept []Kept
}

var _ bot.Keeper = (*Keeper)(nil)

// Retry implements bot.Retrier.
func (k *Keeper) Retry(ctx context.Context, chat bot.ChatRef, m bot.Message) error {
	return k.RetryAt(ctx, chat, m, time.Time{})
}

// RetryAt implements bot.Keeper.
func (k *Keeper) RetryAt(_ context.Context, chat bot.ChatRef, m bot.Message, at time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.kept = append(k.kept, Kept{Chat: chat, Msg: m, At: at})
	return nil
}

// Kept returns what was kept, in order.
func (k *Keeper) Kept() []Kept {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Kept(nil), k.kept...)
}

// Limiter is a bot.Limiter that counts the tokens taken per bucket and
// never waits. The zero Limiter is ready to use.
type Limiter struct {
	mu    sync.Mutex
	taken map[string]int
}

var _ bot.Limiter = (*Limiter)(nil)

// Wait implements bot.Limiter.
func (l *Limiter) Wait(_ context.Context, names ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.taken == nil {
		l.taken = map[string]int{}
	}
	for _, n := range names {
		l.taken[n]++
	}
	return nil
}

// Taken returns how many tokens bucket name gave.
func (l *Limiter) Taken(name string) int { l.mu.Lock(); defer l.mu.Unlock(); return l.taken[name] }

// Delivery returns a bot.Delivery over send and out (nil: a zero Outbox)
// that records tokens in lim and kept messages in keep (nil: fresh ones),
// on the clock now (nil: time.Now).
func Delivery(send bot.Sender, out bot.Outbox, lim *Limiter, keep *Keeper, now func() time.Time) *bot.Delivery {
	if out == nil {
		out = &Outbox{}
	}
	if lim == nil {
		lim = &Limiter{}
	}
	if keep == nil {
		keep = &Keeper{}
	}
	if now == nil {
		now = time.Now
	}
	return bot.NewDelivery(bot.DeliveryOptions{Send: send, Limit: lim, Keep: keep, Outbox: out,
		Log: slog.New(slog.DiscardHandler), Now: now})
}
