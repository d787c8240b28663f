package residents

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gridbot/bot/secret"
	"gridbot/bot/wxoa"
	"gridbot/bot/wxoa/wxoafake"
)

// TestOfficialAccountKnowsTheResidentAgain: inside WeChat the page goes
// silently through the Official Account's authorisation; the first time
// the resident fills in who they are, and after clearing cookies the same
// WeChat user comes back as the same household without filling in again.
// Another browser is not sent to WeChat at all.
func TestOfficialAccountKnowsTheResidentAgain(t *testing.T) {
	fake := wxoafake.New("wxtest", "oa-secret")
	t.Cleanup(fake.Close)
	h := newHarnessOA(t, Config{}, func(callback string) *wxoa.Client {
		u, _ := url.Parse(callback)
		fake.SetDomain(u.Host)
		c, err := wxoa.New(wxoa.Config{AppID: "wxtest", AppSecret: secret.New("oa-secret"), CallbackURL: callback,
			AuthorizeBase: fake.URL, APIBase: fake.URL})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
	_, page := h.create(30)
	open := func(c *http.Client, path string) (string, string) {
		t.Helper()
		resp, err := c.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Request.URL.RequestURI(), string(body)
	}
	wechat := wxoafake.NewBrowser(wxoafake.WeChatUA, "o-wang", true)
	at, body := open(wechat, page)
	if !strings.HasPrefix(at, Prefix+"me?to=") || !strings.Contains(body, "填写您的信息") {
		t.Fatalf("first visit in WeChat ended at %s: %s", at, text(body))
	}
	b := &browser{h: h, origin: h.srv.URL, c: &http.Client{Jar: wechat.Jar, Transport: wechat.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.get(at)
	b.follow(Prefix+"me", url.Values{"name": {"王阿姨"}, "grid": {"3网格"}, "door": {"3-2-501"}, "to": {page}})
	mustContain(t, "signed up in WeChat", text(b.follow(page+"/join", url.Values{"n": {"1"}})), "王阿姨，报名成功")

	again := wxoafake.NewBrowser(wxoafake.WeChatUA, "o-wang", true)
	at, body = open(again, page)
	if at != page || !strings.Contains(text(body), "您家已报名，1 人") || !strings.Contains(text(body), "王阿姨 · 3-2-501") {
		t.Fatalf("the same WeChat user with cookies cleared ended at %s: %s", at, text(body))
	}
	other := wxoafake.NewBrowser("Mozilla/5.0 (X11; Linux x86_64) Chrome/120", "", true)
	at, body = open(other, page)
	if at != page || !strings.Contains(body, "填写信息，去报名") {
		t.Fatalf("another browser ended at %s: %s", at, text(body))
	}
}
