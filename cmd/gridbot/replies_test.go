package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/telegram"
	"gridbot/bot/telegram/tgfake"
)

// TestRepliesTakeTheBotWideToken: replies wait for the same tg:global
// bucket the outbox takes from (one round trip each), so a burst of replies
// is paced by it; with the limits lifted they do not touch Redis.
func TestRepliesTakeTheBotWideToken(t *testing.T) {
	ctx := context.Background()
	fake := tgfake.New()
	defer fake.Close()
	tg, err := telegram.New(ctx, telegram.Config{Token: testToken, APIEndpoint: fake.Endpoint()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rdb, keys, _ := redistest.New(t)
	limits := map[string]ratelimit.Limit{"tg:global": {N: 10, Per: time.Second, Burst: 1}}
	r := limitedReplies{Client: tg, lim: ratelimit.New(rdb, keys, ratelimit.Config{Limits: limits}), log: slog.New(slog.DiscardHandler)}
	c := redistest.Count(rdb)
	for i := range 6 {
		if _, err := r.Send(ctx, bot.ChatRef(fmt.Sprintf("tg:%d", 100+i)), bot.Message{Text: "好的"}); err != nil {
			t.Fatal(err)
		}
	}
	if c.Count() < 6 {
		t.Errorf("%d round trips for 6 replies, want at least one token each", c.Count())
	}
	var times []time.Time
	for _, q := range fake.Requests() {
		if q.Method == "sendMessage" {
			times = append(times, q.Time)
		}
	}
	if len(times) != 6 {
		t.Fatalf("%d sends reached the Bot API, want 6", len(times))
	}
	if span := times[5].Sub(times[0]); span < 450*time.Millisecond {
		t.Errorf("6 replies went out within %s; a 10/s bucket spaces them at least 500ms", span)
	}
	open := limitedReplies{Client: tg, lim: ratelimit.New(rdb, keys, ratelimit.Config{}), log: slog.New(slog.DiscardHandler)}
	c.Reset()
	if _, err := open.Send(ctx, "tg:7", bot.Message{Text: "好的"}); err != nil {
		t.Fatal(err)
	}
	if c.Count() != 0 {
		t.Errorf("%d round trips for a reply with no limits, want 0", c.Count())
	}
}
