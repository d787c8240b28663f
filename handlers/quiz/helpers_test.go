package quiz

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// sent is one message or poll the fake sender delivered.
type sent = bottest.Sent

// fakeSender is bottest's Sender as on Telegram (polls, deep links), with
// the lookups these tests use.
type fakeSender struct{ bottest.Polls }

// currentPoll returns the id of the last poll sent to chat ("" if none).
func (s *fakeSender) currentPoll(chat bot.ChatRef) string {
	all := s.To(chat)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Poll != nil {
			return all[i].ID
		}
	}
	return ""
}

// last returns the last thing sent to chat.
func (s *fakeSender) last(t *testing.T, chat bot.ChatRef) sent {
	t.Helper()
	all := s.To(chat)
	if len(all) == 0 {
		t.Fatalf("nothing sent to %s", chat)
	}
	return all[len(all)-1]
}

// lastText returns the last text message sent to chat.
func (s *fakeSender) lastText(t *testing.T, chat bot.ChatRef) string {
	t.Helper()
	all := s.To(chat)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Poll == nil {
			return all[i].Msg.Text
		}
	}
	t.Fatalf("no text sent to %s", chat)
	return ""
}

// lastPoll returns the id and poll last sent to chat.
func (s *fakeSender) lastPoll(t *testing.T, chat bot.ChatRef) (string, bot.QuizPoll) {
	t.Helper()
	all := s.To(chat)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Poll != nil {
			return all[i].ID, *all[i].Poll
		}
	}
	t.Fatalf("no poll sent to %s", chat)
	return "", bot.QuizPoll{}
}

// rig is a quiz wired to fakes and a Redis.
type rig struct {
	t      *testing.T
	rdb    redis.UniversalClient
	f      *Feature
	r      *bot.Router
	send   *fakeSender
	mux    bot.Mux
	out    *bottest.Outbox
	due    *bottest.Due
	clock  *bottest.Clock
	groups map[string]bot.ChatRef
	seq    int
	mu     sync.Mutex
}

const staffUser = bot.UserRef("tg:1")

// newRig binds grids 1网格 (tg:-101, 50 members), 2网格 (tg:-102, 40
// members) and 3网格 (wecom:g3, 10 members).
// tipTopics stands in for the daily tips: this week's categories.
type tipTopics []string

func (t tipTopics) RecentCategories(context.Context, time.Time) ([]string, error) { return t, nil }

func newRig(t testing.TB, cfg Config, bank []Question) *rig { return newRigWith(t, cfg, bank, nil) }

// newRigWith is newRig with the daily tips the quiz leans on.
func newRigWith(t testing.TB, cfg Config, bank []Question, tips TipTopics) *rig {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staffUser})
	groups := map[string]bot.ChatRef{"1网格": "tg:-101", "2网格": "tg:-102", "3网格": "wecom:g3"}
	members := map[string]int{"1网格": 50, "2网格": 40, "3网格": 10}
	for g, c := range groups {
		if _, err := dir.Bind(ctx, c, g, g+"群"); err != nil {
			t.Fatal(err)
		}
		if err := dir.SetMembers(ctx, c, members[g]); err != nil {
			t.Fatal(err)
		}
	}
	fs := &fakeSender{bottest.Polls{Sender: &bottest.Sender{}}}
	plain := bottest.SendOnly(fs) // a WeChat Work group robot: no polls, no deep links
	mux := bot.Mux{"tg": fs, "wecom": plain, "console": plain}
	clk := bottest.NewClock(time.Date(2026, 11, 20, 19, 0, 0, 0, bottest.Shanghai))
	out, due := &bottest.Outbox{}, &bottest.Due{}
	log := slog.New(slog.NewTextHandler(discard{}, nil))
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Out: bottest.Delivery(mux, out, nil, nil, clk.Now), Outbox: out, Due: due, Log: log,
		Now: clk.Now, Loc: bottest.Shanghai}
	if bank == nil {
		bank = DefaultBank()
	}
	f := NewWithBank(env, cfg, tips, bank)
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Log: log})
	r.Add(&bot.Command{Name: "start", Args: bot.ArgsText, Handle: func(context.Context, *bot.Context) error { return nil }})
	f.Register(r)
	tt, _ := t.(*testing.T)
	return &rig{t: tt, rdb: rdb, f: f, r: r, send: fs, mux: mux, out: out, due: due, clock: clk, groups: groups}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// private sends text from user in the user's private chat.
func (g *rig) private(user bot.UserRef, name, text string) {
	g.handle(&bot.Update{Chat: user.PrivateChat(), ChatKind: bot.Private, User: user, UserName: name, Text: text})
}

// group sends text from user in the group of grid.
func (g *rig) group(grid string, user bot.UserRef, name, text string) {
	g.handle(&bot.Update{Chat: g.groups[grid], ChatKind: bot.Group, User: user, UserName: name, Text: text})
}

// vote answers poll id with option k.
func (g *rig) vote(user bot.UserRef, pollID string, k int) {
	g.handle(&bot.Update{User: user, Poll: &bot.PollAnswer{PollID: pollID, Options: []int{k}}})
}

func (g *rig) handle(u *bot.Update) {
	g.mu.Lock()
	g.seq++
	u.ID = fmt.Sprintf("t:%d", g.seq)
	u.MessageID = fmt.Sprint(g.seq)
	g.mu.Unlock()
	g.r.Handle(context.Background(), g.mux, u)
}

// smallBank returns n simple questions whose answer is always option B,
// in categories taken in turn.
func smallBank(n int) []Question {
	qs := make([]Question, n)
	for i := range qs {
		qs[i] = Question{ID: fmt.Sprintf("q%02d", i), Text: fmt.Sprintf("第%d道测试题？", i),
			Options: []string{"甲", "乙", "丙", "丁"}, Answer: []int{1},
			Explanation: fmt.Sprintf("解析%d", i), Category: Categories[i%len(Categories)], Difficulty: 1}
	}
	return qs
}

func contains(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}
