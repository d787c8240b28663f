package ledger

import (
	"context"
	"testing"

	"gridbot/bot/redistest"
)

// BenchmarkFootprintResidents measures the Redis bytes (MEMORY USAGE) the
// events feature keeps per sign-up and the quiz per answer, after 90
// simulated days in 4 grids of 30 households (the year test's
// simulation): everything under ev:* over the sign-ups standing at the
// end (activities, waitlists and check-ins included), everything under
// quiz:* over the answers (rounds, questions and boards included), and
// the tips feature's own records (tip:*: cycles, history) per tip group
// delivery, beside the outbox's (BenchmarkFootprint in bot/outbox). It
// needs a real Redis (GRIDBOT_TEST_REDIS); run it with -benchtime 1x.
func BenchmarkFootprintResidents(b *testing.B) {
	if !redistest.Real() {
		b.Skip("MEMORY USAGE needs a real Redis (GRIDBOT_TEST_REDIS)")
	}
	y := simulate(b, 4, 30, 90)
	ctx := context.Background()
	ev, _, err := redistest.Memory(ctx, y.w.rdb, y.w.keys.Key("ev", "*"))
	if err != nil {
		b.Fatal(err)
	}
	qz, _, err := redistest.Memory(ctx, y.w.rdb, y.w.keys.Key("quiz", "*"))
	if err != nil {
		b.Fatal(err)
	}
	tp, _, err := redistest.Memory(ctx, y.w.rdb, y.w.keys.Key("tip", "*"))
	if err != nil {
		b.Fatal(err)
	}
	tips := 0
	for _, p := range y.pushes {
		if p.Kind == "tip" {
			tips += len(p.Chats)
		}
	}
	signups := 0
	for _, a := range y.acts {
		signups += len(a.In) + len(a.Wait)
	}
	if signups == 0 || len(y.answers) == 0 {
		b.Fatalf("simulation too thin: %d sign-ups, %d answers", signups, len(y.answers))
	}
	b.ReportMetric(float64(ev)/float64(signups), "B/sign-up")
	b.ReportMetric(float64(qz)/float64(len(y.answers)), "B/answer")
	b.ReportMetric(float64(tp)/float64(tips), "B/tip-delivery")
	b.Logf("%d activities, %d sign-ups, %d check-ins: ev:* %d bytes; %d quiz rounds, %d answers: quiz:* %d bytes",
		len(y.acts), signups, len(y.checkins), ev, y.rounds, len(y.answers), qz)
}
