package events

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestCreateOneLinePostsNoticeToEveryGrid(t *testing.T) {
	h := newHarness(t)
	id := h.create("/newevent 元宵节猜灯谜 | 2027-02-12 19:00 | 社区活动中心 | 30 | 全部 | 截止 2027-02-11 18:00 | 结束 21:00 | 每户最多 3 人 | 志愿服务 2小时")
	if id != 1 {
		t.Fatalf("got id %d, want 1", id)
	}
	casts := h.out.ByKind("event")
	if len(casts) != 1 {
		t.Fatalf("got %d event broadcasts, want 1", len(casts))
	}
	b := casts[0]
	if got, want := len(b.Chats), 2; got != want {
		t.Fatalf("notice went to %d chats, want %d", got, want)
	}
	if b.Grids[group3] != "3网格" || b.Grids[group5] != "5网格" {
		t.Errorf("broadcast grids = %v", b.Grids)
	}
	mustContain(t, "notice", b.Message.Text, "1号", "元宵节猜灯谜", "2月12日（周五）19:00–21:00", "社区活动中心",
		"剩余 <b>30</b> 个", "报名截止：2月11日（周四）18:00", "每户最多 3 人", "志愿服务时长：2 小时", "报名 1")
	if len(b.Message.Buttons) != 1 || b.Message.Buttons[0][0].Data != "ev:join:1" || b.Message.Buttons[0][1].Data != "ev:leave:1" {
		t.Errorf("buttons = %+v", b.Message.Buttons)
	}
	for key, want := range map[string]time.Time{
		"ev:1:r24": time.Date(2027, 2, 11, 19, 0, 0, 0, bottest.Shanghai),
		"ev:1:r1":  time.Date(2027, 2, 12, 18, 0, 0, 0, bottest.Shanghai),
	} {
		if got, ok := h.due.Get(key); !ok || !got.Equal(want) {
			t.Errorf("due %s = %v, %v; want %v", key, got, ok, want)
		}
	}
}

func TestCreateMultiLineForm(t *testing.T) {
	h := newHarness(t)
	msgs := h.say(group3, staffID, "王主任", "发布活动\n活动：义诊\n时间：明天上午9点\n地点：卫生服务站\n名额：20\n说明：带上医保卡")
	mustContain(t, "reply", to(msgs, group3), "活动已发布", "义诊", "2月11日（周四）09:00", "3网格")
	casts := h.out.ByKind("event")
	if len(casts) != 1 || len(casts[0].Chats) != 1 || casts[0].Chats[0] != group3 {
		t.Fatalf("without 网格 in a bound group the notice goes to that grid only; got %+v", casts)
	}
}

func TestCreateMistakesNameTheFieldAndCreateNothing(t *testing.T) {
	h := newHarness(t)
	cases := []struct{ in, want string }{
		{"发布活动\n活动：义诊\n时间：明天9点\n名额：20\n网格：全部", "「地点」"},
		{"发布活动\n活动：义诊\n时间：明天\n地点：站\n名额：20\n网格：全部", "请写上几点"},
		{"发布活动\n活动：义诊\n时间：明天9点\n地点：站\n名额：很多\n网格：全部", "「名额」"},
		{"发布活动\n活动：义诊\n时间：2月20日 9点\n地点：站\n名额：20\n网格：全部\n截止：2月23日 9点", "「截止」"},
		{"/newevent 义诊 | 明天9点 | 站 | 20 | 9网格", "没有找到网格「9网格」"},
		{"/newevent 义诊 | 明天9点 | 站", "「名额」"},
		{"发布活动\n活动：义诊\n价格：免费", "「价格」"},
		{"发布活动", "发布活动可以这样写"},
	}
	for _, c := range cases {
		msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", c.in)
		mustContain(t, c.in, to(msgs, bot.ChatRef(staffID)), c.want)
	}
	if n := len(h.out.ByKind("event")); n != 0 {
		t.Errorf("mistakes posted %d notices, want 0", n)
	}
	if n, _ := h.rdb.Exists(context.Background(), h.f.st.seqKey()).Result(); n != 0 {
		t.Error("a mistaken form used up an event id")
	}
}

func TestResidentCannotCreate(t *testing.T) {
	h := newHarness(t)
	u, name := resident(1)
	msgs := h.say(group3, u, name, fmt.Sprintf(lantern, 30))
	mustContain(t, "reply", to(msgs, group3), "社区工作人员")
	if len(h.out.ByKind("event")) != 0 {
		t.Error("resident created an event")
	}
}

func TestJoinWaitlistLeavePromotes(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern+" | 每户最多 3 人", 2))
	a, an := resident(1)
	b, bn := resident(2)
	c, cn := resident(3)
	h.s.FailChat(bot.ChatRef(c), errBlocked)

	got := to(h.say(group3, a, an, fmt.Sprintf("报名 %d 2人 带孙子 13812345678", id)), group3)
	mustContain(t, "first join", got, "✅ 居民1，报名成功", "元宵节猜灯谜（1号）", "2月12日（周五）19:00", "社区活动中心", "人数：2 人", "剩余名额：0 个", "138****5678")
	mustNotContain(t, "first join", got, "13812345678")

	got = to(h.say(group3, b, bn, "我要报名1"), group3)
	mustContain(t, "second join", got, "名额已满", "候补第 1 位")
	got = to(h.say(group5, c, cn, "报名１号"), group5)
	mustContain(t, "third join", got, "候补第 2 位")

	got = to(h.say(group3, a, an, "报名 1"), group3)
	mustContain(t, "join twice", got, "已经报过名", "不用重复报名")
	got = to(h.say(group3, b, bn, "报名 1"), group3)
	mustContain(t, "join twice while waiting", got, "候补名单第 1 位")

	msgs := h.say(group3, a, an, "我不去了，取消报名1")
	mustContain(t, "leave", to(msgs, group3), "已为您取消报名", "元宵节猜灯谜（1号）")
	mustContain(t, "promoted privately", to(msgs, bot.ChatRef(b)), "居民2", "候补转为<b>正式报名</b>", "取消报名 1")
	mustContain(t, "unreachable waitlisted household is mentioned in its group", to(msgs, group5), `<a href="tg://user?id=1003">居民3</a>`, "正式报名")

	got = to(h.say(group3, a, an, "取消报名 1"), group3)
	mustContain(t, "leave twice", got, "您没有报名")
}

func TestJoinRules(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern+" | 截止 2月11日 18:00 | 每户最多 3 人", 30))
	u, n := resident(1)
	mustContain(t, "over household limit", to(h.say(group3, u, n, "报名 1 4人"), group3), "每户最多报 3 人")
	mustContain(t, "over 10", to(h.say(group3, u, n, "报名 1 11人"), group3), "一次最多报 10 人")
	mustContain(t, "unknown id", to(h.say(group3, u, n, "报名 9"), group3), "没有找到 9 号活动")
	mustContain(t, "chinese headcount", to(h.say(group3, u, n, fmt.Sprintf("报名 %d 两个人", id)), group3), "人数：2 人", "剩余名额：28 个")

	h.clk.Set(time.Date(2027, 2, 11, 18, 0, 0, 0, bottest.Shanghai))
	v, vn := resident(2)
	mustContain(t, "after deadline", to(h.say(group3, v, vn, "报名 1"), group3), "报名已截止")
	mustContain(t, "button after deadline", toast(h.press(group3, v, vn, "ev:join:1")), "报名已截止")
	h.clk.Set(time.Date(2027, 2, 12, 19, 30, 0, 0, bottest.Shanghai))
	mustContain(t, "leave once started", to(h.say(group3, u, n, "取消报名 1"), group3), "已经开始")
}

func TestBareJoinPicksTheOnlyOpenActivityOrAsks(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 30))
	u, n := resident(1)
	mustContain(t, "one open", to(h.say(group3, u, n, "报名"), group3), "按唯一在报名的活动 1号", "报名成功")
	h.create("/newevent 义诊 | 2027-02-13 09:00 | 卫生站 | 20 | 3网格")
	v, vn := resident(2)
	got := to(h.say(group3, v, vn, "报名"), group3)
	mustContain(t, "two open", got, "请写上活动号", "1号 元宵节猜灯谜", "2号 义诊")
	mustNotContain(t, "two open", got, "报名成功")
	mustContain(t, "only one open in grid 5", to(h.say(group5, v, vn, "报名"), group5), "1号", "报名成功")
}

func TestButtonsJoinAndLeave(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 30))
	u, n := resident(1)
	msgs := h.press(group3, u, n, "ev:join:1")
	mustContain(t, "toast", toast(msgs), "报名成功", "剩余名额 29 个")
	mustContain(t, "private confirmation", to(msgs, bot.ChatRef(u)), "报名成功", "元宵节猜灯谜")
	if got := to(msgs, group3); got != "" {
		t.Errorf("a button press posted in the group: %q", got)
	}
	mustContain(t, "dup toast", toast(h.press(group3, u, n, "ev:join:1")), "已经报过名")
	mustContain(t, "leave toast", toast(h.press(group3, u, n, "ev:leave:1")), "已取消报名")
}

func TestNoticeRefreshIsCoalescedAndEditsEveryPost(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 2))
	calls := h.due.Calls()
	for i := 1; i <= 3; i++ {
		u, n := resident(i)
		h.say(group3, u, n, "报名 1")
	}
	if got := h.due.Calls() - calls; got != 1 {
		t.Errorf("3 joins scheduled %d refreshes, want 1 (coalesced)", got)
	}
	at, ok := h.due.Get("ev:1:refresh")
	if !ok || at.Sub(h.clk.Now()) < 3*time.Second {
		t.Fatalf("refresh due at %v (ok %v), want a few seconds later", at, ok)
	}
	i := h.s.Len()
	if err := h.f.HandleDue(context.Background(), "ev:1:refresh"); err != nil {
		t.Fatal(err)
	}
	edits := map[bot.ChatRef]string{}
	for _, m := range h.s.Since(i) {
		if m.Edit {
			edits[m.Chat] = m.Msg.Text
		}
	}
	if len(edits) != 2 {
		t.Fatalf("refresh edited %d notices, want 2", len(edits))
	}
	mustContain(t, "edited notice", edits[group5], "<b>已满</b>，候补 1 户")
	u, n := resident(4)
	h.say(group3, u, n, "报名 1")
	if got := h.due.Calls() - calls; got != 2 {
		t.Errorf("a join after the refresh scheduled %d refreshes in all, want 2", got)
	}
}

func TestEventsAndMy(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 1))
	h.create("/newevent 义诊 | 2027-02-13 09:00 | 卫生站 | 20 | 5网格")
	u, n := resident(1)
	v, vn := resident(2)
	h.say(group3, u, n, "报名 1")
	h.say(group3, v, vn, "报名 1")
	got := to(h.say(group3, v, vn, "活动"), group3)
	mustContain(t, "events in grid 3", got, "1号 元宵节猜灯谜", "已满，候补 1 户")
	mustNotContain(t, "events in grid 3", got, "义诊")
	mustContain(t, "events in grid 5", to(h.say(group5, v, vn, "活动"), group5), "2号 义诊", "剩余名额：20 个")
	h.say(group5, v, vn, "报名 2 3人")
	got = to(h.say(bot.ChatRef(v), v, vn, "我的报名"), bot.ChatRef(v))
	mustContain(t, "my", got, "1号 元宵节猜灯谜：候补第 1 位", "2号 义诊：已报名 3 人")
}

func TestRosterGoesPrivatelyWithFiles(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 2))
	u, n := resident(1)
	v, _ := resident(2)
	h.say(group3, u, n, "报名 1 2人 <b>带孙子</b>")
	h.say(group3, v, "=cmd|' /C calc'!A0", "报名 1")
	mustContain(t, "resident asks", to(h.say(group3, u, n, "/roster 1"), group3), "社区工作人员")

	msgs := h.say(group3, staffID, "王主任", "名单 1")
	mustContain(t, "group reply", to(msgs, group3), "私信")
	mustNotContain(t, "group reply", to(msgs, group3), "居民1")
	var text string
	var files []*bot.File
	for _, m := range msgs {
		if m.Chat == bot.ChatRef(staffID) {
			if m.Msg.File != nil {
				files = append(files, m.Msg.File)
			} else {
				text += m.Msg.Text
			}
		}
	}
	mustContain(t, "roster text", text, "居民1 ×2", "&lt;b&gt;带孙子&lt;/b&gt;", "<b>候补</b>")
	if len(files) != 2 || !strings.HasSuffix(files[0].Name, ".csv") || !strings.HasSuffix(files[1].Name, ".xlsx") {
		t.Fatalf("files = %d, want a CSV and an XLSX", len(files))
	}
	mustContain(t, "csv", string(files[0].Data), "正式,1,居民1,2,<b>带孙子</b>", "'=cmd")
	x, err := excelize.OpenReader(bytes.NewReader(files[1].Data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("名单")
	if err != nil || len(rows) != 4 || rows[2][2] != "居民1" || rows[3][0] != "候补" {
		t.Fatalf("xlsx rows = %v, %v", rows, err)
	}

	h.s.FailChat(bot.ChatRef(staffID), errBlocked)
	mustContain(t, "staff never talked to the bot", to(h.say(group3, staffID, "王主任", "名单 1"), group3), "私聊")
}

func TestCancelTellsParticipantsAndStopsReminders(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 1))
	u, n := resident(1)
	v, vn := resident(2)
	h.say(group3, u, n, "报名 1")
	h.say(group3, v, vn, "报名 1")
	mustContain(t, "resident cancels event", to(h.say(group3, u, n, "/cancelevent 1"), group3), "社区工作人员")
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "取消活动 1")
	mustContain(t, "preview", to(msgs, bot.ChatRef(staffID)), "确认要取消", "私信告诉报名的 2 户（正式 1 户 1 人，候补 1 户）", "2 个群", "「确认取消活动 1」")
	if got := to(msgs, bot.ChatRef(u)) + to(msgs, group3); got != "" {
		t.Fatalf("the preview told residents or groups: %q", got)
	}
	if e, _ := h.f.st.get(context.Background(), 1); e.Cancelled() {
		t.Fatal("the preview cancelled the activity")
	}
	msgs = h.say(bot.ChatRef(staffID), staffID, "王主任", "确认取消活动 1")
	mustContain(t, "staff reply", to(msgs, bot.ChatRef(staffID)), "已取消活动", "已私信告诉 2 户", "群里的取消通知正在发往 2 个群")
	mustContain(t, "participant told", to(msgs, bot.ChatRef(u)), "活动取消了", "元宵节猜灯谜")
	mustContain(t, "waitlisted told", to(msgs, bot.ChatRef(v)), "活动取消了")
	mustContain(t, "group told", to(msgs, group3), "活动取消")
	if _, ok := h.due.Get("ev:1:r24"); ok {
		t.Error("reminder still scheduled after cancel")
	}
	i := h.s.Len()
	h.clk.Set(time.Date(2027, 2, 11, 19, 0, 0, 0, bottest.Shanghai))
	if err := h.f.HandleDue(context.Background(), "ev:1:r24"); err != nil {
		t.Fatal(err)
	}
	if got := h.s.Since(i); len(got) != 0 {
		t.Errorf("cancelled activity sent reminders: %+v", got)
	}
	mustContain(t, "join cancelled", to(h.say(group3, u, n, "报名 1"), group3), "已取消")
	mustContain(t, "cancel again", to(h.say(bot.ChatRef(staffID), staffID, "王主任", "取消活动 1"), bot.ChatRef(staffID)), "已经取消过了")
}

func TestRemindersFireOnceAcrossRestarts(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 3))
	u, n := resident(1)
	h.say(group3, u, n, "报名 1 2人")
	h.clk.Set(time.Date(2027, 2, 11, 19, 0, 0, 0, bottest.Shanghai))
	i := h.s.Len()
	if err := h.f.HandleDue(context.Background(), "ev:1:r24"); err != nil {
		t.Fatal(err)
	}
	msgs := h.s.Since(i)
	mustContain(t, "private reminder", to(msgs, bot.ChatRef(u)), "明天开始", "元宵节猜灯谜", "人数：2 人")
	mustContain(t, "group reminder", to(msgs, group3), "还有 1 个名额")
	restarted := New(h.env, DefaultConfig())
	i = h.s.Len()
	if err := restarted.HandleDue(context.Background(), "r24"[0:0]+"ev:1:r24"); err != nil {
		t.Fatal(err)
	}
	if got := h.s.Since(i); len(got) != 0 {
		t.Errorf("reminder fired twice: %+v", got)
	}
	h.clk.Set(time.Date(2027, 2, 12, 18, 0, 0, 0, bottest.Shanghai))
	i = h.s.Len()
	_ = restarted.HandleDue(context.Background(), "ev:1:r1")
	mustContain(t, "1h reminder", to(h.s.Since(i), bot.ChatRef(u)), "1小时后开始")
}

func TestEditSeatsPromotesAndTimeMovesReminders(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 1))
	for i := 1; i <= 3; i++ {
		u, n := resident(i)
		h.say(group3, u, n, "报名 1")
	}
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 名额 2")
	mustContain(t, "edit seats", to(msgs, bot.ChatRef(staffID)), "名额改为 2 个", "递补了 1 户")
	u2, _ := resident(2)
	mustContain(t, "promoted", to(msgs, bot.ChatRef(u2)), "正式报名")
	mustContain(t, "below taken", to(h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 名额 1"), bot.ChatRef(staffID)), "名额不能少于 2")
	msgs = h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 时间 2月13日 19:00")
	mustContain(t, "edit time", to(msgs, bot.ChatRef(staffID)), "2月13日（周六）19:00")
	mustContain(t, "participant told of new time", to(msgs, bot.ChatRef(u2)), "时间改为：2月13日（周六）19:00")
	if at, _ := h.due.Get("ev:1:r1"); !at.Equal(time.Date(2027, 2, 13, 18, 0, 0, 0, bottest.Shanghai)) {
		t.Errorf("r1 due at %v after the time change", at)
	}
}

func TestCheckin(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern+" | 结束 21:00 | 志愿服务 2小时", 5))
	u, n := resident(1)
	v, vn := resident(2)
	h.say(group3, u, n, "报名 1 2人")
	worker := bot.UserRef("tg:77")
	if _, err := h.env.Dir.AddWorker(context.Background(), "3网格", worker); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "too early", to(h.say(group3, worker, "李网格员", "签到 1"), group3), "才开始")
	h.clk.Set(time.Date(2027, 2, 12, 18, 50, 0, 0, bottest.Shanghai))
	got := to(h.say(group3, worker, "李网格员", "/checkin 1"), group3)
	mustContain(t, "code", got, "签到码：<b>")
	code, _ := h.rdb.HGet(context.Background(), h.f.st.key(1, "meta"), "code").Result()
	if len(code) != 4 {
		t.Fatalf("code %q", code)
	}
	mustContain(t, "wrong code", to(h.say(group3, u, n, "签到 1 0000"), group3), "签到码不对")
	mustContain(t, "resident", to(h.say(group3, u, n, "签到 1 "+code), group3), "签到成功", "志愿服务 2 小时")
	mustContain(t, "again", to(h.say(group3, u, n, "签到 1 "+code), group3), "已经签过到")
	mustContain(t, "resident without code", to(h.say(group3, v, vn, "签到"), group3), "签到码")

	up := h.update(group3, worker, "李网格员")
	up.Text, up.ReplyTo = "签到", &bot.Reply{User: v, UserName: vn}
	mustContain(t, "worker checks a walk-in in", to(h.handle(up), group3), "已为 居民2 签到")

	day, err := h.rdb.HGetAll(context.Background(), attendanceKey(h.keys, "20270212")).Result()
	if err != nil || len(day) != 2 {
		t.Fatalf("attendance records = %v, %v", day, err)
	}
	if rec := day["1:"+string(u)]; !strings.HasPrefix(rec, "3网格"+sep+"2"+sep+"2"+sep) {
		t.Errorf("attendance of %s = %q", u, rec)
	}
	hours, _ := h.rdb.HGet(context.Background(), volunteerKey(h.keys, "2027"), string(u)).Float64()
	if hours != 2 {
		t.Errorf("volunteer hours = %v, want 2", hours)
	}
	if ttl := h.rdb.TTL(context.Background(), attendanceKey(h.keys, "20270212")).Val(); ttl < 3*365*24*time.Hour {
		t.Errorf("attendance kept %v, want over 3 years", ttl)
	}
	roster := to(h.say(bot.ChatRef(staffID), staffID, "王主任", "名单 1"), bot.ChatRef(staffID))
	mustContain(t, "roster", roster, "已签到 2 户", "✅已签到", "现场签到")
}

func TestNoticeClosesAtDeadline(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern+" | 截止 2月11日 18:00", 30))
	at, ok := h.due.Get("ev:1:close")
	if !ok || !at.Equal(time.Date(2027, 2, 11, 18, 0, 0, 0, bottest.Shanghai)) {
		t.Fatalf("close due at %v, %v", at, ok)
	}
	h.clk.Set(at)
	i := h.s.Len()
	if err := h.f.HandleDue(context.Background(), "ev:1:close"); err != nil {
		t.Fatal(err)
	}
	var edits []sent
	for _, m := range h.s.Since(i) {
		if m.Edit {
			edits = append(edits, m)
		}
	}
	if len(edits) != 2 {
		t.Fatalf("got %d edits, want 2", len(edits))
	}
	mustContain(t, "closed notice", edits[0].Msg.Text, "报名已截止")
	if len(edits[0].Msg.Buttons) != 0 {
		t.Error("closed notice still has sign-up buttons")
	}
}

func TestChatDoesNotTriggerCommands(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 30))
	u, n := resident(1)
	for _, text := range []string{"参加一下吧", "不去了", "签到了吗大家", "活动真热闹", "名单呢谁有"} {
		if got := h.say(group3, u, n, text); len(got) != 0 {
			t.Errorf("%q: bot answered %q", text, to(got, group3))
		}
	}
	if e, _ := h.f.st.get(context.Background(), 1); e.Taken != 0 {
		t.Errorf("chat signed someone up: taken %d", e.Taken)
	}
}

func TestEditsPerGroupAreThrottledAcrossEvents(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 30))
	h.create("/newevent 义诊 | 2027-02-13 09:00 | 卫生站 | 20 | 3网格")
	u, n := resident(1)
	h.say(group3, u, n, "报名 1")
	h.say(group3, u, n, "报名 2")
	i := h.s.Len()
	_ = h.f.HandleDue(context.Background(), "ev:1:refresh")
	_ = h.f.HandleDue(context.Background(), "ev:2:refresh")
	edits := map[bot.ChatRef]int{}
	for _, m := range h.s.Since(i) {
		if m.Edit {
			edits[m.Chat]++
		}
	}
	if edits[group3] != 1 || edits[group5] != 1 {
		t.Errorf("edits per chat = %v, want one each within the window", edits)
	}
	if at, ok := h.due.Get("ev:2:refresh"); !ok || !at.After(h.clk.Now()) {
		t.Errorf("deferred refresh of event 2 not rescheduled: %v %v", at, ok)
	}
}
