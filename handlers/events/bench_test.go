package events

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"gridbot/bot"
)

// BenchmarkJoinThroughHandler measures sign-ups per second through the
// router and the join handler (update dedupe, whois, join script, reply).
// Run against real Redis: GRIDBOT_TEST_REDIS=127.0.0.1:6379.
func BenchmarkJoinThroughHandler(b *testing.B) {
	h := newHarness(b)
	id := h.create(fmt.Sprintf(lantern, 10000))
	h.s.Reset()
	var next atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := &countingSender{}
		for pb.Next() {
			i := next.Add(1)
			u := &bot.Update{ID: fmt.Sprintf("bench:%d", i), Chat: group3, User: bot.UserRef(fmt.Sprintf("tg:%d", 100000+i)),
				UserName: "居民", MessageID: "1", Text: fmt.Sprintf("报名 %d 2人", id)}
			h.r.Handle(ctx, s, u)
			if s.n.Load() == 0 {
				b.Fatal("no reply")
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
}

type countingSender struct{ n atomic.Int64 }

func (s *countingSender) Send(context.Context, bot.ChatRef, bot.Message) (string, error) {
	s.n.Add(1)
	return "m", nil
}
