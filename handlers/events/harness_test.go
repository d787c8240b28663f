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

	"github.com/redis/go-redis/v9"

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

// sent is one message the fake sender delivered (or an edit of one).
type sent struct {
	Chat  bot.ChatRef
	ID    string
	Msg   bot.Message
	Edit  bool
	Toast string
}

// fakeSender records every send, edit and callback answer. Private chats of
// users in blocked fail like a user who never started the bot.
type fakeSender struct {
	mu      sync.Mutex
	n       int
	log     []sent
	blocked map[bot.ChatRef]bool
}

var (
	_ bot.Sender           = (*fakeSender)(nil)
	_ bot.Editor           = (*fakeSender)(nil)
	_ bot.CallbackAnswerer = (*fakeSender)(nil)
)

func (s *fakeSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chat] {
		return "", &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "bot can't initiate conversation"}
	}
	s.n++
	id := fmt.Sprintf("m%d", s.n)
	s.log = append(s.log, sent{Chat: chat, ID: id, Msg: m})
	return id, nil
}

func (s *fakeSender) Edit(_ context.Context, chat bot.ChatRef, id string, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, sent{Chat: chat, ID: id, Msg: m, Edit: true})
	return nil
}

func (s *fakeSender) AnswerCallback(_ context.Context, _ string, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, sent{Toast: text})
	return nil
}

func (s *fakeSender) since(i int) []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.log[i:]...)
}

func (s *fakeSender) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// fakeOutbox delivers at once through the fake sender and remembers ids.
type fakeOutbox struct {
	mu    sync.Mutex
	s     *fakeSender
	casts []bot.Broadcast
	sent  map[string]map[bot.ChatRef]string
}

var _ bot.Outbox = (*fakeOutbox)(nil)

func (o *fakeOutbox) Enqueue(ctx context.Context, b bot.Broadcast) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	id := fmt.Sprintf("b%d", len(o.casts)+1)
	o.casts = append(o.casts, b)
	ids := map[bot.ChatRef]string{}
	for _, ch := range b.Chats {
		mid, err := o.s.Send(ctx, ch, b.Message)
		if err == nil {
			ids[ch] = mid
		}
	}
	if o.sent == nil {
		o.sent = map[string]map[bot.ChatRef]string{}
	}
	o.sent[id] = ids
	return id, nil
}

func (o *fakeOutbox) Sent(_ context.Context, id string) (map[bot.ChatRef]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent[id], nil
}

func (o *fakeOutbox) byKind(kind string) []bot.Broadcast {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []bot.Broadcast
	for _, b := range o.casts {
		if b.Kind == kind {
			out = append(out, b)
		}
	}
	return out
}

// fakeDue remembers scheduled keys and counts Schedule calls.
type fakeDue struct {
	mu    sync.Mutex
	at    map[string]time.Time
	calls int
}

var _ bot.DueQueue = (*fakeDue)(nil)

func (d *fakeDue) Schedule(_ context.Context, key string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.at == nil {
		d.at = map[string]time.Time{}
	}
	d.at[key] = at
	d.calls++
	return nil
}

func (d *fakeDue) Cancel(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.at, key)
	return nil
}

func (d *fakeDue) get(key string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.at[key]
	return t, ok
}

const (
	group3  = bot.ChatRef("tg:-100")
	group5  = bot.ChatRef("tg:-200")
	staffID = bot.UserRef("tg:1")
)

type harness struct {
	t    testing.TB
	rdb  *redis.Client
	keys bot.Keys
	env  bot.Env
	f    *Feature
	r    *bot.Router
	s    *fakeSender
	out  *fakeOutbox
	due  *fakeDue
	mu   sync.Mutex
	now  time.Time
	upd  int
}

// Wednesday 2027-02-10 10:00 in Shanghai.
var t0 = time.Date(2027, 2, 10, 10, 0, 0, 0, shanghai)

func newHarness(t testing.TB) *harness {
	rdb, keys, _ := redistest.New(t)
	h := &harness{t: t, rdb: rdb, keys: keys, now: t0}
	h.s = &fakeSender{blocked: map[bot.ChatRef]bool{}}
	h.out = &fakeOutbox{s: h.s}
	h.due = &fakeDue{}
	dir := bot.NewDirectory(rdb, keys, []bot.UserRef{staffID})
	ctx := context.Background()
	for _, g := range []struct {
		chat bot.ChatRef
		grid string
	}{{group3, "3网格"}, {group5, "5网格"}} {
		if _, err := dir.Bind(ctx, g.chat, g.grid, g.grid+"群"); err != nil {
			t.Fatal(err)
		}
	}
	h.env = bot.Env{Redis: rdb, Keys: keys, Dir: dir, Send: h.s, Outbox: h.out, Due: h.due,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: h.clock, Loc: shanghai}
	h.f = New(h.env, DefaultConfig())
	h.r = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Dir: dir, Log: h.env.Log})
	h.f.Register(h.r)
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) setNow(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = t
}

func (h *harness) update(chat bot.ChatRef, user bot.UserRef, name string) *bot.Update {
	h.mu.Lock()
	h.upd++
	n := h.upd
	h.mu.Unlock()
	u := &bot.Update{ID: fmt.Sprintf("test:%d", n), Chat: chat, User: user, UserName: name, MessageID: fmt.Sprint(n), Time: h.clock()}
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
	i := h.s.len()
	h.r.Handle(context.Background(), h.s, u)
	return h.s.since(i)
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
