package tips

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

func TestDefaultBankIsClean(t *testing.T) {
	tips, probs := ParseBank(DefaultBank())
	for _, p := range probs {
		t.Errorf("default bank: %s", p)
	}
	if got, want := len(tips), 60; got < want {
		t.Fatalf("default bank has %d tips, want at least %d", got, want)
	}
	cats := map[string]int{}
	for _, tp := range tips {
		cats[tp.Category]++
		if n := utf8.RuneCountInString(tp.Body); n > 160 {
			t.Errorf("tip %s body is %d runes; keep default tips under 160 for a phone screen", tp.ID, n)
		}
	}
	if len(cats) < 5 {
		t.Errorf("got %d categories, want at least 5", len(cats))
	}
}

func TestOrderRoundRobin(t *testing.T) {
	b, err := LoadBank(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	o := b.Order()
	if len(o) != b.Len() {
		t.Fatalf("order has %d ids, bank %d", len(o), b.Len())
	}
	first, _ := b.Get(o[0])
	second, _ := b.Get(o[1])
	if first.Category == second.Category {
		t.Errorf("first two tips both %s; want categories interleaved", first.Category)
	}
}

func TestCycleWithoutRepeatsAndWrap(t *testing.T) {
	fx := newFixture(t, 3, DefaultConfig())
	ctx := context.Background()
	gs := fx.grids()
	if _, err := fx.f.Skip(ctx, gs[1:2]); err != nil { // grid 2 starts one ahead
		t.Fatal(err)
	}
	n := fx.f.Bank().Len()
	for i := 0; i < n; i++ {
		res, err := fx.f.PushNow(ctx, gs)
		if err != nil || len(res) != 3 {
			t.Fatalf("push %d: %d results, err %v", i, len(res), err)
		}
	}
	by := fx.tipsByGrid()
	for g, ids := range by {
		seen := map[string]bool{}
		limit := n
		if g == "2网格" {
			limit = n - 1 // its skipped tip ends the cycle; then it wraps
		}
		for i, id := range ids[:limit] {
			if seen[id] {
				t.Fatalf("%s got tip %s twice within one cycle (push %d)", g, id, i)
			}
			seen[id] = true
		}
	}
	if got, want := by["1网格"][0], fx.f.cur().order[0]; got != want {
		t.Errorf("1网格 first tip %s, want %s", got, want)
	}
	if by["1网格"][0] == by["2网格"][0] {
		t.Errorf("grid 2 skipped one but got the same first tip as grid 1")
	}
	// Grid 2 wrapped on its last push: a new cycle starts at the first tip.
	if got, want := by["2网格"][n-1], fx.f.cur().order[0]; got != want {
		t.Errorf("2网格 push %d = %s, want wrap to %s", n, got, want)
	}
	res, err := fx.f.PushNow(ctx, gs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res[0].Tip.ID, fx.f.cur().order[0]; got != want {
		t.Errorf("1网格 after a full cycle got %s, want %s (wrap)", got, want)
	}
}

func TestPreviewDoesNotAdvance(t *testing.T) {
	fx := newFixture(t, 2, DefaultConfig())
	ctx := context.Background()
	gs := fx.grids()
	if _, err := fx.f.PushNow(ctx, gs); err != nil {
		t.Fatal(err)
	}
	p1, err := fx.f.Preview(ctx, gs)
	if err != nil {
		t.Fatal(err)
	}
	reply := fx.say(staff, "", "/tip preview")
	p2, _ := fx.f.Preview(ctx, gs)
	if p1[0].Tip.ID != p2[0].Tip.ID {
		t.Fatalf("preview changed the next tip: %s then %s", p1[0].Tip.ID, p2[0].Tip.ID)
	}
	if !strings.Contains(reply, bot.Esc(p1[0].Tip.Title)) || !strings.Contains(reply, "1网格") {
		t.Errorf("preview reply %q lacks next tip %q", reply, p1[0].Tip.Title)
	}
	if !strings.Contains(reply, "08:30") {
		t.Errorf("preview reply %q lacks the next push time", reply)
	}
	res, _ := fx.f.PushNow(ctx, gs[:1])
	if got, want := res[0].Tip.ID, p1[0].Tip.ID; got != want {
		t.Errorf("pushed %s after previewing %s", got, want)
	}
}

func (fx *fixture) at(h, m int, day int) {
	fx.clock.Set(time.Date(2026, 3, day, h, m, 0, 0, bottest.Shanghai))
}

func (fx *fixture) tick() int {
	fx.t.Helper()
	before := len(fx.out.All())
	if err := fx.f.PushDue(context.Background()); err != nil {
		fx.t.Fatal(err)
	}
	return len(fx.out.All()) - before
}

func TestPushDueOncePerDayWithCatchUp(t *testing.T) {
	fx := newFixture(t, 3, DefaultConfig())
	fx.at(7, 0, 2)
	if got := fx.tick(); got != 0 {
		t.Fatalf("first tick pushed %d; a grid seen first should wait for its time", got)
	}
	fx.at(8, 29, 2)
	if got := fx.tick(); got != 0 {
		t.Fatalf("08:29 pushed %d, want 0", got)
	}
	fx.at(8, 30, 2)
	if got := fx.tick(); got != 3 {
		t.Fatalf("08:30 pushed %d, want 3 (one per grid)", got)
	}
	for _, m := range []int{30, 31, 59} {
		fx.at(8, m, 2)
		if got := fx.tick(); got != 0 {
			t.Fatalf("08:%d again pushed %d, want 0", m, got)
		}
	}
	// Down from before 08:30 until 11:00 on day 3: caught up once.
	fx.at(11, 0, 3)
	if got := fx.tick(); got != 3 {
		t.Fatalf("catch-up pushed %d, want 3", got)
	}
	fx.at(11, 1, 3)
	if got := fx.tick(); got != 0 {
		t.Fatalf("after catch-up pushed %d, want 0", got)
	}
	// Down all of day 4 after 08:30 never happened: day 5 pushes once.
	fx.at(8, 30, 5)
	if got := fx.tick(); got != 3 {
		t.Fatalf("day 5 pushed %d, want 3", got)
	}
	by := fx.tipsByGrid()
	if by["1网格"][0] == by["1网格"][1] {
		t.Errorf("grid got the same tip two days running: %v", by["1网格"])
	}
}

func TestGridScheduleOverride(t *testing.T) {
	cfg := DefaultConfig()
	cfg.GridSchedules = map[string]string{"3网格": "0 10 * * *"}
	fx := newFixture(t, 3, cfg)
	fx.at(7, 0, 2)
	fx.tick()
	reply := fx.say(staff, "", "/tip schedule 2网格 9:00")
	if !strings.Contains(reply, "2网格的每日一学改为每天 09:00 推送") || strings.Contains(reply, "*") {
		t.Fatalf("schedule reply %q, want 每天 09:00 and no cron string", reply)
	}
	if got := fx.say(staff, "", "/tip schedule 2网格 每天早上"); !strings.Contains(got, "没看懂") {
		t.Errorf("bad spec reply %q", got)
	}
	fx.at(8, 30, 2)
	if got := fx.tick(); got != 1 {
		t.Fatalf("08:30 pushed %d, want 1 (only 1网格 on the default)", got)
	}
	fx.at(9, 0, 2)
	if got := fx.tick(); got != 1 {
		t.Fatalf("09:00 pushed %d, want 1 (2网格)", got)
	}
	fx.at(10, 0, 2)
	if got := fx.tick(); got != 1 {
		t.Fatalf("10:00 pushed %d, want 1 (3网格 from config)", got)
	}
	fx.say(staff, "", "/tip schedule 2网格 默认")
	fx.at(8, 30, 3)
	if got := fx.tick(); got != 2 {
		t.Fatalf("day 3 08:30 pushed %d, want 2 after 2网格 went back to default", got)
	}
}

func TestBilingualGridGetsBothLanguages(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bank.yaml")
	bank := `tips:
  - id: t1
    category: 民族知识
    title: 测试标题
    body: 中文正文。
    translations:
      ug: {title: "UG-TITLE", body: "UG-BODY"}
`
	if err := os.WriteFile(file, []byte(bank), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Bank, cfg.ReplaceDefault = []string{file}, true
	fx := newFixture(t, 2, cfg)
	if got := fx.say(staff, "", "/tip lang 1网格 ug"); !strings.Contains(got, "双语") {
		t.Fatalf("lang reply %q", got)
	}
	if got := fx.say(staff, "", "/tip lang 1网格 xx"); !strings.Contains(got, "「xx」这种文字还不支持。可以写：维吾尔文") {
		t.Errorf("bad lang reply %q", got)
	}
	fx.say(staff, "", "/tip now 全部")
	for _, b := range fx.out.All() {
		text := b.Message.Text
		bilingual := strings.Contains(text, "UG-BODY")
		if !strings.Contains(text, "中文正文") {
			t.Errorf("message %q lacks the Chinese", text)
		}
		for _, g := range b.Grids {
			if want := g == "1网格"; bilingual != want {
				t.Errorf("%s: bilingual %v, want %v: %q", g, bilingual, want, text)
			}
		}
	}
	if len(fx.out.All()) != 2 {
		t.Fatalf("got %d broadcasts, want 2", len(fx.out.All()))
	}
}

func TestEnqueueFailureKeepsTipForNextTime(t *testing.T) {
	fx := newFixture(t, 1, DefaultConfig())
	ctx := context.Background()
	fx.out.Err = errors.New("outbox down")
	if _, err := fx.f.PushNow(ctx, fx.grids()); err == nil {
		t.Fatal("PushNow with a failing outbox returned nil")
	}
	fx.out.Err = nil
	res, err := fx.f.PushNow(ctx, fx.grids())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res[0].Tip.ID, fx.f.cur().order[0]; got != want {
		t.Errorf("after a failed push got %s, want the same first tip %s", got, want)
	}
	h, _ := fx.f.History(ctx, "1网格", 0)
	if len(h) != 1 {
		t.Errorf("history has %d entries, want 1 (the failed push is not recorded)", len(h))
	}
}

func TestStaffCommandsAndResidentToday(t *testing.T) {
	fx := newFixture(t, 2, DefaultConfig())
	if got := fx.say(staff, "", "/tip"); !strings.Contains(got, "「推送每日一学 全部」") || !strings.Contains(got, "默认每天 08:30 推送") ||
		strings.Contains(got, "/tip") || strings.Contains(got, "*") {
		t.Errorf("usage reply %q, want Chinese commands and no cron string", got)
	}
	fx.say("tg:9", "tg:-101", "推送每日一学 全部")
	if got := fx.say("tg:9", "tg:-101", "/tip now 全部"); !strings.Contains(got, "社区工作人员") {
		t.Errorf("resident push reply %q, want refusal", got)
	}
	if n := len(fx.out.All()); n != 0 {
		t.Fatalf("resident caused %d broadcasts", n)
	}
	if got := fx.say(staff, "", "推送每日一学 9网格"); !strings.Contains(got, "没有找到网格") {
		t.Errorf("unknown grid reply %q", got)
	}
	got := fx.say(staff, "", "推送每日一学 全部")
	if !strings.Contains(got, "2 个网格") || len(fx.out.All()) != 2 {
		t.Fatalf("push reply %q, %d broadcasts", got, len(fx.out.All()))
	}
	b := fx.out.All()[0]
	if b.Kind != "tip" || b.Ref == "" || b.Title == "" || b.Urgent || len(b.Chats) != 1 || b.Grids[b.Chats[0]] == "" {
		t.Errorf("broadcast %+v not a proper tip broadcast", b)
	}
	first, _ := fx.f.Bank().Get(b.Ref)
	if got := fx.say("tg:9", "tg:-101", "每日一学"); !strings.Contains(got, bot.Esc(first.Title)) {
		t.Errorf("resident 每日一学 reply %q, want today's tip %q", got, first.Title)
	}
	if got := fx.say(staff, "tg:-102", "/tip skip"); !strings.Contains(got, "1 个网格") || !strings.Contains(got, "2网格") {
		t.Errorf("skip in a group reply %q, want only that grid", got)
	}
	if got := fx.say(staff, "", "/tip history 1网格"); !strings.Contains(got, bot.Esc(first.Title)) || !strings.Contains(got, "2026-03-02") {
		t.Errorf("history reply %q", got)
	}
}

func TestConcurrentPushesNeverRepeat(t *testing.T) {
	fx := newFixture(t, 1, DefaultConfig())
	ctx := context.Background()
	gs := fx.grids()
	n := fx.f.Bank().Len()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fx.f.PushNow(ctx, gs); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ids := fx.tipsByGrid()["1网格"]
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("tip %s pushed twice among %d concurrent pushes", id, n)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("got %d distinct tips, want %d", len(seen), n)
	}
}

func TestCheckReportsLineNumbers(t *testing.T) {
	bad := `tips:
  - id: a1
    category: 民族知识
    title: 好的
    body: 正文。
  - id: a1
    category: 民族知识
    title: 重复
    body: 正文。
  - id: a2
    category: 乱写分类
    body: 没有标题。
  - id: a3
    category: 生活服务
    title: 太长
    body: ` + strings.Repeat("长", MaxBody+1) + `
`
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := CLI([]string{"check", file}, &out, &errb)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		file + ":6: 错误：编号（id）\"a1\" 重复（第 2 行已有）",
		file + ":11: 提醒：未知分类",
		file + ":10: 错误：缺少标题（title）",
		file + ":16: 错误：正文太长",
		file + "：3 处错误，1 条可以用",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	good := filepath.Join(t.TempDir(), "good.yaml")
	_ = os.WriteFile(good, DefaultBank(), 0o600)
	out.Reset()
	if code := CLI([]string{"check", good}, &out, &errb); code != 0 || !strings.Contains(out.String(), "没有问题，共 76 条") {
		t.Errorf("default bank: exit %d, output %q", code, out.String())
	}
	if code := CLI(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "用法：gridbot tips check 文件") {
		t.Errorf("no args: exit %d, %q; want 2 and the usage", code, errb.String())
	}
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "error") || strings.Contains(s, "warning") || strings.Contains(s, "usage") {
			t.Errorf("tips check printed English: %q", s)
		}
	}
	bro := filepath.Join(t.TempDir(), "broken.yaml")
	_ = os.WriteFile(bro, []byte("tips:\n  - id: x\n    title: [unclosed\n"), 0o600)
	out.Reset()
	CLI([]string{"check", bro}, &out, &errb)
	if !strings.Contains(out.String(), bro+":2: 错误：YAML 格式不对") || strings.Contains(out.String(), "did not find") {
		t.Errorf("broken YAML output lacks a Chinese line: %q", out.String())
	}
	if _, err := ReadCSV(strings.NewReader("编号,标题\na\"1,x\n")); err == nil || !strings.Contains(err.Error(), "第 2 行：有单独的英文引号") {
		t.Errorf("CSV with a stray quote: %v", err)
	}
}

func BenchmarkPushDueIdle(b *testing.B) {
	rdb, keys, _ := redistest.New(b)
	dir := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	for i := 1; i <= 50; i++ {
		chat := bot.ChatRef(fmt.Sprintf("tg:-%d", 100+i))
		_, _ = dir.Bind(ctx, chat, fmt.Sprintf("%d网格", i), "")
	}
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, bottest.Shanghai)
	f, err := New(feature.Env{Redis: rdb, Keys: keys, Dir: dir, Outbox: &bottest.Outbox{}, Now: func() time.Time { return now }, Loc: bottest.Shanghai}, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	_ = f.PushDue(ctx)
	b.ResetTimer()
	for b.Loop() {
		if err := f.PushDue(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPushDueRoundTrips(t *testing.T) {
	fx := newFixture(t, 20, DefaultConfig())
	ctx := context.Background()
	rdb := fx.env.Redis.(interface{ AddHook(redis.Hook) })
	c := &redistest.Counter{}
	rdb.AddHook(c)
	fx.at(7, 0, 2)
	fx.tick() // first sight, and warms the scripts
	c.Reset()
	fx.at(8, 0, 2)
	if err := fx.f.PushDue(ctx); err != nil {
		t.Fatal(err)
	}
	idle := c.Count()
	fx.at(8, 30, 2)
	c.Reset()
	if got := fx.tick(); got != 20 {
		t.Fatalf("pushed %d, want 20", got)
	}
	due := c.Count()
	t.Logf("round trips: idle tick %d, tick pushing 20 grids %d", idle, due)
	if idle > 4 {
		t.Errorf("idle tick took %d round trips, want at most 4", idle)
	}
	if due > 6 {
		t.Errorf("due tick took %d round trips, want at most 6 whatever the number of grids", due)
	}
}

func TestRecentCategoriesFollowPushes(t *testing.T) {
	fx := newFixture(t, 2, DefaultConfig())
	ctx := context.Background()
	cats, err := fx.f.RecentCategories(ctx, fx.clock.Now().Add(-7*24*time.Hour))
	if err != nil || len(cats) != 0 {
		t.Fatalf("before any push: %v %v", cats, err)
	}
	res, err := fx.f.PushNow(ctx, fx.grids())
	if err != nil {
		t.Fatal(err)
	}
	cats, err = fx.f.RecentCategories(ctx, fx.clock.Now().Add(-7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range res {
		want[r.Tip.Category] = true
	}
	if len(cats) != len(want) {
		t.Fatalf("categories %v, want those of %d pushed tips", cats, len(res))
	}
	for _, c := range cats {
		if !want[c] {
			t.Errorf("category %s was not pushed", c)
		}
	}
	if later, _ := fx.f.RecentCategories(ctx, fx.clock.Now().Add(time.Hour)); len(later) != 0 {
		t.Errorf("pushes before the window counted: %v", later)
	}
}

func TestPushedTipCarriesItsPageLink(t *testing.T) {
	for _, on := range []bool{true, false} {
		cfg := DefaultConfig()
		var asked []string
		if on {
			cfg.Link = func(_ context.Context, id string) (string, error) {
				asked = append(asked, id)
				return "https://wx.example.cn/s/" + id, nil
			}
		}
		fx := newFixture(t, 2, cfg)
		if _, err := fx.f.PushNow(context.Background(), fx.grids()); err != nil {
			t.Fatal(err)
		}
		got := fx.out.ByKind("tip")
		if len(got) != 2 {
			t.Fatalf("links on %v: %d tips pushed, want 2", on, len(got))
		}
		for _, b := range got {
			bs := b.Message.Buttons
			switch {
			case !on && len(bs) != 0:
				t.Errorf("links off: tip %s carries buttons %+v", b.Ref, bs)
			case on && (len(bs) != 1 || len(bs[0]) != 1 || bs[0][0].URL != "https://wx.example.cn/s/"+b.Ref):
				t.Errorf("links on: tip %s buttons %+v, want its page link", b.Ref, bs)
			}
		}
		if on && len(asked) != 2 {
			t.Errorf("links asked for %v, want one per grid's tip", asked)
		}
	}
}

func TestTipLinkOffWhenLinksGiveNone(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Link = func(context.Context, string) (string, error) { return "", nil }
	fx := newFixture(t, 1, cfg)
	if _, err := fx.f.PushNow(context.Background(), fx.grids()); err != nil {
		t.Fatal(err)
	}
	for _, b := range fx.out.ByKind("tip") {
		if len(b.Message.Buttons) != 0 {
			t.Errorf("no base URL: tip carries %+v", b.Message.Buttons)
		}
	}
}
