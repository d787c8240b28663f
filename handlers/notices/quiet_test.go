package notices

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot/bottest"
)

// night puts the fixture at 22:00 with quiet hours holding non-urgent
// broadcasts until 07:30 the next morning.
func night(fx *fixture) time.Time {
	fx.clock.Set(time.Date(2026, 3, 2, 22, 0, 0, 0, bottest.Shanghai))
	morning := time.Date(2026, 3, 3, 7, 30, 0, 0, bottest.Shanghai)
	fx.out.Hold = morning
	return morning
}

func TestQuietHoursRepliesSayTheNoticeIsHeld(t *testing.T) {
	fx := newFixture(t, 3)
	morning := night(fx)
	preview := fx.say(staff, "", "通知 全部 明早9点停水，请提前储水")
	for _, want := range []string{"夜间免打扰", "明天 07:30", "紧急发出"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview at 22:00 lacks %q:\n%s", want, preview)
		}
	}
	if m := fx.send.Last(); len(m.Buttons) == 0 || len(m.Buttons[0]) != 3 || !strings.HasPrefix(m.Buttons[0][2].Data, "nt:urg:") {
		t.Errorf("preview at 22:00 buttons %v, want 确认发送, 不发了 and 紧急发出", m.Buttons)
	}
	reply := fx.say(staff, "", "确认")
	for _, want := range []string{"还没有发出", "明天 07:30", "3 个群", "取消通知 1", "紧急通知"} {
		if !strings.Contains(reply, want) {
			t.Errorf("confirmation at 22:00 lacks %q:\n%s", want, reply)
		}
	}
	if strings.Contains(reply, "正在发往") {
		t.Errorf("confirmation at 22:00 says it is being sent:\n%s", reply)
	}
	if b := fx.out.All(); len(b) != 1 || b[0].Urgent {
		t.Fatalf("broadcasts %v, want one, not urgent", b)
	}
	list := fx.say(staff, "", "通知列表")
	if !strings.Contains(list, "待发 明天 07:30") || strings.Contains(list, "已发出") {
		t.Errorf("list at 22:00:\n%s\nwant 待发 明天 07:30 and no 已发出", list)
	}
	if n, err := fx.f.Get(t.Context(), 1); err != nil || !n.Held || !n.Scheduled || !n.Due.Equal(morning) {
		t.Errorf("Get(1) = held %v scheduled %v due %v (%v); want held until %v", n.Held, n.Scheduled, n.Due, err, morning)
	}

	fx.clock.Set(morning.Add(30 * time.Minute))
	if list := fx.say(staff, "", "通知列表"); !strings.Contains(list, "已发出") || !strings.Contains(list, "07:30") {
		t.Errorf("list at 08:00:\n%s\nwant 已发出 at 07:30", list)
	}
}

func TestQuietHoursUrgentButtonAndWordSendNow(t *testing.T) {
	fx := newFixture(t, 2)
	night(fx)
	fx.say(staff, "", "通知 全部 燃气泄漏，请勿点火")
	urg := fx.send.Last().Buttons[0][2].Data
	fx.press(staff, urg)
	fx.say(staff, "", "通知 全部 水管爆裂，暂停供水")
	reply := fx.say(staff, "", "紧急发出")
	b := fx.out.All()
	if len(b) != 2 || !b[0].Urgent || !b[1].Urgent {
		t.Fatalf("broadcasts %+v, want two urgent ones", b)
	}
	if !strings.Contains(b[0].Message.Text, "紧急通知") {
		t.Errorf("urgent notice reads %q, want the 紧急通知 header", b[0].Message.Text)
	}
	if !strings.Contains(reply, "正在发往") || strings.Contains(reply, "免打扰") {
		t.Errorf("reply to 紧急发出: %q", reply)
	}
}

func TestQuietHoursScheduledIntoTheNightIsPostponed(t *testing.T) {
	fx := newFixture(t, 1)
	fx.clock.Set(time.Date(2026, 3, 2, 20, 0, 0, 0, bottest.Shanghai))
	fx.out.Hold = time.Date(2026, 3, 3, 7, 30, 0, 0, bottest.Shanghai)
	preview := fx.say(staff, "", "通知 今天 23:00 全部 明天停电")
	if !strings.Contains(preview, "定时 3月2日（周一）23:00 在夜间免打扰时段") || !strings.Contains(preview, "明天 07:30") {
		t.Errorf("preview of a notice for 23:00:\n%s", preview)
	}
	reply := fx.say(staff, "", "确认")
	if !strings.Contains(reply, "顺延到 <b>明天 07:30</b>") || !strings.Contains(reply, "取消通知 1") {
		t.Errorf("confirmation of a notice for 23:00:\n%s", reply)
	}
}

func TestCancelAndRecallOfAHeldNotice(t *testing.T) {
	fx := newFixture(t, 2)
	night(fx)
	fx.say(staff, "", "通知 全部 停水")
	fx.say(staff, "", "确认")
	if got := fx.say(staff, "", "取消通知 1"); !strings.Contains(got, "已取消通知 1 号") {
		t.Errorf("cancel of a held notice: %q", got)
	}
	fx.say(staff, "", "通知 全部 停电")
	fx.say(staff, "", "确认")
	fx.ops.deleted, fx.ops.failed = 0, 0
	if got := fx.say(staff, "", "撤回通知 2"); !strings.Contains(got, "还没有发出，已取消") {
		t.Errorf("recall of a held notice: %q", got)
	}
	if list := fx.say(staff, "", "通知列表"); strings.Count(list, "已取消") != 2 || strings.Contains(list, "待发") {
		t.Errorf("list after cancelling both:\n%s", list)
	}
}

func TestNumberMissingExampleUsesTheNewestNotice(t *testing.T) {
	fx := newFixture(t, 1)
	if got := fx.say(staff, "", "撤回通知"); !strings.Contains(got, "还没有发过通知") {
		t.Errorf("撤回通知 with no notices: %q", got)
	}
	for range 12 {
		fx.say(staff, "", "通知 全部 停水")
		fx.say(staff, "", "确认")
	}
	got := fx.say(staff, "", "撤回通知")
	if !strings.Contains(got, "例如「撤回通知 12」（最近一条是 12 号）") {
		t.Errorf("撤回通知 without a number: %q, want the example with 12", got)
	}
	if got := fx.say(staff, "", "取消通知"); !strings.Contains(got, "「取消通知 12」") {
		t.Errorf("取消通知 without a number: %q", got)
	}
}
