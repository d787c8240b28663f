package notices

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestPreviewConfirmSendsExactlyOnce(t *testing.T) {
	fx := newFixture(t, 2)
	reply := fx.say(staff, "", "/notice 全部 明早9点停水，请提前储水")
	for _, want := range []string{"通知预览", "2 个网格", "2 个群", "约 30 人", "明早9点停水，请提前储水", "确认"} {
		if !strings.Contains(reply, want) {
			t.Errorf("preview %q lacks %q", reply, want)
		}
	}
	if n := len(fx.out.All()); n != 0 {
		t.Fatalf("%d broadcasts before confirmation, want 0", n)
	}
	ok := fx.okButton()
	if !strings.HasPrefix(ok, "nt:ok:") {
		t.Fatalf("confirm button data %q", ok)
	}
	fx.press(staff, ok)
	got := fx.out.All()
	if len(got) != 1 {
		t.Fatalf("got %d broadcasts after confirm, want 1", len(got))
	}
	b := got[0]
	if b.Kind != "notice" || b.Ref != "1" || b.Urgent || !b.NotBefore.IsZero() || b.ReportTo != staff.PrivateChat() {
		t.Errorf("broadcast kind %q ref %q urgent %v notBefore %v reportTo %q", b.Kind, b.Ref, b.Urgent, b.NotBefore, b.ReportTo)
	}
	if len(b.Chats) != 2 || b.Grids["tg:-101"] != "1网格" || b.Grids["tg:-102"] != "2网格" {
		t.Errorf("chats %v grids %v", b.Chats, b.Grids)
	}
	if !strings.Contains(b.Message.Text, "明早9点停水，请提前储水") || strings.Contains(b.Message.Text, "预览") {
		t.Errorf("group message %q", b.Message.Text)
	}
	if len(fx.send.Edited()) != 1 || !strings.Contains(fx.send.Edited()[0], "1 号") {
		t.Errorf("preview not edited to the confirmation: %v", fx.send.Edited())
	}
	fx.press(staff, ok)
	if got := fx.say(staff, "", "确认"); !strings.Contains(got, "已经发出") {
		t.Errorf("second confirm reply %q, want already sent", got)
	}
	if n := len(fx.out.All()); n != 1 {
		t.Fatalf("got %d broadcasts after confirming three times, want 1", n)
	}
}

func TestConcurrentConfirmsSendOnce(t *testing.T) {
	fx := newFixture(t, 3)
	fx.say(staff, "", "通知 全部 今晚社区停电检修")
	id := strings.TrimPrefix(fx.okButton(), "nt:ok:")
	var wg sync.WaitGroup
	var mu sync.Mutex
	oks := 0
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fx.f.confirm(context.Background(), id); err == nil {
				mu.Lock()
				oks++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n := len(fx.out.All()); n != 1 || oks != 1 {
		t.Fatalf("32 concurrent confirms: %d broadcasts, %d successes; want 1 and 1", n, oks)
	}
}

func TestTextConfirmUrgentScheduledAndTargets(t *testing.T) {
	fx := newFixture(t, 5)
	fx.say(staff, "", "/notice! 3网格,5网格 燃气泄漏，请勿点火")
	fx.say(staff, "", "确认")
	fx.say(staff, "", "通知 12月1日 09:00 标签:老旧小区 上午检修电梯")
	fx.say(staff, "", "确认发送")
	fx.say(staff, "", "紧急通知 2 4 停水")
	fx.say(staff, "", "确认")
	got := fx.out.All()
	if len(got) != 3 {
		t.Fatalf("got %d broadcasts, want 3", len(got))
	}
	if b := got[0]; !b.Urgent || len(b.Chats) != 2 || b.Grids["tg:-103"] != "3网格" || b.Grids["tg:-105"] != "5网格" || !strings.Contains(b.Message.Text, "紧急") {
		t.Errorf("urgent notice: urgent %v chats %v text %q", b.Urgent, b.Chats, b.Message.Text)
	}
	want := time.Date(2026, 12, 1, 9, 0, 0, 0, bottest.Shanghai)
	if b := got[1]; b.Urgent || !b.NotBefore.Equal(want) || len(b.Chats) != 1 || b.Chats[0] != "tg:-101" {
		t.Errorf("scheduled notice: notBefore %v (want %v) chats %v", b.NotBefore, want, b.Chats)
	}
	if b := got[2]; len(b.Chats) != 2 || b.Grids["tg:-102"] != "2网格" || b.Grids["tg:-104"] != "4网格" || !strings.HasSuffix(b.Message.Text, "\n停水") {
		t.Errorf("space-separated grids: chats %v text %q", b.Chats, b.Message.Text)
	}
}

func TestMultiLineBodyKeptAndEscaped(t *testing.T) {
	fx := newFixture(t, 1)
	fx.say(staff, "", "/notice 全部\n第一行：<b>不是粗体</b>\n第二行 & 第三项")
	fx.say(staff, "", "确认")
	got := fx.out.All()
	if len(got) != 1 {
		t.Fatalf("got %d broadcasts", len(got))
	}
	if want := "第一行：&lt;b&gt;不是粗体&lt;/b&gt;\n第二行 &amp; 第三项"; !strings.HasSuffix(got[0].Message.Text, want) {
		t.Errorf("message %q, want it to end with %q", got[0].Message.Text, want)
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	fx := newFixture(t, 2)
	cases := []struct{ in, want string }{
		{"/notice", "请这样写"},
		{"/notice 全部", "内容是空的"},
		{"/notice 9网格 停水", "没有找到网格「9网格」"},
		{"/notice 标签:新小区 停水", "没有网格带有标签"},
		{"/notice 13月40日 09:00 全部 停水", "日期"},
		{"/notice 2026-03-01 09:00 全部 停水", "已经过去"},
		{"/notice 2028-01-01 09:00 全部 停水", "太远"},
		{"/notice 明天 全部 停水", "几点"},
	}
	for _, c := range cases {
		if got := fx.say(staff, "", c.in); !strings.Contains(got, c.want) {
			t.Errorf("%q: reply %q, want it to contain %q", c.in, got, c.want)
		}
	}
	if got := fx.say(staff, "", "确认"); strings.Contains(got, "已确认") {
		t.Errorf("确认 after only bad input: %q", got)
	}
	fx.say(resident, "tg:-101", "通知 全部 停水")
	if got := fx.say(resident, "tg:-101", "/notice 全部 停水"); !strings.Contains(got, "社区工作人员") {
		t.Errorf("resident reply %q, want the polite refusal", got)
	}
	if n := len(fx.out.All()); n != 0 {
		t.Fatalf("bad input enqueued %d broadcasts", n)
	}
}

func TestResidentCannotPressConfirm(t *testing.T) {
	fx := newFixture(t, 1)
	fx.say(staff, "", "通知 全部 停水")
	ok := fx.okButton()
	fx.press(resident, ok)
	if got := fx.say(resident, "tg:-101", "确认"); got != fx.send.Last().Text || strings.Contains(got, "已确认") {
		t.Errorf("resident 确认: %q", got)
	}
	if n := len(fx.out.All()); n != 0 {
		t.Fatalf("resident confirmation enqueued %d", n)
	}
	if a := fx.send.Answers(); len(a) == 0 || !strings.Contains(a[len(a)-1], "社区工作人员") {
		t.Errorf("resident press answers %v", a)
	}
}

func TestDraftExpiresAndDrop(t *testing.T) {
	fx := newFixture(t, 1)
	fx.say(staff, "", "通知 全部 停水")
	fx.clock.Add(31 * time.Minute)
	if got := fx.say(staff, "", "确认"); !strings.Contains(got, "已过期") {
		t.Errorf("late confirm reply %q", got)
	}
	fx.say(staff, "", "通知 全部 停电")
	no := strings.Replace(fx.okButton(), "nt:ok:", "nt:no:", 1)
	fx.press(staff, no)
	if got := fx.say(staff, "", "确认"); !strings.Contains(got, "已取消") {
		t.Errorf("confirm after 不发了: %q", got)
	}
	if n := len(fx.out.All()); n != 0 {
		t.Fatalf("expired or dropped drafts enqueued %d", n)
	}
}

func TestEnqueueFailureCanBeRetried(t *testing.T) {
	fx := newFixture(t, 1)
	fx.say(staff, "", "通知 全部 停水")
	fx.out.Err = errBoom
	if got := fx.say(staff, "", "确认"); !strings.Contains(got, bot.MsgBusy) {
		t.Errorf("reply when outbox fails %q", got)
	}
	fx.out.Err = nil
	fx.say(staff, "", "确认")
	got := fx.out.All()
	if len(got) != 1 || got[0].Ref != "1" {
		t.Fatalf("after retry: %d broadcasts (ref %v), want 1 with number 1", len(got), got)
	}
}

func TestCancelScheduled(t *testing.T) {
	fx := newFixture(t, 2)
	fx.say(staff, "", "通知 明天 9点 全部 停水")
	fx.say(staff, "", "确认")
	fx.say(staff, "", "通知 全部 马上开会")
	fx.say(staff, "", "确认")
	if got := fx.say(staff, "", "/notice cancel 2"); !strings.Contains(got, "已经发出") {
		t.Errorf("cancel of a sent notice: %q", got)
	}
	if got := fx.say(staff, "", "取消通知 1"); !strings.Contains(got, "已取消通知 1 号") {
		t.Errorf("cancel reply %q", got)
	}
	if len(fx.ops.cancelled) != 1 || fx.ops.cancelled[0] != "b1" {
		t.Errorf("canceller got %v, want [b1]", fx.ops.cancelled)
	}
	if got := fx.say(staff, "", "取消通知 1"); !strings.Contains(got, "已取消") || len(fx.ops.cancelled) != 1 {
		t.Errorf("second cancel %q, canceller calls %v", got, fx.ops.cancelled)
	}
	if got := fx.say(staff, "", "取消通知 7"); !strings.Contains(got, "没有找到通知 7 号") {
		t.Errorf("unknown number %q", got)
	}
	list := fx.say(staff, "", "通知列表")
	for _, want := range []string{"1 号", "已取消", "2 号", "已发出", "马上开会"} {
		if !strings.Contains(list, want) {
			t.Errorf("list %q lacks %q", list, want)
		}
	}
	if strings.Index(list, "2 号") > strings.Index(list, "1 号") {
		t.Errorf("list not newest first: %q", list)
	}
}

func TestRecall(t *testing.T) {
	fx := newFixture(t, 3)
	fx.say(staff, "", "通知 全部 发错了")
	fx.say(staff, "", "确认")
	if got := fx.say(staff, "", "/recall 1"); !strings.Contains(got, "从 2 个群删除") || !strings.Contains(got, "1 个群没能删除") {
		t.Errorf("recall reply %q", got)
	}
	if len(fx.ops.recalled) != 1 || fx.ops.recalled[0] != "b1" {
		t.Errorf("recaller got %v", fx.ops.recalled)
	}
	if got := fx.say(staff, "", "撤回通知 1"); !strings.Contains(got, "已撤回") || len(fx.ops.recalled) != 1 {
		t.Errorf("second recall %q (calls %v)", got, fx.ops.recalled)
	}
}

func TestResidentRefusedEverywhere(t *testing.T) {
	fx := newFixture(t, 1)
	for _, in := range []string{"/notices", "/recall 1", "取消通知 1", "紧急通知 全部 x"} {
		if got := fx.say(resident, "tg:-101", in); !strings.Contains(got, "社区工作人员") {
			t.Errorf("resident %q: %q", in, got)
		}
	}
}

func TestNoticeCarriesItsPageLink(t *testing.T) {
	fx := newFixture(t, 1)
	var asked []int
	fx.f.ops.Link = func(_ context.Context, n int) (string, error) {
		asked = append(asked, n)
		return "https://wx.example.cn/s/abcdefghjkmn", nil
	}
	fx.say(staff, "", "通知 全部 明早9点停水")
	fx.press(staff, fx.okButton())
	got := fx.out.All()
	if len(got) != 1 || len(asked) != 1 || asked[0] != 1 {
		t.Fatalf("%d broadcasts, links asked for %v; want one broadcast of notice 1", len(got), asked)
	}
	bs := got[0].Message.Buttons
	if len(bs) != 1 || len(bs[0]) != 1 || bs[0][0].URL != "https://wx.example.cn/s/abcdefghjkmn" {
		t.Errorf("group message buttons %+v, want the notice page link", bs)
	}
}
