// Package events runs activities and sign-ups (活动报名): staff publish an
// activity to grid groups, residents sign up with 报名 3 or a button, a
// waitlist moves up when someone cancels, staff get the roster privately as
// CSV and XLSX, people check in with a code, and reminders go out 24 hours
// and 1 hour before the start.
//
// Every resident action (join, leave) and every capacity change is one Lua
// script on the event's hash tag, so seats are never oversold.
package events

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gridbot/bot"
	"gridbot/bot/when"
)

const maxHeadcount = 10

// Config tunes the events feature.
type Config struct {
	// RefreshSeconds is the least time between two notice edits in one
	// chat (Telegram allows about 20 messages a minute per group).
	RefreshSeconds int `yaml:"refresh_seconds"`
	// MaxHeadcount is the most people one sign-up may bring (at most 10).
	MaxHeadcount int `yaml:"max_headcount"`
	// RemarkMax is the most characters kept of a sign-up remark.
	RemarkMax int `yaml:"remark_max"`
	// CheckinBeforeMinutes is how early before the start check-in may open.
	CheckinBeforeMinutes int `yaml:"checkin_before_minutes"`
	// DefaultLengthMinutes is how long an activity without 结束 is taken
	// to last (check-in codes stay valid that long).
	DefaultLengthMinutes int `yaml:"default_length_minutes"`
	// RecordDays is how long attendance records are kept (default 3 years
	// and a month).
	RecordDays int `yaml:"record_days"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{RefreshSeconds: 6, MaxHeadcount: maxHeadcount, RemarkMax: 60,
		CheckinBeforeMinutes: 60, DefaultLengthMinutes: 180, RecordDays: 3*366 + 31}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.RefreshSeconds <= 0 {
		c.RefreshSeconds = d.RefreshSeconds
	}
	if c.MaxHeadcount <= 0 || c.MaxHeadcount > maxHeadcount {
		c.MaxHeadcount = d.MaxHeadcount
	}
	if c.RemarkMax <= 0 {
		c.RemarkMax = d.RemarkMax
	}
	if c.CheckinBeforeMinutes <= 0 {
		c.CheckinBeforeMinutes = d.CheckinBeforeMinutes
	}
	if c.DefaultLengthMinutes <= 0 {
		c.DefaultLengthMinutes = d.DefaultLengthMinutes
	}
	if c.RecordDays < d.RecordDays {
		c.RecordDays = d.RecordDays
	}
	return c
}

// Feature is the events feature. Build it with New, then Register it with
// the router and register HandleDue with the scheduler under kind "ev".
type Feature struct {
	env bot.Env
	cfg Config
	st  *store
	log *slog.Logger
}

// New returns the events feature. env.Redis, Keys, Dir, Send, Now and Loc
// are required; without env.Outbox notices are sent directly through
// env.Send; without env.Due there are no reminders and no notice refresh.
func New(env bot.Env, cfg Config) *Feature {
	if env.Log == nil {
		env.Log = slog.Default()
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	return &Feature{env: env, cfg: cfg.withDefaults(), st: &store{rdb: env.Redis, k: env.Keys}, log: env.Log.With("feature", "events")}
}

// joinWords and leaveWords are how residents ask to sign up and to cancel.
// A bot.NumSlot marks a phrase that acts only with the activity number there:
// "取消{n}" takes "取消 3" but leaves a bare "取消" alone, and "{n}去"
// takes "3号我去" but not "我去3号" (a place, perhaps).
var (
	joinWords = []string{"报名", "我报名", "参加", "我参加", "报个名", "报一个", "报名参加", "参加报名", "报一下名", "报上名",
		"报" + bot.NumSlot, "算我一个" + bot.NumSlot, bot.NumSlot + "算我一个", "加我一个" + bot.NumSlot, bot.NumSlot + "加我一个",
		bot.NumSlot + "去", bot.NumSlot + "报上"}
	leaveWords = []string{"取消报名", "退出报名", "取消我的报名", "撤销报名", "取消候补", "退出候补",
		"取消" + bot.NumSlot, bot.NumSlot + "取消", "撤销" + bot.NumSlot, "退出" + bot.NumSlot, bot.NumSlot + "退出", "退掉" + bot.NumSlot,
		bot.NumSlot + "退掉", "不参加了" + bot.NumSlot, "不参加" + bot.NumSlot, bot.NumSlot + "不参加了", bot.NumSlot + "不参加",
		"不去了" + bot.NumSlot, "不去" + bot.NumSlot, bot.NumSlot + "不去了", bot.NumSlot + "不去", bot.NumSlot + "去不了了", bot.NumSlot + "去不了",
		bot.NumSlot + "来不了了", bot.NumSlot + "来不了", bot.NumSlot + "参加不了了", bot.NumSlot + "参加不了", bot.NumSlot + "不报了",
		bot.NumSlot + "不报名了"}
)

// Register adds the events commands and the "ev" button callbacks.
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "events", Keywords: []string{"活动", "活动列表", "近期活动", "有什么活动"}, Args: bot.ArgsNone,
			Group: helpGroup, Usage: "活动", Help: helpEvents, Handle: f.list},
		&bot.Command{Name: "join", Keywords: joinWords, Args: bot.ArgsNumber,
			Group: helpGroup, Usage: usageJoin, Help: helpJoin, Handle: f.join},
		&bot.Command{Name: "leave", Keywords: leaveWords, Args: bot.ArgsNumber,
			Group: helpGroup, Usage: usageLeave, Help: helpLeave, Handle: f.leave},
		&bot.Command{Name: "my", Keywords: []string{"我的报名"}, Args: bot.ArgsNone,
			Group: helpGroup, Usage: "我的报名", Help: helpMy, Handle: f.my},
		&bot.Command{Name: "checkin", Keywords: []string{"签到"}, Args: bot.ArgsNumber,
			Group: helpGroup, Usage: usageCheckin, Help: helpCheckin, Handle: f.checkin},
		&bot.Command{Name: "startcheckin", Args: bot.ArgsNumber, Role: bot.GridWorker,
			Group: helpGroup, Usage: usageStart, Help: helpStart, Handle: f.checkin},
		&bot.Command{Name: "newevent", Keywords: []string{"发布活动", "新建活动"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: helpGroup, Usage: "发布活动", Help: helpNew, Handle: f.create},
		&bot.Command{Name: "roster", Keywords: []string{"名单", "报名名单"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageRoster, Help: helpRoster, Handle: f.roster},
		&bot.Command{Name: "editevent", Keywords: []string{"修改活动"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: helpGroup, Usage: usageEdit, Help: helpEdit, Handle: f.edit},
		&bot.Command{Name: "chain", Keywords: []string{"接龙", "开启接龙", "开接龙"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageChain, Help: helpChain, Handle: f.chainOn},
		&bot.Command{Name: "unchain", Keywords: []string{"关闭接龙", "停止接龙"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageUnchain, Handle: f.chainOff},
		&bot.Command{Name: "cancelevent", Keywords: []string{"取消活动"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageCancel, Help: helpCancel, Handle: f.cancel},
		&bot.Command{Name: "confirmcancel", Keywords: []string{"确认取消活动"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageCancelOK, Handle: f.cancelConfirm},
	)
	r.OnCallback("ev", f.button)
}

// HandleDue runs a due-queue item of kind "ev": "ev:<id>:refresh" and
// "ev:<id>:close" (at the sign-up deadline) edit the posted notices, "ev:<id>:r24" and "ev:<id>:r1" send reminders. The "ev:"
// prefix is optional. Reminders are sent at most once each, and never for a
// cancelled or started activity.
func (f *Feature) HandleDue(ctx context.Context, key string) error {
	return f.handleDue(ctx, key)
}

func (f *Feature) now() time.Time { return f.env.Now() }

func (f *Feature) fmtTime(t time.Time) string {
	return formatWhen(t, f.now(), f.env.Loc)
}

// fmtSpan shows when e takes place: its start, and its end when it has one.
func (f *Feature) fmtSpan(e *Event) string {
	if e.End.IsZero() {
		return f.fmtTime(e.Start)
	}
	return when.FormatRange(e.Start, e.End, f.now(), f.env.Loc)
}

// userErr converts a not-found error into the reply for event id.
func (f *Feature) load(ctx context.Context, id int64) (*Event, error) {
	e, err := f.st.get(ctx, id)
	if errors.Is(err, errNotFound) {
		return nil, bot.Userf(msgNotFound, id)
	}
	return e, err
}

func (f *Feature) schedule(ctx context.Context, key string, at time.Time) {
	if f.env.Due == nil {
		return
	}
	if err := f.env.Due.Schedule(ctx, key, at); err != nil {
		f.log.Warn("schedule", "key", key, "err", err)
	}
}

func (f *Feature) unschedule(ctx context.Context, key string) {
	if f.env.Due == nil {
		return
	}
	if err := f.env.Due.Cancel(ctx, key); err != nil {
		f.log.Warn("cancel due", "key", key, "err", err)
	}
}

// touched schedules one notice refresh after a change that set the dirty
// flag.
func (f *Feature) touched(ctx context.Context, id int64, dirty bool) {
	if dirty {
		f.schedule(ctx, dueKey(id, "refresh"), f.now().Add(time.Duration(f.cfg.RefreshSeconds)*time.Second))
	}
}
