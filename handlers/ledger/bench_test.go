package ledger

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
	"gridbot/handlers/quiz"
)

type nullOutbox struct {
	mu sync.Mutex
	n  int
}

func (o *nullOutbox) Enqueue(context.Context, bot.Broadcast) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n++
	return strconv.Itoa(o.n), nil
}
func (o *nullOutbox) Sent(context.Context, string) (map[bot.ChatRef]string, error) { return nil, nil }

// GoesOutAt implements bot.Outbox: at once.
func (o *nullOutbox) GoesOutAt(notBefore time.Time, _ bool) time.Time { return notBefore }

// benchYear writes a year of records for 100 grids in the formats the
// features write them: a daily tip per grid and two notices a week
// (outbox broadcasts and reach), 100 activities with sign-ups and
// check-ins, 52 quiz rounds opened by the quiz feature.
func benchYear(b *testing.B) (*Feature, redis.UniversalClient) {
	rdb, keys, _ := redistest.New(b)
	ctx := context.Background()
	clk := bottest.NewClock(time.Date(2026, 1, 1, 8, 0, 0, 0, bottest.Shanghai))
	dir := grid.NewDirectory(rdb, keys, nil)
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Outbox: &nullOutbox{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: clk.Now, Loc: bottest.Shanghai}
	const grids = 100
	for g := 1; g <= grids; g++ {
		c := bot.ChatRef(fmt.Sprintf("tg:-100%d", g))
		if _, err := dir.Bind(ctx, c, fmt.Sprintf("%d网格", g), "群"); err != nil {
			b.Fatal(err)
		}
		_ = dir.SetMembers(ctx, c, 300)
	}
	ob := func(p ...string) string { return keys.Key(append([]string{"ob", "{ob}"}, p...)...) }
	id := 0
	pipe := rdb.Pipeline()
	flush := func() {
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	for d := 0; d < 365; d++ {
		day := time.Date(2026, 1, 1, 8, 30, 0, 0, bottest.Shanghai).AddDate(0, 0, d)
		reach := reachKey(keys, day, bottest.Shanghai)
		cast := func(kind, ref, title string, gs []int) {
			id++
			b := ob("b", strconv.Itoa(id))
			pipe.HSet(ctx, b, "kind", kind, "ref", ref, "title", title, "created", day.Unix(), "total", len(gs), "sent", len(gs),
				"failed", 0, "cancelled", 0, "members", 300*len(gs))
			pipe.ZAdd(ctx, ob("recent"), redis.Z{Score: float64(day.Unix()), Member: id})
			for _, g := range gs {
				c := fmt.Sprintf("tg:-100%d", g)
				name := fmt.Sprintf("%d网格", g)
				pipe.HSet(ctx, b+":grid", c, name)
				pipe.HSet(ctx, b+":sent", c, "1")
				pipe.HIncrBy(ctx, reach, reachField(name, kind, "pushes"), 1)
				pipe.HIncrBy(ctx, reach, reachField(name, kind, "groups"), 1)
				pipe.HIncrBy(ctx, reach, reachField(name, kind, "members"), 300)
			}
		}
		all := make([]int, grids)
		for g := range all {
			all[g] = g + 1
			cast("tip", fmt.Sprintf("t%d", d%120), fmt.Sprintf("每日一学%d", d%120), []int{g + 1})
		}
		if d%3 == 0 {
			cast("notice", strconv.Itoa(d), "通知", all)
		}
		att := attKey(keys, day.Format("20060102"))
		if d%4 == 0 && d < 400 {
			eid := strconv.Itoa(d/4 + 1)
			ek := func(f string) string { return keys.Key("ev", bot.Tag(eid), f) }
			pipe.HSet(ctx, ek("meta"), "title", "活动"+eid, "place", "社区", "start", day.Add(10*time.Hour).Unix(), "seats", 60,
				"taken", 60, "hours", "2", "status", "open", "grids", "")
			pipe.ZAdd(ctx, keys.Key("ev", "open"), redis.Z{Score: float64(day.Add(10 * time.Hour).Unix()), Member: eid})
			for u := 0; u < 60; u++ {
				user := fmt.Sprintf("tg:%d", (d*7+u)%3000)
				grid := fmt.Sprintf("%d网格", u%grids+1)
				pipe.HSet(ctx, ek("reg"), user, strings.Join([]string{"1", strconv.Itoa(u), "0", "居民", "", grid, ""}, sep))
				pipe.ZAdd(ctx, ek("in"), redis.Z{Score: float64(u), Member: user})
				if u%5 != 0 {
					pipe.HSet(ctx, ek("chk"), user, day.Unix())
					pipe.HSet(ctx, att, eid+":"+user, strings.Join([]string{grid, "1", "2", "0", "居民"}, sep))
				}
			}
		}
		if d%20 == 19 {
			flush()
		}
	}
	flush()
	q, err := quiz.New(env, quiz.DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for wk := 0; wk < 52; wk++ {
		clk.Set(time.Date(2026, 1, 2, 19, 0, 0, 0, bottest.Shanghai).AddDate(0, 0, 7*wk))
		rid, err := q.OpenRound(ctx)
		if err != nil {
			b.Fatal(err)
		}
		gs := keys.Key("quiz", "{quiz}", "r", strconv.Itoa(rid), "gstat")
		qs := keys.Key("quiz", "{quiz}", "r", strconv.Itoa(rid), "qstat")
		for g := 1; g <= grids; g++ {
			pipe.HSet(ctx, gs, fmt.Sprintf("%d网格|n", g), 6, fmt.Sprintf("%d网格|pts", g), 180, fmt.Sprintf("%d网格|members", g), 300)
		}
		for i := 0; i < 5; i++ {
			pipe.HSet(ctx, qs, fmt.Sprintf("%d|n", i), 600, fmt.Sprintf("%d|ok", i), 500-i*40)
		}
		pipe.HSet(ctx, keys.Key("quiz", "{quiz}", "r", strconv.Itoa(rid)), "players", 600, "done", 600, "status", "closed", "members", "1")
		pipe.Del(ctx, keys.Key("quiz", "{quiz}", "cur"))
		flush()
	}
	clk.Set(time.Date(2027, 1, 10, 9, 0, 0, 0, bottest.Shanghai))
	return New(env, DefaultConfig(), q), rdb
}

// BenchmarkYearReport builds the 2026 report of 100 grids: from the raw
// per-day records (every month read), from the monthly rollups (the usual
// case once the year is over), and the workbook.
func BenchmarkYearReport(b *testing.B) {
	f, rdb := benchYear(b)
	ctx := context.Background()
	p := YearPeriod(2026, bottest.Shanghai)
	b.Run("raw", func(b *testing.B) {
		g := *f
		g.cfg.Settle = 1 << 62
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Build(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	if _, err := f.Build(ctx, p); err != nil {
		b.Fatal(err)
	}
	b.Run("rollup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Build(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	r, err := f.Build(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("xlsx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.XLSX(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(len(r.Pushes)), "pushrows")
	_ = rdb
}
