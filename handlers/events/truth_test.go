package events

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// night puts the harness at 22:00 on 10 February with the quiet hours
// holding broadcasts until 07:30 the next morning.
func night(h *harness) time.Time {
	h.clk.Set(time.Date(2027, 2, 10, 22, 0, 0, 0, bottest.Shanghai))
	morning := time.Date(2027, 2, 11, 7, 30, 0, 0, bottest.Shanghai)
	h.out.Hold = morning
	return morning
}

// TestPublishInQuietHoursSaysWhenTheGroupsGetIt: inside the quiet hours
// 发布活动 says the notice is held and when it goes out, never that it was
// sent; staff see 待发 in 活动 and 名单 until then, residents do not.
func TestPublishInQuietHoursSaysWhenTheGroupsGetIt(t *testing.T) {
	h := newHarness(t)
	night(h)
	got := to(h.say(bot.ChatRef(staffID), staffID, "王主任", fmt.Sprintf(lantern, 30)), bot.ChatRef(staffID))
	mustContain(t, "publish at night", got, "活动已发布", "免打扰时段，活动通知将于 明天 07:30 发到 3网格、5网格（2 个群）")
	mustNotContain(t, "publish at night", got, "正在发往", "已发到", "发往：")
	if b := h.out.ByKind("event"); len(b) != 1 || b[0].Urgent {
		t.Fatalf("notice broadcasts %+v, want one, not urgent", b)
	}

	mustContain(t, "staff list", to(h.say(bot.ChatRef(staffID), staffID, "王主任", "活动"), bot.ChatRef(staffID)), "活动通知待发，明天 07:30 发到群里")
	u, n := resident(1)
	mustNotContain(t, "resident list", to(h.say(group3, u, n, "活动"), group3), "待发")
	mustContain(t, "roster", to(h.say(bot.ChatRef(staffID), staffID, "王主任", "名单 1"), bot.ChatRef(staffID)), "活动通知待发：免打扰时段，明天 07:30 发到群里")

	h.clk.Set(time.Date(2027, 2, 11, 7, 31, 0, 0, bottest.Shanghai))
	mustNotContain(t, "staff list in the morning", to(h.say(bot.ChatRef(staffID), staffID, "王主任", "活动"), bot.ChatRef(staffID)), "待发")

	h.out.Hold = time.Time{}
	got = to(h.say(bot.ChatRef(staffID), staffID, "王主任", fmt.Sprintf(lantern, 30)), bot.ChatRef(staffID))
	mustContain(t, "publish by day", got, "活动通知正在发往 3网格、5网格（2 个群）")
}

// TestNoticeThatWouldComeTooLateGoesOutNow: a notice whose sign-up closes
// before the quiet hours end is sent urgently, and the reply says why.
func TestNoticeThatWouldComeTooLateGoesOutNow(t *testing.T) {
	h := newHarness(t)
	night(h)
	got := to(h.say(bot.ChatRef(staffID), staffID, "王主任", "/newevent 晨练 | 2027-02-11 09:00 | 广场 | 30 | 全部 | 截止 2027-02-11 07:00"), bot.ChatRef(staffID))
	mustContain(t, "deadline inside the quiet hours", got, "报名 2月11日（周四）07:00 就截止了", "现在就发到")
	mustNotContain(t, "deadline inside the quiet hours", got, "07:30")
	if b := h.out.ByKind("event"); len(b) != 1 || !b[0].Urgent {
		t.Fatalf("notice broadcasts %+v, want one, urgent", b)
	}
}

// TestCancelAndChainInQuietHoursSayWhen: at night a cancellation does not
// wake the households: their private messages are kept until the quiet
// hours end, and the reply says so and when the groups get the message; a
// cancellation of an activity early next morning goes to the groups now;
// the live list is put off until the morning and the reply says so.
func TestCancelAndChainInQuietHoursSayWhen(t *testing.T) {
	h := newHarness(t)
	lists := &fakeReplies{}
	h.env.Replies = lists
	h.f = New(h.env, DefaultConfig())
	h.r = bot.NewRouter(bot.RouterOptions{Redis: h.rdb, Keys: h.keys, Roles: h.env.Dir, Log: h.env.Log})
	h.f.Register(h.r)
	h.create(fmt.Sprintf(lantern, 30))
	h.create("/newevent 晨练 | 2027-02-11 08:00 | 广场 | 30 | 全部")
	u, n := resident(1)
	h.say(group3, u, n, "报名 1")
	night(h)

	got := to(h.say(bot.ChatRef(staffID), staffID, "王主任", "接龙 1"), bot.ChatRef(staffID))
	mustContain(t, "list at night", got, "免打扰时段，报名名单将于 明天 07:30 贴到 2 个网格群")
	if at, ok := h.due.Get("ev:1:list"); !ok || !at.Equal(h.out.Hold) {
		t.Errorf("list due at %v (%v), want %v", at, ok, h.out.Hold)
	}
	if n := lists.shown("ev:1"); n != 0 {
		t.Errorf("the list was posted in %d groups at night", n)
	}
	if err := h.f.HandleDue(context.Background(), "ev:1:list"); err != nil {
		t.Fatal(err)
	}
	if n := lists.shown("ev:1"); n != 2 {
		t.Errorf("in the morning the list was posted in %d groups, want 2", n)
	}

	h.say(bot.ChatRef(staffID), staffID, "王主任", "取消活动 1")
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "确认取消活动 1")
	got = to(msgs, bot.ChatRef(staffID))
	mustContain(t, "cancel at night", got, "免打扰时段过后（明天 07:30）再私信告诉 1 户", "免打扰时段，群里的取消通知将于 明天 07:30 发到 2 个群")
	mustNotContain(t, "cancel at night", got, "正在发往", "已私信告诉")
	if private := to(msgs, bot.ChatRef(u)); private != "" {
		t.Errorf("the household was woken at night: %q", private)
	}
	if k := h.keep.Kept(); len(k) != 1 || k[0].Chat != bot.ChatRef(u) || !k[0].At.Equal(h.out.Hold) || !strings.Contains(k[0].Msg.Text, "活动取消了") {
		t.Errorf("kept %+v, want the household's cancellation held until %v", k, h.out.Hold)
	}

	h.say(bot.ChatRef(staffID), staffID, "王主任", "取消活动 2")
	got = to(h.say(bot.ChatRef(staffID), staffID, "王主任", "确认取消活动 2"), bot.ChatRef(staffID))
	mustContain(t, "cancel of an early activity", got, "还没有人报名", "等不到免打扰时段结束，所以群里的取消通知现在就发到 2 个群")
	cancels := h.out.ByKind("event")
	if last := cancels[len(cancels)-1]; !last.Urgent || !strings.Contains(last.Message.Text, "晨练") {
		t.Errorf("cancellation of 晨练 broadcast %+v, want urgent", last)
	}
}

// TestHeldReminderSaysTheTimeFromWhenItGoesOut: a one-hour reminder fired
// at 07:00 inside the quiet hours reaches the groups at 07:30, so it says
// 30 minutes; one for an activity that starts before the hold ends is not
// sent to the groups at all.
func TestHeldReminderSaysTheTimeFromWhenItGoesOut(t *testing.T) {
	h := newHarness(t)
	h.create("/newevent 晨练 | 2027-02-11 08:00 | 广场 | 30 | 全部")
	h.create("/newevent 早操 | 2027-02-11 07:20 | 广场 | 30 | 全部")
	u, n := resident(1)
	h.say(group3, u, n, "报名 1")
	h.clk.Set(time.Date(2027, 2, 11, 7, 0, 0, 0, bottest.Shanghai))
	h.out.Hold = time.Date(2027, 2, 11, 7, 30, 0, 0, bottest.Shanghai)
	before := len(h.out.ByKind("reminder"))
	if err := h.f.HandleDue(context.Background(), "ev:1:r1"); err != nil {
		t.Fatal(err)
	}
	rs := h.out.ByKind("reminder")
	if len(rs) != before+1 {
		t.Fatalf("%d group reminders, want 1", len(rs)-before)
	}
	mustContain(t, "held reminder", rs[len(rs)-1].Message.Text, "30分钟后开始")
	mustNotContain(t, "held reminder", rs[len(rs)-1].Message.Text, "1小时后")

	h.clk.Set(time.Date(2027, 2, 11, 6, 20, 0, 0, bottest.Shanghai))
	if err := h.f.HandleDue(context.Background(), "ev:2:r1"); err != nil {
		t.Fatal(err)
	}
	if got := len(h.out.ByKind("reminder")); got != before+1 {
		t.Errorf("a reminder for 早操 (07:20) held until 07:30 was sent to the groups")
	}
}

// TestPromotionSaysWhyASeatCameFree: more seats, a cancellation and a
// smaller headcount each promote a household, told the real reason.
func TestPromotionSaysWhyASeatCameFree(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 2))
	var us []bot.UserRef
	for i := range 5 {
		u, n := resident(i)
		us = append(us, u)
		text := "报名 1"
		if i == 0 {
			text = "报名 1 2人"
		}
		h.say(group3, u, n, text)
	}
	msgs := h.say(bot.ChatRef(staffID), staffID, "王主任", "修改活动 1 名额 3")
	mustContain(t, "staff", to(msgs, bot.ChatRef(staffID)), "名额改为 3 个", "从候补递补了 1 户")
	got := to(msgs, bot.ChatRef(us[1]))
	mustContain(t, "promoted by more seats", got, "活动增加了名额", "正式报名")
	mustNotContain(t, "promoted by more seats", got, "有人取消")

	u0, n0 := resident(0)
	got = to(h.say(group3, u0, n0, "报名 1 1人"), bot.ChatRef(us[2]))
	mustContain(t, "promoted by a smaller headcount", got, "有人减少了报名人数")
	mustNotContain(t, "promoted by a smaller headcount", got, "有人取消")

	u1, n1 := resident(1)
	got = to(h.say(group3, u1, n1, "取消报名 1"), bot.ChatRef(us[3]))
	mustContain(t, "promoted by a cancellation", got, "有人取消了报名")
}

// deadClaim leaves the update's claim as a replica killed while handling it
// would: held by another instance, lapsing after ttl. The in-process Redis
// keeps no wall clock, so there the claim is made to lapse at once; real
// Redis lets it lapse while the router waits.
func deadClaim(t *testing.T, h *harness, u *bot.Update, ttl time.Duration) {
	t.Helper()
	if err := h.rdb.Set(context.Background(), h.keys.Key("upd", bot.Tag(u.ID)), "p:dead-replica", ttl).Err(); err != nil {
		t.Fatal(err)
	}
}

// lapse lets the claims deadClaim left run out (see deadClaim).
func (h *harness) lapse(ttl time.Duration) {
	if h.mr != nil {
		h.mr.FastForward(ttl)
	}
}

// TestRedoneSignupAnswersAsTheFirstRun: a replica stored a sign-up and was
// killed before answering; another replica takes the update over and
// answers 报名成功 with the numbers of the first run, once, and the roster
// has the household once. The same for a cancellation.
func TestRedoneSignupAnswersAsTheFirstRun(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id := h.create(fmt.Sprintf(lantern, 10))
	u, n := resident(1)
	upd := h.update(group3, u, n)
	upd.Text = "报名 1 2人"
	deadClaim(t, h, upd, 300*time.Millisecond)
	su := signup{User: u, N: 2, At: h.clk.Now(), Name: n, Chat: group3}
	if res, err := h.f.st.join(ctx, id, su, []string{"3网格"}, true, upd.ID, h.clk.Now()); err != nil || res.Code != "ok" || res.Left != 8 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	v, vn := resident(2)
	h.say(group3, v, vn, "报名 1")

	h.lapse(300 * time.Millisecond)
	got := h.handle(upd)
	if len(got) != 1 {
		t.Fatalf("redone update sent %d messages, want 1: %+v", len(got), got)
	}
	mustContain(t, "redone sign-up", got[0].Msg.Text, "报名成功", "人数：2 人", "剩余名额：8 个")
	mustNotContain(t, "redone sign-up", got[0].Msg.Text, "已经报过名")
	if again := h.handle(upd); len(again) != 0 {
		t.Errorf("the update handled to the end was answered again: %+v", again)
	}
	e, _ := h.f.st.get(ctx, id)
	in, _, _, _ := h.f.st.roster(ctx, id)
	if e.Taken != 3 || len(in) != 2 {
		t.Errorf("after the redo: taken %d, %d households; want 3 and 2", e.Taken, len(in))
	}

	leave := h.update(group3, u, n)
	leave.Text = "取消报名 1"
	deadClaim(t, h, leave, 300*time.Millisecond)
	if res, err := h.f.st.leave(ctx, id, u, leave.ID, h.clk.Now()); err != nil || res.Code != "in" {
		t.Fatalf("first run of the cancellation: %+v %v", res, err)
	}
	h.lapse(300 * time.Millisecond)
	got = h.handle(leave)
	if len(got) != 1 {
		t.Fatalf("redone cancellation sent %d messages, want 1: %+v", len(got), got)
	}
	mustContain(t, "redone cancellation", got[0].Msg.Text, "已为您取消报名")
	mustNotContain(t, "redone cancellation", got[0].Msg.Text, "没有报名")
}

// TestConcurrentMixedHouseholdsKeepTheSeatRule fills 28 of 30 seats and
// puts a household of 3 on the waitlist, then races 500 households of 1 to
// 3 people, then 40 cancellations against 40 newcomers: seats are never
// oversold, the seats taken are the seated households' people, and no
// waiting household fits in the seats left, so the seats a list shows as
// left are seats a newcomer who fits would get.
func TestConcurrentMixedHouseholdsKeepTheSeatRule(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern, 30))
	ctx := context.Background()
	joinN := func(i, n int) result {
		u, name := resident(i)
		r, err := h.f.st.join(ctx, id, signup{User: u, N: n, At: h.clk.Now(), Name: name}, []string{"3网格"}, true, "", h.clk.Now())
		if err != nil {
			t.Error(err)
		}
		return r
	}
	join := func(i int) result { return joinN(i, 1+i%3) }
	for i := range 14 {
		joinN(2000+i, 2)
	}
	if r := joinN(2100, 3); r.Code != "wait" || r.Left != 2 {
		t.Fatalf("household of 3 with 2 seats left: %q, %d left", r.Code, r.Left)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 500 {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; join(i) }()
	}
	close(start)
	wg.Wait()
	checkSeatRule(t, h, id, "after 500 sign-ups")

	in, _, _, _ := h.f.st.roster(ctx, id)
	start = make(chan struct{})
	for i := range 40 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			if i < len(in) {
				if _, err := h.f.st.leave(ctx, id, in[i].User, "", h.clk.Now()); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() { defer wg.Done(); <-start; join(1000 + i) }()
	}
	close(start)
	wg.Wait()
	checkSeatRule(t, h, id, "after cancellations and newcomers")
}

func checkSeatRule(t *testing.T, h *harness, id int64, when string) {
	t.Helper()
	e, err := h.f.st.get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	in, wait, _, _ := h.f.st.roster(context.Background(), id)
	people := 0
	for _, s := range in {
		people += s.N
	}
	if people != e.Taken || e.Taken > e.Seats {
		t.Fatalf("%s: seated households hold %d people, %d taken of %d seats", when, people, e.Taken, e.Seats)
	}
	for i, s := range wait {
		if s.N <= e.Left() {
			t.Fatalf("%s: waiting household %d of %d people fits in the %d seats left", when, i+1, s.N, e.Left())
		}
		if i > 0 && s.Seq < wait[i-1].Seq {
			t.Fatalf("%s: waitlist out of arrival order at %d", when, i+1)
		}
	}
	t.Logf("%s: %d households seated (%d people), %d waiting, %d seats left", when, len(in), people, len(wait), e.Left())
}

// TestCancelAsksFirst: 取消活动 only previews; the button or 确认取消活动
// cancels, once; 不取消 keeps it; a confirmation without a fresh preview
// shows the preview again; residents cannot confirm.
func TestCancelAsksFirst(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 30))
	u, n := resident(1)
	h.say(group3, u, n, "报名 1 3人")
	staff := bot.ChatRef(staffID)

	got := to(h.say(staff, staffID, "王主任", "确认取消活动 1"), staff)
	mustContain(t, "confirm without a preview", got, "确认要取消", "正式 1 户 3 人")
	msgs := h.press(staff, staffID, "王主任", "ev:keep:1")
	mustContain(t, "keep", to(msgs, staff), "照常进行")
	mustContain(t, "resident cannot confirm", toast(h.press(group3, u, n, "ev:cancel:1")), "只有社区工作人员")
	got = to(h.press(staff, staffID, "王主任", "ev:cancel:1"), staff)
	mustContain(t, "button after keep", got, "确认要取消")
	if e, _ := h.f.st.get(context.Background(), 1); e.Cancelled() {
		t.Fatal("cancelled without a confirmation of a live preview")
	}
	msgs = h.press(staff, staffID, "王主任", "ev:cancel:1")
	mustContain(t, "confirmed by button", to(msgs, staff), "已取消活动", "已私信告诉 1 户")
	mustContain(t, "household told", to(msgs, bot.ChatRef(u)), "活动取消了")
	got = to(h.say(staff, staffID, "王主任", "确认取消活动 1"), staff)
	mustContain(t, "confirm again", got, "已经取消过了")

	h.create(fmt.Sprintf(lantern, 30))
	h.s.FailChat(bot.ChatRef(u), errBlocked)
	h.say(group3, u, n, "报名 2")
	h.say(staff, staffID, "王主任", "取消活动 2")
	got = to(h.say(staff, staffID, "王主任", "确认取消活动 2"), staff)
	mustContain(t, "unreachable household", got, "1 户没能私信", "居民1")
	mustNotContain(t, "unreachable household", got, "已私信告诉")
}

// TestStaffTextsUseRealNumbers: examples name the activity in question,
// not a fixed 7.
func TestStaffTextsUseRealNumbers(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 30))
	h.create(fmt.Sprintf(lantern, 30))
	staff := bot.ChatRef(staffID)
	mustContain(t, "edit with an unknown field", to(h.say(staff, staffID, "王主任", "修改活动 2 颜色 红"), staff), "「修改活动 2 名额 40」")
	mustContain(t, "edit without a number", to(h.say(staff, staffID, "王主任", "修改活动 名额 40"), staff), "「修改活动 1 名额 40」")
	mustContain(t, "cancel without a number", to(h.say(staff, staffID, "王主任", "取消活动"), staff), "「取消活动 1」")
	mustContain(t, "roster without a number", to(h.say(staff, staffID, "王主任", "名单"), staff), "「名单 1」")
	got := to(h.say(staff, staffID, "王主任", "发布活动"), staff)
	mustContain(t, "form help", got, "发布活动 元宵节猜灯谜 |")
	mustNotContain(t, "form help", got, "/newevent")
	got = to(h.say(staff, staffID, "王主任", "发布活动\n活动：义诊\n时间：明天9点\n地点：站\n名额：很多\n网格：全部"), staff)
	mustContain(t, "bad seats", got, "没看懂：请写一个数字。例如「名额：30」")
}

// TestMessagesHaveNoEnglishSlashOrFixedNumbers reads every text constant
// of the package: no English words or /commands once HTML tags and format
// verbs are taken out, no space before 例如, and no command example with a
// fixed activity number.
func TestMessagesHaveNoEnglishSlashOrFixedNumbers(t *testing.T) {
	fs := token.NewFileSet()
	file, err := parser.ParseFile(fs, "messages.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	tags := regexp.MustCompile(`</?(b|code)>|%[-+# 0-9.]*[a-zA-Z]`)
	fixed := regexp.MustCompile(`「(报名|取消报名|签到|名单|修改活动|接龙|关闭接龙|取消活动|确认取消活动) \d`)
	ast.Inspect(file, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		bare := tags.ReplaceAllString(s, "")
		if strings.ContainsAny(bare, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Errorf("%s: %q has English or a /command", fs.Position(lit.Pos()), s)
		}
		if strings.Contains(s, " 例如") {
			t.Errorf("%s: %q has a space before 例如", fs.Position(lit.Pos()), s)
		}
		if fixed.MatchString(s) {
			t.Errorf("%s: %q has an example with a fixed activity number", fs.Position(lit.Pos()), s)
		}
		return true
	})
}

// fakeReplies records which chats each live key was shown in.
type fakeReplies struct {
	mu      sync.Mutex
	touched map[string][]bot.ChatRef
}

func (r *fakeReplies) Answer(context.Context, bot.ChatRef, bot.Answer) error { return nil }
func (r *fakeReplies) Drop(context.Context, string) error                    { return nil }
func (r *fakeReplies) Show(context.Context, string, map[bot.ChatRef]string) error {
	return nil
}

func (r *fakeReplies) Touch(_ context.Context, key string, chats ...bot.ChatRef) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.touched == nil {
		r.touched = map[string][]bot.ChatRef{}
	}
	r.touched[key] = append(r.touched[key], chats...)
	return nil
}

func (r *fakeReplies) shown(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.touched[key])
}
