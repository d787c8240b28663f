package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot/bottest"
)

// reportsOf builds the reports staff can ask for over 2026 (the year, each
// month, weeks, ranges across months, single days; the whole community and
// one grid's) and its workbook, with the ledger's own monthly rollups
// dropped first so every figure is read from the outbox's records.
func reportsOf(t *testing.T, w *world, grids []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	loc := bottest.Shanghai
	ps := []Period{YearPeriod(2026, loc)}
	for m := time.January; m <= time.December; m++ {
		ps = append(ps, MonthPeriod(2026, m, loc))
	}
	for _, d := range []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 3, 30, 0, 0, 0, 0, loc),
		time.Date(2026, 8, 31, 0, 0, 0, 0, loc), time.Date(2026, 12, 29, 0, 0, 0, 0, loc)} {
		ps = append(ps, WeekPeriod(d, loc), RangePeriod(d, d, loc), RangePeriod(d, d.AddDate(0, 1, 10), loc))
	}
	out := map[string]string{}
	for _, p := range ps {
		for _, scope := range [][]string{nil, grids[:1], grids[1:3]} {
			for m := time.January; m <= time.December; m++ {
				w.rdb.Del(ctx, w.ledger.rollupKey(fmt.Sprintf("2026-%02d", m)))
			}
			r, err := w.ledger.BuildFor(ctx, p, scope)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprint(p.Label, scope)] = string(b)
			if p.Kind == "year" && scope == nil {
				x, err := w.ledger.XLSX(r)
				if err != nil {
					t.Fatal(err)
				}
				xf, err := excelize.OpenReader(bytes.NewReader(x))
				if err != nil {
					t.Fatal(err)
				}
				for _, sh := range xf.GetSheetList() {
					out["xlsx "+sh] = fmt.Sprint(sheetRows(t, xf, sh))
				}
				xf.Close()
			}
		}
	}
	return out
}

// A year of simulated use reads the same in every report and export
// before and after the outbox rolls its closed months up, and the
// per-delivery records are gone after.
func TestRollUpKeepsEveryFigure(t *testing.T) {
	days := 365
	if testing.Short() {
		days = 120
	}
	y := simulate(t, 4, 6, days)
	w := y.w
	ctx := context.Background()
	w.at(time.Date(2027, 1, 10, 9, 0, 0, 0, bottest.Shanghai))
	before := reportsOf(t, w, y.grids)
	recent := w.keys.Key("ob", "{ob}", "recent")
	n, err := w.rdb.ZCount(ctx, recent, "-inf", "+inf").Result()
	if err != nil || n == 0 {
		t.Fatalf("broadcasts recorded before the roll-up: %d, %v", n, err)
	}
	for range 2 {
		if err := w.ob.RollUp(ctx); err != nil {
			t.Fatal(err)
		}
		after := reportsOf(t, w, y.grids)
		if len(after) != len(before) {
			t.Fatalf("%d reports after, %d before", len(after), len(before))
		}
		for k, b := range before {
			if after[k] != b {
				t.Errorf("report %s changed by the roll-up:\nbefore %s\nafter  %s", k, b, after[k])
			}
		}
	}
	if n, _ := w.rdb.ZCount(ctx, recent, "-inf", "+inf").Result(); n != 0 {
		t.Errorf("broadcasts of 2026 still listed one by one after the roll-up: %d", n)
	}
	for _, d := range []string{"2026-01-01", "2026-06-15", "2026-12-31"} {
		if n, _ := w.rdb.Exists(ctx, w.keys.Key("ob", "{ob}", "reach", d)).Result(); n != 0 {
			t.Errorf("reach record of %s kept after the roll-up", d)
		}
	}
}
