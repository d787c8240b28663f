package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeSender records what it sends; fail, when set, decides a chat's error.
type fakeSender struct {
	mu      sync.Mutex
	sends   map[bot.ChatRef][]bot.Message
	order   []bot.ChatRef
	deleted map[bot.ChatRef]string
	n       int
	fail    func(chat bot.ChatRef, try int) error
	members int
}

var (
	_ bot.Sender        = (*fakeSender)(nil)
	_ bot.Deleter       = (*fakeSender)(nil)
	_ bot.ChatInspector = (*fakeSender)(nil)
)

func newFakeSender() *fakeSender {
	return &fakeSender{sends: map[bot.ChatRef][]bot.Message{}, deleted: map[bot.ChatRef]string{}, members: 10}
}

func (f *fakeSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(chat, len(f.sends[chat])); err != nil {
			f.sends[chat] = append(f.sends[chat], bot.Message{Text: "(failed)"})
			return "", err
		}
	}
	f.n++
	f.sends[chat] = append(f.sends[chat], m)
	f.order = append(f.order, chat)
	return fmt.Sprint(f.n), nil
}

func (f *fakeSender) Delete(_ context.Context, chat bot.ChatRef, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted[chat] = id
	return nil
}

func (f *fakeSender) MemberCount(context.Context, bot.ChatRef) (int, error) { return f.members, nil }
func (f *fakeSender) IsAdmin(context.Context, bot.ChatRef, bot.UserRef) (bool, error) {
	return false, nil
}

// count returns how many good sends each chat got.
func (f *fakeSender) count(chat bot.ChatRef) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range f.sends[chat] {
		if m.Text != "(failed)" {
			n++
		}
	}
	return n
}

func (f *fakeSender) total() int { f.mu.Lock(); defer f.mu.Unlock(); return f.n }

type fixture struct {
	rdb  *redis.Client
	keys bot.Keys
	env  bot.Env
	clk  *clock
	lim  *ratelimit.Limiter
}

// newFixture returns an env on a test Redis; clk nil means the real clock.
func newFixture(t testing.TB, s bot.Sender, clk *clock, limits map[string]ratelimit.Limit) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	now := time.Now
	if clk != nil {
		now = clk.Now
	}
	env := bot.Env{Redis: rdb, Keys: keys, Dir: bot.NewDirectory(rdb, keys, nil), Send: s,
		Log: slog.New(slog.DiscardHandler), Now: now, Loc: shanghai}
	return &fixture{rdb: rdb, keys: keys, env: env, clk: clk,
		lim: ratelimit.New(rdb, keys, ratelimit.Config{Limits: limits})}
}

func testConfig() Config {
	c := DefaultConfig()
	c.Poll = 20 * time.Millisecond
	c.QuietStart, c.QuietEnd = "00:00", "00:00"
	c.Backoff, c.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return c
}

func (f *fixture) outbox(cfg Config) *Outbox { return New(f.env, f.lim, cfg) }

// run starts o.Run and stops it when the test ends.
func run(t testing.TB, o *Outbox) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = o.Run(ctx)
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

func chats(prefix string, n int) []bot.ChatRef {
	out := make([]bot.ChatRef, n)
	for i := range out {
		out[i] = bot.ChatRef(fmt.Sprintf("%s%d", prefix, i+1))
	}
	return out
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func status(t testing.TB, o *Outbox, id string) Report {
	t.Helper()
	r, err := o.Status(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
