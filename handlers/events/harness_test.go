package events

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// sent is one message, edit or toast the fake sender recorded.
type sent = bottest.Sent

// errBlocked is how Telegram refuses a private message to a user who never
// started the bot.
var errBlocked = &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "bot can't initiate conversation"}

const (
	group3  = bot.ChatRef("tg:-100")
	group5  = bot.ChatRef("tg:-200")
	staffID = bot.UserRef("tg:1")
)

type harness struct {
	t    testing.TB
	rdb  redis.UniversalClient
	keys bot.Keys
	env  feature.Env
	f    *Feature
	r    *bot.Router
	s    *bottest.Sender
	out  *bottest.Outbox
	due  *bottest.Due
	lim  *bottest.Limiter
	keep *bottest.Keeper
	clk  *bottest.Clock
	// mr is the in-process Redis when no real one is named (nil otherwise).
	mr  *miniredis.Miniredis
	mu  sync.Mutex
	upd int
}

// Wednesday 2027-02-10 10:00 in Shanghai.
var t0 = time.Date(2027, 2, 10, 10, 0, 0, 0, bottest.Shanghai)

func newHarness(t testing.TB) *harness {
	rdb, keys, mr := redistest.New(t)
	h := newHarnessOn(t, rdb, keys)
	h.mr = mr
	return h
}

// newHarnessOn is newHarness on a given Redis and key prefix.
func newHarnessOn(t testing.TB, rdb redis.UniversalClient, keys bot.Keys) *harness {
	h := &harness{t: t, rdb: rdb, keys: keys, clk: bottest.NewClock(t0)}
	h.s = &bottest.Sender{}
	h.out = &bottest.Outbox{Deliver: h.s}
	h.due = &bottest.Due{}
	h.lim, h.keep = &bottest.Limiter{}, &bottest.Keeper{}
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staffID})
	ctx := context.Background()
	for _, g := range []struct {
		chat bot.ChatRef
		grid string
	}{{group3, "3网格"}, {group5, "5网格"}} {
		if _, err := dir.Bind(ctx, g.chat, g.grid, g.grid+"群"); err != nil {
			t.Fatal(err)
		}
	}
	h.env = feature.Env{Redis: rdb, Keys: keys, Dir: dir, Outbox: h.out, Due: h.due, Out: bottest.Delivery(h.s, h.out, h.lim, h.keep, h.clk.Now),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clk.Now, Loc: bottest.Shanghai}
	h.f = New(h.env, DefaultConfig())
	h.r = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Log: h.env.Log})
	h.f.Register(h.r)
	return h
}

func (h *harness) update(chat bot.ChatRef, user bot.UserRef, name string) *bot.Update {
	h.mu.Lock()
	h.upd++
	n := h.upd
	h.mu.Unlock()
	u := &bot.Update{ID: fmt.Sprintf("test:%d", n), Chat: chat, User: user, UserName: name, MessageID: fmt.Sprint(n), Time: h.clk.Now()}
	if chat == bot.ChatRef(user) {
		u.ChatKind = bot.Private
	}
	return u
}

// say sends text as user in chat and returns what the bot sent meanwhile.
func (h *harness) say(chat bot.ChatRef, user bot.UserRef, name, text string) []sent {
	u := h.update(chat, user, name)
	u.Text = text
	return h.handle(u)
}

func (h *harness) handle(u *bot.Update) []sent {
	i := h.s.Len()
	h.r.Handle(context.Background(), h.s, u)
	return h.s.Since(i)
}

// press presses a button as user in chat.
func (h *harness) press(chat bot.ChatRef, user bot.UserRef, name, data string) []sent {
	u := h.update(chat, user, name)
	u.Data, u.CallbackID = data, "tg:cb"+u.ID
	return h.handle(u)
}

// to returns the text of the messages sent to chat, joined.
func to(msgs []sent, chat bot.ChatRef) string {
	var b []string
	for _, m := range msgs {
		if m.Chat == chat && !m.Edit {
			b = append(b, m.Msg.Text)
		}
	}
	return strings.Join(b, "\n---\n")
}

func toast(msgs []sent) string {
	for _, m := range msgs {
		if m.Toast != "" {
			return m.Toast
		}
	}
	return ""
}

func mustContain(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: got %q, want it to contain %q", what, got, w)
		}
	}
}

func mustNotContain(t testing.TB, what, got string, bads ...string) {
	t.Helper()
	for _, w := range bads {
		if strings.Contains(got, w) {
			t.Errorf("%s: got %q, must not contain %q", what, got, w)
		}
	}
}

const lantern = "/newevent 元宵节猜灯谜 | 2027-02-12 19:00 | 社区活动中心 | %d | 全部"

// create publishes an event as staff and returns its id (1, 2, ...).
func (h *harness) create(text string) int64 {
	h.t.Helper()
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", text)
	reply := to(msgs, bot.ChatRef(staffID))
	if !strings.Contains(reply, "活动已发布") {
		h.t.Fatalf("create %q: reply %q", text, reply)
	}
	id, err := h.rdb.Get(context.Background(), h.f.st.seqKey()).Int64()
	if err != nil {
		h.t.Fatalf("create: no event id (%v)", err)
	}
	return id
}

func resident(i int) (bot.UserRef, string) {
	return bot.UserRef(fmt.Sprintf("tg:%d", 1000+i)), fmt.Sprintf("居民%d", i)
}
