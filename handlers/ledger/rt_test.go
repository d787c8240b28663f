package ledger

import (
	"context"
	"testing"

	"gridbot/bot/bottest"
	"gridbot/bot/redistest"
)

// BenchmarkYearReportRoundTrips counts the Redis round trips of the 2026
// report of 100 grids (benchYear): from the raw per-day records, the first
// build after the year settled (it stores the rollups), and from the
// rollups. Run with -benchtime=1x; the figures are metrics, not times.
func BenchmarkYearReportRoundTrips(b *testing.B) {
	f, rdb := benchYear(b)
	ctx := context.Background()
	p := YearPeriod(2026, bottest.Shanghai)
	c := redistest.Count(rdb)
	build := func(g *Feature) int64 {
		c.Reset()
		if _, err := g.Build(ctx, p); err != nil {
			b.Fatal(err)
		}
		return c.Count()
	}
	raw := *f
	raw.cfg.Settle = 1 << 62
	var rawN, firstN, rollN int64
	for b.Loop() {
		rawN = build(&raw)
		firstN = build(f)
		rollN = build(f)
	}
	b.ReportMetric(float64(rawN), "rt-raw")
	b.ReportMetric(float64(firstN), "rt-first")
	b.ReportMetric(float64(rollN), "rt-rollup")
}
