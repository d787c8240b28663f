package quiz

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// sent is one message or poll the fake sender delivered.
type sent struct {
	Chat bot.ChatRef
	Msg  bot.Message
	Poll *bot.QuizPoll
	ID   string
}

// fakeSender records everything sent and answers like Telegram: polls get
// ids p1, p2, …, deep links point to t.me.
type fakeSender struct {
	mu    sync.Mutex
	n     int
	out   []sent
	polls map[string]pollRec
	// pollOf is the last poll sent to each chat.
	pollOf map[bot.ChatRef]string
}

// currentPoll returns the id of the last poll sent to chat ("" if none).
func (s *fakeSender) currentPoll(chat bot.ChatRef) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollOf[chat]
}

type pollRec struct {
	Chat bot.ChatRef
	Poll bot.QuizPoll
}

var (
	_ bot.Sender     = (*fakeSender)(nil)
	_ bot.Poller     = (*fakeSender)(nil)
	_ bot.DeepLinker = (*fakeSender)(nil)
)

func (s *fakeSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	id := fmt.Sprint(s.n)
	s.out = append(s.out, sent{Chat: chat, Msg: m, ID: id})
	return id, nil
}

func (s *fakeSender) SendQuiz(_ context.Context, chat bot.ChatRef, q bot.QuizPoll) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	id := fmt.Sprintf("p%d", s.n)
	if s.polls == nil {
		s.polls = map[string]pollRec{}
	}
	s.polls[id] = pollRec{Chat: chat, Poll: q}
	if s.pollOf == nil {
		s.pollOf = map[bot.ChatRef]string{}
	}
	s.pollOf[chat] = id
	s.out = append(s.out, sent{Chat: chat, Poll: &q, ID: id})
	return id, fmt.Sprint(s.n), nil
}

func (s *fakeSender) DeepLink(payload string) string { return "https://t.me/gridbot?start=" + payload }

// to returns what was sent to chat.
func (s *fakeSender) to(chat bot.ChatRef) []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sent
	for _, m := range s.out {
		if m.Chat == chat {
			out = append(out, m)
		}
	}
	return out
}

// last returns the last thing sent to chat.
func (s *fakeSender) last(t *testing.T, chat bot.ChatRef) sent {
	t.Helper()
	all := s.to(chat)
	if len(all) == 0 {
		t.Fatalf("nothing sent to %s", chat)
	}
	return all[len(all)-1]
}

// lastText returns the last text message sent to chat.
func (s *fakeSender) lastText(t *testing.T, chat bot.ChatRef) string {
	t.Helper()
	all := s.to(chat)
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
	all := s.to(chat)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Poll != nil {
			return all[i].ID, *all[i].Poll
		}
	}
	t.Fatalf("no poll sent to %s", chat)
	return "", bot.QuizPoll{}
}

// plainSender can only send text (no polls, no deep links), like a
// WeChat Work group robot.
type plainSender struct{ s *fakeSender }

func (p plainSender) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	return p.s.Send(ctx, chat, m)
}

type fakeOutbox struct {
	mu  sync.Mutex
	got []bot.Broadcast
	// failAt makes the call with this 1-based number fail once.
	failAt, calls int
}

var _ bot.Outbox = (*fakeOutbox)(nil)

func (o *fakeOutbox) Enqueue(_ context.Context, b bot.Broadcast) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	if o.calls == o.failAt {
		return "", fmt.Errorf("outbox down")
	}
	o.got = append(o.got, b)
	return fmt.Sprint(len(o.got)), nil
}

func (o *fakeOutbox) Sent(context.Context, string) (map[bot.ChatRef]string, error) { return nil, nil }

func (o *fakeOutbox) all() []bot.Broadcast {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

type fakeDue struct {
	mu  sync.Mutex
	due map[string]time.Time
}

var _ bot.DueQueue = (*fakeDue)(nil)

func (d *fakeDue) Schedule(_ context.Context, key string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.due == nil {
		d.due = map[string]time.Time{}
	}
	d.due[key] = at
	return nil
}

func (d *fakeDue) Cancel(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.due, key)
	return nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// rig is a quiz wired to fakes and a Redis.
type rig struct {
	t      *testing.T
	rdb    *redis.Client
	f      *Feature
	r      *bot.Router
	send   *fakeSender
	mux    bot.Mux
	out    *fakeOutbox
	due    *fakeDue
	clock  *clock
	groups map[string]bot.ChatRef
	seq    int
	mu     sync.Mutex
}

const staffUser = bot.UserRef("tg:1")

// newRig binds grids 1网格 (tg:-101, 50 members), 2网格 (tg:-102, 40
// members) and 3网格 (wecom:g3, 10 members).
func newRig(t testing.TB, cfg Config, bank []Question) *rig {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	dir := bot.NewDirectory(rdb, keys, []bot.UserRef{staffUser})
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
	fs := &fakeSender{}
	mux := bot.Mux{"tg": fs, "wecom": plainSender{fs}, "console": plainSender{fs}}
	clk := &clock{t: time.Date(2026, 11, 20, 19, 0, 0, 0, shanghai)}
	out, due := &fakeOutbox{}, &fakeDue{}
	log := slog.New(slog.NewTextHandler(discard{}, nil))
	env := bot.Env{Redis: rdb, Keys: keys, Dir: dir, Send: mux, Outbox: out, Due: due, Log: log,
		Now: clk.Now, Loc: shanghai}
	if bank == nil {
		bank = DefaultBank()
	}
	f := NewWithBank(env, cfg, bank)
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Dir: dir, Log: log})
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
