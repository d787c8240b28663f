package quiz

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestQuietHoursStartAndStopSayTheGroupsWaitUntilMorning(t *testing.T) {
	g := newRig(t, DefaultConfig(), nil)
	g.clock.Set(time.Date(2026, 11, 20, 22, 0, 0, 0, bottest.Shanghai))
	g.out.Hold = time.Date(2026, 11, 21, 7, 30, 0, 0, bottest.Shanghai)
	pm := staffUser.PrivateChat()
	g.private(staffUser, "王主任", "开始竞答")
	got := g.send.last(t, pm).Msg.Text
	for _, want := range []string{"第1期知识竞答已开始", "还没有发出", "明天 07:30", "3 个网格群"} {
		contains(t, got, want)
	}
	if strings.Contains(got, "已经通知") || strings.Contains(got, "正在发往") {
		t.Errorf("start at 22:00 says the groups were told: %q", got)
	}
	g.private(staffUser, "王主任", "结束竞答")
	got = g.send.last(t, pm).Msg.Text
	contains(t, got, "结果还没有发出，将于 <b>明天 07:30</b> 发到各网格群")
	if strings.Contains(got, "正在发到") {
		t.Errorf("stop at 22:00 says the results are being sent: %q", got)
	}
}

func TestResultsTimeResidentsAreToldFollowsQuietHours(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	g.out.Hold = time.Date(2026, 11, 23, 7, 30, 0, 0, bottest.Shanghai)
	u := bot.UserRef("wecom:zhang")
	g.private(u, "张阿姨", "答题")
	for range 5 {
		g.private(u, "张阿姨", "B")
	}
	got := g.send.last(t, u.PrivateChat()).Msg.Text
	contains(t, got, "结果会在 11月23日（周一）07:30 公布在群里")
}
