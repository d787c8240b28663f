package events

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// ledgerFault fails every pipeline that writes an attendance record while
// on is set, as a lost connection would.
type ledgerFault struct {
	on     atomic.Bool
	failed atomic.Int64
}

var _ redis.Hook = (*ledgerFault)(nil)

func (l *ledgerFault) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (l *ledgerFault) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (l *ledgerFault) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if l.on.Load() {
			for _, c := range cmds {
				if c.Name() == "hset" && strings.Contains(fmt.Sprint(c.Args()[1]), ":ev:att:") {
					l.failed.Add(1)
					return errors.New("connection reset")
				}
			}
		}
		return next(ctx, cmds)
	}
}

func TestCheckinWhoseRecordFailsCanRetryAndCountsOnce(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern+" | 结束 21:00 | 志愿服务 2小时", 5))
	u, n := resident(1)
	h.say(group3, u, n, "报名 1")
	h.clk.Set(time.Date(2027, 2, 12, 18, 50, 0, 0, bottest.Shanghai))
	to(h.say(group3, staffID, "王主任", "/checkin 1"), group3)
	ctx := context.Background()
	code, _ := h.rdb.HGet(ctx, h.f.st.key(1, "meta"), "code").Result()

	fault := &ledgerFault{}
	h.rdb.AddHook(fault)
	fault.on.Store(true)
	got := to(h.say(group3, u, n, "签到 1 "+code), group3)
	if fault.failed.Load() == 0 {
		t.Fatal("the attendance write was never attempted")
	}
	mustContain(t, "check-in whose record failed", got, bot.MsgBusy)
	mustNotContain(t, "check-in whose record failed", got, "签到成功")
	if ok, _ := h.rdb.HExists(ctx, h.f.st.key(1, "chk"), string(u)).Result(); ok {
		t.Error("check-in mark kept although attendance was not recorded")
	}

	fault.on.Store(false)
	mustContain(t, "retry", to(h.say(group3, u, n, "签到 1 "+code), group3), "签到成功", "志愿服务 2 小时")
	mustContain(t, "second retry", to(h.say(group3, u, n, "签到 1 "+code), group3), "已经签过到")
	if rec, _ := h.rdb.HGet(ctx, attendanceKey(h.keys, "20270212"), "1:"+string(u)).Result(); rec == "" {
		t.Error("no attendance record after the retry")
	}
	hours, _ := h.rdb.HGet(ctx, volunteerKey(h.keys, "2027"), string(u)).Float64()
	if got, want := hours, 2.0; got != want {
		t.Errorf("volunteer hours = %v, want %v", got, want)
	}
}

func TestJoinOnlyFromTargetGrids(t *testing.T) {
	h := newHarness(t)
	h.create("/newevent 义诊 | 2027-02-12 09:00 | 卫生站 | 10 | 3网格")
	u, n := resident(1)
	got := to(h.say(group5, u, n, "报名 1"), group5)
	mustContain(t, "join from a grid not targeted", got, "给「3网格」居民", "义诊（1号）")
	mustNotContain(t, "join from a grid not targeted", got, "报名成功", "候补")
	mustContain(t, "button from a grid not targeted", toast(h.press(group5, u, n, "ev:join:1")), "给「3网格」居民")
	in, wait, _, err := h.f.st.roster(context.Background(), 1)
	if err != nil || len(in)+len(wait) != 0 {
		t.Fatalf("roster after refused joins: %d in, %d waiting, %v; want none", len(in), len(wait), err)
	}
	v, vn := resident(2)
	mustContain(t, "button in the target group", toast(h.press(group3, v, vn, "ev:join:1")), "报名成功")
	w, wn := resident(3)
	mustContain(t, "join in the target group", to(h.say(group3, w, wn, "报名 1"), group3), "报名成功", "剩余名额：8 个")
}

// TestSignupCarriesTheResidentsGrid: a sign-up from a private chat or from
// a group bound to no grid takes the grid the resident is known in; one of
// another grid, or of none known, is refused politely, naming the grid the
// activity is for. The grid worker's roster then has every household the
// activity counts.
func TestSignupCarriesTheResidentsGrid(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id := h.create("/newevent 义诊 | 2027-02-12 09:00 | 卫生站 | 10 | 3网格")
	unbound := bot.ChatRef("tg:-300")
	other, on := resident(1)
	h.say(group5, other, on, "活动")
	got := to(h.say(bot.ChatRef(other), other, on, "报名 1"), bot.ChatRef(other))
	mustContain(t, "resident of 5网格 in private", got, "给「3网格」居民", "您所在的「5网格」不在其中")
	mustNotContain(t, "resident of 5网格 in private", got, "报名成功")
	stranger, sn := resident(2)
	got = to(h.say(bot.ChatRef(stranger), stranger, sn, "报名 1 3人"), bot.ChatRef(stranger))
	mustContain(t, "stranger in private", got, "给「3网格」居民", "还不知道您住在哪个网格", "居民群里发「报名 1」")
	got = to(h.say(unbound, stranger, sn, "报名 1"), unbound)
	mustContain(t, "stranger in a group bound to no grid", got, "还不知道您住在哪个网格")
	mustContain(t, "button in a group bound to no grid", toast(h.press(unbound, stranger, sn, "ev:join:1")), "3网格")

	home, hn := resident(3)
	h.say(group3, home, hn, "活动")
	mustContain(t, "resident of 3网格 in private", to(h.say(bot.ChatRef(home), home, hn, "报名 1 2人"), bot.ChatRef(home)), "报名成功", "剩余名额：8 个")
	mustContain(t, "resident of 3网格 in a group bound to no grid", to(h.say(unbound, home, hn, "我的报名"), unbound), "已报名 2 人")
	seated, sn2 := resident(4)
	h.say(group3, seated, sn2, "报名 1")

	r, err := h.f.Roster(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e := r.Event
	worker := r.Only([]string{"3网格"})
	if worker.People != e.Taken || worker.Seated != 2 || e.Taken != 3 {
		t.Errorf("3网格 worker sees %d households %d people; the activity counts %d taken; want 2 households, 3 people", worker.Seated, worker.People, e.Taken)
	}
	for _, row := range worker.Rows {
		if row.Grid != "3网格" {
			t.Errorf("%s signed up with grid %q, want 3网格", row.Name, row.Grid)
		}
	}
	csvData, _, _, err := h.f.RosterFiles(worker)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(strings.TrimSpace(string(csvData)), "\n"); lines != worker.Seated+worker.Waiting {
		t.Errorf("the worker's export has %d rows, the page counts %d households", lines, worker.Seated+worker.Waiting)
	}
}

// TestRosterOfAllTheWorkersGridsIsWhole: a grid worker of every grid an
// activity is for sees all its sign-ups, even one stored without a grid
// (before sign-ups carried one), so the figures agree with seats taken.
func TestRosterOfAllTheWorkersGridsIsWhole(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id := h.create("/newevent 义诊 | 2027-02-12 09:00 | 卫生站 | 10 | 3网格")
	u, n := resident(1)
	h.say(group3, u, n, "报名 1")
	old := signup{User: "tg:999", N: 2, Seq: 9, At: h.clk.Now(), Name: "老住户"}
	rec := strings.Join([]string{"2", "9", old.tail()}, sep)
	if err := h.rdb.HSet(ctx, h.f.st.key(id, "reg"), string(old.User), rec).Err(); err != nil {
		t.Fatal(err)
	}
	h.rdb.ZAdd(ctx, h.f.st.key(id, "in"), redis.Z{Score: 9, Member: string(old.User)})
	h.rdb.HIncrBy(ctx, h.f.st.key(id, "meta"), "taken", 2)
	r, err := h.f.Roster(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Only([]string{"3网格", "5网格"}); w.People != r.Event.Taken || w.People != 3 {
		t.Errorf("worker of 3网格 sees %d people, the activity has %d taken; want both 3", w.People, r.Event.Taken)
	}
}

func TestLateReminderSaysTodayNotTomorrow(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern, 3))
	u, n := resident(1)
	h.say(group3, u, n, "报名 1")
	h.clk.Set(time.Date(2027, 2, 12, 9, 0, 0, 0, bottest.Shanghai))
	i := h.s.Len()
	if err := h.f.HandleDue(context.Background(), "ev:1:r24"); err != nil {
		t.Fatal(err)
	}
	msgs := h.s.Since(i)
	for _, chat := range []bot.ChatRef{bot.ChatRef(u), group3} {
		got := to(msgs, chat)
		mustContain(t, "late 24h reminder to "+string(chat), got, "今天开始")
		mustNotContain(t, "late 24h reminder to "+string(chat), got, "明天")
	}
	h.clk.Set(time.Date(2027, 2, 12, 18, 30, 0, 0, bottest.Shanghai))
	i = h.s.Len()
	_ = h.f.HandleDue(context.Background(), "ev:1:r1")
	got := to(h.s.Since(i), bot.ChatRef(u))
	mustContain(t, "late 1h reminder", got, "30分钟后开始")
	mustNotContain(t, "late 1h reminder", got, "1小时后")
}

func TestRemindLabel(t *testing.T) {
	at := func(d, hh, mm int) time.Time { return time.Date(2027, 2, d, hh, mm, 0, 0, bottest.Shanghai) }
	for _, c := range []struct {
		start, now time.Time
		want       string
	}{
		{at(12, 19, 0), at(11, 19, 0), "明天"},
		{at(12, 0, 30), at(11, 0, 30), "明天"},
		{at(12, 0, 30), at(11, 23, 0), "明天"},
		{at(12, 19, 0), at(12, 9, 0), "今天"},
		{at(12, 19, 0), at(12, 18, 0), "1小时后"},
		{at(12, 19, 0), at(12, 18, 50), "10分钟后"},
		{at(12, 19, 0), at(10, 19, 0), "后天"},
		{at(15, 19, 0), at(11, 19, 0), "2月15日"},
		{at(12, 19, 0), at(12, 3, 0).UTC(), "今天"},
	} {
		if got := remindLabel(c.start, c.now, bottest.Shanghai); got != c.want {
			t.Errorf("remindLabel(%v, now %v) = %q, want %q", c.start, c.now, got, c.want)
		}
	}
}

func TestTooManyExampleKeepsTheLimit(t *testing.T) {
	h := newHarness(t)
	h.create(fmt.Sprintf(lantern+" | 每户最多 1 人", 30))
	u, n := resident(1)
	got := to(h.say(group3, u, n, "报名 1 2人"), group3)
	mustContain(t, "limit 1", got, "每户只能报 1 人", "「报名 1」")
	mustNotContain(t, "limit 1", got, "2人」")

	h.create(fmt.Sprintf(lantern+" | 每户最多 3 人", 30))
	got = to(h.say(group3, u, n, "报名 2 5人"), group3)
	mustContain(t, "limit 3", got, "每户最多报 3 人", "「报名 2 3人」")
}

// TestSmallerHouseholdTakesSeatsALargerOneCannotUse: with 2 seats left and
// a household of 3 waiting, a household of 1 gets a seat at once (the list
// said 剩余名额：2 个), the larger household keeps its place and moves up as
// soon as enough seats are free; list, notice, live list and replies all
// say the same.
func TestSmallerHouseholdTakesSeatsALargerOneCannotUse(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.create(fmt.Sprintf(lantern, 4))
	a, an := resident(1)
	b, bn := resident(2)
	c, cn := resident(3)
	d, dn := resident(4)
	mustContain(t, "first", to(h.say(group3, a, an, "报名 1 2人"), group3), "报名成功", "剩余名额：2 个")
	mustContain(t, "household of 3", to(h.say(group3, b, bn, "报名 1 3人"), group3), "只剩 2 个名额，不够 3 人", "候补第 1 位")
	list := to(h.say(group3, c, cn, "活动"), group3)
	mustContain(t, "list with a larger household waiting", list, "剩余名额：2 个（候补的 1 户人数多于剩余名额）")
	e, _ := h.f.st.get(ctx, 1)
	mustContain(t, "notice with a larger household waiting", h.f.render(e).Text, "剩余 <b>2</b> 个（候补的 1 户人数多于剩余名额）")

	got := to(h.say(group3, c, cn, "报名 1"), group3)
	mustContain(t, "newcomer of 1", got, "报名成功", "剩余名额：1 个")
	mustNotContain(t, "newcomer of 1", got, "候补")
	mustContain(t, "list after", to(h.say(group3, d, dn, "活动"), group3), "剩余名额：1 个（候补的 1 户人数多于剩余名额）")
	mustContain(t, "larger household keeps its place", to(h.say(group3, b, bn, "我的报名"), group3), "候补第 1 位")

	msgs := h.say(group3, a, an, "取消报名 1")
	mustContain(t, "larger household promoted", to(msgs, bot.ChatRef(b)), "有人取消了报名", "正式报名")
	e, _ = h.f.st.get(ctx, 1)
	if e.Taken != 4 || e.Waiting != 0 {
		t.Errorf("after the cancellation: taken %d, waiting %d; want 4 and 0", e.Taken, e.Waiting)
	}
	mustContain(t, "full now", to(h.say(group3, d, dn, "报名 1"), group3), "名额已满", "候补第 1 位")
}
