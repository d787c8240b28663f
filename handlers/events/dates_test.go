package events

import (
	"context"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// Dates staff type in 发布活动 and 修改活动, tried through the commands.

func (h *harness) event(id int64) *Event {
	h.t.Helper()
	e, err := h.f.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return e
}

func shanghai(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, bottest.Shanghai)
}

func TestCreateAsksAboutADatePassedThisYear(t *testing.T) {
	h := newHarness(t)
	h.clk.Set(shanghai(2026, 12, 4, 10, 0))
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "发布活动\n活动：义诊\n时间：12月1日 09:00\n地点：卫生服务站\n名额：20\n网格：全部")
	mustContain(t, "reply", to(msgs, bot.ChatRef(staffID)), "12月1日已经过去了", "明年（2027年）12月1日", "2027年12月1日 09:00")
	if n := len(h.out.ByKind("event")); n != 0 {
		t.Fatalf("a date passed this year published %d notices", n)
	}
	id := h.create("发布活动\n活动：义诊\n时间：2027年12月1日 09:00\n地点：卫生服务站\n名额：20\n网格：全部")
	if got := h.event(id).Start; !got.Equal(shanghai(2027, 12, 1, 9, 0)) {
		t.Errorf("with the year written, start = %v", got)
	}
}

func TestCreateMidnightIsNotNoon(t *testing.T) {
	h := newHarness(t)
	id := h.create("发布活动\n活动：跨年守岁\n时间：今晚12点\n地点：社区广场\n名额：50\n网格：全部")
	if got, want := h.event(id).Start, shanghai(2027, 2, 11, 0, 0); !got.Equal(want) {
		t.Fatalf("今晚12点 published for %v, want %v (midnight, not noon)", got, want)
	}
	mustContain(t, "notice", h.out.ByKind("event")[0].Message.Text, "2月11日（周四）00:00")
	id = h.create("/newevent 元宵晚会 | 2月12日 19:00 | 社区广场 | 50 | 全部 | 结束 晚上12点")
	if got, want := h.event(id).End, shanghai(2027, 2, 13, 0, 0); !got.Equal(want) {
		t.Errorf("结束 晚上12点 = %v, want %v", got, want)
	}
	mustContain(t, "notice", h.out.ByKind("event")[1].Message.Text, "2月12日（周五）19:00–24:00")
}

func TestCreateRangeSetsTheEnd(t *testing.T) {
	h := newHarness(t)
	for i, c := range []struct {
		in         string
		start, end time.Time
		shown      string
	}{
		{"明天下午2点到4点", shanghai(2027, 2, 11, 14, 0), shanghai(2027, 2, 11, 16, 0), "2月11日（周四）14:00–16:00"},
		{"2月12日 14:00-16:30", shanghai(2027, 2, 12, 14, 0), shanghai(2027, 2, 12, 16, 30), "2月12日（周五）14:00–16:30"},
		{"元宵节晚上7点到9点", shanghai(2027, 2, 20, 19, 0), shanghai(2027, 2, 20, 21, 0), "2月20日（周六）19:00–21:00"},
	} {
		msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "发布活动\n活动：讲座\n时间："+c.in+"\n地点：活动室\n名额：30\n网格：全部")
		mustContain(t, c.in+" reply", to(msgs, bot.ChatRef(staffID)), "活动已发布", c.shown)
		if e := h.event(int64(i + 1)); !e.Start.Equal(c.start) || !e.End.Equal(c.end) {
			t.Errorf("时间：%s stored %v – %v, want %v – %v", c.in, e.Start, e.End, c.start, c.end)
		}
		mustContain(t, c.in+" notice", h.out.ByKind("event")[i].Message.Text, c.shown)
	}
}

func TestCreateTimeMistakesAskAndCreateNothing(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ in, want string }{
		{"时间：明天3点", "您是说 2月11日（周四）03:00 还是 15:00？"},
		{"时间：2月13日上午12点", "您是说 2月13日（周六）00:00 还是 12:00？"},
		{"时间：2月13日周日 9:00", "2月13日是周六，不是周日"},
		{"时间：八月十五晚上7点", "是农历还是公历"},
		{"时间：明天14:00-16:00\n结束：17:00", "请只留一个"},
		{"时间：明天14:00\n结束：12:00", "「结束」要晚于开始时间"},
		{"时间：明天14:00\n截止：明天9:00-10:00", "「截止」这里只要写一个时间"},
		{"时间：5号 19:00", "5号已经过去了，您是说3月5号吗"},
	} {
		msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "发布活动\n活动：讲座\n"+c.in+"\n地点：活动室\n名额：30\n网格：全部")
		mustContain(t, c.in, to(msgs, bot.ChatRef(staffID)), c.want)
	}
	if n := len(h.out.ByKind("event")); n != 0 {
		t.Errorf("asked-about times published %d notices", n)
	}
}

func TestEditTimeWithRangeMovesTheEnd(t *testing.T) {
	h := newHarness(t)
	h.create("/newevent 元宵节猜灯谜 | 2027-02-12 19:00 | 社区活动中心 | 30 | 全部 | 结束 21:00")
	u, name := resident(1)
	h.say(group3, u, name, "报名 1")
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 时间 2月13日 下午2点到4点")
	mustContain(t, "edit reply", to(msgs, bot.ChatRef(staffID)), "2月13日（周六）14:00–16:00")
	mustContain(t, "resident told", to(msgs, bot.ChatRef(u)), "时间改为：2月13日（周六）14:00–16:00")
	if e := h.event(1); !e.Start.Equal(shanghai(2027, 2, 13, 14, 0)) || !e.End.Equal(shanghai(2027, 2, 13, 16, 0)) {
		t.Errorf("after the edit: %v – %v", e.Start, e.End)
	}
	h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 时间 2月14日 15:00")
	if e := h.event(1); !e.End.Equal(shanghai(2027, 2, 14, 17, 0)) {
		t.Errorf("a new start alone keeps the length: end %v, want 17:00", e.End)
	}
	h.clk.Set(shanghai(2027, 12, 4, 10, 0))
	msgs = h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 时间 12月1日 19:00")
	mustContain(t, "past date", to(msgs, bot.ChatRef(staffID)), "12月1日已经过去了，您是说明年（2028年）12月1日吗")
	if e := h.event(1); !e.Start.Equal(shanghai(2027, 2, 14, 15, 0)) {
		t.Errorf("a question moved the activity to %v", e.Start)
	}
}

func TestListsShowWhenTheActivityEnds(t *testing.T) {
	h := newHarness(t)
	h.create("发布活动\n活动：包饺子\n时间：明天下午2点到4点\n地点：社区活动室\n名额：10\n网格：3网格")
	u := bot.UserRef("tg:70")
	mustContain(t, "activity list", to(h.say(group3, u, "张阿姨", "活动"), group3), "2月11日（周四）14:00–16:00")
	h.say(group3, u, "张阿姨", "报名 1")
	mustContain(t, "my sign-ups", to(h.say(group3, u, "张阿姨", "我的报名"), group3), "14:00–16:00")
	mustContain(t, "roster", to(h.say(bot.ChatRef(staffID), staffID, "王主任", "名单 1"), bot.ChatRef(staffID)), "14:00–16:00")
}
