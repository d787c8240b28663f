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

// TestPromotionAndReminderGoThroughTheSharedBucket: the promoted household's
// private message and the private reminder each take a token from the
// bot-wide tg:global bucket (a raw send would take none), and a promotion
// the Bot API fails with a 502 is kept to be sent again, not dropped and not
// replaced by a mention in the group.
func TestPromotionAndReminderGoThroughTheSharedBucket(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern, 1))
	a, an := resident(1)
	b, bn := resident(2)
	c, cn := resident(3)
	h.say(group3, a, an, fmt.Sprintf("报名 %d", id))
	h.say(group3, b, bn, fmt.Sprintf("报名 %d", id))
	h.say(group3, c, cn, fmt.Sprintf("报名 %d", id))

	before := h.lim.Taken("tg:global")
	msgs := h.say(group3, a, an, fmt.Sprintf("取消报名 %d", id))
	mustContain(t, "promoted privately", to(msgs, bot.ChatRef(b)), "候补转为<b>正式报名</b>")
	if n := h.lim.Taken("tg:global") - before; n != 1 {
		t.Errorf("the promotion took %d tg:global tokens, want 1", n)
	}

	h.s.Fail = func(chat bot.ChatRef, _ int) error {
		if chat == bot.ChatRef(c) {
			return &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "Bad Gateway"}
		}
		return nil
	}
	msgs = h.say(group3, b, bn, fmt.Sprintf("取消报名 %d", id))
	h.s.Fail = nil
	mustNotContain(t, "promotion during a 502", to(msgs, group3), "tg://user?id=1003")
	if k := h.keep.Kept(); len(k) != 1 || k[0].Chat != bot.ChatRef(c) || !strings.Contains(k[0].Msg.Text, "正式报名") || !k[0].At.IsZero() {
		t.Errorf("kept %+v, want the promotion of 居民3 kept to send again", k)
	}

	h.clk.Set(time.Date(2027, 2, 11, 19, 0, 0, 0, bottest.Shanghai))
	before = h.lim.Taken("tg:global")
	i := h.s.Len()
	if err := h.f.HandleDue(context.Background(), fmt.Sprintf("ev:%d:r24", id)); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "private reminder", to(h.s.Since(i), bot.ChatRef(c)), "明天开始")
	if n := h.lim.Taken("tg:global") - before; n != 1 {
		t.Errorf("the reminder took %d tg:global tokens, want 1", n)
	}
}

// TestPromotionAndReminderWaitOutTheQuietHours: at night a promotion is not
// sent (nor posted in the group) but kept until the quiet hours end; a
// reminder due inside them for an activity that starts after they end is
// kept too, and says how long until the start as seen from when it goes
// out.
func TestPromotionAndReminderWaitOutTheQuietHours(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern, 1))
	early := h.create("/newevent 晨练 | 2027-02-11 08:00 | 广场 | 30 | 全部")
	a, an := resident(1)
	b, bn := resident(2)
	h.say(group3, a, an, fmt.Sprintf("报名 %d", id))
	h.say(group3, b, bn, fmt.Sprintf("报名 %d", id))
	h.say(group3, b, bn, fmt.Sprintf("报名 %d", early))
	morning := night(h)

	msgs := h.say(group3, a, an, fmt.Sprintf("取消报名 %d", id))
	if got := to(msgs, bot.ChatRef(b)); got != "" {
		t.Errorf("居民2 was woken at night: %q", got)
	}
	mustNotContain(t, "promotion at night", to(msgs, group3), "tg://user?id=1002")

	h.clk.Set(time.Date(2027, 2, 11, 7, 0, 0, 0, bottest.Shanghai))
	i := h.s.Len()
	if err := h.f.HandleDue(context.Background(), fmt.Sprintf("ev:%d:r1", early)); err != nil {
		t.Fatal(err)
	}
	if got := to(h.s.Since(i), bot.ChatRef(b)); got != "" {
		t.Errorf("居民2 was reminded at 07:00: %q", got)
	}
	k := h.keep.Kept()
	if len(k) != 2 {
		t.Fatalf("kept %+v, want the promotion and the reminder", k)
	}
	for _, m := range k {
		if m.Chat != bot.ChatRef(b) || !m.At.Equal(morning) {
			t.Errorf("kept %+v, want it for 居民2 until %v", m, morning)
		}
	}
	mustContain(t, "held promotion", k[0].Msg.Text, "正式报名")
	mustContain(t, "held reminder", k[1].Msg.Text, "30分钟后开始", "晨练")
}
