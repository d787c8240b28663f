// Package tips pushes 每日一学 (a short piece of policy knowledge) to every
// grid group on a schedule, each grid cycling through the tip bank without
// repeats, and gives staff commands to push now, preview, skip, set a
// grid's time and language, and residents a way to read today's tip.
package tips

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
)

// Feature is the daily-tips feature. Create it with New.
type Feature struct {
	env   feature.Env
	cfg   Config
	live  *liveBank
	def   cron.Schedule
	specs sync.Map // spec string → cron.Schedule
}

// Job is a periodic job for main to register with the scheduler.
type Job struct {
	Name string
	Spec string
	Run  func(ctx context.Context) error
}

// New loads the bank (built-in plus cfg.Bank) and checks cfg. Empty
// Schedule and Tick take their defaults.
func New(env feature.Env, cfg Config) (*Feature, error) {
	d := DefaultConfig()
	if cfg.Schedule == "" {
		cfg.Schedule = d.Schedule
	}
	if cfg.Tick == "" {
		cfg.Tick = d.Tick
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bank, err := LoadBank(cfg.Bank, cfg.ReplaceDefault)
	if err != nil {
		return nil, err
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
	f := &Feature{env: env, cfg: cfg, live: newLiveBank(bank)}
	f.def, _ = ParseSpec(cfg.Schedule)
	return f, nil
}

// Bank returns the tip bank as last loaded: the files and the tips added
// on the console.
func (f *Feature) Bank() *Bank { return f.cur().bank }

// Jobs returns the job main registers with the scheduler: one tick (every
// minute by default) that pushes to each grid whose own time has come
// today and has not been served since. A tick missed while the bot was
// down is caught up at the next tick the same day, once.
func (f *Feature) Jobs() []Job {
	return []Job{{Name: "tips", Spec: f.cfg.Tick, Run: f.PushDue}}
}

func (f *Feature) now() time.Time { return f.env.Now().In(f.env.Loc) }

func (f *Feature) parsed(spec string) cron.Schedule {
	if s, ok := f.specs.Load(spec); ok {
		return s.(cron.Schedule)
	}
	s, err := ParseSpec(spec)
	if err != nil {
		return nil
	}
	f.specs.Store(spec, s)
	return s
}

// scheduleOf returns the spec and schedule in force for grid: a staff
// override, else config, else the default.
func (f *Feature) scheduleOf(grid string, overrides map[string]string) (string, cron.Schedule) {
	for _, spec := range []string{overrides[grid], f.cfg.GridSchedules[grid]} {
		if spec == "" {
			continue
		}
		if s := f.parsed(spec); s != nil {
			return spec, s
		}
	}
	return f.cfg.Schedule, f.def
}

// lastFire returns the latest time s fires today at or before now, or the
// zero time if it has not fired yet today.
func lastFire(s cron.Schedule, now time.Time) time.Time {
	y, m, d := now.Date()
	t := s.Next(time.Date(y, m, d, 0, 0, 0, 0, now.Location()).Add(-time.Second))
	var last time.Time
	for i := 0; i < 1500 && !t.IsZero() && !t.After(now); i++ {
		last = t
		t = s.Next(t)
	}
	return last
}

func hasActive(g grid.Grid) bool { return len(grid.ActiveChats([]grid.Grid{g})) > 0 }

// PushDue enqueues the next tip for every grid whose push time has come
// today and that has not had a push since; grids with no group the bot can
// post in are left alone, and a grid seen for the first time starts with
// its next scheduled time. Safe to run from several replicas at once: a
// grid is served once per due time.
func (f *Feature) PushDue(ctx context.Context) error {
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return fmt.Errorf("push due tips: %w", err)
	}
	last, sched, err := f.state(ctx)
	if err != nil {
		return err
	}
	now := f.now()
	var names []string
	var fires []int64
	for _, g := range grids {
		if !hasActive(g) {
			continue
		}
		_, s := f.scheduleOf(g.Name, sched)
		fire := lastFire(s, now)
		l, seen := last[g.Name]
		if n, _ := strconv.ParseInt(l, 10, 64); seen && (fire.IsZero() || n >= fire.Unix()) {
			continue
		}
		var fu int64
		if !fire.IsZero() {
			fu = fire.Unix()
		}
		names, fires = append(names, g.Name), append(fires, fu)
	}
	got, err := f.take(ctx, modeDue, names, fires)
	if err != nil {
		return err
	}
	_, err = f.deliver(ctx, got, grids)
	return err
}

// Result says which tip went to which grid.
type Result struct {
	Grid string
	Tip  Tip
	// Next is the grid's next scheduled push (preview only).
	Next time.Time
}

// PushNow enqueues the next tip for each of grids at once (staff asked),
// skipping grids with no group the bot can post in.
func (f *Feature) PushNow(ctx context.Context, grids []grid.Grid) ([]Result, error) {
	f.sync(ctx)
	var names []string
	for _, g := range grids {
		if hasActive(g) {
			names = append(names, g.Name)
		}
	}
	got, err := f.take(ctx, modeForce, names, nil)
	if err != nil {
		return nil, err
	}
	return f.deliver(ctx, got, grids)
}

func (f *Feature) deliver(ctx context.Context, got []taken, grids []grid.Grid) ([]Result, error) {
	byName := make(map[string]grid.Grid, len(grids))
	for _, g := range grids {
		byName[g.Name] = g
	}
	var out []Result
	var errs []error
	for _, t := range got {
		g := byName[t.Grid]
		tip, _ := f.cur().bank.Get(t.Tip)
		chats := grid.ActiveChats([]grid.Grid{g})
		gm := make(map[bot.ChatRef]string, len(chats))
		for _, c := range chats {
			gm[c] = g.Name
		}
		_, err := f.env.Outbox.Enqueue(ctx, bot.Broadcast{
			Kind: "tip", Ref: tip.ID, Title: tip.Title, Grids: gm, Chats: chats,
			Message: f.linked(ctx, Format(tip, g.Lang), tip.ID),
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("enqueue tip %s for %s: %w", tip.ID, g.Name, err))
			if uerr := f.untake(context.WithoutCancel(ctx), t); uerr != nil {
				errs = append(errs, uerr)
			}
			continue
		}
		out = append(out, Result{Grid: g.Name, Tip: tip})
	}
	if err := f.record(context.WithoutCancel(ctx), out); err != nil {
		f.env.Log.Warn("tip history", "err", err)
	}
	return out, errors.Join(errs...)
}

// linked adds the tip page's link to m as a URL button when links are on;
// without one (or when it cannot be made) m goes as it is.
func (f *Feature) linked(ctx context.Context, m bot.Message, tipID string) bot.Message {
	if f.cfg.Link == nil {
		return m
	}
	url, err := f.cfg.Link(ctx, tipID)
	if err != nil {
		f.env.Log.Warn("tip link", "tip", tipID, "err", err)
		return m
	}
	if url != "" {
		m.Buttons = [][]bot.Button{{{Text: btnPage, URL: url}}}
	}
	return m
}

// Preview returns the tip each grid will get next and when, without
// changing anything.
func (f *Feature) Preview(ctx context.Context, grids []grid.Grid) ([]Result, error) {
	f.sync(ctx)
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	got, err := f.take(ctx, modePeek, names, nil)
	if err != nil {
		return nil, err
	}
	_, sched, err := f.state(ctx)
	if err != nil {
		return nil, err
	}
	now := f.now()
	out := make([]Result, 0, len(got))
	for _, t := range got {
		tip, _ := f.cur().bank.Get(t.Tip)
		_, s := f.scheduleOf(t.Grid, sched)
		out = append(out, Result{Grid: t.Grid, Tip: tip, Next: s.Next(now)})
	}
	return out, nil
}

// Skip marks the next tip of each grid as had without pushing it.
func (f *Feature) Skip(ctx context.Context, grids []grid.Grid) ([]Result, error) {
	f.sync(ctx)
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	got, err := f.take(ctx, modeSkip, names, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(got))
	for _, t := range got {
		tip, _ := f.cur().bank.Get(t.Tip)
		out = append(out, Result{Grid: t.Grid, Tip: tip})
	}
	return out, nil
}

// Today returns the tip last pushed to grid; ok is false when none has
// been pushed yet (tip is then the next one).
func (f *Feature) Today(ctx context.Context, grid string) (tip Tip, ok bool, err error) {
	f.sync(ctx)
	h, err := f.History(ctx, grid, 1)
	if err != nil {
		return Tip{}, false, err
	}
	if len(h) == 1 {
		if t, found := f.cur().bank.Get(h[0].TipID); found {
			return t, true, nil
		}
	}
	got, err := f.take(ctx, modePeek, []string{grid}, nil)
	if err != nil || len(got) == 0 {
		return Tip{}, false, err
	}
	t, _ := f.cur().bank.Get(got[0].Tip)
	return t, false, nil
}

// Format renders a tip as a group message; when lang names a translation
// the tip has, the translation follows the Chinese in the same message.
func Format(t Tip, lang string) bot.Message {
	var b strings.Builder
	fmt.Fprintf(&b, msgHeader, bot.Esc(t.Category))
	fmt.Fprintf(&b, "\n<b>%s</b>\n%s", bot.Esc(t.Title), bot.Esc(t.Body))
	if tr, ok := t.Translations[lang]; ok && lang != "" {
		fmt.Fprintf(&b, "\n\n<b>%s</b>\n%s", bot.Esc(tr.Title), bot.Esc(tr.Body))
	}
	if t.Source != "" {
		b.WriteString("\n")
		fmt.Fprintf(&b, msgSource, bot.Esc(t.Source))
	}
	return bot.Message{Text: b.String()}
}
