package tips

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

const staff = bot.UserRef("tg:1")

type fixture struct {
	t      *testing.T
	f      *Feature
	env    feature.Env
	out    *bottest.Outbox
	send   *bottest.Sender
	clock  *bottest.Clock
	router *bot.Router
	n      int
}

// newFixture binds grids 1网格..n网格, one group each with 10·i members.
func newFixture(t *testing.T, grids int, cfg Config) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staff})
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
	fx := &fixture{t: t, out: &bottest.Outbox{}, send: &bottest.Sender{},
		clock: bottest.NewClock(time.Date(2026, 3, 2, 7, 0, 0, 0, bottest.Shanghai))}
	fx.env = feature.Env{Redis: rdb, Keys: keys, Dir: dir, Send: fx.send, Outbox: fx.out, Now: fx.clock.Now, Loc: bottest.Shanghai}
	f, err := New(fx.env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fx.f = f
	fx.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir})
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
	return fx.send.Last().Text
}

func (fx *fixture) grids() []grid.Grid {
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
	for _, b := range fx.out.All() {
		for _, g := range b.Grids {
			out[g] = append(out[g], b.Ref)
			break
		}
	}
	return out
}
