package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/telegram"
	"gridbot/bot/telegram/tgfake"
)

// broadcastGroups is how many groups BenchmarkBroadcastUnderTelegramLimits
// sends one notice to.
const broadcastGroups = 200

// BenchmarkBroadcastUnderTelegramLimits sends one broadcast to 200 groups
// through the outbox, the real Telegram client and a fake Bot API that
// refuses, with 429, whatever breaks Telegram's limits (30 messages a
// second per bot, 20 a minute per group), under the default rate-limit
// settings. It reports the seconds one broadcast takes, the 429s the fake
// answered, and the time tg:global's rate alone would take (199/30 s for
// 200 groups; its window cap makes the busy pace 30 in 1.03 s).
func BenchmarkBroadcastUnderTelegramLimits(b *testing.B) {
	ctx := context.Background()
	fake := tgfake.New()
	defer fake.Close()
	fake.EnforceLimits(true)
	log := slog.New(slog.DiscardHandler)
	tg, err := telegram.New(ctx, telegram.Config{Token: testToken, APIEndpoint: fake.Endpoint(), Timeout: 10 * time.Second, Retries: 3, MaxRetryWait: 10 * time.Second}, log, nil)
	if err != nil {
		b.Fatal(err)
	}
	rdb, keys, _ := redistest.New(b)
	env := feature.Env{Redis: rdb, Keys: keys, Dir: grid.NewDirectory(rdb, keys, nil), Send: bot.Mux{telegram.Platform: tg}, Log: log, Now: time.Now, Loc: time.UTC}
	limits := ratelimit.DefaultConfig()
	cfg := outbox.DefaultConfig()
	cfg.QuietStart, cfg.QuietEnd = "00:00", "00:00"
	ob := outbox.New(env, ratelimit.New(rdb, keys, limits, nil), cfg)
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { _ = ob.Run(runCtx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	chats := make([]bot.ChatRef, broadcastGroups)
	for i := range chats {
		chats[i] = bot.ChatRef(fmt.Sprintf("tg:-100%d", 1000+i))
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := ob.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: chats, Message: bot.Message{Text: fmt.Sprintf("通知 %d", i)}}); err != nil {
			b.Fatal(err)
		}
		want := (i + 1) * broadcastGroups
		if _, ok := fake.WaitSent(5*time.Minute, func(s []tgfake.Sent) bool { return len(s) >= want }); !ok {
			b.Fatalf("only %d of %d messages sent", len(fake.Sent()), want)
		}
		if i+1 < b.N {
			b.StopTimer()
			time.Sleep(3 * time.Second) // each group may take 20 a minute
			b.StartTimer()
		}
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/broadcast")
	b.ReportMetric(float64(fake.Violations()), "429s")
	global := limits.Limits["tg:global"]
	b.ReportMetric((broadcastGroups-1)*global.Interval().Seconds(), "floor-s")
	b.ReportMetric(0, "ns/op")
}
