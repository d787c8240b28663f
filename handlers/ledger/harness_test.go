package ledger

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
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/handlers/events"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type sent struct {
	Chat bot.ChatRef
	Msg  bot.Message
}

// fakeSender records sends; chats in fail refuse every message; member
// counts follow members(chat, day).
type fakeSender struct {
	mu      sync.Mutex
	n       int
	log     []sent
	fail    map[bot.ChatRef]bool
	now     func() time.Time
	members func(chat bot.ChatRef, day string) int
}

var (
	_ bot.Sender        = (*fakeSender)(nil)
	_ bot.ChatInspector = (*fakeSender)(nil)
)

func (s *fakeSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail[chat] {
		return "", &bot.SendError{Kind: bot.Permanent, Code: 400, Desc: "Bad Request: chat not found"}
	}
	s.n++
	s.log = append(s.log, sent{Chat: chat, Msg: m})
	return fmt.Sprint(s.n), nil
}

func (s *fakeSender) MemberCount(_ context.Context, chat bot.ChatRef) (int, error) {
	if s.members == nil {
		return 0, bot.ErrUnsupported
	}
	return s.members(chat, s.now().In(shanghai).Format(time.DateOnly)), nil
}

func (s *fakeSender) IsAdmin(context.Context, bot.ChatRef, bot.UserRef) (bool, error) {
	return false, nil
}

func (s *fakeSender) since(i int) []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.log[i:]...)
}

func (s *fakeSender) mark() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.log) }

const staffID bot.UserRef = "tg:1"

// world is a community with the real features wired as main wires them.
type world struct {
	t      testing.TB
	rdb    *redis.Client
	keys   bot.Keys
	clk    *clock
	send   *fakeSender
	env    bot.Env
	dir    *bot.Directory
	ob     *outbox.Outbox
	router *bot.Router
	tips   *tips.Feature
	events *events.Feature
	quiz   *quiz.Feature
	ledger *Feature
	seq    int
}

func newWorld(t testing.TB, start time.Time) *world {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	clk := &clock{t: start}
	snd := &fakeSender{fail: map[bot.ChatRef]bool{}, now: clk.Now}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := bot.NewDirectory(rdb, keys, []bot.UserRef{staffID})
	env := bot.Env{Redis: rdb, Keys: keys, Dir: dir, Send: snd, Log: log, Now: clk.Now, Loc: shanghai}
	oc := outbox.DefaultConfig()
	oc.Poll, oc.QuietStart, oc.QuietEnd = 5*time.Millisecond, "00:00", "00:00"
	oc.Backoff, oc.MaxBackoff, oc.Workers = time.Millisecond, 2*time.Millisecond, 4
	ob := outbox.New(env, ratelimit.New(rdb, keys, ratelimit.Config{}), oc)
	env.Outbox = ob
	w := &world{t: t, rdb: rdb, keys: keys, clk: clk, send: snd, env: env, dir: dir, ob: ob}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ob.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	var err error
	if w.tips, err = tips.New(env, tips.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	w.events = events.New(env, events.DefaultConfig())
	qc := quiz.DefaultConfig()
	qc.Polls, qc.Questions = false, 3
	if w.quiz, err = quiz.New(env, qc); err != nil {
		t.Fatal(err)
	}
	w.ledger = New(env, DefaultConfig(), w.quiz)
	w.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Dir: dir, Log: log})
	w.events.Register(w.router)
	w.quiz.Register(w.router)
	w.ledger.Register(w.router)
	return w
}

func (w *world) at(t time.Time) { w.clk.Set(t) }

// say handles one text update and returns what the bot sent meanwhile.
func (w *world) say(chat bot.ChatRef, user bot.UserRef, name, text string, reply *bot.Reply) []sent {
	w.t.Helper()
	w.seq++
	kind := bot.Group
	if chat == user.PrivateChat() {
		kind = bot.Private
	}
	i := w.send.mark()
	w.router.Handle(context.Background(), w.send, &bot.Update{ID: fmt.Sprintf("u%d", w.seq), Chat: chat, ChatKind: kind,
		User: user, UserName: name, MessageID: fmt.Sprint(w.seq), Time: w.clk.Now(), Text: text, ReplyTo: reply})
	return w.send.since(i)
}

// drain waits until the outbox has delivered everything due.
func (w *world) drain() {
	w.t.Helper()
	ctx := context.Background()
	p := w.keys.Key("ob", "{ob}", "pending")
	f := w.keys.Key("ob", "{ob}", "inflight")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		a, _ := w.rdb.ZCard(ctx, p).Result()
		b, _ := w.rdb.ZCard(ctx, f).Result()
		if a+b == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	w.t.Fatal("outbox did not drain")
}

func texts(ss []sent) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(string(s.Chat) + ": " + s.Msg.Text + "\n")
	}
	return b.String()
}
