package notices

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

type fakeOutbox struct {
	mu   sync.Mutex
	got  []bot.Broadcast
	sent map[string]map[bot.ChatRef]string
	fail error
}

var _ bot.Outbox = (*fakeOutbox)(nil)

func (o *fakeOutbox) Enqueue(_ context.Context, b bot.Broadcast) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return "", o.fail
	}
	o.got = append(o.got, b)
	id := fmt.Sprintf("b%d", len(o.got))
	if o.sent == nil {
		o.sent = map[string]map[bot.ChatRef]string{}
	}
	m := map[bot.ChatRef]string{}
	for i, c := range b.Chats {
		m[c] = fmt.Sprint(1000 + i)
	}
	o.sent[id] = m
	return id, nil
}

func (o *fakeOutbox) Sent(_ context.Context, id string) (map[bot.ChatRef]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent[id], nil
}

func (o *fakeOutbox) all() []bot.Broadcast {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bot.Broadcast(nil), o.got...)
}

type sent struct {
	Chat bot.ChatRef
	Msg  bot.Message
}

// fakeSender records messages; it can delete (failing for chats in
// noDelete) and edit.
type fakeSender struct {
	mu       sync.Mutex
	sent     []sent
	deleted  []bot.ChatRef
	edited   []string
	answers  []string
	noDelete map[bot.ChatRef]bool
}

var (
	_ bot.Sender           = (*fakeSender)(nil)
	_ bot.Deleter          = (*fakeSender)(nil)
	_ bot.Editor           = (*fakeSender)(nil)
	_ bot.CallbackAnswerer = (*fakeSender)(nil)
)

func (s *fakeSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sent{chat, m})
	return fmt.Sprint(len(s.sent)), nil
}

func (s *fakeSender) Delete(_ context.Context, chat bot.ChatRef, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noDelete[chat] {
		return &bot.SendError{Kind: bot.Permanent, Code: 400, Desc: "message can't be deleted"}
	}
	s.deleted = append(s.deleted, chat)
	return nil
}

func (s *fakeSender) Edit(_ context.Context, _ bot.ChatRef, _ string, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.edited = append(s.edited, m.Text)
	return nil
}

func (s *fakeSender) AnswerCallback(_ context.Context, _ string, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, text)
	return nil
}

func (s *fakeSender) lastMsg() bot.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sent) == 0 {
		return bot.Message{}
	}
	return s.sent[len(s.sent)-1].Msg
}

type fakeOps struct {
	mu        sync.Mutex
	cancelled []string
	recalled  []string
	cancelN   int
}

func (o *fakeOps) Cancel(_ context.Context, id string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancelled = append(o.cancelled, id)
	return o.cancelN, nil
}

func (o *fakeOps) Recall(_ context.Context, id string) (int, int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.recalled = append(o.recalled, id)
	return 2, 1, nil
}

var (
	_ Recaller  = (*fakeOps)(nil)
	_ Canceller = (*fakeOps)(nil)
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	staff    = bot.UserRef("tg:1")
	resident = bot.UserRef("tg:9")
)

type fixture struct {
	t      *testing.T
	f      *Feature
	out    *fakeOutbox
	send   *fakeSender
	ops    *fakeOps
	clock  *clock
	router *bot.Router
	n      int
}

// newFixture binds grids 1网格..n网格 (one group each, 10·i members; grid 1
// tagged 老旧小区) and wires ops (nil for none).
func newFixture(t *testing.T, grids int, withOps bool) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	dir := bot.NewDirectory(rdb, keys, []bot.UserRef{staff})
	ctx := context.Background()
	for i := 1; i <= grids; i++ {
		chat := bot.ChatRef(fmt.Sprintf("tg:-%d", 100+i))
		if _, err := dir.Bind(ctx, chat, fmt.Sprintf("%d网格", i), ""); err != nil {
			t.Fatal(err)
		}
		if err := dir.SetMembers(ctx, chat, 10*i); err != nil {
			t.Fatal(err)
		}
	}
	if err := dir.SetGridMeta(ctx, "1网格", []string{"老旧小区"}, ""); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, out: &fakeOutbox{}, send: &fakeSender{}, ops: &fakeOps{cancelN: 1},
		clock: &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, shanghai)}}
	env := bot.Env{Redis: rdb, Keys: keys, Dir: dir, Send: fx.send, Outbox: fx.out, Now: fx.clock.Now, Loc: shanghai}
	var ops Ops
	if withOps {
		ops = Ops{Recaller: fx.ops, Canceller: fx.ops}
	}
	fx.f = New(env, DefaultConfig(), ops)
	fx.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Dir: dir})
	fx.f.Register(fx.router)
	return fx
}

// say sends text as user in chat (a private chat when chat is "") and
// returns the last message the bot sent.
func (fx *fixture) say(user bot.UserRef, chat bot.ChatRef, text string) string {
	fx.t.Helper()
	fx.handle(user, chat, &bot.Update{Text: text})
	return fx.send.lastMsg().Text
}

// press presses a button as user in a private chat.
func (fx *fixture) press(user bot.UserRef, data string) {
	fx.t.Helper()
	fx.handle(user, "", &bot.Update{Data: data, CallbackID: fmt.Sprintf("tg:cb%d", fx.n+1)})
}

func (fx *fixture) handle(user bot.UserRef, chat bot.ChatRef, u *bot.Update) {
	fx.n++
	u.ChatKind = bot.Group
	if chat == "" {
		chat, u.ChatKind = user.PrivateChat(), bot.Private
	}
	u.ID, u.Chat, u.User, u.UserName, u.MessageID = fmt.Sprintf("u%d", fx.n), chat, user, "测试", fmt.Sprint(fx.n)
	fx.router.Handle(context.Background(), fx.send, u)
}

// okButton returns the data of the confirm button of the last preview.
func (fx *fixture) okButton() string {
	fx.t.Helper()
	m := fx.send.lastMsg()
	if len(m.Buttons) == 0 || len(m.Buttons[0]) < 2 {
		fx.t.Fatalf("last message has no confirm button: %q", m.Text)
	}
	return m.Buttons[0][0].Data
}

var errBoom = errors.New("boom")
