package residents

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridbot/bot/redistest"
)

// TestResidentSignsUpFromTheActivityPage: a resident opens the link, is
// asked who they are once, signs up two people and sees the seats drop and
// the household on the list, masked; staff's roster has the row from the
// page with the full 称呼.
func TestResidentSignsUpFromTheActivityPage(t *testing.T) {
	h := newHarness(t, Config{})
	id, page := h.create(30)
	b := h.browser()
	st, body := b.get(page + "?g=3网格")
	if st != http.StatusOK {
		t.Fatalf("activity page: status %d", st)
	}
	mustContain(t, "page before", text(body), "元宵节猜灯谜", "社区活动中心", "剩余 30 个", "填写信息，去报名", "还没有人报名")
	_, me := b.get(MeURL(page + "?g=3网格"))
	mustContain(t, "identity form", me, `<option value="3网格" selected>`)

	got := text(b.identify(page, "王阿姨", "3网格", "3号楼2单元501室", "13812345678"))
	mustContain(t, "after identity", got, "已记下您的信息：王阿姨，3网格 3-2-501", "几个人去")
	got = text(b.follow(page+"/join", url.Values{"n": {"2"}, "remark": {"带孙子"}}))
	mustContain(t, "after sign-up", got, "王阿姨，报名成功", "人数：2 人", "剩余名额：28 个", "剩余 28 个", "1. 王** 2人 （您家）", "您家已报名，2 人", "取消报名")
	mustNotContain(t, "public page", got, "13812345678", "138****5678", "王阿姨 2人")

	r, err := h.ev.Roster(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 || r.Rows[0].Name != "王阿姨" || r.Rows[0].N != 2 || r.Rows[0].Source != "页面" || r.Rows[0].Grid != "3网格" || r.Rows[0].Remark != "带孙子" {
		t.Fatalf("roster rows %+v; want 王阿姨, 2 people, from 页面, 3网格, remark 带孙子", r.Rows)
	}
	csv, _, _, err := h.ev.RosterFiles(r)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "roster CSV", string(csv), ",来源", "王阿姨,2,带孙子", "页面")
	mustContain(t, "roster text", h.ev.RosterText(r), "王阿姨（页面）")

	got = text(b.follow(page+"/leave", url.Values{}))
	mustContain(t, "after cancel", got, "已为您取消报名", "剩余 30 个", "还没有人报名")
}

// TestOneHouseholdOneSignUp: clearing cookies (another browser) and
// writing the same door another way is the same household: it is told it
// is already signed up, and no seat is taken twice.
func TestOneHouseholdOneSignUp(t *testing.T) {
	h := newHarness(t, Config{})
	id, page := h.create(30)
	a := h.browser()
	a.identify(page, "王阿姨", "3网格", "3栋2单元501", "")
	a.follow(page+"/join", url.Values{"n": {"1"}})
	b := h.browser()
	b.identify(page, "王叔叔", "3网格", "3-2-501", "")
	got := text(b.follow(page+"/join", url.Values{"n": {"1"}}))
	mustContain(t, "second browser", got, "您已经报过名了", "剩余 29 个", "（您家）")
	mustNotContain(t, "second browser", got, "要改人数，直接发")
	c := h.browser()
	c.identify(page, "李师傅", "5网格", "3-2-501", "")
	mustContain(t, "same door, other grid", text(c.follow(page+"/join", url.Values{"n": {"1"}})), "报名成功", "剩余名额：28 个")
	e, _ := h.ev.Get(context.Background(), id)
	if e.Taken != 2 {
		t.Fatalf("taken %d, want 2 (one per household)", e.Taken)
	}
}

// TestBadInputChangesNothing: a door, name, grid or phone the form cannot
// read, and a headcount out of range, get a polite sentence and change
// nothing.
func TestBadInputChangesNothing(t *testing.T) {
	h := newHarness(t, Config{})
	id, page := h.create(30)
	b := h.browser()
	b.get(MeURL(page))
	for _, c := range []struct {
		name, grid, door, phone, want string
	}{
		{"王阿姨", "3网格", "我家", "", msgDoorBad},
		{"", "3网格", "3-2-501", "", msgNameBad},
		{"王阿姨13812345678", "3网格", "3-2-501", "", msgNamePhone},
		{"王阿姨", "9网格", "3-2-501", "", msgGridBad},
		{"王阿姨", "3网格", "3-2-501", "12345", msgPhoneBad},
	} {
		st, _, body := b.post(Prefix+"me", url.Values{"name": {c.name}, "grid": {c.grid}, "door": {c.door}, "phone": {c.phone}, "to": {page}})
		if st != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("identity %+v: status %d, want 400 with %q", c, st, c.want)
		}
	}
	if _, body := b.get(page); !strings.Contains(body, "填写信息，去报名") {
		t.Fatal("a refused identity form was kept")
	}
	b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	for _, n := range []string{"0", "11", "两", ""} {
		got := text(b.follow(page+"/join", url.Values{"n": {n}}))
		mustContain(t, "headcount "+n, got, "人数请选 1 到 10 人")
	}
	st, _, _ := b.post(page+"/join", url.Values{"n": {"1"}, "remark": {strings.Repeat("长", 20000)}})
	if st != http.StatusRequestEntityTooLarge {
		t.Errorf("a 20,000-character remark: status %d, want 413", st)
	}
	if e, _ := h.ev.Get(context.Background(), id); e.Taken != 0 {
		t.Fatalf("bad input took %d seats", e.Taken)
	}
}

// TestFormsNeedTheTokenAndThisSite: a POST without the page's token, with
// another browser's token, or from another site's page is refused and
// changes nothing.
func TestFormsNeedTheTokenAndThisSite(t *testing.T) {
	h := newHarness(t, Config{})
	id, page := h.create(30)
	b := h.browser()
	b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	b.get(page)
	other := h.browser()
	other.get(page)
	for name, form := range map[string]url.Values{
		"no token":              {"n": {"1"}, "csrf": {""}},
		"another browser token": {"n": {"1"}, "csrf": {other.csrf}},
		"made-up token":         {"n": {"1"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAA"}},
	} {
		if st, _, body := b.post(page+"/join", form); st != http.StatusForbidden || !strings.Contains(body, msgCSRF) {
			t.Errorf("%s: status %d, want 403 with %q", name, st, msgCSRF)
		}
	}
	b.origin = "https://evil.example"
	if st, _, _ := b.post(page+"/join", url.Values{"n": {"1"}}); st != http.StatusForbidden {
		t.Errorf("from another site: status %d, want 403", st)
	}
	if e, _ := h.ev.Get(context.Background(), id); e.Taken != 0 {
		t.Fatalf("refused forms took %d seats", e.Taken)
	}
	b.origin = ""
	if st, _, _ := b.post(page+"/join", url.Values{"n": {"1"}}); st != http.StatusSeeOther {
		t.Errorf("no Origin (an old in-app browser) with the token: status %d, want 303", st)
	}
}

// TestActionsAreLimited: past the per-resident limit a page action is
// refused politely and changes nothing; a new cookie does not escape the
// per-IP limit.
func TestActionsAreLimited(t *testing.T) {
	h := newHarness(t, Config{ResidentPerMinute: 2, IPPerMinute: 6, per: time.Hour})
	id, page := h.create(30)
	b := h.browser()
	b.identify(page, "王阿姨", "3网格", "3-2-501", "") // IP 1
	b.get(page)
	for i := range 2 {
		if st, _, _ := b.post(page+"/join", url.Values{"n": {"1"}}); st != http.StatusSeeOther {
			t.Fatalf("action %d: status %d", i+1, st)
		}
	}
	st, _, body := b.post(page+"/leave", url.Values{})
	if st != http.StatusTooManyRequests || !strings.Contains(body, msgTooFast) {
		t.Fatalf("third action within the minute: status %d, want 429 with %q", st, msgTooFast)
	}
	if e, _ := h.ev.Get(context.Background(), id); e.Taken != 1 {
		t.Fatalf("the refused cancel changed the seats: taken %d", e.Taken)
	}
	refused := 0
	for range 5 {
		c := h.browser()
		c.get(MeURL(page))
		if st, _, _ := c.post(Prefix+"me", url.Values{"name": {"李"}, "grid": {"3网格"}, "door": {"1-1-101"}, "to": {page}}); st == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("%d of 5 new browsers on one IP refused, want 2 (6 a minute, 3 used)", refused)
	}
}

// TestLinksCannotBeGuessed: an activity is reached only by its token; the
// number, a made-up or altered token find nothing.
func TestLinksCannotBeGuessed(t *testing.T) {
	h := newHarness(t, Config{})
	id, page := h.create(30)
	again, err := h.site.Link(context.Background(), KindActivity, "1")
	if err != nil || Prefix+KindActivity+"/"+again != page || id != 1 {
		t.Fatalf("the link of activity 1 changed: %q, %v", again, err)
	}
	b := h.browser()
	tok := strings.TrimPrefix(page, Prefix+KindActivity+"/")
	for _, p := range []string{"/r/a/1", "/r/a/" + strings.ToUpper(tok[:1]) + strings.ToLower(tok[1:]) + "x", "/r/a/AAAAAAAAAAAAAAAA", "/r/a/" + tok + "/../1", "/r/ev/1"} {
		if st, body := b.get(p); st != http.StatusNotFound && st != http.StatusTemporaryRedirect || st == http.StatusNotFound && !strings.Contains(body, msgNotFound) {
			t.Errorf("GET %s: status %d, want 404 with the polite page", p, st)
		}
	}
	if len(tok) != 16 {
		t.Errorf("token %q: want 16 characters", tok)
	}
}

// TestCookieIsSigned: a resident cookie altered or made up is no one.
func TestCookieIsSigned(t *testing.T) {
	h := newHarness(t, Config{})
	_, page := h.create(30)
	b := h.browser()
	b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	u, _ := url.Parse(h.srv.URL + Prefix)
	var val string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == CookieName {
			val = c.Value
		}
	}
	id, _, _ := strings.Cut(val, ".")
	if h.site.residentOf(cookieReq(val)) != id || id == "" {
		t.Fatalf("the site's own cookie %q is refused", val)
	}
	for _, bad := range []string{id, id + ".", "c" + id[1:len(id)-1] + "x." + strings.SplitN(val, ".", 2)[1], "o" + id[1:] + "." + strings.SplitN(val, ".", 2)[1]} {
		if got := h.site.residentOf(cookieReq(bad)); got != "" {
			t.Errorf("cookie %q taken as %q", bad, got)
		}
	}
}

func cookieReq(v string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/r/", nil)
	r.AddCookie(&http.Cookie{Name: CookieName, Value: v})
	return r
}

// TestPageSignUpRoundTrips counts the Redis round trips of one page
// sign-up, from the POST to the redirect: the visit (profile), the limit,
// the link, the join script.
func TestPageSignUpRoundTrips(t *testing.T) {
	h := newHarness(t, Config{})
	_, page := h.create(30)
	b := h.browser()
	b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	warm := h.browser()
	warm.identify(page, "李师傅", "3网格", "1-1-101", "")
	warm.follow(page+"/join", url.Values{"n": {"1"}})
	b.get(page)
	cnt := redistest.Count(h.rdb)
	cnt.Reset()
	if st, _, _ := b.post(page+"/join", url.Values{"n": {"1"}}); st != http.StatusSeeOther {
		t.Fatalf("status %d", st)
	}
	if got := cnt.Count(); got > 4 {
		t.Errorf("a page sign-up took %d Redis round trips, want at most 4", got)
	}
	t.Logf("page sign-up: %d Redis round trips", cnt.Count())
	cnt.Reset()
	b.get(page)
	t.Logf("activity page view: %d Redis round trips", cnt.Count())
}
