package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// rollWorld is a month of broadcasts to three groups in two grids: two
// tips of one ref, a notice one group refused, and a notice recalled
// from one group.
type rollWorld struct {
	f        *fixture
	o        *Outbox
	recalled string
	notice   string
}

var errGone = &bot.SendError{Kind: bot.Permanent, Code: 403, Desc: "Forbidden: bot was kicked"}

func newRollWorld(t *testing.T) *rollWorld {
	t.Helper()
	s := newFakeSender()
	clk := bottest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, bottest.Shanghai))
	f := newFixture(t, s, clk, nil)
	o := f.outbox(testConfig())
	run(t, o)
	ctx := context.Background()
	grid := map[bot.ChatRef]string{"tg:-1": "一网格", "tg:-2": "二网格", "tg:-3": "二网格"}
	send := func(b bot.Broadcast) string {
		t.Helper()
		b.Grids = grid
		b.Message = bot.Message{Text: "内容"}
		id, err := o.Enqueue(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the outbox idle", func() bool { ok, _ := o.Idle(ctx); return ok })
		return id
	}
	w := &rollWorld{f: f, o: o}
	send(bot.Broadcast{Kind: "tip", Ref: "t1", Title: "民族团结", Chats: []bot.ChatRef{"tg:-1"}})
	send(bot.Broadcast{Kind: "tip", Ref: "t1", Title: "民族团结", Chats: []bot.ChatRef{"tg:-2"}})
	s.FailChat("tg:-3", errGone)
	w.notice = send(bot.Broadcast{Kind: "notice", Ref: "5", Title: "停水通知", Chats: []bot.ChatRef{"tg:-1", "tg:-2", "tg:-3"}, ReportTo: "tg:9"})
	s.FailChat("tg:-3", nil)
	clk.Set(time.Date(2026, 3, 20, 10, 0, 0, 0, bottest.Shanghai))
	w.recalled = send(bot.Broadcast{Kind: "notice", Ref: "6", Title: "停电通知", Chats: []bot.ChatRef{"tg:-1", "tg:-2"}})
	if d, _, err := o.Recall(ctx, w.recalled); err != nil || d != 2 {
		t.Fatalf("recall: %d, %v", d, err)
	}
	clk.Set(time.Date(2026, 4, 6, 3, 0, 0, 0, bottest.Shanghai))
	return w
}

// view is what the ledger reads of the outbox for some periods, in a
// form that compares: the reach, and each broadcast's figures, summed
// per day, kind and ref as the ledger sums them.
func (w *rollWorld) view(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	fig := NewFigures(w.f.env)
	loc := bottest.Shanghai
	var out []string
	for _, p := range [][2]time.Time{
		{time.Date(2026, 3, 1, 0, 0, 0, 0, loc), time.Date(2026, 4, 1, 0, 0, 0, 0, loc)},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, loc), time.Date(2026, 3, 3, 0, 0, 0, 0, loc)},
		{time.Date(2026, 3, 3, 0, 0, 0, 0, loc), time.Date(2026, 4, 5, 0, 0, 0, 0, loc)},
		{time.Date(2026, 2, 20, 0, 0, 0, 0, loc), time.Date(2026, 3, 10, 0, 0, 0, 0, loc)},
	} {
		pipe := w.f.rdb.Pipeline()
		get := fig.QueueReach(ctx, pipe, p[0], p[1])
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		pr := get()
		var lines []string
		for _, r := range pr.Reach {
			lines = append(lines, fmt.Sprintf("reach %s %s %d %d %d", r.Grid, r.Kind, r.Pushes, r.Groups, r.Members))
		}
		rows := map[string]*Pushed{}
		bs, err := fig.Broadcasts(ctx, pr.Created)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if len(b.RecalledFrom) > 0 {
				lines = append(lines, fmt.Sprintf("whole %s %s %v %v", b.Kind, b.Ref, b.SentTo, b.RecalledFrom))
				continue
			}
			k := b.Created.Format(time.DateOnly) + "|" + b.Kind + "|" + b.Ref
			r := rows[k]
			if r == nil {
				r = &Pushed{}
				rows[k] = r
			}
			r.Title, r.Broadcasts, r.Groups, r.Members = b.Title, r.Broadcasts+1, r.Groups+int64(len(b.SentTo)), r.Members+b.Members
			for _, c := range b.SentTo {
				if !slices.Contains(r.Grids, b.Grid[c]) {
					r.Grids = append(r.Grids, b.Grid[c])
				}
			}
		}
		for _, r := range pr.Pushes {
			rows[r.Day+"|"+r.Kind+"|"+r.Ref] = &r
		}
		for k, r := range rows {
			slices.Sort(r.Grids)
			lines = append(lines, fmt.Sprintf("push %s %s %d %d %d %v", k, r.Title, r.Broadcasts, r.Groups, r.Members, r.Grids))
		}
		slices.Sort(lines)
		out = append(out, strings.Join(lines, "\n"))
	}
	rep, err := w.o.Status(ctx, w.notice)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, fmt.Sprint("notice ", rep.Total, rep.Sent, rep.Failed, rep.Members, rep.Failures))
	return strings.Join(out, "\n--\n")
}

func (w *rollWorld) keys(t *testing.T) []string {
	t.Helper()
	ks, err := w.f.rdb.Keys(context.Background(), w.f.keys.Key("ob", "{ob}", "*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ks)
	return ks
}

// A closed month reads the same after its roll-up: reach for whole and
// partial periods, the pushes summed, a recalled notice whole, a notice's
// status with its failure; the per-delivery records are gone.
func TestRollUpReadsTheSame(t *testing.T) {
	w := newRollWorld(t)
	ctx := context.Background()
	before := w.view(t)
	if !strings.Contains(before, "push 2026-03-02|tip|t1 民族团结 2 2 20 [一网格 二网格]") || !strings.Contains(before, "Forbidden") {
		t.Fatalf("the month is not as set up:\n%s", before)
	}
	if err := w.o.RollUp(ctx); err != nil {
		t.Fatal(err)
	}
	if after := w.view(t); after != before {
		t.Errorf("figures changed by the roll-up:\nbefore\n%s\nafter\n%s", before, after)
	}
	b := w.f.keys.Key("ob", "{ob}", "b")
	for _, k := range w.keys(t) {
		if strings.Contains(k, ":reach:2026-03") || strings.HasPrefix(k, b) && !strings.HasPrefix(k, b+":"+w.recalled) && !strings.HasPrefix(k, b+":"+w.notice) {
			t.Errorf("per-delivery record %s kept after the roll-up", k)
		}
		if strings.HasPrefix(k, b+":"+w.notice+":") && !strings.HasSuffix(k, ":failed") {
			t.Errorf("notice record %s kept after the roll-up (only its status and failures stay)", k)
		}
	}
	if _, err := w.o.Chats(ctx, "1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("chats of a rolled-up tip: %v, want ErrNotFound", err)
	}
}

// A roll-up that died after putting a month's rows in place, before it
// deleted the records, reads the same; the next run finishes the month;
// runs in several replicas at once give the same.
func TestRollUpResumesAndRunsInReplicas(t *testing.T) {
	w := newRollWorld(t)
	ctx := context.Background()
	before := w.view(t)
	if ok, err := w.o.buildMonth(ctx, time.Date(2026, 3, 1, 0, 0, 0, 0, bottest.Shanghai)); !ok || err != nil {
		t.Fatalf("build: %v, %v", ok, err)
	}
	if mid := w.view(t); mid != before {
		t.Errorf("figures after a roll-up cut short:\n%s\nwant\n%s", mid, before)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			o := w.f.outbox(testConfig())
			if err := o.RollUp(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if after := w.view(t); after != before {
		t.Errorf("figures after the runs:\n%s\nwant\n%s", after, before)
	}
	if slices.ContainsFunc(w.keys(t), func(k string) bool { return strings.Contains(k, ":tmp:") || strings.Contains(k, ":reach:2026-03") }) {
		t.Errorf("keys left: %v", w.keys(t))
	}
}

// A month with a broadcast still under way is not rolled up, and neither
// is any later month.
func TestRollUpWaitsForABroadcastUnderWay(t *testing.T) {
	s := newFakeSender()
	clk := bottest.NewClock(time.Date(2026, 3, 31, 10, 0, 0, 0, bottest.Shanghai))
	f := newFixture(t, s, clk, nil)
	o := f.outbox(testConfig())
	ctx := context.Background()
	if _, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Ref: "1", Chats: []bot.ChatRef{"tg:-1"},
		NotBefore: time.Date(2026, 5, 1, 9, 0, 0, 0, bottest.Shanghai)}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 5, 20, 0, 0, 0, 0, bottest.Shanghai))
	if err := o.RollUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.rdb.Exists(ctx, f.keys.Key("ob", "{ob}", "reachm", "2026-03"), f.keys.Key("ob", "{ob}", "reachm", "2026-04")).Result(); n != 0 {
		t.Errorf("rolled up a month with a broadcast waiting")
	}
	if m, _ := f.rdb.HGet(ctx, f.keys.Key("ob", "{ob}", "rolled"), "month").Result(); m >= "2026-03" {
		t.Errorf("roll-up cursor at %s, want before 2026-03", m)
	}
	if _, err := o.Status(ctx, "1"); err != nil {
		t.Errorf("status of the waiting notice: %v", err)
	}
}
