package events

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// BenchmarkJoinThroughHandler measures sign-ups per second through the
// router and the join handler (the claim with whois, the join script, the
// reply, the done mark), from 8 goroutines per CPU (the bot handles 16
// updates at once by default).
// Run against real Redis: GRIDBOT_TEST_REDIS=127.0.0.1:6379, or a cluster:
// GRIDBOT_TEST_REDIS_CLUSTER=$(.ci/redis-cluster.sh). trips/signup counts
// the round trips each node received (router overhead included).
func BenchmarkJoinThroughHandler(b *testing.B) {
	h := newHarness(b)
	id := h.create(fmt.Sprintf(lantern, 10000))
	h.s.Reset()
	trips := redistest.Count(h.rdb)
	b.ReportAllocs()
	b.ReportMetric(h.joinParallel(b, id, "bench", 100000), "signups/s")
	b.ReportMetric(float64(trips.Count())/float64(b.N), "trips/signup")
}

// joinParallel signs b.N residents (ids from userBase) up for activity id
// through the router from 8 goroutines per CPU, each checking it was
// answered, and returns the sign-ups per second; update ids start with
// prefix.
func (h *harness) joinParallel(b *testing.B, id int64, prefix string, userBase int64) float64 {
	var next atomic.Int64
	ctx := context.Background()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := &countingSender{}
		for pb.Next() {
			i := next.Add(1)
			h.r.Handle(ctx, s, &bot.Update{ID: fmt.Sprintf("%s:%d", prefix, i), Chat: group3, User: bot.UserRef(fmt.Sprintf("tg:%d", userBase+i)),
				UserName: "居民", MessageID: "1", Text: fmt.Sprintf("报名 %d 2人", id)})
			if s.n.Load() == 0 {
				b.Fatal("no reply")
			}
		}
	})
	b.StopTimer()
	return float64(b.N) / b.Elapsed().Seconds()
}

type countingSender struct{ n atomic.Int64 }

func (s *countingSender) Send(context.Context, bot.ChatRef, bot.Message) (string, error) {
	s.n.Add(1)
	return "m", nil
}
