// Package custgroups brings WeChat Work customer groups (客户群, the
// external groups where residents sit with their personal WeChat) into
// gridbot: it syncs the groups the corp's members own through the
// customer-contact API, lets staff map each to a grid (chat and console),
// and is the outbox channel "wxc": a broadcast to a mapped group becomes an
// official group-send task that the group's owner confirms in their WeChat
// Work client. It tracks each task (sent, not yet confirmed, failed),
// reminds owners who have not pressed send, tells staff who still has to,
// and counts each group's sends against the platform's cap (bot/sendcap)
// so a send over it is refused and reported, never lost in silence.
//
// A mapped group is a chat "wxc:<chat id>" bound to its grid in the
// Directory, so notices, tips and activity announcements to that grid
// include it. Records live under <prefix>:cg:{cg}:* (bot/keyspace.go).
package custgroups

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/sendcap"
	"gridbot/bot/wecom/custgroup"
)

// Platform is the chat prefix of customer groups ("wxc:<chat id>").
const Platform = "wxc"

// API is the part of the customer-contact client the feature uses; the
// concrete *custgroup.Client implements it.
type API interface {
	AllGroups(ctx context.Context, status int, owners []string) ([]custgroup.GroupRef, error)
	Group(ctx context.Context, chatID string, names bool) (custgroup.Group, error)
	SendToGroups(ctx context.Context, s custgroup.GroupSend) (custgroup.SendResult, error)
	Tasks(ctx context.Context, msgID string) ([]custgroup.Task, error)
	Results(ctx context.Context, msgID, userID string) ([]custgroup.Result, error)
	Remind(ctx context.Context, msgID string) error
	Cancel(ctx context.Context, msgID string) error
}

var _ API = (*custgroup.Client)(nil)

// Config is the custgroup section of the configuration: the client's keys
// (corp_id, api_base, timeout, retry_after; the secret only from
// GRIDBOT_CUSTGROUP_SECRET) and the feature's.
type Config struct {
	custgroup.Config `yaml:",inline"`
	// Owners are the members whose customer groups are synced (empty: every
	// owner in the app's visible range, which WeChat Work refuses above
	// 1000 people).
	Owners []string `yaml:"owners"`
	// Cap is the corp's group-send rule: month (as many a month as it has
	// days, the default), week (seven) or day (one).
	Cap sendcap.Rule `yaml:"cap"`
	// Sync and Track are cron specs: when the group list is synced, and
	// when open group-send tasks are checked (and owners reminded).
	Sync  string `yaml:"sync"`
	Track string `yaml:"track"`
	// RemindAfter is how long after a task was created its owner is first
	// reminded; reminders follow at most every 8 hours, three in all
	// (WeChat Work allows three in 24 hours).
	RemindAfter time.Duration `yaml:"remind_after"`
	// TrackFor is how long a task is tracked; one its owner has not
	// confirmed by then is cancelled and reported as not sent.
	TrackFor time.Duration `yaml:"track_for"`
	// Kinds are the broadcast kinds customer groups get (default notice,
	// tip, event: each task costs the owner a tap and the group one send
	// of its monthly cap).
	Kinds []string `yaml:"kinds"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Sync: "15 6 * * *", Track: "*/10 * * * *", RemindAfter: 2 * time.Hour,
		TrackFor: 72 * time.Hour, Kinds: []string{"notice", "tip", "event"}}
}

// Validate checks the feature's keys when a corp is configured, naming the
// key at fault ("custgroup.…") and never quoting the secret.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	var errs []error
	if err := c.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.RemindAfter < time.Minute {
		errs = append(errs, fmt.Errorf("custgroup.remind_after: want at least 1m (default 2h), got %s", c.RemindAfter))
	}
	if c.TrackFor < time.Hour || c.TrackFor > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("custgroup.track_for: want 1h to 720h (default 72h), got %s", c.TrackFor))
	}
	for _, k := range c.Kinds {
		switch k {
		case "notice", "tip", "event", "reminder", "quiz":
		default:
			errs = append(errs, fmt.Errorf("custgroup.kinds: want notice, tip, event, reminder or quiz, got %q", k))
		}
	}
	for _, o := range c.Owners {
		if !validUserID(o) {
			errs = append(errs, fmt.Errorf("custgroup.owners: want member userids (账号), got %q", o))
		}
	}
	return errors.Join(errs...)
}

// validUserID reports whether s looks like a member userid (账号): 1 to 64
// letters, digits and _-.@.
func validUserID(s string) bool {
	const ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@"
	return s != "" && len(s) <= 64 && strings.Trim(s, ok) == ""
}

// Feature is the customer-groups feature. Create it with New.
type Feature struct {
	env   feature.Env
	cfg   Config
	api   API
	store store
	log   *slog.Logger
}

// New returns the feature over api (a *custgroup.Client, or one pointed at
// custgroupfake in tests).
func New(env feature.Env, cfg Config, api API) *Feature {
	d := DefaultConfig()
	if cfg.RemindAfter <= 0 {
		cfg.RemindAfter = d.RemindAfter
	}
	if cfg.TrackFor <= 0 {
		cfg.TrackFor = d.TrackFor
	}
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = d.Kinds
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	if env.Log == nil {
		env.Log = slog.Default()
	}
	return &Feature{env: env, cfg: cfg, api: api, log: env.Log.With("feature", "custgroups"),
		store: store{rdb: env.Redis, base: env.Keys.Key("cg", "{cg}")}}
}

func (f *Feature) now() time.Time { return f.env.Now().In(f.env.Loc) }

// Ref returns the chat reference of a customer group.
func Ref(chatID string) bot.ChatRef { return bot.ChatRef(Platform + ":" + chatID) }

// advice is what staff are told about a client error: its Chinese advice,
// or a generic sentence.
func advice(err error) string {
	var e *custgroup.Error
	if errors.As(err, &e) {
		return e.Advice()
	}
	return msgBusy
}
