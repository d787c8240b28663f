// Package notices lets staff broadcast notices (通知) to all or chosen grid
// groups: a preview with the reach, an explicit confirmation, optional
// scheduled or urgent delivery through the outbox, a delivery report to
// the sender, a list, cancelling scheduled notices and recalling sent ones.
package notices

import (
	"context"
	"log/slog"
	"time"

	"gridbot/bot"
	"gridbot/bot/feature"
)

// Config configures notices.
type Config struct {
	// DraftTTL is how long a preview can be confirmed (default 30m).
	DraftTTL time.Duration `yaml:"draft_ttl"`
	// MaxAhead is how far ahead a notice may be scheduled (default 366 days,
	// so any date typed without a year is accepted).
	MaxAhead time.Duration `yaml:"max_ahead"`
	// MaxRunes caps a notice's length (default 2000 characters).
	MaxRunes int `yaml:"max_runes"`
	// ListSize is how many notices /notices shows (default 10).
	ListSize int `yaml:"list_size"`
	// PaidBroadcast is set by main from telegram.paid_broadcast: the
	// outbox sends to Telegram groups as paid broadcasts, and the preview
	// shows their cost before staff confirm.
	PaidBroadcast bool `yaml:"-"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{DraftTTL: 30 * time.Minute, MaxAhead: 366 * 24 * time.Hour, MaxRunes: 2000, ListSize: 10}
}

// Recaller deletes a broadcast's messages from every chat where the
// platform allows (the concrete *outbox.Outbox implements it).
type Recaller interface {
	Recall(ctx context.Context, id string) (deleted, failed int, err error)
}

// Canceller stops the deliveries of a broadcast that have not been sent
// yet and reports how many it stopped (0: everything had gone out).
type Canceller interface {
	Cancel(ctx context.Context, id string) (cancelled int, err error)
}

// RecallFunc adapts a function to Recaller.
type RecallFunc func(ctx context.Context, id string) (deleted, failed int, err error)

// Recall implements Recaller.
func (f RecallFunc) Recall(ctx context.Context, id string) (int, int, error) { return f(ctx, id) }

// CancelFunc adapts a function to Canceller.
type CancelFunc func(ctx context.Context, id string) (int, error)

// Cancel implements Canceller.
func (f CancelFunc) Cancel(ctx context.Context, id string) (int, error) { return f(ctx, id) }

// CapWarner tells staff, before they confirm, of target chats whose
// platform caps how often they may receive (WeChat Work customer groups):
// lines to add to the preview (HTML), nil for none.
type CapWarner interface {
	CapWarnings(ctx context.Context, chats []bot.ChatRef) ([]string, error)
}

// Ops are the outbox operations beyond bot.Outbox that main passes in;
// Recaller and Canceller are required, Caps and Link are optional.
type Ops struct {
	Recaller  Recaller
	Canceller Canceller
	Caps      CapWarner
	// Link, when set, returns the public short link of notice n ("" when
	// links are off). The groups' message then carries it as a button
	// 查看通知页面, which WeChat Work shows as a link in the text, so
	// residents can forward the notice to ordinary WeChat groups.
	Link func(ctx context.Context, n int) (string, error)
}

// Feature is the notices feature. Create it with New.
type Feature struct {
	env feature.Env
	cfg Config
	ops Ops
}

// New returns the feature; zero Config fields take their defaults.
func New(env feature.Env, cfg Config, ops Ops) *Feature {
	d := DefaultConfig()
	if cfg.DraftTTL <= 0 {
		cfg.DraftTTL = d.DraftTTL
	}
	if cfg.MaxAhead <= 0 {
		cfg.MaxAhead = d.MaxAhead
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = d.MaxRunes
	}
	if cfg.ListSize <= 0 {
		cfg.ListSize = d.ListSize
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Log == nil {
		env.Log = slog.Default()
	}
	if ops.Recaller == nil || ops.Canceller == nil {
		panic("notices: New needs Ops.Recaller and Ops.Canceller")
	}
	return &Feature{env: env, cfg: cfg, ops: ops}
}

func (f *Feature) now() time.Time { return f.env.Now().In(f.env.Loc) }
