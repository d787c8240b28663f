package wxoa_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot/secret"
	"gridbot/bot/wxoa"
	"gridbot/bot/wxoa/wxoafake"
)

const (
	appID     = "wx0123456789abcdef"
	appSecret = "f00dbabe5ec7e7f00dbabe5ec7e7ab12"
	chromeUA  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
	wecomUA   = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.30 MicroMessenger/7.0.1 Language/zh ColorScheme/Light"
)

// clock is a settable clock shared by the client and the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)} }
func cfgFor(fake *wxoafake.Server) wxoa.Config {
	return wxoa.Config{AppID: appID, AppSecret: secret.New(appSecret), CallbackURL: "https://wx.example.com/wx/oauth",
		AuthorizeBase: fake.URL, APIBase: fake.URL}
}

// site is gridbot's page server in miniature: /start begins, /wx/oauth
// finishes (restarting when told) and prints what it learned.
type site struct {
	*httptest.Server
	c *wxoa.Client
}

func newSite(t *testing.T, fake *wxoafake.Server, clk *clock, edit func(*wxoa.Config)) *site {
	t.Helper()
	s := &site{}
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		if err := s.c.Begin(w, r, r.URL.Query().Get("to")); err != nil {
			fmt.Fprintf(w, "ERR %s %s", wxoa.KindOf(err), wxoa.UserMessage(err))
		}
	})
	mux.HandleFunc("/wx/oauth", func(w http.ResponseWriter, r *http.Request) {
		res, err := s.c.Finish(r)
		if err != nil {
			if err = s.c.Restart(w, r, err); err != nil {
				fmt.Fprintf(w, "ERR %s %s", wxoa.KindOf(err), wxoa.UserMessage(err))
			}
			return
		}
		fmt.Fprintf(w, "OK %s %s", res.OpenID, res.ReturnTo)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	cfg := cfgFor(fake)
	cfg.CallbackURL = s.URL + "/wx/oauth"
	if edit != nil {
		edit(&cfg)
	}
	c, err := wxoa.New(cfg, wxoa.WithClock(clk.Now), wxoa.WithBackoff(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	s.c = c
	return s
}

// callback walks br (not following redirects) from /start?to=to through
// WeChat's authorize page and returns the callback address it is sent to.
func (s *site) callback(t *testing.T, br *http.Client, to string) *url.URL {
	t.Helper()
	resp, _ := get(t, br, s.URL+"/start?to="+url.QueryEscape(to))
	resp, _ = get(t, br, resp.Header.Get("Location"))
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || u.Query().Get("code") == "" {
		t.Fatalf("not sent back with a code: %q", resp.Header.Get("Location"))
	}
	return u
}

func newFake(t *testing.T, clk *clock) *wxoafake.Server {
	fake := wxoafake.New(appID, appSecret)
	fake.SetClock(clk.Now)
	t.Cleanup(fake.Close)
	return fake
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAuthorizeURL(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	c, err := wxoa.New(cfgFor(fake))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.AuthorizeURL("https://wx.example.com/wx/oauth?to=/a/42&x=中", "abcXYZ019")
	if err != nil {
		t.Fatal(err)
	}
	want := fake.URL + "/connect/oauth2/authorize?appid=" + appID +
		"&redirect_uri=https%3A%2F%2Fwx.example.com%2Fwx%2Foauth%3Fto%3D%2Fa%2F42%26x%3D%E4%B8%AD" +
		"&response_type=code&scope=snsapi_base&state=abcXYZ019#wechat_redirect"
	if got != want {
		t.Fatalf("AuthorizeURL =\n%s\nwant\n%s", got, want)
	}
	for _, c2 := range []struct {
		state string
		ok    bool
	}{
		{"a", true}, {strings.Repeat("Z9", 64), true}, {"", false}, {strings.Repeat("a", 129), false},
		{"a-b", false}, {"a b", false}, {"a%20b", false}, {"中文", false}, {"a_b", false},
	} {
		_, err := c.AuthorizeURL("https://wx.example.com/cb", c2.state)
		if (err == nil) != c2.ok {
			t.Errorf("state %.20q: err %v, want ok=%v", c2.state, err, c2.ok)
		}
		if err != nil && !errors.Is(err, wxoa.ErrBadState) {
			t.Errorf("state %.20q: %v is not ErrBadState", c2.state, err)
		}
	}
}

func TestSilentSignInInsideWeChat(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	s := newSite(t, fake, clk, nil)
	_, body := get(t, fake.Browser("oResidentA", true), s.URL+"/start?to="+url.QueryEscape("/a/42?g=3网格"))
	if body != "OK oResidentA /a/42?g=3网格" {
		t.Fatalf("page says %q", body)
	}
	calls := fake.Calls()
	if len(calls) != 2 || calls[0].Path != "/connect/oauth2/authorize" || calls[1].Path != "/sns/oauth2/access_token" || !calls[1].SecretOK {
		t.Fatalf("calls %+v", calls)
	}
	if len(calls[0].State) > 128 || !strings.HasPrefix(calls[0].Redirect, s.URL+"/wx/oauth?to=") {
		t.Errorf("authorize got state %q redirect %q", calls[0].State, calls[0].Redirect)
	}
}

func TestBeginOutsideWeChatWritesNothing(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	s := newSite(t, fake, clk, nil)
	for _, ua := range []string{chromeUA, wecomUA, ""} {
		r := httptest.NewRequest("GET", "/start", nil)
		r.Header.Set("User-Agent", ua)
		w := httptest.NewRecorder()
		err := s.c.Begin(w, r, "/a/1")
		if !errors.Is(err, wxoa.ErrNotInWeChat) || wxoa.KindOf(err) != wxoa.KindRefuse || wxoa.UserMessage(err) != wxoa.MsgNotInWeChat {
			t.Errorf("UA %.30q: %v", ua, err)
		}
		if w.Header().Get("Location") != "" || len(w.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("UA %.30q: Begin wrote %v", ua, w.Header())
		}
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("fake got %d calls", n)
	}
	// WeChat's own page refuses other browsers too, as the fake shows.
	_, body := get(t, wxoafake.NewBrowser(chromeUA, "o1", true), fake.URL+"/connect/oauth2/authorize?appid="+appID)
	if !strings.Contains(body, "请在微信客户端打开链接") {
		t.Fatalf("fake authorize page for Chrome says %q", body)
	}
}

func TestBeginRefusesForeignReturnPaths(t *testing.T) {
	clk := newClock()
	s := newSite(t, newFake(t, clk), clk, nil)
	for _, to := range []string{"", "https://evil.example/x", "//evil.example/x", "/\\evil.example", "a/42", "/a\n42"} {
		_, body := get(t, wxoafake.NewBrowser(wxoafake.WeChatUA, "o1", false), s.URL+"/start?to="+url.QueryEscape(to))
		if body != "ERR refuse "+wxoa.MsgLinkBroken {
			t.Errorf("to=%q: page says %q", to, body)
		}
	}
}

// TestCallbackRequestedTwice: WeChat may request the callback twice with
// one code; both get the openid and WeChat is asked once.
func TestCallbackRequestedTwice(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	s := newSite(t, fake, clk, nil)
	br := fake.Browser("oTwice", false)
	back := s.callback(t, br, "/q/7").String()
	for i := range 2 {
		if _, body := get(t, br, back); body != "OK oTwice /q/7" {
			t.Fatalf("callback %d says %q", i+1, body)
		}
	}
	if n := fake.Exchanges(); n != 1 {
		t.Fatalf("%d exchanges, want 1", n)
	}
	// After CodeTTL the answer is forgotten: WeChat is asked again and says
	// the code was used; the page restarts silently.
	clk.Add(wxoa.CodeTTL + time.Second)
	resp, _ := get(t, br, back)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), fake.URL+"/connect/oauth2/authorize") {
		t.Fatalf("spent code: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestConcurrentExchangesShareOneRequest(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	c, _ := wxoa.New(cfgFor(fake), wxoa.WithClock(clk.Now))
	code := fake.IssueCode("oBusy")
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			id, err := c.Exchange(context.Background(), code)
			if err == nil && id.OpenID != "oBusy" {
				err = fmt.Errorf("openid %q", id.OpenID)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Exchanges(); n != 1 {
		t.Fatalf("%d exchanges for one code, want 1", n)
	}
}

func TestExchangeErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		fail    []int
		edit    func(*wxoa.Config)
		code    func(*wxoafake.Server, *clock) string
		errcode int
		kind    wxoa.Kind
		calls   int
		msg     string
	}{
		{name: "invalid code", code: func(*wxoafake.Server, *clock) string { return "nosuchcode" }, errcode: 40029, kind: wxoa.KindRestart, calls: 1, msg: wxoa.MsgTryAgain},
		{name: "expired code", code: func(f *wxoafake.Server, clk *clock) string {
			code := f.IssueCode("o1")
			clk.Add(wxoa.CodeTTL + time.Second)
			return code
		}, errcode: 40029, kind: wxoa.KindRestart, calls: 1},
		{name: "used code", code: func(f *wxoafake.Server, _ *clock) string {
			code := f.IssueCode("o1")
			http.Get(f.URL + "/sns/oauth2/access_token?appid=" + appID + "&secret=" + appSecret + "&grant_type=authorization_code&code=" + code)
			return code
		}, errcode: 40163, kind: wxoa.KindRestart, calls: 2},
		{name: "code timeout 42003", fail: []int{42003}, errcode: 42003, kind: wxoa.KindRestart, calls: 1},
		{name: "missing code 41008", fail: []int{41008}, errcode: 41008, kind: wxoa.KindRestart, calls: 1},
		{name: "wrong appid", edit: func(c *wxoa.Config) { c.AppID = "wx0000000000000000" }, errcode: 40013, kind: wxoa.KindConfig, calls: 1, msg: wxoa.MsgUnavailable},
		{name: "wrong secret", edit: func(c *wxoa.Config) { c.AppSecret = secret.New("ffffffffffffffffffffffffffffffff") }, errcode: 40125, kind: wxoa.KindConfig, calls: 1},
		{name: "invalid credential", fail: []int{40001}, errcode: 40001, kind: wxoa.KindConfig, calls: 1},
		{name: "ip whitelist", fail: []int{40164}, errcode: 40164, kind: wxoa.KindConfig, calls: 1},
		{name: "no web authorisation right", fail: []int{48001}, errcode: 48001, kind: wxoa.KindConfig, calls: 1},
		{name: "frequency limit is not hammered", fail: []int{45009}, errcode: 45009, kind: wxoa.KindRetry, calls: 1, msg: wxoa.MsgBusy},
		{name: "busy three times", fail: []int{-1, -1, -1}, errcode: -1, kind: wxoa.KindRetry, calls: 3, msg: wxoa.MsgBusy},
		{name: "unknown code", fail: []int{99999}, errcode: 99999, kind: wxoa.KindRetry, calls: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			fake := newFake(t, clk)
			fake.FailNext(c.fail...)
			cfg := cfgFor(fake)
			if c.edit != nil {
				c.edit(&cfg)
			}
			cl, err := wxoa.New(cfg, wxoa.WithClock(clk.Now), wxoa.WithBackoff(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			code := fake.IssueCode("o1")
			if c.code != nil {
				code = c.code(fake, clk)
			}
			_, err = cl.Exchange(context.Background(), code)
			var we *wxoa.Error
			if !errors.As(err, &we) || we.Code != c.errcode || we.Kind != c.kind {
				t.Fatalf("err %v, want errcode %d kind %s", err, c.errcode, c.kind)
			}
			if n := fake.Exchanges(); n != c.calls {
				t.Errorf("%d exchange calls, want %d", n, c.calls)
			}
			if c.msg != "" && wxoa.UserMessage(err) != c.msg {
				t.Errorf("user message %q, want %q", wxoa.UserMessage(err), c.msg)
			}
		})
	}
}

func TestBusyIsRetried(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	fake.FailNext(-1, -1)
	c, _ := wxoa.New(cfgFor(fake), wxoa.WithBackoff(0, 0))
	id, err := c.Exchange(context.Background(), fake.IssueCode("oPatient"))
	if err != nil || id.OpenID != "oPatient" {
		t.Fatalf("got %+v, %v", id, err)
	}
	if n := fake.Exchanges(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

func TestSnapshotUserIsNotAnIdentity(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	fake.SetSnapshot("oReal", true)
	s := newSite(t, fake, clk, nil)
	_, body := get(t, fake.Browser("oReal", true), s.URL+"/start?to=/a/1")
	if body != "ERR refuse "+wxoa.MsgSnapshot {
		t.Fatalf("page says %q", body)
	}
	c, _ := wxoa.New(cfgFor(fake))
	id, err := c.Exchange(context.Background(), fake.IssueCode("oReal"))
	if !errors.Is(err, wxoa.ErrSnapshotUser) || id.OpenID != "" {
		t.Fatalf("snapshot exchange gave %+v, %v", id, err)
	}
}

// TestStateChecks walks the ways a callback can be wrong.
func TestStateChecks(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	s := newSite(t, fake, clk, nil)
	finish := func(u *url.URL, cookie string) (wxoa.Result, error) {
		r := httptest.NewRequest("GET", u.String(), nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: wxoa.CookieName, Value: cookie})
		}
		return s.c.Finish(r)
	}
	br := fake.Browser("oA", false)
	back := s.callback(t, br, "/a/5")
	su, _ := url.Parse(s.URL + "/wx/oauth")
	cookie := ""
	for _, ck := range br.Jar.Cookies(su) {
		if ck.Name == wxoa.CookieName {
			cookie = ck.Value
		}
	}
	if cookie == "" {
		t.Fatal("Begin set no cookie for the callback path")
	}
	edit := func(key, val string) *url.URL {
		u := *back
		q := u.Query()
		q.Set(key, val)
		u.RawQuery = q.Encode()
		return &u
	}
	st := back.Query().Get("state")
	flip := string(rune(st[20] ^ 1)) // another hex digit
	for _, c := range []struct {
		name   string
		u      *url.URL
		cookie string
		want   error
		kind   wxoa.Kind
	}{
		{"return path swapped", edit("to", "/admin"), cookie, wxoa.ErrBadState, wxoa.KindRefuse},
		{"state altered", edit("state", st[:20]+flip+st[21:]), cookie, wxoa.ErrBadState, wxoa.KindRefuse},
		{"state cut", edit("state", st[:40]), cookie, wxoa.ErrBadState, wxoa.KindRefuse},
		{"no state", edit("state", ""), cookie, wxoa.ErrBadState, wxoa.KindRefuse},
		{"no cookie", back, "", wxoa.ErrOtherBrowser, wxoa.KindRestart},
		{"other browser's cookie", back, "00112233aabbccdd", wxoa.ErrOtherBrowser, wxoa.KindRestart},
		{"no code", edit("code", ""), cookie, wxoa.ErrNoCode, wxoa.KindRestart},
	} {
		_, err := finish(c.u, c.cookie)
		if !errors.Is(err, c.want) || wxoa.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %v (%s)", c.name, err, c.want, c.kind)
		}
	}
	if n := fake.Exchanges(); n != 0 {
		t.Fatalf("a bad callback reached WeChat %d times", n)
	}
	if res, err := finish(back, cookie); err != nil || res.OpenID != "oA" || res.ReturnTo != "/a/5" {
		t.Fatalf("the untouched callback: %+v, %v", res, err)
	}
	clk.Add(wxoa.StateTTL + time.Second)
	if _, err := finish(back, cookie); !errors.Is(err, wxoa.ErrStateExpired) || wxoa.KindOf(err) != wxoa.KindRestart {
		t.Fatalf("expired state: %v", err)
	}
}

// TestRestartIsBounded: a browser that drops cookies is sent round at most
// MaxAttempts times, then told to reopen the link.
func TestRestartIsBounded(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	s := newSite(t, fake, clk, nil)
	br := fake.Browser("oNoCookies", true)
	br.Jar = nil
	_, body := get(t, br, s.URL+"/start?to=/a/9")
	if body != "ERR refuse "+wxoa.MsgTryAgain {
		t.Fatalf("page says %q", body)
	}
	n := 0
	for _, c := range fake.Calls() {
		if c.Path == "/connect/oauth2/authorize" {
			n++
		}
	}
	if n != wxoa.MaxAttempts {
		t.Fatalf("%d trips to WeChat, want %d", n, wxoa.MaxAttempts)
	}
}

func TestSecretNeverInErrorsOrLogs(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("code") == "500" {
			http.Error(w, "upstream "+r.URL.RawQuery, 500)
			return
		}
		fmt.Fprintf(w, `{"errcode":40125,"errmsg":"invalid appsecret %s, %s"}`, r.URL.Query().Get("secret"), url.QueryEscape(r.URL.Query().Get("secret")))
	}))
	defer echo.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, base := range []string{echo.URL, closed.URL} {
		cfg := wxoa.Config{AppID: appID, AppSecret: secret.New(appSecret), CallbackURL: "https://wx.example.com/cb", APIBase: base}
		c, err := wxoa.New(cfg, wxoa.WithBackoff())
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"abc", "500"} {
			_, err := c.Exchange(context.Background(), code)
			if err == nil {
				t.Fatal("no error")
			}
			log.Error("exchange failed", "err", err, "cfg", cfg, "client", c)
			fmt.Fprintf(&logs, "%v %+v %#v %+v %#v\n", err, err, cfg, c, c)
		}
	}
	if strings.Contains(logs.String(), appSecret) || strings.Contains(logs.String(), appSecret[:16]) || strings.Contains(logs.String(), "key:") {
		t.Fatalf("secret leaked:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "40125") {
		t.Fatalf("logs lost the errcode:\n%s", logs.String())
	}
}

func TestValidate(t *testing.T) {
	err := wxoa.Config{AppSecret: secret.New(appSecret), CallbackURL: "wx.example.com/cb?x=1"}.Validate()
	for _, key := range []string{"wxoa.app_id", "wxoa.callback_url"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate does not name %s: %v", key, err)
		}
	}
	err = wxoa.Config{AppID: appID, CallbackURL: "https://wx.example.com/cb"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "GRIDBOT_WXOA_APP_SECRET") {
		t.Errorf("missing secret: %v", err)
	}
	if (wxoa.Config{}).Enabled() || !(wxoa.Config{AppID: appID}).Enabled() {
		t.Error("Enabled")
	}
}

func TestDetect(t *testing.T) {
	for ua, want := range map[string]wxoa.Browser{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x18003237) NetType/WIFI Language/zh_CN": wxoa.WeChat,
		wxoafake.WeChatUA: wxoa.WeChat,
		"Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 Chrome/39.0 Safari/537.36 MicroMessenger/6.5.2.501 NetType/WIFI WindowsWechat": wxoa.WeChat,
		wecomUA: wxoa.WeCom,
		"Mozilla/5.0 (Windows NT 10.0) wxwork/4.0.0 MicroMessenger/7.0.1": wxoa.WeCom,
		chromeUA:         wxoa.Other,
		"":               wxoa.Other,
		"MICROMESSENGER": wxoa.WeChat,
	} {
		if got := wxoa.Detect(ua); got != want {
			t.Errorf("Detect(%.50q) = %s, want %s", ua, got, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/": true, "/a/42": true, "/a/42?g=3网格&x=1": true, "/a/42#top": true,
		"": false, "a/42": false, "//evil.example": false, "/\\evil.example": false, "https://evil.example/": false,
		"/a\r\nSet-Cookie: x": false, "/a\x00": false, "/" + strings.Repeat("a", wxoa.MaxReturnTo): false,
	} {
		if got := wxoa.LocalPath(p); got != want {
			t.Errorf("LocalPath(%.40q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/a/42", "//x", "/\\x", "/%2F%2Fx", "/a?b=//c", "http://x", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !wxoa.LocalPath(p) {
			return
		}
		base, _ := url.Parse("https://wx.example.com/wx/oauth")
		u, err := base.Parse(p)
		if err != nil || u.Host != "wx.example.com" || u.Scheme != "https" {
			t.Fatalf("LocalPath accepted %q, which leaves the site (%v, %v)", p, u, err)
		}
	})
}

// FuzzFinish sends arbitrary callback queries and cookies: Finish never
// panics and never succeeds without a state it signed.
func FuzzFinish(f *testing.F) {
	f.Add("1100000000aabbccddeeff001100112233445566778899aabbccddeeff00", "/a/1", "code", "aabbccddeeff0011")
	f.Add("", "", "", "")
	f.Add("1z", "//x", "\x00", "%%")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, err := wxoa.New(wxoa.Config{AppID: appID, AppSecret: secret.New(appSecret), CallbackURL: "https://wx.example.com/wx/oauth", APIBase: closed.URL}, wxoa.WithBackoff())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, state, to, code, cookie string) {
		q := url.Values{"state": {state}, "to": {to}, "code": {code}}
		r := httptest.NewRequest("GET", "https://wx.example.com/wx/oauth?"+q.Encode(), nil)
		r.Header.Set("Cookie", wxoa.CookieName+"="+url.QueryEscape(cookie))
		res, err := c.Finish(r)
		if err == nil || res.OpenID != "" {
			t.Fatalf("Finish accepted a forged callback: %+v", res)
		}
		_ = c.Restart(httptest.NewRecorder(), r, err)
	})
}

func TestRestartTakesWrappedErrors(t *testing.T) {
	clk := newClock()
	fake := newFake(t, clk)
	s := newSite(t, fake, clk, nil)
	back := s.callback(t, fake.Browser("oW", false), "/n/3")
	r := httptest.NewRequest("GET", back.String(), nil) // no cookie: another browser
	_, err := s.c.Finish(r)
	w := httptest.NewRecorder()
	r.Header.Set("User-Agent", wxoafake.WeChatUA)
	if err := s.c.Restart(w, r, fmt.Errorf("page: %w", err)); err != nil {
		t.Fatalf("Restart of a wrapped restart error: %v", err)
	}
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, fake.URL+"/connect/oauth2/authorize") || !strings.Contains(loc, url.QueryEscape(url.QueryEscape("/n/3"))) {
		t.Fatalf("Restart went to %q", loc)
	}
	if err := s.c.Restart(w, r, errors.New("other")); err == nil || err.Error() != "other" {
		t.Fatalf("Restart of a foreign error: %v", err)
	}
}
