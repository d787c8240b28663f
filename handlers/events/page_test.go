package events

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
)

// TestPageSignUpJoinsTheGroupsList: a household signing up on a resident
// page takes a seat from the same capacity as chat, shows in its grid's
// 接龙 list (name masked, as the lists of pages are) and not in another
// grid's, and a chat sign-up after it is seated after it.
func TestPageSignUpJoinsTheGroupsList(t *testing.T) {
	h := withReplies(t, 100*time.Millisecond)
	id := h.create(fmt.Sprintf(lantern, 2))
	h.say(bot.ChatRef(staffID), staffID, "王主任", fmt.Sprintf("接龙 %d", id))
	h.waitSeen(group3, "the list", func(ms []sent) bool { return strings.Contains(lastText(ms), "报名接龙 · 1号") })
	ctx := context.Background()
	hh := PageHousehold{Grid: "3网格", Door: "3-2-501", Name: "王建国"}
	r, err := h.f.JoinAs(ctx, id, hh, 1, "", "page:1")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "page reply", r.Text, "王建国，报名成功", "剩余名额：1 个")
	mustNotContain(t, "page reply", r.Text, "<b>")
	again, err := h.f.JoinAs(ctx, id, hh, 1, "", "page:1")
	if err != nil || again.Text != r.Text {
		t.Fatalf("the same form sent again: %q, %v; want the first reply", again.Text, err)
	}
	list := lastText(h.waitSeen(group3, "the page household in the list", func(ms []sent) bool { return strings.Contains(lastText(ms), "王**") }))
	mustContain(t, "list in 3网格", list, "1. 王**", "剩余 <b>1</b>")
	mustNotContain(t, "list in 3网格", list, "王建国", "3-2-501")

	a, an := resident(1)
	h.say(group3, a, an, "报名 1")
	h.waitSeen(group3, "the chat household after it", func(ms []sent) bool { return strings.Contains(lastText(ms), "1. 王**\n2. 居民1") })
	if err := h.f.HandleDue(ctx, "ev:1:refresh"); err != nil {
		t.Fatal(err)
	}
	other := lastText(h.waitSeen(group5, "the refreshed list counting both households", func(ms []sent) bool { return strings.Contains(lastText(ms), "另有 2 户") }))
	mustNotContain(t, "list in 5网格", other, "王**")
	mustContain(t, "list in 5网格", other, "居民页另有 2 户")

	if _, err := h.f.JoinAs(ctx, id, PageHousehold{Grid: "3网格", Door: "1-1-101", Name: "李"}, 11, "", ""); err == nil || !strings.Contains(err.Error(), "人数请选 1 到 10 人") {
		t.Fatalf("11 people from a page: %v", err)
	}
	out, err := h.f.LeaveAs(ctx, id, hh, "page:2")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "page cancel", out.Text, "已为您取消报名")
	h.waitSeen(group3, "the list without the page household", func(ms []sent) bool {
		return strings.Contains(lastText(ms), "1. 居民1") && !strings.Contains(lastText(ms), "王**")
	})
}
