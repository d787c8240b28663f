package custgroups

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/sendcap"
)

func TestSyncAndMapInChat(t *testing.T) {
	fx := newFixture(t, testConfig())
	if got := fx.say(staff, "客户群 列表"); !strings.Contains(got, "同步客户群") {
		t.Fatalf("list before any sync: %q", got)
	}
	fx.syncAndMap()
	list := fx.say(staff, "客户群 列表")
	for _, want := range []string{"1. 幸福里1群 · 群主 zhangsan · 居民 3 人 · <b>3网格</b>", "3. 阳光苑居民群 · 群主 lisi · 居民 4 人 · <b>4网格</b>", "还能再发 31 条"} {
		if !strings.Contains(list, want) {
			t.Errorf("list %q: want %q", list, want)
		}
	}
	g, ok, err := fx.dir.Grid(fx.ctx, "3网格")
	if err != nil || !ok || len(g.Chats) != 2 || g.Members() != 5 {
		t.Fatalf("3网格 in the directory: %+v %v %v; want its two customer groups with 5 residents", g, ok, err)
	}
	for _, c := range []struct{ line, want string }{
		{"客户群 9 绑定 3网格", "没有序号 9"},
		{"客户群 幸福里 绑定 3网格", "有 2 个"},
		{"客户群 2 绑定", "请写绑定到哪个网格"},
		{"客户群 2 绑定 3|网格", "看不懂"},
		{"客户群 绑个啥", "请这样写"},
	} {
		if got := fx.say(staff, c.line); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.line, got, c.want)
		}
	}
	if got := fx.say(resident, "客户群 1 绑定 5网格"); strings.Contains(got, "已绑定") {
		t.Errorf("a resident mapped a group: %q", got)
	}
	if got := fx.say(worker, "客户群 1 绑定 5网格"); !strings.Contains(got, "只有社区工作人员") {
		t.Errorf("a grid worker mapped a group: %q", got)
	}
	if got := fx.say(staff, "客户群 2 解绑"); !strings.Contains(got, "已解除和 3网格 的绑定") {
		t.Errorf("unbind: %q", got)
	}
	if g, _, _ := fx.dir.Grid(fx.ctx, "3网格"); len(g.Chats) != 1 {
		t.Errorf("3网格 after unbinding: %d chats, want 1", len(g.Chats))
	}
	fx.fake.Dissolve("wrA1")
	fx.fake.AddMember("zhangsan", true)
	if got := fx.say(staff, "同步客户群"); !strings.Contains(got, "1 个群已解散") {
		t.Errorf("sync after a dissolve: %q", got)
	}
}

// A notice to 3 customer groups makes three group-send tasks; the owner
// who does not confirm is reminded once; staff are told who still has to
// press send.
func TestNoticeToThreeCustomerGroups(t *testing.T) {
	fx := newFixture(t, testConfig())
	fx.syncAndMap()
	fx.notice("通知 3网格,4网格 明早9点停水，请提前储水")
	fx.runOutbox()

	sends := fx.fake.Sends()
	if len(sends) != 3 {
		t.Fatalf("%d group-send tasks, want 3", len(sends))
	}
	for _, s := range sends {
		if !strings.Contains(s.Text, "明早9点停水") || strings.Contains(s.Text, "<b>") || len(s.ChatIDs) != 1 {
			t.Errorf("task %+v: want the plain notice text to one group", s)
		}
	}
	report := fx.report()
	for _, want := range []string{"另有客户群 3 个", "zhangsan（3网格）：幸福里1群、幸福里2群", "lisi（4网格）：阳光苑居民群", "已送达 0 个群"} {
		if !strings.Contains(report, want) {
			t.Errorf("report %q: want %q", report, want)
		}
	}
	if strings.Contains(report, "全部送达") {
		t.Errorf("report says all delivered while owners still have to press send: %q", report)
	}

	for _, s := range sends {
		if s.Sender == "zhangsan" {
			if err := fx.fake.Confirm(s.MsgID, "zhangsan"); err != nil {
				t.Fatal(err)
			}
		}
	}
	fx.clock.Add(time.Hour)
	res, err := fx.f.Track(fx.ctx)
	if err != nil || res.Sent != 2 || res.Reminded != 0 || res.Waiting != 1 {
		t.Fatalf("track after an hour: %+v %v; want 2 sent, 1 waiting, none reminded yet", res, err)
	}
	fx.clock.Add(2 * time.Hour)
	for range 2 {
		if res, err = fx.f.Track(fx.ctx); err != nil {
			t.Fatal(err)
		}
	}
	reminders := 0
	for _, s := range fx.fake.Sends() {
		reminders += len(s.Reminders)
		if len(s.Reminders) > 0 && s.Sender != "lisi" {
			t.Errorf("%s was reminded though they pressed send", s.Sender)
		}
	}
	if reminders != 1 || len(fx.fake.CallsTo("externalcontact/remind_groupmsg_send")) != 1 {
		t.Errorf("%d reminders, want one (for lisi), whatever the rounds", reminders)
	}
	progress := fx.say(worker, "客户群 群发")
	for _, want := range []string{"lisi（4网格）：阳光苑居民群", "已发出：幸福里1群、幸福里2群"} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress %q: want %q", progress, want)
		}
	}
	if list := fx.say(staff, "客户群 列表"); !strings.Contains(list, "本月已收到 1 条群发") {
		t.Errorf("list does not count the received send: %q", list)
	}
	sendsView, _ := fx.f.Sends(fx.ctx, 7)
	waiting := 0
	for _, s := range sendsView {
		if s.Waiting() {
			waiting++
			if s.Owner != "lisi" || s.Reminded != 1 {
				t.Errorf("waiting send %+v: want lisi, reminded once", s)
			}
		}
	}
	if waiting != 1 {
		t.Errorf("%d sends waiting, want 1", waiting)
	}

	if got := fx.say(staff, "撤回通知 1"); !strings.Contains(got, "从 1 个群删除") {
		t.Errorf("recall: %q; want lisi's unconfirmed task cancelled, the two sent ones kept", got)
	}
	if sendsView, _ = fx.f.Sends(fx.ctx, 7); len(sendsView) != 3 || sendsView[0].Waiting() && sendsView[1].Waiting() {
		t.Errorf("sends after recall: %+v", sendsView)
	}
	fx.clock.Add(72 * time.Hour)
	if res, _ = fx.f.Track(fx.ctx); res.Checked != 0 {
		t.Errorf("after the recall nothing is left to track: %+v", res)
	}
	if len(fx.fake.CallsTo("externalcontact/cancel_groupmsg_send")) != 1 {
		t.Error("the recalled task was not cancelled")
	}
	for _, s := range fx.fake.Sends() {
		if s.Sender == "lisi" && !s.Cancelled {
			t.Error("lisi's task is not cancelled in WeChat Work")
		}
	}
}

// Staff see the cap in the preview before they confirm; a group at the
// cap is reported as such, never dropped in silence.
func TestCapWarnedBeforeConfirmAndReported(t *testing.T) {
	cfg := testConfig()
	cfg.Cap = sendcap.Rule{Period: sendcap.Day}
	fx := newFixture(t, cfg)
	fx.syncAndMap()
	preview := fx.notice("通知 4网格 今天下午社区义诊")
	if strings.Contains(preview, "上限") {
		t.Errorf("first preview warns of the cap: %q", preview)
	}
	fx.runOutbox()
	preview = fx.notice("通知 4网格 义诊改到明天")
	for _, want := range []string{"快到企业微信的上限", "阳光苑居民群", "今天已收到 0 条群发、另有 1 条等群主确认，到了上限 1 条", "这次发不出去"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview %q: want %q", preview, want)
		}
	}
	fx.runOutbox()
	if n := len(fx.fake.Sends()); n != 1 {
		t.Errorf("%d tasks, want 1: the second is over the cap", n)
	}
	report := fx.report()
	for _, want := range []string{"失败 1 个", "阳光苑居民群", "客户群群发已到上限"} {
		if !strings.Contains(report, want) {
			t.Errorf("report %q: want %q", report, want)
		}
	}
}

func TestSecretNeverInRepliesOrErrors(t *testing.T) {
	fx := newFixture(t, testConfig())
	fx.fake.FailNext("gettoken", 40001)
	got := fx.say(staff, "同步客户群")
	if !strings.Contains(got, "Secret 不对") || strings.Contains(got, appKey) {
		t.Errorf("sync with a bad secret: %q", got)
	}
	_, err := fx.f.Sync(fx.ctx)
	if err != nil && strings.Contains(err.Error(), appKey) {
		t.Errorf("error holds the secret: %v", err)
	}
	if c := fx.f.cfg; strings.Contains(bot.Esc(fmtAny(c)), appKey) {
		t.Error("config prints the secret")
	}
}

// A task its owner never confirms is cancelled after track_for and
// reported as not sent; the commands' declared examples parse as declared.
func TestUnconfirmedTaskExpiresAndIntents(t *testing.T) {
	fx := newFixture(t, testConfig())
	for _, err := range fx.router.CheckIntents() {
		t.Error(err)
	}
	fx.syncAndMap()
	fx.notice("通知 4网格 周六上午大扫除")
	fx.runOutbox()
	fx.clock.Add(73 * time.Hour)
	if res, err := fx.f.Track(fx.ctx); err != nil || res.Failed != 1 || res.Reminded != 0 {
		t.Fatalf("track after 73 h: %+v %v; want the task cancelled as failed", res, err)
	}
	if len(fx.fake.CallsTo("externalcontact/cancel_groupmsg_send")) != 1 {
		t.Error("the expired task was not cancelled in WeChat Work")
	}
	if got := fx.say(staff, "客户群 群发"); !strings.Contains(got, "群主 72 小时内没有点发送，已取消") {
		t.Errorf("progress: %q", got)
	}
}
