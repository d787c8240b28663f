package ledger

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func openBook(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	xf, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xf.Close() })
	return xf
}

// zipFile returns one part of the workbook's package.
func zipFile(t *testing.T, data []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return string(b)
		}
	}
	return ""
}

func TestWorkbookLayout(t *testing.T) {
	y := simulate(t, 3, 6, 45)
	w := y.w
	r, err := w.ledger.Build(context.Background(), MonthPeriod(2026, 1, bottest.Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	data, err := w.ledger.XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	xf := openBook(t, data)
	for _, sh := range xf.GetSheetList() {
		p, err := xf.GetPanes(sh)
		if err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("%s panes = %+v (%v), want the header row frozen", sh, p, err)
		}
		wd, err := xf.GetColWidth(sh, "B")
		if err != nil || wd < 10 {
			t.Errorf("%s column B width = %v (%v), want one set for its content", sh, wd, err)
		}
	}

	// the chart: activities as bars on their own axis, sign-ups and
	// check-ins as lines on a secondary axis
	rels := zipFile(t, data, "xl/worksheets/_rels/sheet1.xml.rels")
	if !strings.Contains(rels, "drawing") {
		t.Fatalf("汇总 has no drawing: %s", rels)
	}
	chart := zipFile(t, data, "xl/charts/chart1.xml")
	bar, line, _ := strings.Cut(chart, "<lineChart>")
	if !strings.Contains(bar, "<barChart>") || line == "" {
		t.Fatalf("汇总 chart is not bars plus lines:\n%.600s", chart)
	}
	if n := strings.Count(bar, "<ser>"); n != 1 || !strings.Contains(bar, "$E$") {
		t.Errorf("bar part has %d series, want activities (column E) alone", n)
	}
	if n := strings.Count(line, "<ser>"); n != 2 {
		t.Errorf("line part has %d series, want sign-ups and check-ins", n)
	}
	if n := strings.Count(chart, "<valAx>"); n != 2 {
		t.Errorf("chart has %d value axes, want 2 (activities, people)", n)
	}

	// rates and averages are numbers with a number format
	raw := excelize.Options{RawCellValue: true}
	rows := sheetRows(t, xf, SheetQuiz)
	if len(rows) < 2 || rows[1][2] != "全部" {
		t.Fatalf("知识竞答 first row = %v, want a round's total", rows[1:2])
	}
	for _, c := range []struct{ cell, shown string }{{"G2", "%"}, {"I2", ""}, {"J2", "%"}} {
		v, _ := xf.GetCellValue(SheetQuiz, c.cell, raw)
		shown, _ := xf.GetCellValue(SheetQuiz, c.cell)
		if _, err := strconv.ParseFloat(v, 64); err != nil || !strings.HasSuffix(shown, c.shown) {
			t.Errorf("知识竞答 %s = %q shown %q, want a number shown as %q", c.cell, v, shown, "…"+c.shown)
		}
	}
	sum := sheetRows(t, xf, SheetSummary)
	for i, row := range sum {
		if len(row) > 1 && row[0] == "竞答平均正确率" {
			cell := "B" + strconv.Itoa(i+1)
			v, _ := xf.GetCellValue(SheetSummary, cell, raw)
			if f, err := strconv.ParseFloat(v, 64); err != nil || f != r.Summary.QuizRate || !strings.HasSuffix(row[1], "%") {
				t.Errorf("汇总 竞答平均正确率 = %q shown %q, want %v shown as a percent", v, row[1], r.Summary.QuizRate)
			}
		}
	}
	rows = sheetRows(t, xf, SheetGrids)
	for _, cell := range []string{"I2", "J2"} {
		v, _ := xf.GetCellValue(SheetGrids, cell, raw)
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Errorf("网格评比 %s = %q, want a number", cell, v)
		}
	}

	// without a quiz, the rate is a dash, not 0%
	noQuiz := New(w.env, DefaultConfig(), nil)
	r2, err := noQuiz.Build(context.Background(), MonthPeriod(2026, 1, bottest.Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	data, err = noQuiz.XLSX(r2)
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryValue(t, sheetRows(t, openBook(t, data), SheetSummary), "竞答平均正确率"); got != "—" {
		t.Errorf("竞答平均正确率 without a quiz = %q, want —", got)
	}
}

func TestPlannedActivitiesAreNotHeld(t *testing.T) {
	y := simulate(t, 3, 4, 20)
	w := y.w
	held := len(y.acts)
	if held == 0 {
		t.Fatal("no activity simulated")
	}
	out := w.say(staffID.PrivateChat(), staffID, "王主任", "发布活动\n活动：包饺子\n时间：2026-01-28 19:00\n地点：社区活动室\n名额：10\n网格：全部", nil)
	m := eventIDRe.FindStringSubmatch(texts(out))
	if m == nil {
		t.Fatalf("create event: %s", texts(out))
	}
	w.drain()
	heldSignups := r0(t, w).Summary.Signups
	for i, who := range []struct {
		user bot.UserRef
		name string
		n    int
	}{{"tg:9001", "赵阿姨", 3}, {"tg:9002", "钱大爷", 1}} {
		got := texts(w.say("tg:-1001", who.user, who.name, fmt.Sprintf("报名 %s %d人", m[1], who.n), nil))
		if !strings.Contains(got, "报名成功") {
			t.Fatalf("sign-up %d to the planned activity: %s", i, got)
		}
	}
	r, err := w.ledger.Build(context.Background(), MonthPeriod(2026, 1, bottest.Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Activities != held || r.Summary.Planned != 1 || len(r.Activities) != held+1 {
		t.Errorf("activities held/planned/listed = %d/%d/%d, want %d/1/%d", r.Summary.Activities, r.Summary.Planned, len(r.Activities), held, held+1)
	}
	if want := "另有计划活动1次"; !strings.Contains(r.Summary.Paragraph, want) {
		t.Errorf("paragraph %q lacks %q", r.Summary.Paragraph, want)
	}
	if r.Months[0].Activities != held || r.Months[0].Planned != 1 {
		t.Errorf("chart activities in January = %d held, %d planned; want %d and 1", r.Months[0].Activities, r.Months[0].Planned, held)
	}
	if s := r.Summary; s.Signups != heldSignups+4 || s.PlannedSignups != 4 || r.Months[0].Signups != s.Signups {
		t.Errorf("sign-ups %d (planned %d, chart %d), want %d with 4 for the planned activity, as the activity list shows 已报 4",
			s.Signups, s.PlannedSignups, r.Months[0].Signups, heldSignups+4)
	}
	if want := "另有计划活动1次（已报名4人）"; !strings.Contains(r.Summary.Paragraph, want) {
		t.Errorf("paragraph %q lacks %q", r.Summary.Paragraph, want)
	}
	if want := "另有计划活动 1 次（还没到时间），已报名 4 人"; !strings.Contains(SummaryText(r), want) {
		t.Errorf("chat summary lacks %q:\n%s", want, SummaryText(r))
	}
}

// r0 is the January report before the test's changes.
func r0(t *testing.T, w *world) *Report {
	t.Helper()
	r, err := w.ledger.Build(context.Background(), MonthPeriod(2026, 1, bottest.Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRankMissed(t *testing.T) {
	all := []Missed{
		{Round: 1, ID: "once", Answered: 1, Correct: 0},
		{Round: 1, ID: "often", Answered: 50, Correct: 20},
		{Round: 2, ID: "easy", Answered: 30, Correct: 29},
		{Round: 2, ID: "four", Answered: 4, Correct: 0},
		{Round: 2, ID: "hard", Answered: 5, Correct: 1},
	}
	var got []string
	for _, m := range rankMissed(all) {
		got = append(got, m.ID)
	}
	if g, want := strings.Join(got, ","), "hard,often,easy"; g != want {
		t.Errorf("most missed = %s, want %s (questions under %d answers left out)", g, want, MinAnswers)
	}
	got = got[:0]
	for _, m := range rankMissed(all[3:4:4]) {
		got = append(got, m.ID)
	}
	if g := strings.Join(got, ","); g != "four" {
		t.Errorf("most missed with few answers = %s, want four (fall back to all)", g)
	}
}

func TestVolunteerStarsAreCumulative(t *testing.T) {
	w := newWorld(t, time.Date(2027, 3, 1, 9, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	u := bot.UserRef("tg:77")
	w.rdb.HSet(ctx, volKey(w.keys, "2027"), string(u), 4.5)
	w.rdb.HSet(ctx, volKey(w.keys, "2026"), string(u), 30)
	w.rdb.HSet(ctx, attKey(w.keys, "20270215"), "9:"+string(u), strings.Join([]string{"1网格", "1", "4.5", "0", "李阿姨"}, sep))
	w.rdb.HSet(ctx, attKey(w.keys, "20270216"), "10:tg:78", strings.Join([]string{"1网格", "1", "0", "0", "张大爷"}, sep))
	r, err := w.ledger.Build(ctx, MonthPeriod(2027, 2, bottest.Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Volunteers) != 1 {
		t.Fatalf("volunteers = %+v, want 李阿姨 alone (张大爷 has no hours)", r.Volunteers)
	}
	v := r.Volunteers[0]
	if v.Hours != 4.5 || v.Total != 34.5 || v.Stars != 2 {
		t.Errorf("李阿姨 hours/total/stars = %v/%v/%d, want 4.5/34.5/2 as 志愿时长 shows", v.Hours, v.Total, v.Stars)
	}
	out := w.say(u.PrivateChat(), u, "李阿姨", "志愿时长", nil)
	if !strings.Contains(texts(out), "星级："+StarText(v.Stars)) {
		t.Errorf("志愿时长 = %s, want the report's stars %s", texts(out), StarText(v.Stars))
	}
}
