package events

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestSecondJoinChangesHeadcountKeepingThePlace(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern+" | 每户最多 3 人", 4))
	a, an := resident(1)
	b, bn := resident(2)
	c, cn := resident(3)
	d, dn := resident(4)
	h.say(group3, a, an, "报名 1")

	got := to(h.say(group3, a, an, "报名 1"), group3)
	mustContain(t, "join twice", got, "不用重复报名", "要改人数", "「报名 1 2人」")
	got = to(h.say(group3, a, an, "报名 1 2人"), group3)
	mustContain(t, "more people", got, "已为您改好报名", "人数：2 人（原来 1 人）", "剩余名额：2 个", "社区活动中心")
	got = to(h.say(group3, a, an, "报名 1 带孙子"), group3)
	mustContain(t, "remark only", got, "人数：2 人\n", "备注：带孙子")

	h.say(group3, b, bn, "报名 1 2人")
	got = to(h.say(group3, a, an, "报名 1 3人"), group3)
	mustContain(t, "no room", got, "名额不够改成 3 人", "剩余名额 0 个", "原来的 2 人")
	if e, _ := h.f.st.get(context.Background(), id); e.Taken != 4 {
		t.Errorf("a refused change left %d seats taken, want 4", e.Taken)
	}

	got = to(h.say(group3, c, cn, "报名 1"), group3)
	mustContain(t, "waitlisted", got, "候补第 1 位", "地点：社区活动中心")
	got = to(h.say(group3, d, dn, "报名 1 3人"), group3)
	mustContain(t, "second waitlisted", got, "候补第 2 位", "地点：社区活动中心")
	got = to(h.say(group3, d, dn, "报名 1 2人"), group3)
	mustContain(t, "waitlisted change", got, "人数 2 人（原来 3 人）", "仍是<b>候补第 2 位</b>")
	got = to(h.say(group3, d, dn, "报名 1"), group3)
	mustContain(t, "waitlisted twice", got, "候补名单第 2 位", "2 人", "要改人数")

	msgs := h.say(group3, a, an, "报名 1 1人")
	mustContain(t, "fewer people", to(msgs, group3), "人数：1 人（原来 2 人）", "剩余名额：0 个")
	mustContain(t, "freed seat goes to the waitlist", to(msgs, bot.ChatRef(c)), "候补转为<b>正式报名</b>")
	e, _ := h.f.st.get(context.Background(), id)
	if e.Taken != 4 || e.Waiting != 1 {
		t.Errorf("after the changes: taken %d, waiting %d; want 4 and 1", e.Taken, e.Waiting)
	}
	got = to(h.say(bot.ChatRef(a), a, an, "我的报名"), bot.ChatRef(a))
	mustContain(t, "my", got, "已报名 1 人")
	mustContain(t, "button keeps the sign-up", toast(h.press(group3, a, an, "ev:join:1")), "已经报过名")
}

// A seated household may take a seat the waiting (larger) household cannot
// use, as a newcomer could; one that needs more than is left keeps its
// sign-up.
func TestHeadcountChangeTakesOnlySeatsTheWaitlistCannotUse(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 3))
	a, an := resident(1)
	b, bn := resident(2)
	h.say(group3, a, an, "报名 1")
	h.say(group3, b, bn, "报名 1 3人")
	got := to(h.say(group3, a, an, "报名 1 2人"), group3)
	mustContain(t, "a seat the waiting household cannot use", got, "已为您改好报名", "人数：2 人（原来 1 人）", "剩余名额：1 个")
	got = to(h.say(group3, a, an, "报名 1 4人"), group3)
	mustContain(t, "more than is left", got, "名额不够改成 4 人", "剩余名额 1 个", "原来的 2 人")
}

func TestListSeparatesActivitiesAndShowsDeadline(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern+" | 截止 2月11日 18:00", 30))
	h.create("/newevent 义诊 | 2027-02-13 09:00 | 卫生站 | 20 | 3网格")
	u, n := resident(1)
	got := to(h.say(group3, u, n, "活动"), group3)
	mustContain(t, "list", got, "报名截止：2月11日（周四）18:00\n剩余名额：30 个\n\n<b>2号 义诊</b>", "<b>近期活动</b>\n\n<b>1号")
	if strings.Count(got, "报名截止") != 1 {
		t.Errorf("list %q: want a deadline only for the activity that has one", got)
	}
}

func TestWalkInCheckinSaysSoAndShowsInRoster(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern+" | 志愿服务 2小时", 5))
	u, n := resident(1)
	v, vn := resident(2)
	w, wn := resident(3)
	h.say(group3, u, n, "报名 1")
	worker := bot.UserRef("tg:77")
	if _, err := h.env.Dir.AddWorker(context.Background(), "3网格", worker); err != nil {
		t.Fatal(err)
	}
	h.clk.Set(time.Date(2027, 2, 12, 18, 50, 0, 0, bottest.Shanghai))
	h.say(group3, worker, "李网格员", "签到 1")
	code, _ := h.rdb.HGet(context.Background(), h.f.st.key(1, "meta"), "code").Result()

	got := to(h.say(group3, u, n, "签到 1 "+code), group3)
	mustNotContain(t, "signed-up resident", got, "没有报名")
	got = to(h.say(group3, v, vn, "签到 1 "+code), group3)
	mustContain(t, "walk-in", got, "签到成功", "您没有报名，已按现场签到记录", "志愿服务 2 小时")
	up := h.update(group3, worker, "李网格员")
	up.Text, up.ReplyTo = "签到 1", &bot.Reply{User: w, UserName: wn}
	mustContain(t, "worker checks a walk-in in", to(h.handle(up), group3), "已为 居民3 签到", "未报名，已记为现场签到")

	roster := to(h.say(bot.ChatRef(staffID), staffID, "王主任", "名单 1"), bot.ChatRef(staffID))
	mustContain(t, "roster", roster, "现场签到（未报名）</b>\n1. 居民2", "2. 居民3")
}

func TestFormListsEveryMissingField(t *testing.T) {
	h := newHarness(t)
	got := to(h.say(bot.ChatRef(staffID), staffID, "王主任", "发布活动\n活动：义诊\n时间：明天9点\n地点：站"), bot.ChatRef(staffID))
	mustContain(t, "private", got, "还缺「名额」「网格」", "名额：30\n网格：全部")
	got = to(h.say(group3, staffID, "王主任", "发布活动\n活动：义诊\n时间：明天9点"), group3)
	mustContain(t, "bound group", got, "还缺「地点」「名额」", "地点：社区活动中心\n名额：30")
	mustNotContain(t, "bound group", got, "网格")
}

func TestWorkerHelpShowsHowToStartCheckin(t *testing.T) {
	h := newHarness(t)
	mustContain(t, "worker help", h.r.Help(bot.GridWorker, ""), "签到 活动号")
	mustContain(t, "worker help on 活动", h.r.Help(bot.GridWorker, "活动"), "开始签到")
	mustNotContain(t, "resident help", h.r.Help(bot.Resident, ""), "开始签到")
	h.create(fmt.Sprintf(lantern, 5))
	worker := bot.UserRef("tg:77")
	if _, err := h.env.Dir.AddWorker(context.Background(), "3网格", worker); err != nil {
		t.Fatal(err)
	}
	h.clk.Set(time.Date(2027, 2, 12, 18, 50, 0, 0, bottest.Shanghai))
	mustContain(t, "/startcheckin", to(h.say(group3, worker, "李网格员", "/startcheckin 1"), group3), "签到码：<b>")
}

func TestTooLargeForTheSeatsLeftIsNotToldOthersAreWaiting(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 3))
	a, an := resident(1)
	b, bn := resident(2)
	c, cn := resident(3)
	h.say(group3, a, an, "报名 1 2人")
	got := to(h.say(group3, b, bn, "报名 1 2人"), group3)
	mustContain(t, "too large", got, "只剩 1 个名额，不够 2 人", "候补第 1 位", "「报名 1 1人」")
	mustNotContain(t, "too large", got, "前面已有居民")
	got = to(h.say(group3, c, cn, "报名 1 2人"), group3)
	mustContain(t, "behind a waiting household", got, "只剩 1 个名额，不够 2 人", "候补第 2 位")
}

// A waitlisted household that lowers its headcount to what is free gets
// the seats at once, as the waitlist reply suggests.
func TestWaitlistedHouseholdThatFitsAfterLoweringIsSeated(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 3))
	a, an := resident(1)
	b, bn := resident(2)
	h.say(group3, a, an, "报名 1 2人")
	mustContain(t, "short", to(h.say(group3, b, bn, "报名 1 2人"), group3), "候补第 1 位", "「报名 1 1人」")
	got := to(h.say(group3, b, bn, "报名 1 1人"), group3)
	mustContain(t, "lowered to fit", got, "已为您改好报名", "人数：1 人（原来 2 人）", "剩余名额：0")
	mustContain(t, "my sign-ups", to(h.say(group3, b, bn, "我的报名"), group3), "已报名 1 人")
}
