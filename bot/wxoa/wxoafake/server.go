// Package wxoafake is a fake of WeChat's Official Account web
// authorisation for tests: the authorize page (/connect/oauth2/authorize),
// which redirects a WeChat browser back with a code as the real one does,
// and the code exchange (/sns/oauth2/access_token) with the documented
// rules and errcodes: a code is single-use and expires after 5 minutes;
// wrong AppID 40013, wrong secret 40125, missing code 41008, unknown or
// expired code 40029, used code 40163, snapshot-page users answered with
// is_snapshotuser=1 and a virtual openid, and any errcode on demand.
package wxoafake

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Errcodes and page codes the fake answers with, as WeChat does.
const (
	CodeBusy       = -1
	CodeBadAppID   = 40013
	CodeBadCode    = 40029
	CodeBadSecret  = 40125
	CodeCodeUsed   = 40163
	CodeNoCode     = 41008
	CodeBadGrant   = 40002
	PageBadDomain  = 10003 // redirect_uri 域名与后台配置不一致
	PageBadScope   = 10005 // 此公众号并没有这些 scope 的权限
	PageNoRedirect = 10011 // redirect_uri 不能为空 (or not a URL)
	PageBadAppID   = 10016 // appid not an Official Account's
)

// CodeTTL is how long an issued code stays valid.
const CodeTTL = 5 * time.Minute

// OpenIDHeader names the request header a test browser sets to say which
// WeChat user it is (the real page knows from the WeChat session).
const OpenIDHeader = "X-Fake-Openid"

// WeChatUA is a WeChat (Android) User-Agent for test browsers.
const WeChatUA = "Mozilla/5.0 (Linux; Android 13; V2134A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230303 MMWEBID/6973 MicroMessenger/8.0.34.2340(0x2800225B) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"

// Call is one request the fake received. The secret is never recorded,
// only whether it was right.
type Call struct {
	Path     string
	AppID    string
	Code     string
	State    string
	Redirect string
	SecretOK bool
	Errcode  int
	Time     time.Time
}

type issued struct {
	openid   string
	snapshot bool
	at       time.Time
	used     bool
}

// Server is the fake. Its methods are safe while requests run.
type Server struct {
	*httptest.Server
	appID, secret string

	mu        sync.Mutex
	now       func() time.Time
	domain    string
	codes     map[string]*issued
	snapshots map[string]bool
	failNext  []int
	calls     []Call
	seq       int
}

// New starts a fake for one Official Account; close it with Close.
func New(appID, secret string) *Server {
	s := &Server{appID: appID, secret: secret, now: time.Now, codes: map[string]*issued{}, snapshots: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connect/oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /sns/oauth2/access_token", s.token)
	s.Server = httptest.NewServer(mux)
	return s
}

// SetClock makes code expiry follow now.
func (s *Server) SetClock(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetDomain sets the 网页授权域名 (host[:port]); redirect_uri on another
// host gets error page 10003. Empty (the default) accepts any host.
func (s *Server) SetDomain(host string) { s.mu.Lock(); s.domain = host; s.mu.Unlock() }

// SetSnapshot makes openid a snapshot-page (快照页) visitor: its codes
// exchange to is_snapshotuser=1 and a virtual openid.
func (s *Server) SetSnapshot(openid string, on bool) {
	s.mu.Lock()
	s.snapshots[openid] = on
	s.mu.Unlock()
}

// FailNext makes the next code exchanges answer these errcodes, in order,
// before looking at the code (which stays unused).
func (s *Server) FailNext(errcodes ...int) {
	s.mu.Lock()
	s.failNext = append(s.failNext, errcodes...)
	s.mu.Unlock()
}

// IssueCode returns a fresh code for openid, as the authorize page would.
func (s *Server) IssueCode(openid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	code := fmt.Sprintf("0%05dfakeCode%s", s.seq, strings.Repeat("x", 16))
	s.codes[code] = &issued{openid: openid, snapshot: s.snapshots[openid], at: s.now()}
	return code
}

// Calls returns every request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Exchanges counts the code exchange requests received.
func (s *Server) Exchanges() int {
	n := 0
	for _, c := range s.Calls() {
		if c.Path == "/sns/oauth2/access_token" {
			n++
		}
	}
	return n
}

// Browser returns an HTTP client acting as WeChat's in-app browser of
// openid: WeChat's User-Agent, the openid header, a cookie jar, and
// redirects followed (or not, when follow is false).
func (s *Server) Browser(openid string, follow bool) *http.Client {
	return NewBrowser(WeChatUA, openid, follow)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	c.Time = s.now()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

var stateRE = regexp.MustCompile(`^[A-Za-z0-9]{0,128}$`)

// authorize plays WeChat's authorize page: in WeChat, with a good request,
// it redirects to redirect_uri?code=CODE&state=STATE; otherwise it shows
// WeChat's error page (HTTP 200, no redirect), as the real one does.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := Call{Path: r.URL.Path, AppID: q.Get("appid"), State: q.Get("state"), Redirect: q.Get("redirect_uri")}
	page := func(code int, msg string) {
		c.Errcode = code
		s.record(c)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><p>%s</p><p>%d</p></body></html>", html.EscapeString(msg), code)
	}
	ua := strings.ToLower(r.UserAgent())
	if !strings.Contains(ua, "micromessenger") || strings.Contains(ua, "wxwork/") {
		page(0, "请在微信客户端打开链接")
		return
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	s.mu.Lock()
	domain := s.domain
	s.mu.Unlock()
	switch {
	case q.Get("appid") != s.appID:
		page(PageBadAppID, "appid 错误")
	case err != nil || ru.Host == "" || (ru.Scheme != "http" && ru.Scheme != "https"):
		page(PageNoRedirect, "redirect_uri 参数错误")
	case domain != "" && ru.Host != domain:
		page(PageBadDomain, "redirect_uri域名与后台配置不一致")
	case q.Get("response_type") != "code":
		page(0, "response_type 参数错误")
	case q.Get("scope") != "snsapi_base" && q.Get("scope") != "snsapi_userinfo":
		page(PageBadScope, "scope参数错误或没有scope权限")
	case !stateRE.MatchString(q.Get("state")):
		page(0, "state 参数错误")
	default:
		s.record(c)
		code := s.IssueCode(r.Header.Get(OpenIDHeader))
		back := ru.Query()
		back.Set("code", code)
		back.Set("state", q.Get("state"))
		ru.RawQuery = back.Encode()
		http.Redirect(w, r, ru.String(), http.StatusFound)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := Call{Path: r.URL.Path, AppID: q.Get("appid"), Code: q.Get("code"), SecretOK: q.Get("secret") == s.secret}
	code, msg, body := s.exchange(q, c.SecretOK)
	c.Errcode = code
	s.record(c)
	w.Header().Set("Content-Type", "application/json")
	if code != 0 {
		body = map[string]any{"errcode": code, "errmsg": msg + ", rid: fake-" + q.Get("code")}
	}
	json.NewEncoder(w).Encode(body)
}

// exchange decides the answer to a code exchange.
func (s *Server) exchange(q url.Values, secretOK bool) (int, string, map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failNext) > 0 {
		code := s.failNext[0]
		s.failNext = s.failNext[1:]
		return code, "injected failure", nil
	}
	switch {
	case q.Get("appid") != s.appID:
		return CodeBadAppID, "invalid appid", nil
	case !secretOK:
		return CodeBadSecret, "invalid appsecret", nil
	case q.Get("grant_type") != "authorization_code":
		return CodeBadGrant, "invalid grant_type", nil
	case q.Get("code") == "":
		return CodeNoCode, "missing code", nil
	}
	is := s.codes[q.Get("code")]
	switch {
	case is == nil || s.now().Sub(is.at) > CodeTTL:
		return CodeBadCode, "invalid code", nil
	case is.used:
		return CodeCodeUsed, "code been used", nil
	}
	is.used = true
	out := map[string]any{
		"access_token": "fake-web-token-" + q.Get("code"), "expires_in": 7200,
		"refresh_token": "fake-refresh", "openid": is.openid, "scope": "snsapi_base",
	}
	if is.snapshot {
		out["openid"] = "oSnapshotVirtual000000000000"
		out["is_snapshotuser"] = 1
	}
	return 0, "", out
}
