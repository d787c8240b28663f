package wxoafake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gridbot/bot/wxoa/wxoafake"
)

func TestAuthorizePageErrors(t *testing.T) {
	s := wxoafake.New("wxA", "sec")
	defer s.Close()
	s.SetDomain("wx.example.com")
	br := s.Browser("o1", false)
	for _, c := range []struct {
		name string
		q    url.Values
		want string
	}{
		{"wrong appid", url.Values{"appid": {"wxB"}, "redirect_uri": {"https://wx.example.com/cb"}, "response_type": {"code"}, "scope": {"snsapi_base"}}, "10016"},
		{"other domain", url.Values{"appid": {"wxA"}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}, "scope": {"snsapi_base"}}, "10003"},
		{"bad scope", url.Values{"appid": {"wxA"}, "redirect_uri": {"https://wx.example.com/cb"}, "response_type": {"code"}, "scope": {"snsapi_login"}}, "10005"},
		{"long state", url.Values{"appid": {"wxA"}, "redirect_uri": {"https://wx.example.com/cb"}, "response_type": {"code"}, "scope": {"snsapi_base"}, "state": {strings.Repeat("a", 129)}}, "state 参数错误"},
	} {
		resp, err := br.Get(s.URL + "/connect/oauth2/authorize?" + c.q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %q", c.name, resp.StatusCode, b)
		}
	}
	q := url.Values{"appid": {"wxA"}, "redirect_uri": {"https://wx.example.com/cb?to=/a/1"}, "response_type": {"code"}, "scope": {"snsapi_base"}, "state": {"abc"}}
	resp, err := br.Get(s.URL + "/connect/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "wx.example.com" || loc.Query().Get("to") != "/a/1" || loc.Query().Get("state") != "abc" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %d %s", resp.StatusCode, loc)
	}
	code := loc.Query().Get("code")
	for i, want := range []int{0, 40163} {
		resp, _ := http.Get(s.URL + "/sns/oauth2/access_token?appid=wxA&secret=sec&grant_type=authorization_code&code=" + code)
		var a struct {
			ErrCode int    `json:"errcode"`
			OpenID  string `json:"openid"`
		}
		json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if a.ErrCode != want || (want == 0 && a.OpenID != "o1") {
			t.Errorf("exchange %d: %+v, want errcode %d", i+1, a, want)
		}
	}
	for _, c := range s.Calls() {
		if strings.Contains(c.Code+c.AppID+c.State+c.Redirect, "sec") {
			t.Errorf("a call record holds the secret: %+v", c)
		}
	}
}
