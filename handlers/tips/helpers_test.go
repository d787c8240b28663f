package tips

import (
	"context"
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
	return fmt.Sprintf("b%d", len(o.got)), nil
}

func (o *fakeOutbox) Sent(context.Context, string) (map[bot.ChatRef]string, error) { return nil, nil }

func (o *fakeOutbox) all() []bot.Broadcast {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bot.Broadcast(nil), o.got...)
}

type sent struct {
	Chat bot.ChatRef
	Msg  bot.Message
}

type fakeSender struct {
	mu   sync.Mutex
	sent []sent
}

var _ bot.Sender = (*fakeSender)(nil)

func (s *fakeSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sent{chat, m})
	return fmt.Sprint(len(s.sent)), nil
}

func (s *fakeSender) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sent) == 0 {
		return ""
	}
	return s.sent[len(s.sent)-1].Msg.Text
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

const staff = bot.UserRef("tg:1")

type fixture struct {
	t      *testing.T
	f      *Feature
	env    bot.Env
	out    *fakeOutbox
	send   *fakeSender
	clock  *clock
	router *bot.Router
	n      int
}

// newFixture binds grids 1网格..n网格, one group each with 10·i members.
func newFixture(t *testing.T, grids int, cfg Config) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	dir := bot.NewDirectory(rdb, keys, []bot.UserRef{staff})
	ctx := context.Background()
	for i := 1; i <= grids; i++ {
		chat := bot.ChatRef(fmt.Sprintf("tg:-%d", 100+i))
		if _, err := dir.Bind(ctx, chat, fmt.Sprintf("%d网格", i), fmt.Sprintf("%d网格群", i)); err != nil {
			t.Fatal(err)
		}
		if err := dir.SetMembers(ctx, chat, 10*i); err != nil {
			t.Fatal(err)
		}
	}
	fx := &fixture{t: t, out: &fakeOutbox{}, send: &fakeSender{},
		clock: &clock{t: time.Date(2026, 3, 2, 7, 0, 0, 0, shanghai)}}
	fx.env = bot.Env{Redis: rdb, Keys: keys, Dir: dir, Send: fx.send, Outbox: fx.out, Now: fx.clock.Now, Loc: shanghai}
	f, err := New(fx.env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fx.f = f
	fx.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Dir: dir})
	f.Register(fx.router)
	return fx
}

// say sends text as user in chat (a private chat when chat is "").
func (fx *fixture) say(user bot.UserRef, chat bot.ChatRef, text string) string {
	fx.t.Helper()
	fx.n++
	kind := bot.Group
	if chat == "" {
		chat, kind = user.PrivateChat(), bot.Private
	}
	fx.router.Handle(context.Background(), fx.send, &bot.Update{
		ID: fmt.Sprintf("u%d", fx.n), Chat: chat, ChatKind: kind, User: user, UserName: "测试",
		MessageID: fmt.Sprint(fx.n), Text: text,
	})
	return fx.send.last()
}

func (fx *fixture) grids() []bot.Grid {
	fx.t.Helper()
	gs, err := fx.env.Dir.Grids(context.Background())
	if err != nil {
		fx.t.Fatal(err)
	}
	return gs
}

// tipsByGrid returns the tip ids enqueued per grid, in order.
func (fx *fixture) tipsByGrid() map[string][]string {
	out := map[string][]string{}
	for _, b := range fx.out.all() {
		for _, g := range b.Grids {
			out[g] = append(out[g], b.Ref)
			break
		}
	}
	return out
}
