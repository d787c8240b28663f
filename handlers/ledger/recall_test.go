package ledger

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/handlers/notices"
)

// TestOnlyWhatReachedAGroupCounts sends four notices in March: one stays,
// one is recalled from both groups, one scheduled is cancelled before it
// goes out, and one is recalled where the platform lets it (5网格's group
// refuses the deletion). The chat summary, the report figures and the
// workbook must count the first and what is left of the fourth, and show
// the recalls as such.
func TestOnlyWhatReachedAGroupCounts(t *testing.T) {
	w := newWorld(t, time.Date(2026, 3, 2, 10, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	sizes := map[bot.ChatRef]int{"tg:-1003": 40, "tg:-1005": 60}
	for chat, grid := range map[bot.ChatRef]string{"tg:-1003": "3网格", "tg:-1005": "5网格"} {
		if _, err := w.dir.Bind(ctx, chat, grid, grid+"居民群"); err != nil {
			t.Fatal(err)
		}
		_ = w.dir.SetMembers(ctx, chat, sizes[chat])
	}
	w.members = func(chat bot.ChatRef, _ string) int { return sizes[chat] }
	notices.New(w.env, notices.DefaultConfig(), notices.Ops{Recaller: w.ob, Canceller: w.ob}).Register(w.router)
	pm := staffID.PrivateChat()
	send := func(text string) {
		t.Helper()
		w.say(pm, staffID, "王主任", text, nil)
		if out := texts(w.say(pm, staffID, "王主任", "确认", nil)); !strings.Contains(out, "已确认") {
			t.Fatalf("confirming %q: %s", text, out)
		}
		if !strings.Contains(text, "3月20日") {
			w.drain()
		}
	}
	send("通知 全部 明早9点停水，请提前储水")
	send("通知 全部 这条发错了")
	if out := texts(w.say(pm, staffID, "王主任", "撤回通知 2", nil)); !strings.Contains(out, "已撤回") {
		t.Fatalf("recall 2: %s", out)
	}
	send("通知 3月20日 09:00 全部 定时通知，后来取消")
	if out := texts(w.say(pm, staffID, "王主任", "取消通知 3", nil)); !strings.Contains(out, "已取消") {
		t.Fatalf("cancel 3: %s", out)
	}
	send("通知 全部 周六义诊")
	w.send.FailDelete("tg:-1005", &bot.SendError{Kind: bot.Permanent, Code: 400, Desc: "message can't be deleted"})
	w.say(pm, staffID, "王主任", "撤回通知 4", nil)

	p, err := ParsePeriod("本月", w.clk.Now(), bottest.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.ledger.Build(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	if s.PushTotal != 2 || s.Pushes["notice"] != 2 || s.Recalled != 1 {
		t.Errorf("pushes counted %d (notices %d), recalled %d; want 2, 2 and 1", s.PushTotal, s.Pushes["notice"], s.Recalled)
	}
	if s.Reach != 100+60 || s.Groups != 3 {
		t.Errorf("reach %d 人次 in %d groups, want 160 in 3 (notice 1 in both groups, notice 4 left in 5网格)", s.Reach, s.Groups)
	}
	for _, g := range r.Grids {
		want := map[string]int64{"3网格": 40, "5网格": 120}[g.Grid]
		if g.Reach != want {
			t.Errorf("%s reach %d, want %d", g.Grid, g.Reach, want)
		}
	}
	if !strings.Contains(s.Paragraph, "通知公告2条") || !strings.Contains(s.Paragraph, "160人次") {
		t.Errorf("paragraph %q, want 通知公告2条 and 160人次", s.Paragraph)
	}
	text := SummaryText(r)
	for _, want := range []string{"推送 2 条，覆盖群众 160 人次", "另有 1 条推送已撤回，不计入"} {
		if !strings.Contains(text, want) {
			t.Errorf("chat summary lacks %q:\n%s", want, text)
		}
	}

	data, err := w.ledger.XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	xf, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range sheetRows(t, xf, SheetPushes)[1:] {
		got = append(got, strings.Join(row[2:8], " "))
	}
	want := []string{
		"明早9点停水，请提前储水 已送达 2 2 100 0",
		"这条发错了 已撤回 0 0 0 2",
		"周六义诊 部分撤回 1 1 60 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("宣传推送 rows (标题 状态 网格数 送达群数 覆盖人次 撤回群数):\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	summary := map[string]string{}
	for _, row := range sheetRows(t, xf, SheetSummary) {
		if len(row) > 1 {
			summary[row[0]] = row[1]
		}
	}
	if summary["推送总数（条）"] != "2" || summary["已撤回推送（条，不计入）"] != "1" || summary["覆盖群众（人次）"] != "160" {
		t.Errorf("汇总 sheet: 推送 %q, 已撤回 %q, 覆盖 %q; want 2, 1, 160",
			summary["推送总数（条）"], summary["已撤回推送（条，不计入）"], summary["覆盖群众（人次）"])
	}

	g3, err := w.ledger.BuildFor(ctx, p, []string{"3网格"})
	if err != nil {
		t.Fatal(err)
	}
	if s := g3.Summary; s.PushTotal != 1 || s.Recalled != 2 || s.Reach != 40 {
		t.Errorf("3网格 report: %d pushes, %d recalled, reach %d; want 1, 2 (notices 2 and 4 were deleted there) and 40",
			s.PushTotal, s.Recalled, s.Reach)
	}
}
