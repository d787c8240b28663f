package ledger

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// gridTruth is what the simulation did in one grid during [from, to).
type gridTruth struct {
	reach, groups, pushes int64
	signups, waitlist     int
	checkins              int64
	hours                 float64
	volunteers            int
	players               int
}

func (y *year) gridTruth(from, to time.Time, grid string) gridTruth {
	x := y.truth(from, to)
	g := gridTruth{reach: x.gridReach[grid], pushes: x.gridPushes[grid], signups: x.gridSign[grid], checkins: x.gridChk[grid]}
	for _, p := range x.pushes {
		for c := range p.Chats {
			if y.chatGrid[c] == grid {
				g.groups++
			}
		}
	}
	for _, a := range x.acts {
		for u := range a.Wait {
			if a.grid[u] == grid {
				g.waitlist++
			}
		}
	}
	for k, v := range x.vol {
		if k.Grid == grid {
			g.volunteers++
			g.hours += v.Hours
		}
	}
	if q := x.gridQuiz[grid]; q != nil {
		g.players = q.Players
	}
	return g
}

func TestGridReportMatchesGroundTruth(t *testing.T) {
	y := simulate(t, 4, 6, 100)
	w := y.w
	ctx := context.Background()
	w.at(time.Date(2026, 4, 20, 9, 0, 0, 0, bottest.Shanghai))
	out := y.push("event", "一网格议事会", func() {
		w.say(staffID.PrivateChat(), staffID, "王主任", "发布活动\n活动：一网格议事会\n时间：2026-04-21 19:00\n地点：1号楼\n名额：10\n网格：1网格", nil)
	})
	if !strings.Contains(texts(out), "一网格议事会") {
		t.Fatalf("create a 1网格-only activity: %s", texts(out))
	}
	w.at(time.Date(2027, 1, 10, 9, 0, 0, 0, bottest.Shanghai))
	p := YearPeriod(2026, bottest.Shanghai)
	whole, err := w.ledger.Build(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	rank := map[string]int{}
	for _, g := range whole.Grids {
		rank[g.Grid] = g.Rank
	}
	x := y.truth(p.From, p.To)
	for _, grid := range []string{"1网格", "2网格"} {
		gt := y.gridTruth(p.From, p.To, grid)
		if gt.reach == 0 || gt.signups == 0 || gt.checkins == 0 || gt.players == 0 || gt.waitlist+gt.volunteers == 0 {
			t.Fatalf("%s: simulation too thin: %+v", grid, gt)
		}
		r, err := w.ledger.BuildFor(ctx, p, []string{grid})
		if err != nil {
			t.Fatal(err)
		}
		s := r.Summary
		wantActs := len(x.acts)
		if grid == "1网格" {
			wantActs++
		}
		got := []any{s.Grids, s.Reach, s.Groups, int64(s.PushTotal), s.Activities, s.Signups, s.Waitlist, s.CheckIns,
			s.VolunteerHours, s.Volunteers, s.QuizPlayers, s.QuizAnswered}
		want := []any{1, gt.reach, gt.groups, gt.pushes, wantActs, gt.signups, gt.waitlist, gt.checkins,
			round2(gt.hours), gt.volunteers, gt.players, 0}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s summary grids/reach/groups/pushes/acts/signups/waitlist/checkins/hours/volunteers/players/answered:\n got %v\nwant %v", grid, got, want)
				break
			}
		}
		if len(r.Grids) != 1 || r.Grids[0].Grid != grid || r.Grids[0].Rank != rank[grid] || r.RankedAmong != 4 {
			t.Errorf("%s grid rows = %+v (of %d), want only %s ranked %d of 4", grid, r.Grids, r.RankedAmong, grid, rank[grid])
		}
		for _, ps := range r.Pushes {
			if !slices.Equal(ps.Grids, []string{grid}) || ps.Groups != 0 || ps.Members != 0 {
				t.Fatalf("%s push row %+v: want only this grid, without community-wide groups and members", grid, ps)
			}
		}
		var monthChk int64
		for _, m := range r.Months {
			monthChk += m.CheckIns
		}
		if monthChk != gt.checkins {
			t.Errorf("%s monthly check-ins sum to %d, want %d", grid, monthChk, gt.checkins)
		}
		for _, v := range r.Volunteers {
			if v.Grid != grid {
				t.Errorf("%s report lists volunteer %s of %s", grid, v.Name, v.Grid)
			}
		}
		for _, q := range r.Quiz {
			if !q.Total && q.Grid != grid {
				t.Errorf("%s report has quiz row of %q", grid, q.Grid)
			}
		}
		if len(r.Missed) != 0 {
			t.Errorf("%s report ranks community-wide questions: %v", grid, r.Missed)
		}
		if !strings.HasPrefix(s.Paragraph, "2026年度，"+grid+"通过网格群推送") || strings.Contains(s.Paragraph, "正确率") {
			t.Errorf("%s paragraph = %q, want the grid named and no accuracy (not kept per grid)", grid, s.Paragraph)
		}
		again, err := w.ledger.BuildFor(ctx, p, []string{grid})
		if err != nil {
			t.Fatal(err)
		}
		f := *w.ledger
		f.cfg.Settle = 1 << 62
		fromRaw, err := f.BuildFor(ctx, p, []string{grid})
		if err != nil {
			t.Fatal(err)
		}
		again.Generated, fromRaw.Generated = time.Time{}, time.Time{}
		if a, b := jsonOf(t, again), jsonOf(t, fromRaw); a != b {
			t.Errorf("%s report from rollups differs from the raw one:\n%s\n%s", grid, a[:min(600, len(a))], b[:min(600, len(b))])
		}
	}
	two, err := w.ledger.BuildFor(ctx, p, []string{"2网格", "1网格"})
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := y.gridTruth(p.From, p.To, "1网格"), y.gridTruth(p.From, p.To, "2网格")
	if !slices.Equal(two.Scope, []string{"1网格", "2网格"}) || two.Summary.Reach != g1.reach+g2.reach || two.Summary.CheckIns != g1.checkins+g2.checkins {
		t.Errorf("two grids: scope %v reach %d checkins %d, want 1网格,2网格 %d %d", two.Scope, two.Summary.Reach, two.Summary.CheckIns, g1.reach+g2.reach, g1.checkins+g2.checkins)
	}
}

func TestGridWorkerReportInChat(t *testing.T) {
	y := simulate(t, 3, 4, 40)
	w := y.w
	ctx := context.Background()
	const worker bot.UserRef = "tg:77"
	if _, err := w.dir.AddWorker(ctx, "2网格", worker); err != nil {
		t.Fatal(err)
	}
	file := func(out []sent) *bot.File {
		for _, s := range out {
			if s.Chat == worker.PrivateChat() && s.Msg.File != nil {
				return s.Msg.File
			}
		}
		return nil
	}

	out := w.say(worker.PrivateChat(), worker, "小刘", "报表 本月", nil)
	f := file(out)
	if f == nil || f.Name != "网格工作报表_2网格_20260201_20260228.xlsx" {
		t.Fatalf("worker's report in private: %s (file %v), want 2网格's workbook", texts(out), f)
	}
	if txt := out[0].Msg.Text; !strings.Contains(txt, "2网格 · 2026年2月工作报表") || !strings.Contains(txt, "共 3 个网格") {
		t.Errorf("worker's summary = %q, want the grid, period and its rank among 3 grids", txt)
	}
	xf, err := excelize.OpenReader(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	sum := sheetRows(t, xf, SheetSummary)
	if got := summaryValue(t, sum, "统计范围"); got != "2网格" {
		t.Errorf("统计范围 = %q, want 2网格", got)
	}
	if head := sheetRows(t, xf, SheetPushes)[0]; slices.Contains(head, "送达群数") || !slices.Contains(head, "网格") {
		t.Errorf("grid report push sheet header = %v, want no community-wide group counts", head)
	}
	grids := sheetRows(t, xf, SheetGrids)
	if len(grids) < 2 || grids[1][1] != "2网格" || grids[2] != nil && len(grids[2]) > 1 && grids[2][1] != "" {
		t.Errorf("grid sheet = %v, want the worker's grid only", grids)
	}
	xf.Close()

	out = w.say(worker.PrivateChat(), worker, "小刘", "报表 本月 3网格", nil)
	if file(out) != nil || len(out) != 1 || !strings.Contains(out[0].Msg.Text, "「3网格」不是您负责的网格") || !strings.Contains(out[0].Msg.Text, "2网格") {
		t.Errorf("worker asking for another grid got %s, want a polite refusal naming their grid", texts(out))
	}

	out = w.say("tg:-1002", worker, "小刘", "报表 本月", nil)
	if f := file(out); f == nil || !strings.Contains(f.Name, "2网格") {
		t.Errorf("worker's report from the group: %s, want 2网格's workbook privately", texts(out))
	}
	if !strings.Contains(texts(out), "tg:-1002: "+msgReportSent) {
		t.Errorf("group got no note that the report went privately: %s", texts(out))
	}

	out = w.say(staffID.PrivateChat(), staffID, "王主任", "报表 本月 3", nil)
	if f := file(out); f != nil {
		t.Errorf("staff's report went to the worker")
	}
	var staffFile *bot.File
	for _, s := range out {
		if s.Msg.File != nil {
			staffFile = s.Msg.File
		}
	}
	if staffFile == nil || !strings.Contains(staffFile.Name, "3网格_") {
		t.Errorf("staff asking for 3网格 got %s, want its workbook", texts(out))
	}

	const resident bot.UserRef = "tg:1000"
	out = w.say(resident.PrivateChat(), resident, "居民", "报表 本月", nil)
	if len(out) != 1 || out[0].Msg.File != nil || !strings.Contains(out[0].Msg.Text, "网格员和社区工作人员") {
		t.Errorf("resident asking for a report got %s, want a polite refusal", texts(out))
	}
}
