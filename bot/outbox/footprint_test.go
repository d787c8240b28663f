package outbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/redistest"
)

// BenchmarkFootprint measures the Redis bytes (MEMORY USAGE) the outbox
// keeps per group delivery, for a month of daily pushes to 200 groups
// (one grid each, named like 幸福里社区第12网格; messages of 200
// characters): before the month's roll-up and after it, when only the
// counts the ledgers read are left (the 2-day member-count cache is left
// out of both). "notice" is one broadcast a day to
// every group, "tip" one broadcast a day per grid (as 每日一学 goes). It
// needs a real Redis (GRIDBOT_TEST_REDIS); run it with -benchtime 1x.
func BenchmarkFootprint(b *testing.B) {
	if !redistest.Real() {
		b.Skip("MEMORY USAGE needs a real Redis (GRIDBOT_TEST_REDIS)")
	}
	const groups, days = 200, 31
	text := strings.Repeat("民族团结一家亲，", 25)
	for _, kind := range []string{"notice", "tip"} {
		b.Run(kind, func(b *testing.B) {
			s := newFakeSender()
			clk := bottest.NewClock(time.Date(2026, 3, 1, 8, 0, 0, 0, bottest.Shanghai))
			f := newFixture(b, s, clk, nil)
			o := f.outbox(testConfig())
			run(b, o)
			ctx := context.Background()
			cs := make([]bot.ChatRef, groups)
			gm := map[bot.ChatRef]string{}
			for i := range cs {
				cs[i] = bot.ChatRef(fmt.Sprintf("tg:-10012345%05d", i))
				gm[cs[i]] = fmt.Sprintf("幸福里社区第%d网格", i+1)
			}
			for d := range days {
				clk.Set(time.Date(2026, 3, 1+d, 8, 0, 0, 0, bottest.Shanghai))
				var bs []bot.Broadcast
				if kind == "notice" {
					bs = append(bs, bot.Broadcast{Kind: "notice", Ref: fmt.Sprint(d), Title: fmt.Sprintf("第%d号通知", d), Chats: cs, Grids: gm})
				} else {
					for _, c := range cs {
						bs = append(bs, bot.Broadcast{Kind: "tip", Ref: fmt.Sprintf("t%d", d), Title: "民族团结", Chats: []bot.ChatRef{c}, Grids: gm})
					}
				}
				for _, br := range bs {
					br.Message = bot.Message{Text: text}
					if _, err := o.Enqueue(ctx, br); err != nil {
						b.Fatal(err)
					}
				}
				eventually(b, "the outbox idle", func() bool { ok, _ := o.Idle(ctx); return ok })
			}
			deliveries := float64(groups * days)
			before, nb := footprint(b, f)
			clk.Set(time.Date(2026, 4, 6, 3, 40, 0, 0, bottest.Shanghai))
			b.ResetTimer()
			if err := o.RollUp(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			after, na := footprint(b, f)
			if per := float64(after) / deliveries; per > 50 {
				b.Errorf("%s: %.1f bytes kept per group delivery after the roll-up, want at most 50", kind, per)
			}
			b.ReportMetric(float64(before)/deliveries, "B/delivery-before")
			b.ReportMetric(float64(after)/deliveries, "B/delivery-after")
			b.Logf("%s: %d group deliveries; before the roll-up %d keys, %d bytes; after %d keys, %d bytes", kind, int(deliveries), nb, before, na, after)
		})
	}
}

// footprint is the bytes and keys of the outbox's records, leaving out the
// member-count cache (members:<day>, kept 2 days, which the simulated
// clock does not make lapse).
func footprint(b *testing.B, f *fixture) (int64, int) {
	ctx := context.Background()
	all, n, err := redistest.Memory(ctx, f.rdb, f.keys.Key("ob", "*"))
	if err != nil {
		b.Fatal(err)
	}
	cache, m, err := redistest.Memory(ctx, f.rdb, f.keys.Key("ob", "{ob}", "members", "*"))
	if err != nil {
		b.Fatal(err)
	}
	return all - cache, n - m
}
