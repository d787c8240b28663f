package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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
	fake, tg, rdb, keys := limitedRig(t)
	limits := map[string]ratelimit.Limit{"tg:global": {N: 10, Per: time.Second, Burst: 1}}
	r := limitedReplies{Client: tg, lim: ratelimit.New(rdb, keys, ratelimit.Config{Limits: limits}, nil), log: slog.New(slog.DiscardHandler)}
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
	open := limitedReplies{Client: tg, lim: ratelimit.New(rdb, keys, ratelimit.Config{}, nil), log: slog.New(slog.DiscardHandler)}
	c.Reset()
	if _, err := open.Send(ctx, "tg:7", bot.Message{Text: "好的"}); err != nil {
		t.Fatal(err)
	}
	if c.Count() != 0 {
		t.Errorf("%d round trips for a reply with no limits, want 0", c.Count())
	}
}

// TestEditsAndPollsTakeTheBotWideToken: an edit (a pressed button's
// message) and a quiz poll sent through the reply sender each take a
// tg:global token like a reply; neither reaches Telegram around the bucket.
func TestEditsAndPollsTakeTheBotWideToken(t *testing.T) {
	ctx := context.Background()
	_, tg, rdb, keys := limitedRig(t)
	limits := map[string]ratelimit.Limit{"tg:global": {N: 30, Per: time.Second, Burst: 30}}
	r := limitedReplies{Client: tg, lim: ratelimit.New(rdb, keys, ratelimit.Config{Limits: limits}, nil), log: slog.New(slog.DiscardHandler)}
	id, err := r.Send(ctx, "tg:7", bot.Message{Text: "第1题"})
	if err != nil {
		t.Fatal(err)
	}
	c := redistest.Count(rdb)
	if err := r.Edit(ctx, "tg:7", id, bot.Message{Text: "已作答"}); err != nil {
		t.Fatal(err)
	}
	if c.Count() != 1 {
		t.Errorf("%d round trips for an edit, want one token", c.Count())
	}
	c.Reset()
	if _, _, err := r.SendQuiz(ctx, "tg:7", bot.QuizPoll{Question: "垃圾分类", Options: []string{"A", "B"}, Correct: 1}); err != nil {
		t.Fatal(err)
	}
	if c.Count() != 1 {
		t.Errorf("%d round trips for a quiz poll, want one token", c.Count())
	}
}

// limitedRig returns a fake Bot API (closed when the test ends), a client
// of it and the test Redis.
func limitedRig(t *testing.T) (*tgfake.Server, *telegram.Client, redis.UniversalClient, bot.Keys) {
	t.Helper()
	fake := tgfake.New()
	t.Cleanup(fake.Close)
	tg, err := telegram.New(context.Background(), telegram.Config{Token: testToken, APIEndpoint: fake.Endpoint()}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	rdb, keys, _ := redistest.New(t)
	return fake, tg, rdb, keys
}
