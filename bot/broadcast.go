package bot

import (
	"context"
	"time"
)

// Broadcast is one message for many chats. The outbox turns it into one
// durable delivery per chat.
type Broadcast struct {
	// Kind is what it is, for reach records and reports: "tip", "notice",
	// "event", "reminder", "quiz".
	Kind string
	// Ref identifies the thing broadcast within its kind (notice id, tip id).
	Ref string
	// Title is a short human label for reports ("元宵节猜灯谜").
	Title string
	// Grid of each chat, for reach per grid; chats missing here count
	// under "".
	Grids   map[ChatRef]string
	Chats   []ChatRef
	Message Message
	// Urgent deliveries ignore quiet hours.
	Urgent bool
	// NotBefore holds delivery until then (zero: now).
	NotBefore time.Time
	// ReportTo, when set, gets a delivery report once every chat has been
	// tried.
	ReportTo ChatRef
}

// Outbox accepts broadcasts for reliable, rate-limited delivery.
type Outbox interface {
	// Enqueue stores one delivery per chat and returns the broadcast id.
	// Once it returns nil, every chat gets the message exactly once (at most
	// one duplicate if a worker dies mid-send).
	Enqueue(ctx context.Context, b Broadcast) (id string, err error)
	// Sent returns the platform message id of each chat reached so far.
	Sent(ctx context.Context, id string) (map[ChatRef]string, error)
	// GoesOutAt returns when a broadcast enqueued now, due at notBefore
	// (zero: now) and urgent or not, starts going out: notBefore or now,
	// or the end of the quiet hours it falls in. Confirmations to staff
	// use it to say truthfully when a message will reach the groups.
	GoesOutAt(notBefore time.Time, urgent bool) time.Time
}

// DueQueue fires named items at a time, once, across restarts and replicas.
// Keys are "kind:rest"; the scheduler calls the handler registered for kind.
type DueQueue interface {
	// Schedule sets (or moves) key to fire at t.
	Schedule(ctx context.Context, key string, at time.Time) error
	// Cancel removes key if it has not fired.
	Cancel(ctx context.Context, key string) error
}
