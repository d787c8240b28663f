package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"gridbot/bot/ratelimit"
	"gridbot/bot/telegram/tgfake"
)

// BenchmarkUpdatesEndToEnd measures updates handled per second by the whole
// bot in-process: long polling a fake Bot API on loopback, dedupe, role
// lookup and a reply per update, against Redis (real when GRIDBOT_TEST_REDIS
// is set). Updates come from 50 group chats; answers that the reply
// coalescer merged into one message are counted one by one.
func BenchmarkUpdatesEndToEnd(b *testing.B) {
	fake := tgfake.New()
	defer fake.Close()
	fake.SetMaxPollWait(50 * time.Millisecond)
	cfg := fakeTelegramConfig(b, fake, "bench")
	cfg.Limits = ratelimit.Config{} // replies take a bot-wide token; lifted to measure the bot, not Telegram's 30/s
	cfg.Updates.FloodBurst = 0      // 500 users send b.N/500 messages each at once: measure the bot, not the flood limit
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, strings.NewReader(""), io.Discard, io.Discard) }()
	defer func() { cancel(); <-done }()

	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		fake.PushText(-int64(1000+i%50), int64(10+i%500), "我是谁")
	}
	answers := func(s []tgfake.Sent) int {
		n := 0
		for _, m := range s {
			n += strings.Count(m.Text, "，您好！")
		}
		return n
	}
	if _, ok := fake.WaitSent(5*time.Minute, func(s []tgfake.Sent) bool { return answers(s) >= b.N }); !ok {
		b.Fatalf("only %d of %d updates answered", answers(fake.Sent()), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
}
