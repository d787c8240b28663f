// Package wxoa identifies residents through a WeChat Official Account's
// (公众号) web authorisation with scope snsapi_base: inside WeChat a link
// to gridbot's page silently bounces through open.weixin.qq.com and comes
// back with a code, which the server exchanges for the visitor's openid, a
// stable id per Official Account. Nothing is shown to the visitor and no
// account is needed. It works only inside WeChat (not in other browsers,
// and WeChat Work's browser is treated as another browser), and only for a
// verified Service Account (认证服务号) whose 网页授权域名 is the host of
// the callback (see docs/WECHAT.md).
//
// A page handler calls Client.Begin to send the browser off and, on the
// callback path, Client.Finish to get the openid and the page to return to;
// Client.Restart starts again (silently) when a code expired or was used.
// The lower-level AuthorizeURL and Exchange are exported for other flows.
// Errors are *Error with a Kind saying what to do and a Chinese sentence
// for the resident. The app secret never appears in an error or a log.
// wxoafake is a fake of WeChat's endpoints for tests.
package wxoa

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"gridbot/bot/secret"
)

// Default hosts of WeChat's authorisation page and API.
const (
	DefaultAuthorizeBase = "https://open.weixin.qq.com"
	DefaultAPIBase       = "https://api.weixin.qq.com"
)

// Config is the Official Account section of the configuration (suggested
// section name: wxoa). The secret is meant to come from the environment
// (GRIDBOT_WXOA_APP_SECRET), never from a file in the repository.
type Config struct {
	// AppID is the Official Account's AppID (wx…), from 公众平台 → 设置与开发
	// → 基本配置.
	AppID string `yaml:"app_id"`
	// AppSecret is the AppSecret from the same page.
	AppSecret secret.Value `yaml:"app_secret"`
	// CallbackURL is gridbot's callback, e.g. https://wx.example.com/wx/oauth;
	// its host must be the 网页授权域名 set in 公众平台. It may carry no
	// query or fragment (the page to return to is added as ?to=).
	CallbackURL string `yaml:"callback_url"`
	// AuthorizeBase and APIBase are WeChat's hosts (tests point them at
	// wxoafake).
	AuthorizeBase string `yaml:"authorize_base"`
	APIBase       string `yaml:"api_base"`
	// Timeout bounds one call to WeChat (default 5s).
	Timeout time.Duration `yaml:"timeout"`
}

// Enabled reports whether an Official Account is configured.
func (c Config) Enabled() bool { return strings.TrimSpace(c.AppID) != "" }

func (c Config) withDefaults() Config {
	if c.AuthorizeBase == "" {
		c.AuthorizeBase = DefaultAuthorizeBase
	}
	if c.APIBase == "" {
		c.APIBase = DefaultAPIBase
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	c.AppID = strings.TrimSpace(c.AppID)
	c.AuthorizeBase = strings.TrimRight(c.AuthorizeBase, "/")
	c.APIBase = strings.TrimRight(c.APIBase, "/")
	return c
}

// Validate checks the section and names every bad key ("wxoa.…"); it
// never quotes the secret.
func (c Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.AppID) == "" || strings.ContainsAny(strings.TrimSpace(c.AppID), " /?&#") {
		errs = append(errs, errors.New("wxoa.app_id: want the Official Account's AppID (wx…)"))
	}
	if c.AppSecret.IsZero() {
		errs = append(errs, errors.New("wxoa.app_secret: missing; set GRIDBOT_WXOA_APP_SECRET in the environment"))
	}
	if u, err := url.Parse(c.CallbackURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, errors.New("wxoa.callback_url: want an address like https://wx.example.com/wx/oauth (no query), on the 网页授权域名"))
	}
	for _, kv := range [][2]string{{"wxoa.authorize_base", c.AuthorizeBase}, {"wxoa.api_base", c.APIBase}} {
		if u, err := url.Parse(kv[1]); kv[1] != "" && (err != nil || u.Scheme == "" || u.Host == "") {
			errs = append(errs, errors.New(kv[0]+": want an address like https://host"))
		}
	}
	return errors.Join(errs...)
}
