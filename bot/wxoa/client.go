package wxoa

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"gridbot/bot/wxapi"
)

// CodeTTL is how long WeChat keeps a code valid, and how long Exchange
// remembers the openid a code gave: WeChat sometimes requests the callback
// twice, and the second exchange of a code fails with 40163.
const CodeTTL = 5 * time.Minute

// maxCodes bounds the remembered codes.
const maxCodes = 10000

// Identity is who a code belongs to.
type Identity struct {
	// OpenID is the visitor's id for this Official Account.
	OpenID string
	// UnionID is set only when the account is bound to an Open Platform
	// account.
	UnionID string
}

// Client talks to WeChat's web authorisation for one Official Account. It
// is safe for concurrent use.
type Client struct {
	cfg      Config
	hc       *http.Client
	now      func() time.Time
	backoff  []time.Duration
	key      []byte
	callback *url.URL

	mu    sync.Mutex
	codes map[string]*exchange
}

type exchange struct {
	done chan struct{}
	id   Identity
	err  error
	at   time.Time
}

// Option changes a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one with Config.Timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithClock sets the clock used for state expiry and the code memory.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithBackoff sets the waits between tries when WeChat answers busy (-1)
// or cannot be reached; its length is the number of retries (default
// 200ms, 600ms).
func WithBackoff(waits ...time.Duration) Option { return func(c *Client) { c.backoff = waits } }

// New validates cfg and returns a Client.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cb, _ := url.Parse(cfg.CallbackURL)
	mac := hmac.New(sha256.New, []byte(cfg.AppSecret.Reveal()))
	mac.Write([]byte("gridbot wxoa state key\x00" + cfg.AppID))
	c := &Client{
		cfg: cfg, hc: &http.Client{Timeout: cfg.Timeout}, now: time.Now,
		backoff: []time.Duration{200 * time.Millisecond, 600 * time.Millisecond},
		key:     mac.Sum(nil), callback: cb, codes: map[string]*exchange{},
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// String names the client without its keys, for logs and %v.
func (c *Client) String() string { return "wxoa.Client(" + c.cfg.AppID + ")" }

// GoString is String, so %#v shows no keys either.
func (c *Client) GoString() string { return c.String() }

// AuthorizeURL returns WeChat's silent authorisation address (scope
// snsapi_base) that comes back to redirectURI with ?code=…&state=state.
// state must be 1 to 128 of [A-Za-z0-9] (WeChat mangles anything else);
// redirectURI is escaped here.
func (c *Client) AuthorizeURL(redirectURI, state string) (string, error) {
	if !validState(state) {
		return "", &Error{Kind: KindRefuse, Msg: "state must be 1-128 of [A-Za-z0-9]", Err: ErrBadState}
	}
	return c.cfg.AuthorizeBase + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.cfg.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=snsapi_base&state=" + state + "#wechat_redirect", nil
}

func validState(s string) bool {
	if len(s) < 1 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z') {
			return false
		}
	}
	return true
}

// Exchange trades a code from the callback for the visitor's Identity.
// A code exchanged in the last CodeTTL gives the same Identity again
// without asking WeChat (concurrent calls with one code share one request),
// so a callback WeChat requests twice succeeds twice. Busy answers (-1) and
// network failures are retried (see WithBackoff); the request is not cut
// short when ctx is cancelled after it started, so a second request for the
// same code still gets the answer.
//
// A snapshot page's virtual account (is_snapshotuser=1) is refused with
// ErrSnapshotUser: its openid is not the visitor's.
func (c *Client) Exchange(ctx context.Context, code string) (Identity, error) {
	if code == "" || len(code) > 512 || !printable(code) {
		return Identity{}, &Error{Kind: KindRestart, Err: ErrNoCode}
	}
	c.mu.Lock()
	c.sweep()
	if e := c.codes[code]; e != nil {
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.id, e.err
		case <-ctx.Done():
			return Identity{}, fmt.Errorf("wxoa: exchange: %w", ctx.Err())
		}
	}
	e := &exchange{done: make(chan struct{})}
	if len(c.codes) < maxCodes {
		c.codes[code] = e
	}
	c.mu.Unlock()

	e.id, e.err = c.exchange(context.WithoutCancel(ctx), code)
	c.mu.Lock()
	e.at = c.now()
	if e.err != nil && c.codes[code] == e {
		delete(c.codes, code)
	}
	c.mu.Unlock()
	close(e.done)
	return e.id, e.err
}

// sweep forgets finished exchanges older than CodeTTL. Callers hold c.mu.
func (c *Client) sweep() {
	now := c.now()
	for k, e := range c.codes {
		if !e.at.IsZero() && now.Sub(e.at) > CodeTTL {
			delete(c.codes, k)
		}
	}
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func (c *Client) exchange(ctx context.Context, code string) (Identity, error) {
	var id Identity
	err := wxapi.Retry(ctx, c.backoff, func() (err error) {
		id, err = c.call(ctx, code)
		return err
	}, func(err error) bool {
		var e *Error
		return errors.As(err, &e) && e.Kind == KindRetry && (e.Code == CodeBusy || e.Code == 0)
	})
	return id, err
}

type tokenAnswer struct {
	ErrCode        int    `json:"errcode"`
	ErrMsg         string `json:"errmsg"`
	OpenID         string `json:"openid"`
	UnionID        string `json:"unionid"`
	IsSnapshotUser int    `json:"is_snapshotuser"`
}

// call makes one code exchange. Every text that leaves it is redacted.
func (c *Client) call(ctx context.Context, code string) (Identity, error) {
	q := url.Values{"appid": {c.cfg.AppID}, "secret": {c.cfg.AppSecret.Reveal()}, "code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.APIBase+"/sns/oauth2/access_token?"+q.Encode(), nil)
	if err != nil {
		return Identity{}, &Error{Kind: KindConfig, Msg: "bad api_base"}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Identity{}, &Error{Kind: KindRetry, Msg: "network: " + wxapi.NetError(err, c.cfg.AppSecret)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode >= 500 {
		return Identity{}, &Error{Kind: KindRetry, Msg: "HTTP " + strconv.Itoa(resp.StatusCode)}
	}
	var a tokenAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return Identity{}, &Error{Kind: KindRetry, Msg: "HTTP " + strconv.Itoa(resp.StatusCode) + ", answer not JSON"}
	}
	switch {
	case a.ErrCode != 0:
		return Identity{}, &Error{Kind: classify(a.ErrCode), Code: a.ErrCode, Msg: wxapi.Clean(a.ErrMsg, c.cfg.AppSecret)}
	case a.IsSnapshotUser == 1:
		return Identity{}, &Error{Kind: KindRefuse, Err: ErrSnapshotUser}
	case a.OpenID == "":
		return Identity{}, &Error{Kind: KindRetry, Msg: "answer without openid"}
	}
	return Identity{OpenID: a.OpenID, UnionID: a.UnionID}, nil
}
