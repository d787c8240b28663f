package workbench

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"gridbot/bot"
	"gridbot/handlers/events"
)

// flash is the page's flash message (the reply of the last action).
func flash(body string) string {
	const div = `<div class="flash" role="status">`
	i := strings.Index(body, div)
	if i < 0 {
		return ""
	}
	rest := body[i+len(div):]
	return htmlUnescape(rest[:strings.Index(rest, "</div>")])
}

// stored is activity 1 as stored, without the outbox's broadcast id.
func (h *harness) stored() events.Event {
	h.t.Helper()
	e, err := h.ev.Get(context.Background(), 1)
	if err != nil {
		h.t.Fatalf("activity 1: %v", err)
	}
	out := *e
	out.Bcast = ""
	return out
}

// The same activity published, changed and cancelled in the chat and on
// the console (each in a bot of its own, so both are activity 1) gives the
// same words and stores the same activity.
func TestChatAndConsoleGiveTheSameWordsAndResult(t *testing.T) {
	chat, page := newHarness(t, Config{}), newHarness(t, Config{})
	c := page.staff()
	c.get("/console/events/new")
	staffSays := func(text string) string {
		t.Helper()
		chat.say(staffID.PrivateChat(), bot.Private, staffID, text)
		return bot.PlainText(chat.s.LastTo(staffID.PrivateChat()))
	}
	consoleSays := func(path string, form url.Values) string {
		t.Helper()
		r := c.post(path, form)
		if r.Code != http.StatusSeeOther {
			t.Fatalf("%s = %d %s", path, r.Code, text(r.Body))
		}
		return flash(c.get(r.H.Get("Location")).Body)
	}
	same := func(what, chatSaid, pageSaid string) {
		t.Helper()
		if chatSaid == "" || chatSaid != pageSaid {
			t.Errorf("%s: chat said\n  %q\nconsole said\n  %q", what, chatSaid, pageSaid)
		}
		if a, b := chat.stored(), page.stored(); !equalEvents(a, b) {
			t.Errorf("%s: chat stored\n  %+v\nconsole stored\n  %+v", what, a, b)
		}
	}

	same("publish",
		staffSays("发布活动\n活动：元宵节猜灯谜\n时间：2027-02-12 19:00\n结束：21:00\n地点：社区活动中心\n名额：30人\n网格：3网格,5网格\n截止：2027-02-11 18:00\n每户最多：3\n志愿服务：2小时\n说明：请自带手电"),
		consoleSays("/console/events", url.Values{"title": {"元宵节猜灯谜"}, "start": {"2027-02-12T19:00"}, "end": {"2027-02-12T21:00"},
			"place": {"社区活动中心"}, "seats": {"30人"}, "grid": {"3网格", "5网格"}, "deadline": {"2027-02-11T18:00"},
			"hh": {"3"}, "hours": {"2小时"}, "desc": {"请自带手电"}}))

	c.get("/console/events/1")
	same("change seats and place",
		staffSays("修改活动 1 名额 40")+"\n"+staffSays("修改活动 1 地点 社区礼堂"),
		consoleSays("/console/events/1/edit", url.Values{"seats": {"40"}, "place": {"社区礼堂"}}))

	c.get("/console/events/1")
	staffSays("取消活动 1")
	same("cancel", staffSays("确认取消活动 1"), consoleSays("/console/events/1/cancel", nil))
}

func equalEvents(a, b events.Event) bool { return reflect.DeepEqual(inUTC(a), inUTC(b)) }

func inUTC(e events.Event) events.Event {
	e.Start, e.End, e.Deadline, e.NoticeAt, e.CodeTill = e.Start.UTC(), e.End.UTC(), e.Deadline.UTC(), e.NoticeAt.UTC(), e.CodeTill.UTC()
	return e
}
