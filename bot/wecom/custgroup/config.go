// Package custgroup is a client of WeChat Work's customer-contact API
// (客户联系) for customer groups (客户群, the external groups where
// residents sit with their personal WeChat): it lists the groups the corp's
// members own and reads their details, creates group-send tasks (企业群发)
// that each owner confirms in the WeChat Work client, reads back who has
// pressed send and what each group received (including status 3, the
// monthly cap), reminds and cancels.
//
// It calls the API with a self-built app's (自建应用) secret; since
// 2023-12-01 that app must be listed under 客户联系 → API → 可调用接口的应用,
// every owner must be in its visible range, and the server's IP must be in
// its 企业可信IP (docs/WECHAT.md). The access token is cached and fetched
// again when WeChat Work says it expired. Errors are *Error with WeChat
// Work's errcode, a Kind saying what to do, and Advice: a Chinese sentence
// for staff saying what to change and where. The secret and the token
// never appear in errors. custgroupfake is a fake server for tests.
package custgroup

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"gridbot/bot/secret"
)

// DefaultAPIBase is WeChat Work's API host.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// Config is the customer-contact section of the configuration (suggested
// section name: custgroup; the secret from GRIDBOT_CUSTGROUP_SECRET).
type Config struct {
	// CorpID is the corp's id (企业ID), from 我的企业 → 企业信息.
	CorpID string `yaml:"corp_id"`
	// Secret is the self-built app's Secret (应用管理 → the app).
	Secret secret.Value `yaml:"secret"`
	// APIBase is WeChat Work's host (tests point it at custgroupfake).
	APIBase string `yaml:"api_base"`
	// Timeout bounds one HTTP call (default 10s).
	Timeout time.Duration `yaml:"timeout"`
	// RetryAfter is how long to wait after a frequency limit (45009,
	// 45033) (default 60s).
	RetryAfter time.Duration `yaml:"retry_after"`
}

// Enabled reports whether a corp is configured.
func (c Config) Enabled() bool { return strings.TrimSpace(c.CorpID) != "" }

func (c Config) withDefaults() Config {
	if c.APIBase == "" {
		c.APIBase = DefaultAPIBase
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = time.Minute
	}
	c.CorpID = strings.TrimSpace(c.CorpID)
	c.APIBase = strings.TrimRight(c.APIBase, "/")
	return c
}

// Validate checks the section and names every bad key ("custgroup.…"); it
// never quotes the secret.
func (c Config) Validate() error {
	var errs []error
	if id := strings.TrimSpace(c.CorpID); id == "" || strings.ContainsAny(id, " /?&#") {
		errs = append(errs, errors.New("custgroup.corp_id: want the corp id (企业ID, ww…) from 我的企业 → 企业信息"))
	}
	if c.Secret.IsZero() {
		errs = append(errs, errors.New("custgroup.secret: missing; want the self-built app's Secret in GRIDBOT_CUSTGROUP_SECRET"))
	}
	if u, err := url.Parse(c.APIBase); c.APIBase != "" && (err != nil || u.Scheme == "" || u.Host == "") {
		errs = append(errs, errors.New("custgroup.api_base: want an address like https://qyapi.weixin.qq.com"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("custgroup.timeout: want a positive duration like 10s (0: the default 10s)"))
	}
	if c.RetryAfter < 0 {
		errs = append(errs, errors.New("custgroup.retry_after: want a positive duration like 60s (0: the default 60s)"))
	}
	return errors.Join(errs...)
}
