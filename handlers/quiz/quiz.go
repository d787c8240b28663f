// Package quiz runs the weekly knowledge quiz (每周知识竞答): a round of a
// few questions opens on a schedule, every grid group gets one announcement
// with a button into a private chat, residents answer question by question
// (Telegram quiz polls, or text elsewhere), and when the round closes every
// group gets the results with grid leaderboards. Points add up per season.
//
// Every answer is one Lua script: scoring, the one-attempt rule and all
// leaderboards change together or not at all.
package quiz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redisx"
)

// answerCap bounds the time one answer adds to the tie-break total, so a
// resident who steps away for tea is not pushed to the bottom for ever.
const answerCap = 10 * time.Minute

// Feature is the quiz. Create it with New; it is safe for concurrent use.
type Feature struct {
	env  feature.Env
	cfg  Config
	tips TipTopics
	live *liveBank
	base string
	ttl  int64

	mu     sync.Mutex
	rounds map[int]*round
}

// round is the part of a round that never changes after it opens.
type round struct {
	ID        int
	Opened    time.Time
	Closes    time.Time
	Season    string
	Questions []Question
	Grids     []string
}

// TipTopics is what the quiz asks of the daily tips: the categories and
// tags of the tips pushed since a time (handlers/tips' Feature). A round
// takes about 60% of its questions from this week's.
type TipTopics interface {
	RecentCategories(ctx context.Context, since time.Time) ([]string, error)
}

// New loads the question banks (the embedded one plus cfg.Banks) and
// returns the feature. A bad bank file is an error naming it. env.Out,
// Outbox and Due are required once rounds are played; tips may be nil
// (rounds then lean on nothing).
func New(env feature.Env, cfg Config, tips TipTopics) (*Feature, error) {
	cfg.fill()
	bank, err := LoadBanks(cfg.NoDefaultBank, cfg.Banks)
	if err != nil {
		return nil, err
	}
	return NewWithBank(env, cfg, tips, bank), nil
}

// NewWithBank is New with the question bank given (for tests and tools).
func NewWithBank(env feature.Env, cfg Config, tips TipTopics, bank []Question) *Feature {
	cfg.fill()
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	if env.Log == nil {
		env.Log = slog.Default()
	}
	return &Feature{env: env, cfg: cfg, tips: tips, live: newLiveBank(bank), base: env.Keys.Key("quiz", "{quiz}") + ":",
		ttl: int64(cfg.KeepDays) * 86400, rounds: map[int]*round{}}
}

// Bank returns the questions the feature asks from, as last loaded (the
// files and the questions added on the console).
func (f *Feature) Bank() []Question { return f.questions() }

func (f *Feature) key(parts ...string) string { return f.base + strings.Join(parts, ":") }
func (f *Feature) roundKey(id int, parts ...string) string {
	return f.key(append([]string{"r", strconv.Itoa(id)}, parts...)...)
}
func (f *Feature) seasonKey(s string, parts ...string) string {
	return f.key(append([]string{"s", s}, parts...)...)
}

// DueKey is the env.Due key that closes round id.
func DueKey(id int) string { return fmt.Sprintf("quiz:%d:close", id) }

// ErrRoundOpen is returned by OpenRound while another round is open.
var ErrRoundOpen = errors.New("quiz: a round is open")

// OpenRound opens a round of cfg.Questions questions not asked in the last
// cfg.RecentRounds rounds (leaning on this week's tip categories), schedules its
// close at now+cfg.Window under DueKey, and enqueues one announcement per
// grid group. It is what the cron job schedule.quiz calls. While a round is
// open it returns ErrRoundOpen (wrapped) and the open round's id.
func (f *Feature) OpenRound(ctx context.Context) (int, error) {
	return f.open(ctx, "cron")
}

func (f *Feature) open(ctx context.Context, by string) (int, error) {
	now := f.env.Now()
	qs, err := f.pick(ctx)
	if err != nil {
		return 0, err
	}
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return 0, fmt.Errorf("open quiz round: %w", err)
	}
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	closes := now.Add(f.cfg.Window)
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	gj, _ := json.Marshal(names)
	fields := []any{"status", "open", "opened", now.Unix(), "closes", closes.Unix(),
		"season", SeasonOf(f.cfg.Season, now, f.env.Loc), "n", len(qs),
		"qids", strings.Join(ids, ","), "grids", string(gj), "by", by, "players", 0, "done", 0}
	for i, q := range qs {
		qj, _ := json.Marshal(q)
		fields = append(fields, "q"+strconv.Itoa(i), string(qj), "a"+strconv.Itoa(i), answerSet(q.Answer),
			"o"+strconv.Itoa(i), len(q.Options))
	}
	args := append([]any{f.base, now.Unix(), f.ttl}, fields...)
	v, err := openScript.Run(ctx, f.env.Redis, []string{f.key("cur"), f.key("seq")}, args...).Result()
	var id int
	var busy bool
	if err == nil {
		id, busy, err = parseOpen(v)
	}
	if err != nil {
		return 0, fmt.Errorf("open quiz round: %w", err)
	}
	if busy {
		if err := f.finishAnnounce(ctx, id); err != nil {
			return id, err
		}
		return id, fmt.Errorf("round %d: %w", id, ErrRoundOpen)
	}
	if err := f.env.Due.Schedule(ctx, DueKey(id), closes); err != nil {
		return id, fmt.Errorf("schedule close of quiz round %d: %w", id, err)
	}
	if err := f.finishAnnounce(ctx, id); err != nil {
		return id, err
	}
	f.env.Log.Info("quiz round opened", "round", id, "questions", strings.Join(ids, ","), "by", by)
	return id, nil
}

// parseOpen reads openScript's {"ok" or "busy", round id}: the round
// opened, or the one still open; another shape is a redisx.ErrReply.
func parseOpen(v any) (id int, busy bool, err error) {
	a, err := redisx.Array(v, 2)
	if err != nil {
		return 0, false, err
	}
	st, err := redisx.String(a[0])
	if err != nil {
		return 0, false, err
	}
	if st != "ok" && st != "busy" {
		return 0, false, fmt.Errorf("%w: open status %q", redisx.ErrReply, st)
	}
	n, err := redisx.Int(a[1])
	if err != nil {
		return 0, false, err
	}
	return int(n), st == "busy", nil
}

func answerSet(ans []int) string {
	var b strings.Builder
	b.WriteByte(',')
	for _, a := range ans {
		b.WriteString(strconv.Itoa(a))
		b.WriteByte(',')
	}
	return b.String()
}

// pick chooses the questions of a new round.
func (f *Feature) pick(ctx context.Context) ([]Question, error) {
	n := f.cfg.Questions
	if err := f.sync(ctx); err != nil {
		f.env.Log.Warn("quiz: reload custom questions", "err", err)
	}
	bank := f.questions()
	if len(bank) < n {
		return nil, bot.Userf(msgNotEnough, n, len(bank))
	}
	recent, err := f.recentIDs(ctx)
	if err != nil {
		return nil, err
	}
	var lean []string
	if f.tips != nil {
		if lean, err = f.tips.RecentCategories(ctx, f.env.Now().Add(-7*24*time.Hour)); err != nil {
			f.env.Log.Warn("quiz: this week's tip categories", "err", err)
		}
	}
	return pickQuestions(bank, recent, lean, n, rand.IntN), nil
}

func (f *Feature) recentIDs(ctx context.Context) (map[string]bool, error) {
	seq, err := f.env.Redis.Get(ctx, f.key("seq")).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("quiz recent rounds: %w", err)
	}
	pipe := f.env.Redis.Pipeline()
	var cmds []*redis.StringCmd
	for id := seq; id > 0 && id > seq-f.cfg.RecentRounds; id-- {
		cmds = append(cmds, pipe.HGet(ctx, f.roundKey(id), "qids"))
	}
	if len(cmds) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("quiz recent rounds: %w", err)
		}
	}
	out := map[string]bool{}
	for _, c := range cmds {
		for _, id := range strings.Split(c.Val(), ",") {
			if id != "" {
				out[id] = true
			}
		}
	}
	return out, nil
}

// pickQuestions takes n questions from bank, avoiding recent ids (unless
// too few remain), about 60% from those whose category or a tag is in lean,
// easier ones first.
func pickQuestions(bank []Question, recent map[string]bool, lean []string, n int, intn func(int) int) []Question {
	var fresh []Question
	for _, q := range bank {
		if !recent[q.ID] {
			fresh = append(fresh, q)
		}
	}
	if len(fresh) < n {
		fresh = slices.Clone(bank)
	}
	shuffle(fresh, intn)
	leanSet := map[string]bool{}
	for _, l := range lean {
		leanSet[strings.TrimSpace(l)] = true
	}
	var leaning, rest []Question
	for _, q := range fresh {
		if leansOn(q, leanSet) {
			leaning = append(leaning, q)
		} else {
			rest = append(rest, q)
		}
	}
	want := 0
	if len(leanSet) > 0 {
		want = (n*6 + 9) / 10
	}
	take := min(want, len(leaning))
	out := append(slices.Clone(leaning[:take]), rest[:min(n-take, len(rest))]...)
	for i := take; len(out) < n && i < len(leaning); i++ {
		out = append(out, leaning[i])
	}
	slices.SortStableFunc(out, func(a, b Question) int { return a.Difficulty - b.Difficulty })
	return out
}

func leansOn(q Question, lean map[string]bool) bool {
	if lean[q.Category] {
		return true
	}
	for _, t := range q.Tags {
		if lean[t] {
			return true
		}
	}
	return false
}

func shuffle(qs []Question, intn func(int) int) {
	for i := len(qs) - 1; i > 0; i-- {
		j := intn(i + 1)
		qs[i], qs[j] = qs[j], qs[i]
	}
}

// round returns the fixed part of round id, from memory or Redis.
func (f *Feature) round(ctx context.Context, id int) (*round, error) {
	f.mu.Lock()
	r := f.rounds[id]
	f.mu.Unlock()
	if r != nil {
		return r, nil
	}
	h, err := f.env.Redis.HGetAll(ctx, f.roundKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("load quiz round %d: %w", id, err)
	}
	if len(h) == 0 {
		return nil, nil
	}
	r = &round{ID: id, Season: h["season"]}
	opened, _ := strconv.ParseInt(h["opened"], 10, 64)
	closes, _ := strconv.ParseInt(h["closes"], 10, 64)
	r.Opened, r.Closes = time.Unix(opened, 0), time.Unix(closes, 0)
	n, _ := strconv.Atoi(h["n"])
	for i := range n {
		var q Question
		if err := json.Unmarshal([]byte(h["q"+strconv.Itoa(i)]), &q); err != nil {
			return nil, fmt.Errorf("load quiz round %d question %d: %w", id, i, err)
		}
		r.Questions = append(r.Questions, q)
	}
	_ = json.Unmarshal([]byte(h["grids"]), &r.Grids)
	f.mu.Lock()
	f.rounds[id] = r
	f.mu.Unlock()
	return r, nil
}

// current returns the open round, or nil.
func (f *Feature) current(ctx context.Context) (*round, error) {
	id, err := f.env.Redis.Get(ctx, f.key("cur")).Int()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("current quiz round: %w", err)
	}
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return nil, err
	}
	if !f.env.Now().Before(r.Closes) {
		return nil, nil
	}
	return r, nil
}

// HandleDue handles the due-queue keys of the quiz ("quiz:<round>:close"):
// it closes that round and enqueues the results. Unknown keys are ignored.
func (f *Feature) HandleDue(ctx context.Context, key string) error {
	rest, ok := strings.CutPrefix(key, "quiz:")
	if !ok {
		return nil
	}
	idStr, what, _ := strings.Cut(rest, ":")
	id, err := strconv.Atoi(idStr)
	if err != nil || what != "close" {
		f.env.Log.Warn("quiz: unknown due key", "key", key)
		return nil
	}
	return f.CloseRound(ctx, id)
}

// CloseRound closes round id (if open) and sends the results to every grid
// group, once: calling it again after success does nothing.
func (f *Feature) CloseRound(ctx context.Context, id int) error {
	now := f.env.Now()
	_, err := closeScript.Run(ctx, f.env.Redis, []string{f.roundKey(id), f.key("cur")},
		id, now.Unix()).Int()
	if err != nil {
		return fmt.Errorf("close quiz round %d: %w", id, err)
	}
	return f.publishResults(ctx, id)
}

// deepLink returns the link that opens a private chat for round id from a
// group of grid number gi (1-based; 0 for none), or "".
func (f *Feature) deepLink(platform string, id, gi int) string {
	return f.env.Out.DeepLink(platform, payload(id, gi))
}

func payload(id, gi int) string {
	if gi > 0 {
		return fmt.Sprintf("quiz_%d_%d", id, gi)
	}
	return fmt.Sprintf("quiz_%d", id)
}

// Job is the cron job of schedule.quiz: it opens a round, and while one is
// open it only finishes that round's announcements if a failure left any
// unsent.
func (f *Feature) Job(ctx context.Context) error {
	id, err := f.OpenRound(ctx)
	if errors.Is(err, ErrRoundOpen) {
		f.env.Log.Info("quiz: a round is still open; no new round", "round", id)
		return nil
	}
	return err
}

// finishAnnounce enqueues the announcements of round id not yet enqueued:
// one per grid and platform (the button carries the grid, so each grid's
// message differs). Each enqueued one is marked in the round's hash, so a
// retry after a failure sends only what is missing.
func (f *Feature) finishAnnounce(ctx context.Context, id int) error {
	h, err := f.env.Redis.HGetAll(ctx, f.roundKey(id)).Result()
	if err != nil {
		return fmt.Errorf("announce quiz round %d: %w", id, err)
	}
	if h["status"] != "open" || h["opened_all"] == "1" {
		return nil
	}
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return err
	}
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return fmt.Errorf("announce quiz round %d: %w", id, err)
	}
	page := f.pageLink(ctx, r.ID)
	for _, g := range grids {
		gi := slices.Index(r.Grids, g.Name) + 1
		byPlatform := map[string][]bot.ChatRef{}
		var platforms []string
		for _, c := range grid.ActiveChats([]grid.Grid{g}) {
			p := c.Platform()
			if byPlatform[p] == nil {
				platforms = append(platforms, p)
			}
			byPlatform[p] = append(byPlatform[p], c)
		}
		for _, p := range platforms {
			mark := "open|" + g.Name + "|" + p
			if h[mark] == "1" {
				continue
			}
			chats := byPlatform[p]
			m := bot.Message{Text: fmt.Sprintf(msgAnnounce, r.ID, len(r.Questions), f.when(r.Closes))}
			switch link := f.deepLink(p, r.ID, gi); {
			case link != "":
				m.Text += msgAnnounceLink
				m.Buttons = [][]bot.Button{{{Text: btnStart, URL: link}}}
			case page != "":
				m.Text += msgAnnouncePage
			default:
				m.Text += msgAnnounceNoLink
			}
			if page != "" {
				m.Buttons = append(m.Buttons, []bot.Button{{Text: btnPage, URL: page}})
			}
			grid := map[bot.ChatRef]string{}
			for _, c := range chats {
				grid[c] = g.Name
			}
			_, err := f.env.Outbox.Enqueue(ctx, bot.Broadcast{Kind: "quiz", Ref: strconv.Itoa(r.ID),
				Title: fmt.Sprintf("第%d期知识竞答", r.ID), Grids: grid, Chats: chats, Message: m})
			if err != nil {
				return fmt.Errorf("announce quiz round %d to %s: %w", r.ID, g.Name, err)
			}
			if err := f.env.Redis.HSet(ctx, f.roundKey(id), mark, "1").Err(); err != nil {
				return fmt.Errorf("announce quiz round %d: %w", id, err)
			}
		}
	}
	if err := f.env.Redis.HSet(ctx, f.roundKey(id), "opened_all", "1").Err(); err != nil {
		return fmt.Errorf("announce quiz round %d: %w", id, err)
	}
	return nil
}

// pageLink returns the short link of round id's resident page, or "" when
// links are off or it cannot be made (the announcement goes without).
func (f *Feature) pageLink(ctx context.Context, id int) string {
	if f.cfg.Link == nil {
		return ""
	}
	url, err := f.cfg.Link(ctx, id)
	if err != nil {
		f.env.Log.Warn("quiz page link", "round", id, "err", err)
		return ""
	}
	return url
}

var weekdays = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// when shows a time for residents: 11月29日（周日）19:00.
func (f *Feature) when(t time.Time) string {
	t = t.In(f.env.Loc)
	return fmt.Sprintf("%d月%d日（%s）%s", t.Month(), t.Day(), weekdays[t.Weekday()], t.Format("15:04"))
}
