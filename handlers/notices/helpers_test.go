package notices

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

type fakeOps struct {
	mu        sync.Mutex
	cancelled []string
	recalled  []string
	cancelN   int
	// deleted and failed are what Recall reports.
	deleted, failed int
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
	return o.deleted, o.failed, nil
}

var (
	_ Recaller  = (*fakeOps)(nil)
	_ Canceller = (*fakeOps)(nil)
)

const (
	staff    = bot.UserRef("tg:1")
	resident = bot.UserRef("tg:9")
)

type fixture struct {
	t      *testing.T
	f      *Feature
	out    *bottest.Outbox
	send   *bottest.Sender
	ops    *fakeOps
	clock  *bottest.Clock
	router *bot.Router
	n      int
}

// newFixture binds grids 1网格..n网格 (one group each, 10·i members; grid 1
// tagged 老旧小区) and wires ops (nil for none).
func newFixture(t *testing.T, grids int) *fixture {
	t.Helper()
	return newFixtureCfg(t, grids, DefaultConfig())
}

// newFixtureCfg is newFixture with the feature's settings cfg.
func newFixtureCfg(t *testing.T, grids int, cfg Config) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staff})
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
	fx := &fixture{t: t, out: &bottest.Outbox{}, send: &bottest.Sender{}, ops: &fakeOps{cancelN: 1, deleted: 2, failed: 1},
		clock: bottest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, bottest.Shanghai))}
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Outbox: fx.out, Now: fx.clock.Now, Loc: bottest.Shanghai}
	fx.f = New(env, cfg, Ops{Recaller: fx.ops, Canceller: fx.ops})
	fx.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir})
	fx.f.Register(fx.router)
	return fx
}

// say sends text as user in chat (a private chat when chat is "") and
// returns the last message the bot sent.
func (fx *fixture) say(user bot.UserRef, chat bot.ChatRef, text string) string {
	fx.t.Helper()
	fx.handle(user, chat, &bot.Update{Text: text})
	return fx.send.Last().Text
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
	m := fx.send.Last()
	if len(m.Buttons) == 0 || len(m.Buttons[0]) < 2 {
		fx.t.Fatalf("last message has no confirm button: %q", m.Text)
	}
	return m.Buttons[0][0].Data
}

var errBoom = errors.New("boom")
