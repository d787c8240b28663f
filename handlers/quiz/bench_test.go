package quiz

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// BenchmarkAnswer measures typed answers per second through the router
// (dedupe, whois, the answer script, the reply with the next question)
// against the Redis of GRIDBOT_TEST_REDIS (miniredis when unset).
func BenchmarkAnswer(b *testing.B) {
	if !redistest.Real() {
		b.Log("GRIDBOT_TEST_REDIS unset: measuring against miniredis")
	}
	g := newRig(b, DefaultConfig(), variedBank(30))
	ctx := context.Background()
	id, err := g.f.OpenRound(ctx)
	if err != nil {
		b.Fatal(err)
	}
	users := b.N/5 + 1
	for i := range users {
		u := bot.UserRef(fmt.Sprintf("wecom:b%d", i))
		c := &bot.Context{Update: &bot.Update{Chat: u.PrivateChat(), ChatKind: bot.Private, User: u, UserName: "居民"}, Sender: g.mux}
		if err := g.f.begin(ctx, c, id, "1网格"); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1) - 1
			u := bot.UserRef(fmt.Sprintf("wecom:b%d", n/5))
			g.r.Handle(ctx, g.mux, &bot.Update{ID: fmt.Sprintf("bench:%d", n), Chat: u.PrivateChat(),
				ChatKind: bot.Private, User: u, UserName: "居民", Text: "A"})
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "answers/s")
	b.StopTimer()
	rec, err := g.f.Record(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, q := range rec.Questions {
		total += q.Answered
	}
	if total != b.N {
		b.Fatalf("counted %d answers, want %d", total, b.N)
	}
}
