package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
)

// newFakeSender returns a recording sender whose chats have 10 members.
func newFakeSender() *bottest.Sender {
	return &bottest.Sender{Members: func(bot.ChatRef) (int, error) { return 10, nil }}
}

type fixture struct {
	rdb  redis.UniversalClient
	keys bot.Keys
	env  feature.Env
	clk  *bottest.Clock
	lim  *ratelimit.Limiter
}

// newFixture returns an env on a test Redis; clk nil means the real clock.
func newFixture(t testing.TB, s bot.Sender, clk *bottest.Clock, limits map[string]ratelimit.Limit) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	return newFixtureOn(t, s, clk, limits, rdb, keys)
}

// newFixtureOn is newFixture on a given Redis and key prefix.
func newFixtureOn(t testing.TB, s bot.Sender, clk *bottest.Clock, limits map[string]ratelimit.Limit, rdb redis.UniversalClient, keys bot.Keys) *fixture {
	t.Helper()
	now := time.Now
	if clk != nil {
		now = clk.Now
	}
	env := feature.Env{Redis: rdb, Keys: keys, Dir: grid.NewDirectory(rdb, keys, nil), Send: s,
		Log: slog.New(slog.DiscardHandler), Now: now, Loc: bottest.Shanghai}
	return &fixture{rdb: rdb, keys: keys, env: env, clk: clk,
		lim: ratelimit.New(rdb, keys, ratelimit.Config{Limits: limits}, nil)}
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
