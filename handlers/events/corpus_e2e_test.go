package events

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// TestCorpusReplies sends every message of the corpus that this feature
// answers to the bot in a grid group, each from a resident of its own, with
// activities 1–3 open and check-in for 3 open with code 4821, and checks
// what the resident sees and what is stored: a sign-up says 报名成功 with the
// activity's number and the headcount, a cancellation says it was cancelled
// and for which activity, a sign-up without a number asks back which
// activity, a third person's wish is asked back with the real activity
// number and signs no one up, a refused number changes nothing, a check-in
// is recorded, and a quiet message gets no answer and changes nothing.
func TestCorpusReplies(t *testing.T) {
	h := newHarness(t)
	h.r.SetBotName("gridbot_bot")
	for range 3 {
		h.create(fmt.Sprintf(lantern, 5000))
	}
	ctx := context.Background()
	if err := h.f.st.set(ctx, 3, "code", corpusCode, "code_till", t0.Add(72*time.Hour).Unix()); err != nil {
		t.Fatal(err)
	}
	for i, c := range readCorpus(t) {
		u, n := resident(i)
		switch c.Intent {
		case "leave":
			if got := to(h.say(group3, u, n, "报名 3"), group3); !containsAll(got, "报名成功", "（3号）") {
				t.Fatalf("%s: setting up the sign-up to cancel: %q", c, got)
			}
		case "my":
			if got := to(h.say(group3, u, n, "报名 2"), group3); !containsAll(got, "报名成功", "（2号）") {
				t.Fatalf("%s: setting up the sign-up to show: %q", c, got)
			}
		}
		sentBefore := h.s.Len()
		got := bot.PlainText(to(h.say(group3, u, n, corpusText(c)), group3))
		mine, err := h.f.mySignups(ctx, &bot.Context{Update: &bot.Update{User: u}})
		if err != nil {
			t.Fatal(err)
		}
		checkCorpusReply(t, h, c, u, got, mine, h.s.Len() != sentBefore)
	}
}

// checkCorpusReply checks one corpus line's reply and the sign-ups stored
// for its resident afterwards.
func checkCorpusReply(t *testing.T, h *harness, c corpusLine, u bot.UserRef, got string, mine []mine, said bool) {
	t.Helper()
	switch {
	case c.Intent == "quiet":
		if said || len(mine) != 0 {
			t.Errorf("%s must stay quiet: bot said %q, sign-ups %d", c, got, len(mine))
		}
	case c.Intent == "join" && c.ID == 0:
		mustContain(t, c.String(), got, "现在有几个活动在报名", "1号", "2号", "3号")
		if len(mine) != 0 {
			t.Errorf("%s: signed up for %d without saying which", c, mine[0].ev.ID)
		}
	case c.Intent == "join" && c.ID == 12:
		mustContain(t, c.String(), got, "没有找到 12 号活动")
	case c.Intent == "join":
		want := []string{"报名成功", fmt.Sprintf("（%d号）", c.ID), fmt.Sprintf("人数：%d 人", c.N)}
		if c.Remark != "" {
			want = append(want, "备注："+bot.MaskPhones(c.Remark))
		}
		mustContain(t, c.String(), got, want...)
		if len(mine) != 1 || mine[0].ev.ID != c.ID || mine[0].n != c.N {
			t.Errorf("%s: stored sign-ups %+v, want %d with %d", c, mine, c.ID, c.N)
		}
	case c.Intent == "leave":
		mustContain(t, c.String(), got, "已为您取消", "（3号）")
		if len(mine) != 0 {
			t.Errorf("%s: still signed up for %d", c, mine[0].ev.ID)
		}
	case c.Intent == "family":
		id := max(c.ID, 1)
		mustContain(t, c.String(), got, "是帮家人报名吗", fmt.Sprintf("「报名 %d 2人」", id))
		if len(mine) != 0 {
			t.Errorf("%s: signed the sender up for %d", c, mine[0].ev.ID)
		}
	case c.Intent == "refuse":
		mustContain(t, c.String(), got, "不对")
		if len(mine) != 0 {
			t.Errorf("%s: signed up for %d with a refused number", c, mine[0].ev.ID)
		}
	case c.Intent == "events":
		mustContain(t, c.String(), got, "近期活动", "1号", "3号")
	case c.Intent == "my":
		mustContain(t, c.String(), got, "的报名", "2号", "已报名 1 人")
	case c.Intent == "checkin":
		mustContain(t, c.String(), got, "签到成功", fmt.Sprintf("（%d号）", c.ID))
		r, err := h.f.Roster(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !checkedIn(r, u) {
			t.Errorf("%s: no check-in stored", c)
		}
	default:
		t.Errorf("%s: no check for %s", c, c.Intent)
	}
}

func checkedIn(r *Roster, u bot.UserRef) bool {
	for _, row := range r.Rows {
		if row.User == u && row.Checked != "" {
			return true
		}
	}
	return false
}

// TestCorpusBareSignUpTakesTheOnlyActivity sends the corpus's sign-ups
// without a number while one activity is open: each takes it, and the reply
// says which activity was taken and for how many.
func TestCorpusBareSignUpTakesTheOnlyActivity(t *testing.T) {
	h := newHarness(t)
	h.r.SetBotName("gridbot_bot")
	id := h.create(fmt.Sprintf(lantern, 200))
	ran := 0
	for i, c := range readCorpus(t) {
		if c.Intent != "join" || c.ID != 0 {
			continue
		}
		ran++
		u, n := resident(i)
		got := to(h.say(group3, u, n, c.Text), group3)
		mustContain(t, c.String(), got, fmt.Sprintf("按唯一在报名的活动 %d号", id), "报名成功",
			fmt.Sprintf("（%d号）", id), fmt.Sprintf("人数：%d 人", c.N))
	}
	if ran < 15 {
		t.Fatalf("only %d sign-ups without a number in the corpus", ran)
	}
}

// TestUnderstandingCostsNoRoundTrip counts the Redis round trips of a whole
// sign-up and cancellation through the router, typed plainly and typed the
// way residents do: the parser is pure, so the counts are equal.
func TestUnderstandingCostsNoRoundTrip(t *testing.T) {
	if redistest.Cluster() {
		t.Skip("compares two paths' round trips; on a cluster the counter counts per node, so a pipeline split over nodes differs by where the keys hash")
	}
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern, 60))
	cnt := redistest.Count(h.rdb)
	trips := func(i int, text string) int64 {
		u, n := resident(i)
		cnt.Reset()
		if got := h.say(group3, u, n, text); len(got) == 0 {
			t.Fatalf("%q: no answer", text)
		}
		return cnt.Count()
	}
	trips(0, fmt.Sprintf("报名 %d", id))
	trips(0, fmt.Sprintf("取消报名 %d", id))
	plainJoin := trips(1, fmt.Sprintf("报名 %d 2人", id))
	plainLeave := trips(1, fmt.Sprintf("取消报名 %d", id))
	for i, c := range []struct{ join, leave string }{
		{"🙏@网格助手 我和老伴都报名1号，谢谢！", "1号不去了，谢谢"},
		{"那个，算我一个 1 两个人", "不参加了，1号"},
		{"參加１號活動 一家兩口", "取消 1"},
		{"报名1好 俩人[抱拳]", "把我1号的取消了"},
		{"我和老伴都报名1号，麻烦网格员了", "取消1号 家里有事"},
		{"报名1 老伴也去", "1号报名取消"},
	} {
		if got := trips(10+i, c.join); got != plainJoin {
			t.Errorf("%q took %d round trips, %q takes %d", c.join, got, fmt.Sprintf("报名 %d 2人", id), plainJoin)
		}
		if got := trips(10+i, c.leave); got != plainLeave {
			t.Errorf("%q took %d round trips, %q takes %d", c.leave, got, fmt.Sprintf("取消报名 %d", id), plainLeave)
		}
	}
	t.Logf("round trips through the router: sign-up %d, cancellation %d", plainJoin, plainLeave)
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
