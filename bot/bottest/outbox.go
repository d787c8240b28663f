package bottest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"gridbot/bot"
)

// ErrOutboxDown is what Outbox.Enqueue returns for the call FailAt names.
var ErrOutboxDown = errors.New("outbox down")

// Outbox is a bot.Outbox that records every accepted broadcast and returns
// ids b1, b2, … in order. With Deliver set, Enqueue sends the message to
// each chat through it at once and Sent reports the ids it returned (chats
// whose send failed are missing); without, Sent reports ids 1000, 1001, …
// in the order of the broadcast's chats. The zero Outbox is ready to use.
type Outbox struct {
	// Err, when set, makes every Enqueue fail with it; nothing is recorded.
	Err error
	// FailAt, when > 0, makes the Enqueue call with that 1-based number
	// fail with ErrOutboxDown; nothing is recorded.
	FailAt int
	// Deliver, when set, receives every broadcast's message at once.
	Deliver bot.Sender
	// Hold, when set, is what GoesOutAt returns for a non-urgent
	// broadcast due before it (quiet hours in tests); zero holds nothing.
	Hold time.Time

	mu    sync.Mutex
	calls int
	got   []bot.Broadcast
	sent  map[string]map[bot.ChatRef]string
}

var _ bot.Outbox = (*Outbox)(nil)

// GoesOutAt implements bot.Outbox: notBefore (or the current time), or
// Hold when that is later and the broadcast is not urgent.
func (o *Outbox) GoesOutAt(notBefore time.Time, urgent bool) time.Time {
	t := notBefore
	if t.IsZero() {
		t = time.Now()
	}
	if !urgent && o.Hold.After(t) {
		return o.Hold
	}
	return t
}

// Enqueue records b (unless told to fail) and returns its id.
func (o *Outbox) Enqueue(ctx context.Context, b bot.Broadcast) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	if o.Err != nil {
		return "", o.Err
	}
	if o.calls == o.FailAt {
		return "", ErrOutboxDown
	}
	o.got = append(o.got, b)
	id := fmt.Sprintf("b%d", len(o.got))
	ids := map[bot.ChatRef]string{}
	for i, c := range b.Chats {
		if o.Deliver == nil {
			ids[c] = fmt.Sprint(1000 + i)
			continue
		}
		if mid, err := o.Deliver.Send(ctx, c, b.Message); err == nil {
			ids[c] = mid
		}
	}
	if o.sent == nil {
		o.sent = map[string]map[bot.ChatRef]string{}
	}
	o.sent[id] = ids
	return id, nil
}

// Sent returns the message id of each chat of broadcast id (nil for an
// unknown id).
func (o *Outbox) Sent(_ context.Context, id string) (map[bot.ChatRef]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent[id], nil
}

// All returns the accepted broadcasts in order.
func (o *Outbox) All() []bot.Broadcast {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

// ByKind returns the accepted broadcasts of kind, in order.
func (o *Outbox) ByKind(kind string) []bot.Broadcast {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []bot.Broadcast
	for _, b := range o.got {
		if b.Kind == kind {
			out = append(out, b)
		}
	}
	return out
}

// Calls returns how many times Enqueue was called, failed calls included.
func (o *Outbox) Calls() int { o.mu.Lock(); defer o.mu.Unlock(); return o.calls }
