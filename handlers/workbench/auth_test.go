package workbench

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
)

func TestSignInByOneTimeLink(t *testing.T) {
	h := newHarness(t, Config{})
	path := h.link(staffID)
	c := h.browser()
	page := c.get(path)
	if page.Code != http.StatusOK || !strings.Contains(page.Body, "李主任") || !strings.Contains(page.Body, "进入工作台") {
		t.Fatalf("login page = %d %s", page.Code, text(page.Body))
	}
	if got := page.H.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q: the sign-in URL could leak", got)
	}
	tok, _ := url.Parse(path)
	r := c.post("/console/login", url.Values{"t": {tok.Query().Get("t")}})
	if r.Code != http.StatusSeeOther || r.H.Get("Location") != "/console/" {
		t.Fatalf("sign in = %d to %q", r.Code, r.H.Get("Location"))
	}
	ck := r.H.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "Path=/console/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("cookie over plain http without secure_cookie is Secure: %q", ck)
	}
	home := c.get("/console/")
	if home.Code != http.StatusOK || !strings.Contains(home.Body, "概览") || !strings.Contains(home.Body, "社区工作人员") {
		t.Fatalf("overview = %d %s", home.Code, text(home.Body))
	}

	again := h.browser()
	if r := again.post("/console/login", url.Values{"t": {tok.Query().Get("t")}}); r.Code != http.StatusGone || !strings.Contains(r.Body, "已经用过") {
		t.Errorf("reused link = %d %s", r.Code, text(r.Body))
	}
	if r := again.get(path); r.Code != http.StatusGone {
		t.Errorf("opening a used link = %d, want 410", r.Code)
	}
	if r := again.get("/console/"); r.Code != http.StatusUnauthorized {
		t.Errorf("a reused link signed a second browser in: %d", r.Code)
	}
}

func TestSecureCookie(t *testing.T) {
	for _, cfg := range []Config{
		{Enabled: true, BaseURL: "https://bot.test", Secret: secret},
		{Enabled: true, BaseURL: "http://bot.test", Secret: secret, SecureCookie: true},
	} {
		h := newHarness(t, cfg)
		h.say(staffID.PrivateChat(), bot.Private, staffID, "工作台")
		msg := h.s.LastTo(staffID.PrivateChat())
		i := strings.Index(msg, "/console/login?t=")
		if i < 0 {
			t.Fatalf("no link in %q", msg)
		}
		tok := strings.Fields(msg[i+len("/console/login?t="):])[0]
		r := h.browser().post("/console/login", url.Values{"t": {tok}})
		if ck := r.H.Get("Set-Cookie"); r.Code != http.StatusSeeOther || !strings.Contains(ck, "Secure") {
			t.Errorf("%s secure_cookie=%v: %d cookie %q, want Secure", cfg.BaseURL, cfg.SecureCookie, r.Code, ck)
		}
	}
}

func TestLinkRefusals(t *testing.T) {
	h := newHarness(t, Config{})
	tokenOf := func(path string) string { u, _ := url.Parse(path); return u.Query().Get("t") }

	expired := tokenOf(h.link(staffID))
	fresh := tokenOf(h.link(staffID))
	p64, m64, _ := strings.Cut(fresh, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(p64)
	forgedUser := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), string(staffID), "tg:999", 1))) + "." + m64
	mac, _ := base64.RawURLEncoding.DecodeString(m64)
	mac[0] ^= 1
	forgedMAC := p64 + "." + base64.RawURLEncoding.EncodeToString(mac)
	resLink := h.wb.IssueLinkForTest(t, resident)

	h.clk.Add(LinkTTL + time.Second)
	late := h.snapshot()
	r := h.browser().post("/console/login", url.Values{"t": {expired}})
	if r.Code != http.StatusGone || !strings.Contains(r.Body, "已过期") {
		t.Errorf("expired link = %d %s", r.Code, text(r.Body))
	}
	h.unchanged(late, "expired link")
	h.clk.Add(-LinkTTL - time.Second)

	before := h.snapshot()
	for _, c := range []struct {
		name, token string
		code        int
		say         string
	}{
		{"forged user", forgedUser, http.StatusBadRequest, "不对"},
		{"tampered signature", forgedMAC, http.StatusBadRequest, "不对"},
		{"garbage", "abc", http.StatusBadRequest, "不对"},
		{"empty", "", http.StatusBadRequest, "不对"},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			b := h.browser()
			var r resp
			if method == http.MethodGet {
				r = b.get("/console/login?t=" + url.QueryEscape(c.token))
			} else {
				r = b.post("/console/login", url.Values{"t": {c.token}})
			}
			if r.Code != c.code || !strings.Contains(r.Body, c.say) {
				t.Errorf("%s %s: %d %s", method, c.name, r.Code, text(r.Body))
			}
			if ck := r.H.Get("Set-Cookie"); ck != "" {
				t.Errorf("%s %s set a cookie %q", method, c.name, ck)
			}
		}
	}
	h.unchanged(before, "forged links")

	before = h.snapshot()
	r = h.browser().post("/console/login", url.Values{"t": {tokenOf(resLink)}})
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body, "只对社区工作人员和网格员开放") {
		t.Errorf("a resident's link = %d %s", r.Code, text(r.Body))
	}
	if ck := r.H.Get("Set-Cookie"); ck != "" {
		t.Errorf("a resident's link set a cookie %q", ck)
	}
	h.unchanged(before, "a resident's link")

	before = h.snapshot()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/console/login", strings.NewReader(url.Values{"t": {fresh}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r := h.browser().do(req); r.Code != http.StatusForbidden {
		t.Errorf("sign-in posted from another site = %d", r.Code)
	}
	h.unchanged(before, "a sign-in from another site")
	if r := h.browser().post("/console/login", url.Values{"t": {fresh}}); r.Code != http.StatusSeeOther {
		t.Errorf("the untampered link no longer works after the forgeries: %d %s", r.Code, text(r.Body))
	}
}

// IssueLinkForTest issues a link for u whatever their role, as if they had
// been staff when they asked.
func (f *Feature) IssueLinkForTest(t *testing.T, u bot.UserRef) string {
	t.Helper()
	l, err := f.IssueLink(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(l, f.cfg.BaseURL)
}

func TestConsoleCommand(t *testing.T) {
	h := newHarness(t, Config{})
	h.say(resident.PrivateChat(), bot.Private, resident, "工作台")
	if got := h.s.LastTo(resident.PrivateChat()); !strings.Contains(got, "只有网格员和社区工作人员可以使用") || strings.Contains(got, "login") {
		t.Errorf("resident got %q", got)
	}
	h.say(group3, bot.Group, staffID, "工作台")
	if got := h.s.LastTo(group3); !strings.Contains(got, "私聊发给您") || strings.Contains(got, "/console/login") {
		t.Errorf("group reply %q", got)
	}
	if got := h.s.LastTo(staffID.PrivateChat()); !strings.Contains(got, "/console/login?t=") || !strings.Contains(got, "10 分钟") {
		t.Errorf("private link message %q", got)
	}
	for _, m := range h.s.To(group3) {
		if strings.Contains(m.Msg.Text, "/console/login") {
			t.Errorf("the link was posted in the group: %q", m.Msg.Text)
		}
	}
	h.s.FailChat(workerID.PrivateChat(), &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "bot can't initiate conversation"})
	h.say(group3, bot.Group, workerID, "工作台")
	if got := h.s.LastTo(group3); !strings.Contains(got, "请先私聊我") {
		t.Errorf("worker who never opened a private chat: %q", got)
	}
	h.say(bot.UserRef("tg:77").PrivateChat(), bot.Private, "tg:77", "/console")
	if got := h.s.LastTo(bot.UserRef("tg:77").PrivateChat()); got == "" || strings.Contains(got, "login") {
		t.Errorf("unknown user: %q", got)
	}
	h.say(resident.PrivateChat(), bot.Private, resident, "帮助")
	if got := h.s.LastTo(resident.PrivateChat()); !strings.Contains(got, "报名") || strings.Contains(got, "工作台") {
		t.Errorf("residents' help: %q", got)
	}
	h.say(staffID.PrivateChat(), bot.Private, staffID, "帮助")
	if got := h.s.LastTo(staffID.PrivateChat()); !strings.Contains(got, "工作台") || strings.Contains(got, "/console/login") {
		t.Errorf("staff help lacks 工作台: %q", got)
	}

	off := newHarness(t, Config{Enabled: false, BaseURL: "http://bot.test", Secret: secret})
	off.say(staffID.PrivateChat(), bot.Private, staffID, "工作台")
	if got := off.s.LastTo(staffID.PrivateChat()); !strings.Contains(got, "暂未开启") {
		t.Errorf("disabled console: %q", got)
	}
}

// Many browsers racing with one link: exactly one gets in.
func TestLinkSingleUseUnderRace(t *testing.T) {
	h := newHarness(t, Config{})
	u, _ := url.Parse(h.link(staffID))
	tok := u.Query().Get("t")
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"t": {tok}}
			hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := hc.Post(h.srv.URL+"/console/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusSeeOther] != 1 || codes[http.StatusGone] != 39 {
		t.Errorf("40 racing sign-ins with one link: %v, want one 303 and 39 410", codes)
	}
	n := h.keysLike(string(h.keys) + ":wb:{wb}:sess:*")
	if len(n) != 1 {
		t.Errorf("%d sessions from one link", len(n))
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Enabled: true, BaseURL: "bot.test", Secret: secret}, "console.base_url"},
		{Config{Enabled: true, BaseURL: "https://bot.test", Secret: "short"}, "console.secret"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.cfg.BaseURL, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), c.cfg.Secret) {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	if err := (Config{Enabled: true, BaseURL: "https://bot.test/", Secret: secret}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("disabled console: %v", err)
	}
}

func FuzzParseLink(f *testing.F) {
	h := &Feature{cfg: Config{Secret: secret}}
	h.env.Now = func() time.Time { return t0 }
	good := base64.RawURLEncoding.EncodeToString([]byte("tg:1|1900000000|abcd"))
	f.Add(good + "." + base64.RawURLEncoding.EncodeToString(h.mac("tg:1|1900000000|abcd")))
	f.Add("")
	f.Add(".")
	f.Add("a.b")
	f.Add(good + ".AAAA")
	f.Fuzz(func(t *testing.T, token string) {
		l, err := h.parseLink(token)
		if err != nil {
			return
		}
		p64, _, _ := strings.Cut(token, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(p64)
		if !strings.HasPrefix(string(payload), string(l.User)+"|") || l.Nonce == "" && !strings.HasSuffix(string(payload), "|") {
			t.Errorf("accepted %q as %+v", token, l)
		}
		if !strings.Contains(token, ".") {
			t.Errorf("accepted a token without a signature: %q", token)
		}
	})
}

// An administrator of a bound group works there without being appointed:
// the console keeps them in after the router's cached answer runs out, by
// asking the platform again, and stops when they are no longer admin.
func TestGroupAdminStaysWorkerWhileAdmin(t *testing.T) {
	h := newHarness(t, Config{})
	admin := bot.UserRef("tg:4")
	h.s.SetAdmin(admin, true)
	h.say(group3, bot.Group, admin, "工作台")
	if got := h.s.LastTo(group3); !strings.Contains(got, "私聊发给您") {
		t.Fatalf("group admin asking in the group: %q", got)
	}
	m := linkRe.FindStringSubmatch(h.s.LastTo(admin.PrivateChat()))
	if m == nil {
		t.Fatalf("no link: %q", h.s.LastTo(admin.PrivateChat()))
	}
	c := h.browser()
	if home := c.signIn(m[1]); home.Code != http.StatusOK || !strings.Contains(home.Body, "网格员（3网格）") {
		t.Fatalf("admin's overview: %d %s", home.Code, text(home.Body))
	}
	expire := func() {
		keys := h.keysLike(string(h.keys) + ":adm:*")
		if len(keys) == 0 {
			t.Fatal("no cached admin answer to expire")
		}
		for _, k := range keys {
			h.rdb.Del(t.Context(), k)
		}
	}
	expire()
	if r := c.get("/console/events"); r.Code != http.StatusOK {
		t.Errorf("after the cached answer ran out: %d %s", r.Code, text(r.Body))
	}
	if r := c.get("/console/grids"); !strings.Contains(r.Body, "3网格居民群") || strings.Contains(r.Body, "5网格居民群") {
		t.Errorf("admin's grids page: %s", text(r.Body))
	}
	h.s.SetAdmin(admin, false)
	expire()
	if r := c.get("/console/"); r.Code != http.StatusForbidden {
		t.Errorf("no longer admin: %d", r.Code)
	}
}
