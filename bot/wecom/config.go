// Package wecom is gridbot's WeChat Work (企业微信) adapter: group-robot
// webhooks push to grid groups (Sender), and the smart-robot callback
// (Callback) takes @-messages and answers them with encrypted passive
// replies. The message crypto lives in wxcrypt, a fake WeChat Work server
// for tests in wecomfake. SETUP.md tells a community how to set it up.
package wecom

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"gridbot/bot/wecom/wxcrypt"
)

// MaxSkewLimit is the largest wecom.callback.max_skew: well inside the
// 48 hours the router remembers handled messages, so a request is either
// fresh enough to be known as a duplicate or refused as stale.
const MaxSkewLimit = time.Hour

// DefaultAPIBase is WeChat Work's API host.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// Config is the `wecom` section of the configuration.
type Config struct {
	// APIBase is where webhooks are sent (default DefaultAPIBase); tests and
	// proxies point it elsewhere.
	APIBase string `yaml:"api_base"`
	// Groups are the grid groups reached by a group robot webhook.
	Groups []Group `yaml:"groups"`
	// RetryAfter is how long to wait after a frequency-limit answer (45009)
	// (default 60s).
	RetryAfter time.Duration `yaml:"retry_after"`
	// Timeout bounds one HTTP call to WeChat Work (default 10s).
	Timeout  time.Duration  `yaml:"timeout"`
	Callback CallbackConfig `yaml:"callback"`
}

// Group is one group robot in one grid group.
type Group struct {
	// Grid is the grid the group belongs to ("3网格").
	Grid string `yaml:"grid"`
	// WebhookKey is the key=... part of the robot's webhook address.
	WebhookKey string `yaml:"webhook_key"`
	// WebhookKeyEnv names an environment variable holding the key, so the
	// key itself need not sit in the file; used when WebhookKey is empty.
	WebhookKeyEnv string `yaml:"webhook_key_env"`
	// ChatID is the group's chat id as the smart robot callback reports it
	// (optional): with it, pushes and replies share one chat reference.
	ChatID string `yaml:"chat_id"`
	// Name is the group's title for lists (optional).
	Name string `yaml:"name"`
}

// CallbackConfig is the smart robot (or app) callback endpoint.
type CallbackConfig struct {
	// Path on the bot's HTTP server (default /wecom/callback).
	Path string `yaml:"path"`
	// Token and AESKey (the 43-character EncodingAESKey) come from the
	// robot's API receive settings. The endpoint is off while both are empty.
	Token  string `yaml:"token"`
	AESKey string `yaml:"aes_key"`
	// ReceiveID is empty for a smart robot; set it to the corp id to accept
	// an app callback (XML form) on the same endpoint.
	ReceiveID string `yaml:"receive_id"`
	// BotName is the robot's display name; "@BotName" is removed from
	// messages wherever it appears (a leading @mention is always removed).
	BotName string `yaml:"bot_name"`
	// ReplyWait is how long a callback waits for the handlers before
	// answering; later replies go through response_url (default 3s; WeChat
	// Work gives up after 5s).
	ReplyWait time.Duration `yaml:"reply_wait"`
	// MaxSkew is how far a request's signed timestamp may be from this
	// machine's clock (default 5m, at most 1h); older or newer requests are
	// refused, so a captured request cannot be replayed once its duplicate
	// mark has expired.
	MaxSkew time.Duration `yaml:"max_skew"`
}

// DefaultConfig returns the defaults: the official host, 60s wait on 45009,
// 10s timeout, callback at /wecom/callback waiting 3s.
func DefaultConfig() Config {
	return Config{
		APIBase:    DefaultAPIBase,
		RetryAfter: 60 * time.Second,
		Timeout:    10 * time.Second,
		Callback:   CallbackConfig{Path: "/wecom/callback", ReplyWait: 3 * time.Second, BotName: "网格助手", MaxSkew: 5 * time.Minute},
	}
}

// Enabled reports whether the callback endpoint is configured.
func (c CallbackConfig) Enabled() bool { return c.Token != "" || c.AESKey != "" }

// key returns the group's webhook key, from the environment if so set.
func (g Group) key() string {
	if g.WebhookKey == "" && g.WebhookKeyEnv != "" {
		return strings.TrimSpace(os.Getenv(g.WebhookKeyEnv))
	}
	return strings.TrimSpace(g.WebhookKey)
}

// Validate checks the section and names the first bad key ("wecom.…"). It
// never quotes a secret.
func (c Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.APIBase); c.APIBase != "" && (err != nil || u.Scheme == "" || u.Host == "") {
		errs = append(errs, errors.New("wecom.api_base: want an address like https://qyapi.weixin.qq.com"))
	}
	seen := map[string]int{}
	for i, g := range c.Groups {
		p := fmt.Sprintf("wecom.groups[%d]", i)
		if strings.TrimSpace(g.Grid) == "" {
			errs = append(errs, fmt.Errorf("%s.grid: missing; want the grid's name, e.g. 3网格", p))
		}
		k := g.key()
		switch {
		case k == "" && g.WebhookKeyEnv != "":
			errs = append(errs, fmt.Errorf("%s.webhook_key_env: environment variable %s is empty; want it to hold the group robot's key (the key=... part of its webhook address)", p, g.WebhookKeyEnv))
		case k == "":
			errs = append(errs, fmt.Errorf("%s.webhook_key: missing; want the group robot's key (the key=... part of its webhook address), or webhook_key_env naming a variable that holds it", p))
		case strings.ContainsAny(k, "&?/#= "):
			errs = append(errs, fmt.Errorf("%s.webhook_key: want only the key=... value, not the whole address", p))
		}
		if j, dup := seen[k]; dup && k != "" {
			errs = append(errs, fmt.Errorf("%s.webhook_key: same key as wecom.groups[%d]; want one robot per group", p, j))
		}
		seen[k] = i
	}
	if c.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("wecom.retry_after: want a duration of 0 or more (default 60s), got %s", c.RetryAfter))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("wecom.timeout: want a duration of 0 or more (default 10s), got %s", c.Timeout))
	}
	cb := c.Callback
	if cb.Enabled() {
		if cb.Token == "" {
			errs = append(errs, errors.New("wecom.callback.token: missing; want the Token from the robot's API settings, set together with aes_key"))
		}
		if err := wxcrypt.ValidKey(cb.AESKey); err != nil {
			errs = append(errs, errors.New("wecom.callback.aes_key: want the 43-character EncodingAESKey"))
		}
	}
	if cb.Path != "" && !strings.HasPrefix(cb.Path, "/") {
		errs = append(errs, fmt.Errorf("wecom.callback.path: want a path starting with /, got %q", cb.Path))
	}
	if cb.ReplyWait < 0 {
		errs = append(errs, fmt.Errorf("wecom.callback.reply_wait: want a duration of 0 or more (default 3s), got %s", cb.ReplyWait))
	}
	if cb.MaxSkew != 0 && (cb.MaxSkew < 30*time.Second || cb.MaxSkew > MaxSkewLimit) {
		errs = append(errs, fmt.Errorf("wecom.callback.max_skew: want 30s to %s, got %s", MaxSkewLimit, cb.MaxSkew))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.APIBase == "" {
		c.APIBase = d.APIBase
	}
	c.APIBase = strings.TrimRight(c.APIBase, "/")
	if c.RetryAfter == 0 {
		c.RetryAfter = d.RetryAfter
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.Callback.Path == "" {
		c.Callback.Path = d.Callback.Path
	}
	if c.Callback.ReplyWait == 0 {
		c.Callback.ReplyWait = d.Callback.ReplyWait
	}
	if c.Callback.MaxSkew == 0 {
		c.Callback.MaxSkew = d.Callback.MaxSkew
	}
	return c
}
