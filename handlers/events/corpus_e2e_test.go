package events

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// TestCorpusReplies sends every message of testdata/corpus.tsv to the bot
// in a grid group, each from a resident of its own, with activities 1–3
// open, and checks what the resident sees and what is stored: a sign-up
// says 报名成功 with the activity's number and the headcount, a
// cancellation says it was cancelled and for which activity, a sign-up
// without a number asks back which activity, and a quiet message gets no
// answer and changes nothing.
func TestCorpusReplies(t *testing.T) {
	h := newHarness(t)
	h.r.SetBotName("gridbot_bot")
	for range 3 {
		h.create(fmt.Sprintf(lantern, 5000))
	}
	ctx := context.Background()
	for i, c := range readCorpus(t) {
		u, n := resident(i)
		if c.cmd == "leave" {
			if got := to(h.say(group3, u, n, "报名 3"), group3); !containsAll(got, "报名成功", "（3号）") {
				t.Fatalf("%s: setting up the sign-up to cancel: %q", c, got)
			}
		}
		sentBefore := h.s.Len()
		got := to(h.say(group3, u, n, c.text), group3)
		mine, err := h.f.mySignups(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.cmd == "quiet":
			if h.s.Len() != sentBefore || len(mine) != 0 {
				t.Errorf("%s must stay quiet: bot said %q, sign-ups %d", c, got, len(mine))
			}
		case c.cmd == "join" && c.id == 0:
			mustContain(t, c.String(), got, "现在有几个活动在报名", "1号", "2号", "3号")
			if len(mine) != 0 {
				t.Errorf("%s: signed up for %d without saying which", c, mine[0].ev.ID)
			}
		case c.cmd == "join" && c.id == 12:
			mustContain(t, c.String(), got, "没有找到 12 号活动")
		case c.cmd == "join":
			want := []string{"报名成功", fmt.Sprintf("（%d号）", c.id), fmt.Sprintf("人数：%d 人", c.n)}
			if c.remark != "" {
				want = append(want, "备注："+bot.MaskPhones(c.remark))
			}
			mustContain(t, c.String(), got, want...)
			if len(mine) != 1 || mine[0].ev.ID != c.id || mine[0].n != c.n {
				t.Errorf("%s: stored sign-ups %+v, want %d with %d", c, mine, c.id, c.n)
			}
		case c.cmd == "leave":
			mustContain(t, c.String(), got, "已为您取消", "（3号）")
			if len(mine) != 0 {
				t.Errorf("%s: still signed up for %d", c, mine[0].ev.ID)
			}
		default:
			if got == "" {
				t.Errorf("%s: %s got no answer", c, c.cmd)
			}
		}
	}
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
		if c.cmd != "join" || c.id != 0 {
			continue
		}
		ran++
		u, n := resident(i)
		got := to(h.say(group3, u, n, c.text), group3)
		mustContain(t, c.String(), got, fmt.Sprintf("按唯一在报名的活动 %d号", id), "报名成功",
			fmt.Sprintf("（%d号）", id), fmt.Sprintf("人数：%d 人", c.n))
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
