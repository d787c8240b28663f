package workbench

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// Every page, signed in as staff, renders in Chinese with the navigation.
func TestEveryPageRendersForStaff(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.createEvent("全部")
	c := h.staff()
	for _, p := range []struct{ path, want string }{
		{"/console/", "正在报名的活动"},
		{"/console/events", "元宵节猜灯谜"},
		{"/console/events/new", "发布活动"},
		{"/console/events/" + itoa(id), "报名名单"},
		{"/console/notices", "写通知"},
		{"/console/tips", "每日一学"},
		{"/console/tips/edit?id=" + h.wb.d.Tips.Bank().Tips[0].ID, "群里看到的样子"},
		{"/console/quiz", "竞答题库"},
		{"/console/quiz/edit?new=1", "新增题目"},
		{"/console/quiz/edit?id=" + h.wb.d.Quiz.Bank()[0].ID, "正确答案"},
		{"/console/grids", "3网格居民群"},
		{"/console/ledger", "可直接用于总结的段落"},
		{"/console/ledger?period=上月", "可直接用于总结的段落"},
	} {
		r := c.get(p.path)
		if r.Code != http.StatusOK || !strings.Contains(r.Body, p.want) || !strings.Contains(r.Body, `lang="zh-CN"`) {
			t.Errorf("GET %s = %d, want 200 with %q: %.300s", p.path, r.Code, p.want, text(r.Body))
		}
	}
	if r := c.get("/console/static/style.css"); r.Code != http.StatusOK || !strings.Contains(r.Body, "@media") {
		t.Errorf("style.css = %d", r.Code)
	}
	if r := c.get("/console/nothing-here"); r.Code != http.StatusNotFound || !strings.Contains(r.Body, "没有找到") {
		t.Errorf("unknown page = %d %s", r.Code, text(r.Body))
	}
}

// Without a session every page is refused with 401 and a Chinese way in,
// and nothing changes.
func TestNoCookieRefused(t *testing.T) {
	h := newHarness(t, Config{})
	id := itoa(h.createEvent("全部"))
	before := h.snapshot()
	anon := h.browser()
	for _, p := range []string{"/console/", "/console/events", "/console/events/" + id, "/console/events/" + id + "/roster.csv",
		"/console/notices", "/console/tips", "/console/quiz", "/console/grids", "/console/ledger", "/console/ledger.xlsx"} {
		if r := anon.get(p); r.Code != http.StatusUnauthorized || !strings.Contains(r.Body, "请先登录") {
			t.Errorf("GET %s without a session = %d %s", p, r.Code, text(r.Body))
		}
	}
	for _, p := range []string{"/console/events", "/console/events/" + id + "/cancel", "/console/notices", "/console/logout"} {
		if r := anon.post(p, url.Values{"title": {"x"}, "csrf": {"00"}}); r.Code != http.StatusUnauthorized {
			t.Errorf("POST %s without a session = %d", p, r.Code)
		}
	}
	bad := h.browser()
	bad.hc.Jar.SetCookies(nil, []*http.Cookie{{Name: cookieName, Value: strings.Repeat("ab", 32)}})
	if r := bad.get("/console/"); r.Code != http.StatusUnauthorized {
		t.Errorf("made-up session id = %d", r.Code)
	}
	h.unchanged(before, "requests without a session")
}

func TestCSRFAndMethods(t *testing.T) {
	h := newHarness(t, Config{})
	id := itoa(h.createEvent("全部"))
	c := h.staff()
	other := h.staff()
	c.get("/console/events/new")
	before := h.snapshot()
	form := url.Values{"title": {"义诊"}, "start": {"2027-02-20T09:00"}, "place": {"卫生站"}, "seats": {"20"}, "all": {"1"}}
	for _, token := range []string{"", "deadbeef", strings.Repeat("0", 64)} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("csrf", token)
		if r := c.post("/console/events", f); r.Code != http.StatusForbidden || !strings.Contains(r.Body, "页面已过期或来源不明") {
			t.Errorf("csrf %q = %d %s", token, r.Code, text(r.Body))
		}
	}
	f := url.Values{"csrf": {other.csrf}}
	if r := c.post("/console/events/"+id+"/cancel", f); r.Code != http.StatusForbidden {
		t.Errorf("another session's token = %d", r.Code)
	}
	for _, m := range []struct{ method, path string }{
		{http.MethodDelete, "/console/events"}, {http.MethodGet, "/console/events/" + id + "/cancel"},
		{http.MethodPut, "/console/notices"}, {http.MethodGet, "/console/logout"}, {http.MethodDelete, "/console/login"},
	} {
		req, _ := http.NewRequest(m.method, h.srv.URL+m.path, nil)
		if r := c.do(req); r.Code != http.StatusMethodNotAllowed || !strings.Contains(r.Body, "不支持这种访问方式") || r.H.Get("Allow") == "" {
			t.Errorf("%s %s = %d %s allow %q", m.method, m.path, r.Code, text(r.Body), r.H.Get("Allow"))
		}
	}
	h.unchanged(before, "forged CSRF tokens and wrong methods")
	if e, _ := h.ev.Get(context.Background(), 1); e.Cancelled() {
		t.Error("the activity was cancelled by a forged request")
	}
}

// A grid worker sees their grid's activities, rosters and notices, not
// another grid's, and no staff-only page.
func TestGridWorkerSeesOnlyTheirGrids(t *testing.T) {
	h := newHarness(t, Config{})
	mine := itoa(h.createEvent("3网格"))
	theirs := itoa(h.createEvent("5网格"))
	both := itoa(h.createEvent("全部"))
	h.say(group3, bot.Group, "tg:31", "报名 "+both)
	h.say(group5, bot.Group, "tg:51", "报名 "+both+" 2人")
	sc := h.staff()
	sc.get("/console/notices")
	sc.post("/console/notices", url.Values{"body": {"5网格明天停水"}, "grid": {"5网格"}})
	h.say(staffID.PrivateChat(), bot.Private, staffID, "确认")

	w := h.worker()
	home := w.get("/console/")
	if home.Code != http.StatusOK || !strings.Contains(home.Body, "网格员（3网格）") || strings.Contains(home.Body, "/console/tips") {
		t.Errorf("worker overview: %d %s", home.Code, text(home.Body))
	}
	list := w.get("/console/events")
	if !strings.Contains(list.Body, "/console/events/"+mine+`"`) || strings.Contains(list.Body, "/console/events/"+theirs+`"`) {
		t.Errorf("worker's activity list: %s", text(list.Body))
	}
	ro := w.get("/console/events/" + both)
	if ro.Code != http.StatusOK || !strings.Contains(ro.Body, "tg:31") && !strings.Contains(ro.Body, "31") {
		t.Errorf("worker's roster of a shared activity: %d %s", ro.Code, text(ro.Body))
	}
	if strings.Contains(ro.Body, "5网格</td>") {
		t.Errorf("worker sees 5网格's households: %s", text(ro.Body))
	}
	csvR := w.get("/console/events/" + both + "/roster.csv")
	if csvR.Code != http.StatusOK || strings.Contains(csvR.Body, "5网格") || !strings.Contains(csvR.Body, "3网格") {
		t.Errorf("worker's roster CSV: %d %q", csvR.Code, csvR.Body)
	}
	before := h.snapshot()
	for _, p := range []string{"/console/events/" + theirs, "/console/events/" + theirs + "/roster.csv", "/console/events/" + theirs + "/roster.xlsx", "/console/notices/1"} {
		if r := w.get(p); r.Code != http.StatusForbidden || !strings.Contains(r.Body, "不是您负责的网格") {
			t.Errorf("worker GET %s = %d %s", p, r.Code, text(r.Body))
		}
	}
	for _, p := range []string{"/console/tips", "/console/quiz", "/console/events/new", "/console/tips/edit?id=x"} {
		if r := w.get(p); r.Code != http.StatusForbidden || !strings.Contains(r.Body, "没有权限") {
			t.Errorf("worker GET %s = %d %s", p, r.Code, text(r.Body))
		}
	}
	for _, p := range []string{"/console/events", "/console/events/" + mine + "/cancel", "/console/events/" + mine + "/edit", "/console/notices", "/console/notices/1/recall", "/console/tips", "/console/quiz"} {
		if r := w.post(p, url.Values{"title": {"x"}, "seats": {"1"}, "body": {"x"}, "all": {"1"}}); r.Code != http.StatusForbidden {
			t.Errorf("worker POST %s = %d %s", p, r.Code, text(r.Body))
		}
	}
	if r := w.get("/console/ledger"); r.Code != http.StatusOK || !strings.Contains(r.Body, "本台账只统计：3网格") {
		t.Errorf("worker ledger = %d %s", r.Code, text(r.Body))
	}
	for _, p := range []string{"/console/ledger?grid=5网格", "/console/ledger.xlsx?grid=5网格"} {
		if r := w.get(p); r.Code != http.StatusForbidden {
			t.Errorf("worker GET %s = %d, want 403", p, r.Code)
		}
	}
	if x := w.get("/console/ledger.xlsx"); x.Code != http.StatusOK || !strings.Contains(x.H.Get("Content-Disposition"), url.PathEscape("3网格")) {
		t.Errorf("worker ledger xlsx = %d %q", x.Code, x.H.Get("Content-Disposition"))
	}
	if r := w.get("/console/grids"); strings.Contains(r.Body, "5网格居民群") || !strings.Contains(r.Body, "3网格居民群") {
		t.Errorf("worker grids page: %s", text(r.Body))
	}
	if r := w.get("/console/notices"); strings.Contains(r.Body, "5网格明天停水") {
		t.Errorf("worker sees another grid's notice: %s", text(r.Body))
	}
	h.unchanged(before, "a grid worker's refused requests")

	if _, err := h.env.Dir.RemoveWorker(context.Background(), "3网格", workerID); err != nil {
		t.Fatal(err)
	}
	if r := w.get("/console/"); r.Code != http.StatusForbidden {
		t.Errorf("a removed worker's session still works: %d", r.Code)
	}
}

func TestCreateEditCancelActivity(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.staff()
	c.get("/console/events/new")
	form := url.Values{"title": {"元宵节猜灯谜"}, "start": {"2027-02-12T19:00"}, "deadline": {"2027-02-11T18:00"}, "place": {"社区活动中心"},
		"seats": {"30"}, "grid": {"3网格", "5网格"}, "hh": {"3"}, "desc": {"请自带手电\n时间：别改我"}}
	r := c.post("/console/events", form)
	if r.Code != http.StatusSeeOther || r.H.Get("Location") != "/console/events/1" {
		t.Fatalf("create = %d %q %s", r.Code, r.H.Get("Location"), text(r.Body))
	}
	e, err := h.ev.Get(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "元宵节猜灯谜" || e.Seats != 30 || e.HH != 3 || len(e.Grids) != 2 ||
		!e.Start.Equal(time.Date(2027, 2, 12, 19, 0, 0, 0, bottest_Shanghai())) || !e.Deadline.Equal(time.Date(2027, 2, 11, 18, 0, 0, 0, bottest_Shanghai())) {
		t.Errorf("stored %+v", e)
	}
	if !strings.Contains(e.Desc, "别改我") {
		t.Errorf("a description line that looks like a field changed the form: %q", e.Desc)
	}
	page := c.get("/console/events/1")
	if !strings.Contains(page.Body, "活动已发布") || !strings.Contains(page.Body, "2027年2月12日（周五）19:00") {
		t.Errorf("after create: %s", text(page.Body))
	}

	r = c.post("/console/events/1/edit", url.Values{"seats": {"40"}, "place": {"社区活动中心"}, "start": {"2027-02-12T19:00"}, "deadline": {"2027-02-11T18:00"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d %s", r.Code, text(r.Body))
	}
	if e, _ := h.ev.Get(context.Background(), 1); e.Seats != 40 {
		t.Errorf("seats after edit = %d", e.Seats)
	}
	if page := c.get("/console/events/1"); !strings.Contains(page.Body, "40") || !strings.Contains(page.Body, "已修改") && !strings.Contains(page.Body, "名额") {
		t.Errorf("after edit: %s", text(page.Body))
	}
	before := h.snapshot()
	r = c.post("/console/events/1/edit", url.Values{"start": {"2027-01-01T09:00"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已经过去了") {
		t.Errorf("edit to the past = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(before, "a refused edit")

	r = c.post("/console/events/1/cancel", nil)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("cancel = %d %s", r.Code, text(r.Body))
	}
	if e, _ := h.ev.Get(context.Background(), 1); !e.Cancelled() {
		t.Error("not cancelled")
	}
	if r := c.post("/console/events/1/cancel", nil); r.Code != http.StatusConflict || !strings.Contains(r.Body, "已经取消过了") {
		t.Errorf("cancel twice = %d %s", r.Code, text(r.Body))
	}
}

func bottest_Shanghai() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }

// The page refuses what the chat refuses, with the same words, keeps what
// was typed, and stores nothing.
func TestActivityFormSameMessagesAsChat(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.staff()
	c.get("/console/events/new")
	for _, tc := range []struct {
		form url.Values
		chat string
	}{
		{url.Values{"title": {"义诊"}, "start": {"2027-02-01T09:00"}, "place": {"卫生站"}, "seats": {"20"}, "all": {"1"}},
			"发布活动\n活动：义诊\n时间：2027-02-01 09:00\n地点：卫生站\n名额：20\n网格：全部"},
		{url.Values{"title": {"义诊"}, "start": {"2027-02-20T09:00"}, "seats": {"20"}, "all": {"1"}},
			"发布活动\n活动：义诊\n时间：2027-02-20 09:00\n名额：20\n网格：全部"},
		{url.Values{"title": {"义诊"}, "start": {"2027-02-20T09:00"}, "place": {"卫生站"}, "seats": {"二十万"}, "all": {"1"}},
			"发布活动\n活动：义诊\n时间：2027-02-20 09:00\n地点：卫生站\n名额：二十万\n网格：全部"},
		{url.Values{"title": {"义诊"}, "start": {"2027-02-20T09:00"}, "place": {"卫生站"}, "seats": {"20"}, "grid": {"9网格"}},
			"发布活动\n活动：义诊\n时间：2027-02-20 09:00\n地点：卫生站\n名额：20\n网格：9网格"},
	} {
		before := h.snapshot()
		r := c.post("/console/events", tc.form)
		h.unchanged(before, "a refused activity form")
		h.say(staffID.PrivateChat(), bot.Private, staffID, tc.chat)
		want := bot.PlainText(h.s.LastTo(staffID.PrivateChat()))
		got := pageError(r.Body)
		if r.Code != http.StatusUnprocessableEntity || got != want {
			t.Errorf("page said (%d)\n  %q\nchat said\n  %q", r.Code, got, want)
		}
		if !strings.Contains(r.Body, `value="义诊"`) {
			t.Errorf("the title typed was not kept: %s", text(r.Body))
		}
	}
}

var errDiv = `<div class="error" role="alert">`

func pageError(body string) string {
	i := strings.Index(body, errDiv)
	if i < 0 {
		return ""
	}
	rest := body[i+len(errDiv):]
	j := strings.Index(rest, "</div>")
	return htmlUnescape(rest[:j])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&quot;", `"`).Replace(s)
}

func TestRosterShowsSignUpsAndExports(t *testing.T) {
	h := newHarness(t, Config{})
	id := itoa(h.createEvent("全部"))
	_ = h.env.Dir.SetName(context.Background(), "tg:31", "赵大爷")
	h.say(group3, bot.Group, "tg:31", "报名 "+id+" 2人 带孙子")
	h.say(group5, bot.Group, "tg:51", "我要报名"+id)
	c := h.staff()
	page := c.get("/console/events/" + id)
	for _, want := range []string{"赵大爷", "带孙子", "正式 2 户 3 人", "未签到"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("roster page lacks %q: %s", want, text(page.Body))
		}
	}
	csvR := c.get("/console/events/" + id + "/roster.csv")
	if csvR.Code != http.StatusOK || !strings.Contains(csvR.Body, "赵大爷") || !strings.Contains(csvR.H.Get("Content-Disposition"), "attachment") {
		t.Errorf("csv = %d %q %q", csvR.Code, csvR.H.Get("Content-Disposition"), csvR.Body)
	}
	x := c.get("/console/events/" + id + "/roster.xlsx")
	wb, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	rows, _ := wb.GetRows(wb.GetSheetName(0))
	if len(rows) != 4 || rows[2][2] != "赵大爷" {
		t.Errorf("xlsx rows %q", rows)
	}
	if r := c.get("/console/events/999"); r.Code != http.StatusNotFound || !strings.Contains(r.Body, "没有找到 999 号活动") {
		t.Errorf("missing activity = %d %s", r.Code, text(r.Body))
	}
}

func TestNoticeComposeConfirmReport(t *testing.T) {
	h := newHarness(t, Config{})
	h.runOutbox()
	c := h.staff()
	c.get("/console/notices")
	before := h.snapshot()
	if r := c.post("/console/notices", url.Values{"body": {"明天停水"}}); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请选择发给哪些网格") {
		t.Errorf("no targets = %d %s", r.Code, text(r.Body))
	}
	if r := c.post("/console/notices", url.Values{"body": {"明天停水"}, "all": {"1"}, "at": {"2027-02-01T09:00"}}); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已经过去了") {
		t.Errorf("past schedule = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(before, "refused notices")
	r := c.post("/console/notices", url.Values{"body": {"明早 9 点到 12 点停水，请提前储水。"}, "all": {"1"}})
	if r.Code != http.StatusOK || !strings.Contains(text(r.Body), "2 个网格， 2 个群，约 240 人") && !strings.Contains(text(r.Body), "2 个群") {
		t.Fatalf("preview = %d %s", r.Code, text(r.Body))
	}
	if h.s.Count(group3) != 0 {
		t.Fatal("the preview sent something")
	}
	draft := regexpFind(r.Body, `name="draft" value="([0-9]+)"`)
	r = c.post("/console/notices/confirm", url.Values{"draft": {draft}})
	if r.Code != http.StatusSeeOther || r.H.Get("Location") != "/console/notices/1" {
		t.Fatalf("confirm = %d %q %s", r.Code, r.H.Get("Location"), text(r.Body))
	}
	if r := c.post("/console/notices/confirm", url.Values{"draft": {draft}}); r.Code != http.StatusConflict || !strings.Contains(r.Body, "不会重复发送") {
		t.Errorf("second confirm = %d %s", r.Code, text(r.Body))
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.s.Count(group3) == 0 || h.s.Count(group5) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("notice not delivered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var page resp
	for {
		page = c.get("/console/notices/1")
		if strings.Count(page.Body, "已送达</span>") == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(page.Body, "3网格居民群") || strings.Count(page.Body, "已送达</span>") != 2 || !strings.Contains(page.Body, "明早 9 点") {
		t.Errorf("delivery report: %s", text(page.Body))
	}
	r = c.post("/console/notices/1/recall", nil)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("recall = %d %s", r.Code, text(r.Body))
	}
	if d := h.s.Deleted(); len(d) != 2 {
		t.Errorf("recall deleted %v", d)
	}
	if page := c.get("/console/notices/1"); !strings.Contains(page.Body, "已撤回") {
		t.Errorf("after recall: %s", text(page.Body))
	}
}

func regexpFind(s, re string) string {
	m := regexpMust(re).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

func upload(c *client, path, name string, data []byte) resp {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestTipsAddImportPreview(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.staff()
	c.get("/console/tips")
	n0 := h.wb.d.Tips.Bank().Len()
	r := c.post("/console/tips", url.Values{"new": {"1"}, "id": {"local-1"}, "category": {"生活服务"}, "title": {"社区食堂开业"}, "body": {"每天 11 点开饭，老人九折。"}, "action": {"preview"}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "社区食堂开业") || h.wb.d.Tips.Bank().Len() != n0 {
		t.Errorf("preview = %d %s", r.Code, text(r.Body))
	}
	before := h.snapshot()
	r = c.post("/console/tips", url.Values{"new": {"1"}, "id": {"local-1"}, "category": {"生活服务"}, "title": {strings.Repeat("长", 31)}, "body": {"x"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "标题太长") || !strings.Contains(r.Body, strings.Repeat("长", 31)) {
		t.Errorf("long title = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(before, "a refused tip")
	r = c.post("/console/tips", url.Values{"new": {"1"}, "id": {"local-1"}, "category": {"生活服务"}, "title": {"社区食堂开业"}, "body": {"每天 11 点开饭，老人九折。"}, "action": {"save"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("save = %d %s", r.Code, text(r.Body))
	}
	if _, ok := h.wb.d.Tips.Bank().Get("local-1"); !ok || h.wb.d.Tips.Bank().Len() != n0+1 {
		t.Error("the saved tip is not in the bank the pushes use")
	}

	c.get("/console/tips")
	bad := "编号,分类,标题,内容\nok-1,生活服务,好标题,好内容\n,生活服务,没编号,内容\nok-3,生活服务," + strings.Repeat("长", 31) + ",内容\n"
	before = h.snapshot()
	r = upload(c, "/console/tips/import", "tips.csv", []byte(bad))
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "第 3 行") || !strings.Contains(r.Body, "第 4 行") || strings.Contains(r.Body, "第 2 行") {
		t.Errorf("import with errors = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(before, "an import with errors")

	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"编号", "分类", "标题", "内容", "来源"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"x-1", "安全提示", "冬季防火", "出门关好煤气。", "消防站"})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"x-2", "法律常识", "防范电信诈骗", "陌生来电要核实。", ""})
	data, _ := x.WriteToBuffer()
	r = upload(c, "/console/tips/import", "tips.xlsx", data.Bytes())
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "导入预览：2 条") || !strings.Contains(r.Body, "防范电信诈骗") {
		t.Fatalf("xlsx preview = %d %s", r.Code, text(r.Body))
	}
	if _, ok := h.wb.d.Tips.Bank().Get("x-1"); ok {
		t.Error("the preview imported already")
	}
	r = c.post("/console/tips/import/confirm", nil)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("confirm import = %d %s", r.Code, text(r.Body))
	}
	if _, ok := h.wb.d.Tips.Bank().Get("x-2"); !ok {
		t.Error("imported tip missing")
	}
	if r := c.post("/console/tips/import/confirm", nil); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已过期") {
		t.Errorf("confirming twice = %d %s", r.Code, text(r.Body))
	}
	if r := upload(c, "/console/tips/import", "tips.txt", []byte("x")); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, ".csv 或 .xlsx") {
		t.Errorf("wrong file type = %d %s", r.Code, text(r.Body))
	}
}

func TestQuizAddImport(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.staff()
	c.get("/console/quiz")
	n0 := len(h.wb.d.Quiz.Bank())
	form := url.Values{"new": {"1"}, "id": {"q-local-1"}, "category": {"生活服务"}, "difficulty": {"1"}, "text": {"社区食堂几点开饭？"},
		"option": {"10点", "11点", "12点", "", "", ""}, "answer": {"Ｂ"}, "explanation": {"每天 11 点开饭。"}}
	before := h.snapshot()
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("answer", "E")
	if r := c.post("/console/quiz", bad); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "超出选项范围") || !strings.Contains(r.Body, "社区食堂几点开饭") {
		t.Errorf("answer out of range = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(before, "a refused question")
	if r := c.post("/console/quiz", form); r.Code != http.StatusSeeOther {
		t.Fatalf("save = %d %s", r.Code, text(r.Body))
	}
	if got := len(h.wb.d.Quiz.Bank()); got != n0+1 {
		t.Errorf("bank has %d questions, want %d", got, n0+1)
	}

	c.get("/console/quiz")
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"编号", "分类", "难度", "题目", "A", "B", "C", "答案", "解析"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"x-1", "生活服务", "易", "好题目\n两行", "甲", "乙", "丙", "A", "解析"})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"x-2", "生活服务", "很难", "难度不对", "甲", "乙", "丙", "A", "解析"})
	_ = x.SetSheetRow("Sheet1", "A4", &[]any{"x-3", "生活服务", "1", "答案不对", "甲", "乙", "丙", "Z", "解析"})
	data, _ := x.WriteToBuffer()
	before = h.snapshot()
	r := upload(c, "/console/quiz/import", "bank.xlsx", data.Bytes())
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "第 3 行") || !strings.Contains(r.Body, "第 4 行") || strings.Contains(r.Body, "第 2 行") {
		t.Errorf("xlsx with errors = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(before, "an import with errors")
	csvData := "编号,分类,难度,题目,A,B,C,答案,解析\nc-1,生活服务,1,题一,甲,乙,丙,A,解析一\nc-2,生活服务,2,题二,甲,乙,丙,C,解析二\n"
	r = upload(c, "/console/quiz/import", "bank.csv", []byte(csvData))
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "导入预览：2 题") {
		t.Fatalf("csv preview = %d %s", r.Code, text(r.Body))
	}
	if r := c.post("/console/quiz/import/confirm", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("confirm = %d %s", r.Code, text(r.Body))
	}
	if got := len(h.wb.d.Quiz.Bank()); got != n0+3 {
		t.Errorf("bank has %d questions after import, want %d", got, n0+3)
	}
}

func TestLedgerPageAndWorkbook(t *testing.T) {
	h := newHarness(t, Config{})
	h.createEvent("全部")
	c := h.staff()
	r := c.get("/console/ledger?period=本月")
	if r.Code != http.StatusOK || !strings.Contains(r.Body, "<svg") || !strings.Contains(r.Body, "2027-02-01 至 2027-02-28") {
		t.Errorf("ledger = %d %s", r.Code, text(r.Body))
	}
	if r := c.get("/console/ledger?grid=5网格"); r.Code != http.StatusOK || !strings.Contains(r.Body, "本台账只统计：5网格") {
		t.Errorf("staff grid ledger = %d %s", r.Code, text(r.Body))
	}
	if r := c.get("/console/ledger?month=2026-11"); r.Code != http.StatusOK || !strings.Contains(r.Body, "2026-11-01") {
		t.Errorf("month picker = %d %s", r.Code, text(r.Body))
	}
	if r := c.get("/console/ledger?period=明年后天"); r.Code != http.StatusUnprocessableEntity || pageError(r.Body) == "" {
		t.Errorf("bad period = %d %s", r.Code, text(r.Body))
	}
	x := c.get("/console/ledger.xlsx?period=本月")
	if _, err := excelize.OpenReader(strings.NewReader(x.Body)); err != nil || x.Code != http.StatusOK {
		t.Errorf("ledger xlsx = %d %v", x.Code, err)
	}
}

func TestLogout(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.staff()
	if r := c.post("/console/logout", nil); r.Code != http.StatusOK || !strings.Contains(r.Body, "已退出") {
		t.Fatalf("logout = %d", r.Code)
	}
	if r := c.get("/console/"); r.Code != http.StatusUnauthorized {
		t.Errorf("after logout = %d", r.Code)
	}
}

// The sign-in check on every request stays a few round trips: the session
// script, the role (staff from config: none; a grid worker: the staff set,
// the grids with their chats (3), one pipeline of memberships), and the
// display name.
func TestAuthRoundTrips(t *testing.T) {
	if redistest.Cluster() {
		t.Skip("a bound for one node: on a cluster the counter counts per node, and the worker's per-chat admin-cache pipeline splits by where its keys hash")
	}
	h := newHarness(t, Config{})
	rt := redistest.Count(h.rdb)
	for _, who := range []struct {
		c    *client
		name string
		max  int64
	}{{h.staff(), "staff", 2}, {h.worker(), "grid worker", 7}} {
		rt.Reset()
		r := who.c.post("/console/events", url.Values{"csrf": {"forged"}})
		if r.Code != http.StatusForbidden {
			t.Fatalf("%s: %d", who.name, r.Code)
		}
		if n := rt.Count(); n > who.max {
			t.Errorf("%s: checking the session and role took %d round trips, want at most %d", who.name, n, who.max)
		}
		t.Logf("%s: %d round trips to check a request", who.name, rt.Count())
	}
}

// The page's 接龙 box is the activity input's Chain, checked by the code
// that checks the chat form's 接龙 line: without reply coalescing the bot refuses it politely,
// keeps what was typed, and stores nothing.
func TestEventPageChainGoesThroughTheChatForm(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.staff()
	c.get("/console/events/new")
	before := h.snapshot()
	r := c.post("/console/events", url.Values{"csrf": {c.csrf}, "title": {"义诊"}, "start": {"2027-02-20T09:00"},
		"place": {"卫生站"}, "seats": {"20"}, "all": {"1"}, "chain": {"1"}})
	if r.Code != http.StatusServiceUnavailable || !strings.Contains(r.Body, "不能开接龙") || !strings.Contains(r.Body, "卫生站") {
		t.Errorf("接龙 without coalescing = %d %s, want the chat's refusal with the form kept", r.Code, text(r.Body))
	}
	h.unchanged(before, "a refused 接龙 activity")
}

// A refusal's status says what kind it is: a missing activity 404, fewer
// seats than households signed up 409, a change to a cancelled activity
// 410, bad input 422; each shows the chat's words and changes nothing.
func TestConsoleStatusFollowsTheKindOfRefusal(t *testing.T) {
	h := newHarness(t, Config{})
	id := itoa(h.createEvent("全部"))
	h.say(group3, bot.Group, "tg:31", "报名 "+id+" 3人")
	c := h.staff()
	c.get("/console/events/" + id)
	check := func(what string, r resp, code int, want string) {
		t.Helper()
		if r.Code != code || !strings.Contains(text(r.Body), want) {
			t.Errorf("%s = %d %q, want %d with %q", what, r.Code, text(r.Body), code, want)
		}
	}
	before := h.snapshot()
	check("edit of a missing activity", c.post("/console/events/999/edit", url.Values{"seats": {"40"}}), http.StatusNotFound, "没有找到 999 号活动")
	check("cancel of a missing activity", c.post("/console/events/999/cancel", nil), http.StatusNotFound, "没有找到 999 号活动")
	check("seats below the sign-ups", c.post("/console/events/"+id+"/edit", url.Values{"seats": {"2"}}), http.StatusConflict, "名额不能少于 3")
	check("seats not a number", c.post("/console/events/"+id+"/edit", url.Values{"seats": {"很多"}}), http.StatusUnprocessableEntity, "名额")
	h.unchanged(before, "refused console actions")
	if r := c.post("/console/events/"+id+"/cancel", nil); r.Code != http.StatusSeeOther {
		t.Fatalf("cancel = %d %s", r.Code, text(r.Body))
	}
	c.get("/console/events/" + id)
	before = h.snapshot()
	check("edit of a cancelled activity", c.post("/console/events/"+id+"/edit", url.Values{"seats": {"40"}}), http.StatusGone, "已经取消了")
	check("cancel twice", c.post("/console/events/"+id+"/cancel", nil), http.StatusConflict, "已经取消过了")
	h.unchanged(before, "refused actions on a cancelled activity")
}
