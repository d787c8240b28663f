package events

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/replies"
	"gridbot/bot/when"
)

// withReplies gives the harness a running group reply coalescer whose group
// buckets give one token per every, as the wiring in main does.
func withReplies(t *testing.T, every time.Duration) *harness {
	h := newHarness(t)
	lim := ratelimit.New(h.rdb, h.keys, ratelimit.Config{Limits: map[string]ratelimit.Limit{"tg:chat": {N: 1, Per: every, Burst: 1}}}, nil)
	co := replies.New(h.rdb, h.keys, h.s, lim, h.env.Log, replies.Config{PrivateAfter: time.Hour, Poll: 20 * time.Millisecond})
	h.env.Replies = co
	h.f = New(h.env, DefaultConfig())
	h.r = bot.NewRouter(bot.RouterOptions{Redis: h.rdb, Keys: h.keys, Roles: h.env.Dir, Log: h.env.Log, Replies: co})
	h.f.Register(h.r)
	co.Live("ev", h.f.RenderList, replies.LiveOptions{Repost: true})
	co.Live("evn", h.f.RenderNotice, replies.LiveOptions{Idle: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = co.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// seen returns what chat saw so far, sends and edits, but for the activity
// notice (posted and edited apart).
func (h *harness) seen(chat bot.ChatRef) []sent {
	var out []sent
	notice := map[string]bool{}
	for _, m := range h.s.Since(0) {
		if m.Chat != chat {
			continue
		}
		if strings.Contains(m.Msg.Text, "📢") {
			notice[m.ID] = true
		}
		if !notice[m.ID] {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) waitSeen(chat bot.ChatRef, what string, cond func([]sent) bool) []sent {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := h.seen(chat)
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; %s saw %+v", what, chat, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lastText(ms []sent) string {
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1].Msg.Text
}

// TestChainListShowsTheGroupsHouseholds: staff turn the list on with 接龙 1;
// each group gets one list, edited as its residents sign up and cancel,
// numbered, with the waitlist and the seats left, names only (no remark,
// no phone), and no separate confirmation per sign-up.
func TestChainListShowsTheGroupsHouseholds(t *testing.T) {
	h := withReplies(t, 100*time.Millisecond)
	id := h.create(fmt.Sprintf(lantern, 3))
	got := to(h.say(bot.ChatRef(staffID), staffID, "王主任", fmt.Sprintf("接龙 %d", id)), bot.ChatRef(staffID))
	mustContain(t, "chain on", got, "已开启接龙", "2 个网格群", "关闭接龙 1")
	h.waitSeen(group3, "the list", func(ms []sent) bool { return strings.Contains(lastText(ms), "报名接龙 · 1号") })
	h.waitSeen(group5, "the list in 5网格", func(ms []sent) bool { return strings.Contains(lastText(ms), "报名接龙 · 1号") })
	listID := h.seen(group3)[0].ID

	a, an := resident(1)
	b, bn := resident(2)
	c, cn := resident(3)
	h.say(group3, a, an, "报名 1 2人 电话13812345678")
	h.say(group3, b, bn, "报名 1")
	h.say(group3, c, cn, "报名 1")
	list := h.waitSeen(group3, "three households", func(ms []sent) bool { return strings.Contains(lastText(ms), "居民3") })
	text := lastText(list)
	mustContain(t, "list", text, "1. 居民1 2人\n2. 居民2", "<b>候补</b>\n1. 居民3", "已满", "报名 1")
	mustNotContain(t, "list", text, "138", "电话")
	for _, m := range list[1:] {
		if !m.Edit || m.ID != listID {
			t.Errorf("group 3 got %+v; want only edits of its list", m)
		}
	}
	if n := len(h.seen(group5)); n != 1 {
		t.Errorf("sign-ups in 3网格 changed the list in 5网格 at once (%d messages); want it left to the refresh", n)
	}
	if _, ok := h.due.Get("ev:1:refresh"); !ok {
		t.Fatal("no notice refresh scheduled")
	}
	if err := h.f.HandleDue(context.Background(), "ev:1:refresh"); err != nil {
		t.Fatal(err)
	}
	other := lastText(h.waitSeen(group5, "the refreshed list", func(ms []sent) bool { return len(ms) > 1 }))
	mustContain(t, "list in 5网格", other, "其他群、私聊和居民页另有 3 户报名", "本群还没有人报名")
	mustNotContain(t, "list in 5网格", other, "居民1")

	h.say(group3, b, bn, "取消报名 1")
	list = h.waitSeen(group3, "the promotion", func(ms []sent) bool {
		return strings.Contains(lastText(ms), "1. 居民1 2人\n2. 居民3") && !strings.Contains(lastText(ms), "候补")
	})
	for _, m := range list[1:] {
		if !m.Edit {
			t.Errorf("a cancel in a group with the list on sent %q, want only list edits", m.Msg.Text)
		}
	}

	got = to(h.say(bot.ChatRef(staffID), staffID, "王主任", "关闭接龙 1"), bot.ChatRef(staffID))
	mustContain(t, "chain off", got, "已关闭接龙")
	d, dn := resident(4)
	h.say(group3, d, dn, "报名 1")
	h.waitSeen(group3, "a plain answer", func(ms []sent) bool { return strings.Contains(lastText(ms), "居民4") && !ms[len(ms)-1].Edit })
}

// TestChainFieldInTheForm: a 「接龙：开」 line in 发布活动 turns the list on.
func TestChainFieldInTheForm(t *testing.T) {
	h := withReplies(t, 100*time.Millisecond)
	form := "发布活动\n活动：义诊\n时间：2027-02-13 09:00\n地点：卫生站\n名额：20\n网格：3网格\n接龙：开"
	got := to(h.say(bot.ChatRef(staffID), staffID, "王主任", form), bot.ChatRef(staffID))
	mustContain(t, "create", got, "活动已发布", "义诊")
	e, err := h.f.st.get(context.Background(), 1)
	if err != nil || !e.Chain {
		t.Fatalf("event %+v (%v): want the list on", e, err)
	}
	h.waitSeen(group3, "the list", func(ms []sent) bool { return strings.Contains(lastText(ms), "报名接龙 · 1号 义诊") })
	if n := len(h.seen(group5)); n != 0 {
		t.Errorf("5网格 is not a target but saw %d messages", n)
	}
}

// TestBusyGroupMergesConfirmations: with the list off, sign-ups made while
// the group's token is spent come as one ✅ message naming each household
// with its headcount and the seats left; remarks stay out of the group.
func TestBusyGroupMergesConfirmations(t *testing.T) {
	h := withReplies(t, 2*time.Second)
	h.create(fmt.Sprintf(lantern, 20))
	g, b := ratelimit.Buckets(group3)
	lim := ratelimit.New(h.rdb, h.keys, ratelimit.Config{Limits: map[string]ratelimit.Limit{"tg:chat": {N: 1, Per: 2 * time.Second, Burst: 1}}}, nil)
	if w, err := lim.Take(context.Background(), g, b); err != nil || w > 0 {
		t.Fatal(w, err)
	}
	for i := 1; i <= 4; i++ {
		u, n := resident(i)
		h.say(group3, u, n, fmt.Sprintf("报名 1 %d人 带孙子", i))
	}
	ms := h.waitSeen(group3, "the merged answer", func(ms []sent) bool { return len(ms) > 0 })
	time.Sleep(300 * time.Millisecond)
	ms = h.seen(group3)
	if len(ms) != 1 {
		t.Fatalf("group got %d messages, want 1 merged: %+v", len(ms), ms)
	}
	text := ms[0].Msg.Text
	mustContain(t, "merged", text, "✅ <b>报名成功</b>：元宵节猜灯谜（1号）", "居民1</a> 1 人", "居民4</a> 4 人", "剩余名额：10 个")
	mustNotContain(t, "merged", text, "带孙子", "剩余名额：19 个")
	if strings.Count(text, "报名成功") != 1 {
		t.Errorf("want one head, got:\n%s", text)
	}
}

func TestCutChainField(t *testing.T) {
	cases := []struct {
		in, out string
		on      bool
	}{
		{"活动：义诊\n接龙：开\n名额：20", "活动：义诊\n名额：20", true},
		{"活动：义诊\n接龙：不要", "活动：义诊", false},
		{"活动：义诊\n 接龙　是", "活动：义诊", true},
		{"义诊 | 2027-02-13 09:00 | 卫生站 | 20 | 3网格 | 接龙", "义诊 | 2027-02-13 09:00 | 卫生站 | 20 | 3网格 ", true},
		{"活动：义诊\n说明：请带医保卡", "活动：义诊\n说明：请带医保卡", false},
		{"接龙游戏 | 2027-02-13 09:00 | 接龙广场 | 20 | 3网格", "接龙游戏 | 2027-02-13 09:00 | 接龙广场 | 20 | 3网格", false},
		{"接龙游戏 | 2027-02-13 09:00 | 接龙 广场 | 20 | 3网格 | 接龙：开", "接龙游戏 | 2027-02-13 09:00 | 接龙 广场 | 20 | 3网格 ", true},
		{"接龙游戏\n时间：2月13日 9点\n地点：接龙广场", "接龙游戏\n时间：2月13日 9点\n地点：接龙广场", false},
	}
	for _, c := range cases {
		out, on, err := cutChainField(c.in)
		if out != c.out || on != c.on || err != nil {
			t.Errorf("cutChainField(%q) = %q, %v, %v; want %q, %v", c.in, out, on, err, c.out, c.on)
		}
	}
	if _, _, err := cutChainField("活动：义诊\n接龙：随便"); err == nil {
		t.Error("接龙：随便 was accepted; want a request to write 开 or 关")
	}
}

// TestOneLineTitleAndPlaceMayStartWithChain: a title 接龙游戏 and a place
// 接龙广场 are published as typed, with no list.
func TestOneLineTitleAndPlaceMayStartWithChain(t *testing.T) {
	h := newHarness(t)
	id := h.create("/newevent 接龙游戏 | 2027-02-13 09:00 | 接龙广场 | 20 | 3网格")
	e, err := h.f.st.get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "接龙游戏" || e.Place != "接龙广场" || e.Chain {
		t.Errorf("stored title %q place %q list %v; want 接龙游戏, 接龙广场, no list", e.Title, e.Place, e.Chain)
	}
}

// FuzzCutChainField: whatever staff type, no 接龙 field is left for the
// form parser, every other line is kept as typed, and nothing panics.
func FuzzCutChainField(f *testing.F) {
	for _, s := range []string{"活动：义诊\n接龙：开", "接龙", "a | b | 接龙 开 | c", "接龙：关\n", "｜接龙", "\n\n", "接龙：開", "接龙游戏 | 明天 | 接龙广场", "接龙：x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, _, err := cutChainField(s)
		if err != nil {
			return
		}
		for i, line := range strings.Split(out, "\n") {
			parts := []string{line}
			if strings.ContainsAny(line, "|｜") {
				if i > 0 {
					continue
				}
				parts = strings.Split(strings.ReplaceAll(line, "｜", "|"), "|")
			}
			for _, p := range parts {
				if _, isField, _ := chainField(p); isField {
					t.Fatalf("cutChainField(%q) left the field %q", s, p)
				}
			}
		}
		if !strings.Contains(when.Fold(s), "接龙") && !strings.Contains(s, "｜") && out != s {
			t.Fatalf("cutChainField(%q) = %q, want it unchanged", s, out)
		}
	})
}

// TestCoalescedAnswerCostsNoRoundTrip counts the Redis round trips of a
// sign-up, 我的报名, a cancel and 活动 handled end to end by the router in a
// group, against exact counts, at the client (a pipeline is one round trip
// on one node and on a cluster): the claim with the speaker lookup (one
// pipeline; for 我的报名 and 活动 it also reads which activities are still to
// come), the handler's own round trip (the script of a sign-up or a
// cancel; for 我的报名 and 活动 those activities, with the resident's
// sign-ups, in one pipeline), and the done mark. Queuing the answer for the
// coalescer (with the live list on or off) travels in the done mark's
// pipeline, so it costs no round trip more than sending it.
func TestCoalescedAnswerCostsNoRoundTrip(t *testing.T) {
	want := []int64{3, 3, 3, 3}
	trips := func(h *harness, chain bool) []int64 {
		id := h.create(fmt.Sprintf(lantern, 10))
		if chain {
			if err := h.f.st.set(context.Background(), id, "chain", "1"); err != nil {
				t.Fatal(err)
			}
		}
		cnt := redistest.CountCalls(h.rdb)
		w, wn := resident(99)
		for _, warm := range []string{"报名 %d", "我的报名", "活动", "取消报名 %d"} {
			h.say(group3, w, wn, strings.ReplaceAll(warm, "%d", fmt.Sprint(id)))
		}
		var out []int64
		for i, text := range []string{"报名 %d 2人", "我的报名", "取消报名 %d", "活动"} {
			u, n := resident(i + 1)
			if i > 0 {
				u, n = resident(1)
			}
			cnt.Reset()
			h.say(group3, u, n, strings.ReplaceAll(text, "%d", fmt.Sprint(id)))
			out = append(out, cnt.Count())
		}
		return out
	}
	plain := trips(newHarness(t), false)
	if !slices.Equal(plain, want) {
		t.Errorf("round trips sent directly = %v, want %v", plain, want)
	}
	for _, chain := range []bool{false, true} {
		h := newHarness(t)
		co := replies.New(h.rdb, h.keys, h.s, nil, h.env.Log, replies.Config{})
		h.env.Replies = co
		h.f = New(h.env, DefaultConfig())
		h.r = bot.NewRouter(bot.RouterOptions{Redis: h.rdb, Keys: h.keys, Roles: h.env.Dir, Log: h.env.Log, Replies: co})
		h.f.Register(h.r)
		got := trips(h, chain)
		for i, what := range []string{"报名", "我的报名", "取消报名", "活动"} {
			if got[i] != want[i] {
				t.Errorf("%s (list on: %v) took %d round trips, want %d (sending it: %d)", what, chain, got[i], want[i], plain[i])
			}
		}
		t.Logf("round trips with the list on=%v: %v (sent directly: %v)", chain, got, plain)
	}
}
