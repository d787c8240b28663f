package workbench

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// Inside quiet hours (the outbox's default 21:30–07:30) every page that
// shows a notice says it is held and when it goes out, and offers to
// send it as urgent instead; nothing reaches a group.
func TestConsoleSaysANoticeIsHeldAtNight(t *testing.T) {
	h := newHarness(t, Config{})
	h.clk.Set(time.Date(2027, 2, 10, 22, 0, 0, 0, bottest.Shanghai))
	h.runOutbox()
	c := h.staff()
	c.get("/console/notices")
	r := c.post("/console/notices", url.Values{"body": {"明早 9 点到 12 点停水，请提前储水。"}, "all": {"1"}})
	if !strings.Contains(text(r.Body), "夜间免打扰时段，确认后要到 明天 07:30 才发出") || !strings.Contains(r.Body, `id="urgent"`) {
		t.Fatalf("preview at 22:00: %s", text(r.Body))
	}
	draft := regexpFind(r.Body, `name="draft" value="([0-9]+)"`)
	r = c.post("/console/notices/confirm", url.Values{"draft": {draft}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("confirm = %d %s", r.Code, text(r.Body))
	}
	page := text(c.get("/console/notices/1").Body)
	for _, want := range []string{"还没有发出，将于 明天 07:30 发到各群", "3网格居民群 待发 明天 07:30", "取消发送（还没发出）"} {
		if !strings.Contains(page, want) {
			t.Errorf("notice page at 22:00 lacks %q: %s", want, page)
		}
	}
	if strings.Contains(page, "正在发往") || strings.Contains(page, "已发出") || strings.Contains(page, "全部送达") {
		t.Errorf("notice page at 22:00 says it went: %s", page)
	}
	if list := text(c.get("/console/notices").Body); !strings.Contains(list, "待发 明天 07:30") || strings.Contains(list, "已发出") {
		t.Errorf("notice list at 22:00: %s", list)
	}
	if home := text(c.get("/console/").Body); !strings.Contains(home, "0/2 个群 待发 明天 07:30") {
		t.Errorf("overview at 22:00: %s", home)
	}

	r = c.post("/console/notices", url.Values{"body": {"燃气泄漏，请勿点火"}, "all": {"1"}})
	draft = regexpFind(r.Body, `name="draft" value="([0-9]+)"`)
	if r = c.post("/console/notices/confirm", url.Values{"draft": {draft}, "urgent": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("urgent confirm = %d %s", r.Code, text(r.Body))
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.s.Count(group3) == 0 || h.s.Count(group5) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the urgent notice did not go out at night")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, g := range []bot.ChatRef{group3, group5} {
		for _, m := range h.s.To(g) {
			if strings.Contains(m.Msg.Text, "停水") {
				t.Errorf("%s got the held notice at 22:00", g)
			}
		}
		if !strings.Contains(h.s.LastTo(g), "【紧急通知】") {
			t.Errorf("%s got %q, want the 紧急通知", g, h.s.LastTo(g))
		}
	}
}

// The ledger counts the sign-ups the activity list shows, draws them, and
// has one way to ask for a period.
func TestLedgerAgreesWithTheActivityList(t *testing.T) {
	h := newHarness(t, Config{})
	id := itoa(h.createEvent("全部"))
	h.say(group3, bot.Group, "tg:31", "报名 "+id+" 3人")
	h.say(group5, bot.Group, "tg:51", "报名 "+id)
	c := h.staff()
	if list := text(c.get("/console/events").Body); !strings.Contains(list, "已报 4 / 30") {
		t.Fatalf("activity list: %s", list)
	}
	r := c.get("/console/ledger")
	figures := text(between(r.Body, `id="figures"`, `</div>
  </div>`))
	for _, want := range []string{"0 开展活动（次） 另有 1 次待开展", "4 报名（人） 其中待开展活动 4 人"} {
		if !strings.Contains(figures, want) {
			t.Errorf("ledger figures lack %q: %s", want, figures)
		}
	}
	svg := between(r.Body, `<svg class="chart"`, `</svg>`)
	if !regexp.MustCompile(`<rect [^>]*height="[1-9]`).MatchString(svg) || !strings.Contains(svg, "<polyline") || !strings.Contains(svg, ">4</text>") {
		t.Errorf("chart draws nothing for 1 activity and 4 sign-ups: %s", svg)
	}
	if n := strings.Count(r.Body, ">查看</button>"); n != 1 {
		t.Errorf("ledger page has %d 查看 buttons, want 1", n)
	}
	if r := c.get("/console/ledger?custom=" + url.QueryEscape("2027年2月1日至2月28日")); !strings.Contains(r.Body, "2027-02-01 至 2027-02-28") ||
		!strings.Contains(r.Body, `value="2027年2月1日至2月28日"`) || !strings.Contains(r.Body, "period=2027%e5%b9%b42%e6%9c%881%e6%97%a5") {
		t.Errorf("typed period: %s", text(r.Body))
	}
	empty := c.get("/console/ledger?period=去年")
	if !strings.Contains(text(empty.Body), "这段时间还没有活动、报名和签到") {
		t.Errorf("an empty year's chart says nothing: %s", text(empty.Body))
	}
}

// A recalled notice is shown as such on the console ledger, not counted.
func TestConsoleLedgerShowsRecalls(t *testing.T) {
	h := newHarness(t, Config{})
	h.runOutbox()
	c := h.staff()
	c.get("/console/notices")
	for _, body := range []string{"明天停水", "这条发错了"} {
		r := c.post("/console/notices", url.Values{"body": {body}, "all": {"1"}})
		c.post("/console/notices/confirm", url.Values{"draft": {regexpFind(r.Body, `name="draft" value="([0-9]+)"`)}})
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.s.Count(group3) < 2 || h.s.Count(group5) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("notices not delivered")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	c.get("/console/notices/2")
	if r := c.post("/console/notices/2/recall", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("recall = %d %s", r.Code, text(r.Body))
	}
	page := text(c.get("/console/ledger").Body)
	for _, want := range []string{"1 推送（次） 另有 1 条已撤回，不计入", "240 覆盖（人次）"} {
		if !strings.Contains(page, want) {
			t.Errorf("ledger lacks %q: %s", want, page)
		}
	}
}

var nativeInputRe = regexp.MustCompile(`type="(date|datetime-local|month|time|week)"`)

// No page uses a date or file control that shows in the browser's
// language; dates are picked as 年/月/日/时/分 and read by the server.
func TestDatesAndFilesShowInChineseWhateverTheBrowser(t *testing.T) {
	h := newHarness(t, Config{})
	id := itoa(h.createEvent("全部"))
	c := h.staff()
	for _, p := range []string{"/console/events/new", "/console/events/" + id, "/console/notices", "/console/tips", "/console/quiz", "/console/ledger"} {
		body := c.get(p).Body
		if m := nativeInputRe.FindString(body); m != "" {
			t.Errorf("%s has a native %s input", p, m)
		}
		if n, wrapped := strings.Count(body, `type="file"`), strings.Count(body, `<label class="file"><span class="btn light">选择文件</span><input type="file"`); n != wrapped {
			t.Errorf("%s: %d file inputs, %d with the Chinese 选择文件 label", p, n, wrapped)
		}
	}
	page := c.get("/console/events/new").Body
	for _, want := range []string{`name="start_y"`, `name="start_i"`, `>19</option>`, "年</label>", "分</label>"} {
		if !strings.Contains(page, want) {
			t.Errorf("new activity page lacks %q", want)
		}
	}
	form := url.Values{"title": {"重阳节敬老"}, "place": {"社区活动中心"}, "seats": {"30"}, "all": {"1"},
		"start_y": {"2027"}, "start_m": {"2"}, "start_d": {"20"}, "start_h": {"9"}, "start_i": {"30"}}
	if r := c.post("/console/events", form); r.Code != http.StatusSeeOther {
		t.Fatalf("create with the date selects = %d %s", r.Code, text(r.Body))
	}
	evs, _ := h.ev.Upcoming(context.Background(), h.clk.Now())
	if e := evs[len(evs)-1]; !e.Start.Equal(time.Date(2027, 2, 20, 9, 30, 0, 0, bottest.Shanghai)) {
		t.Errorf("stored start %v, want 2027-02-20 09:30", e.Start)
	}
	c.get("/console/events/new")
	before := h.snapshot()
	for _, tc := range []struct {
		set  url.Values
		want string
	}{
		{url.Values{"start_d": {"30"}}, "「开始时间」选的 2027年2月30日 这一天不存在"},
		{url.Values{"start_h": {""}}, "「开始时间」请把年、月、日、时、分都选上"},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for k, v := range tc.set {
			f[k] = v
		}
		r := c.post("/console/events", f)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(pageError(r.Body), tc.want) {
			t.Errorf("%v = %d %q, want %q", tc.set, r.Code, pageError(r.Body), tc.want)
		}
		if !strings.Contains(r.Body, `<option value="2027" selected>`) {
			t.Errorf("%v: the year picked was not kept", tc.set)
		}
	}
	h.unchanged(before, "refused date selects")
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
