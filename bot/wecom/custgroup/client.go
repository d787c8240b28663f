package custgroup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"gridbot/bot/secret"
	"gridbot/bot/wxapi"
)

// configHold is how long a gettoken refused for the corp's settings is not
// asked again: repeated wrong secrets get the server's IP banned for an
// hour.
const configHold = time.Minute

// Client calls the customer-contact API for one corp and app. It is safe
// for concurrent use.
type Client struct {
	cfg     Config
	hc      *http.Client
	now     func() time.Time
	backoff []time.Duration

	fetch     sync.Mutex // held while fetching a token, so one fetch runs
	mu        sync.Mutex // guards the fields below
	token     secret.Value
	expires   time.Time
	held      error
	heldUntil time.Time
}

// Option changes a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one with Config.Timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithClock sets the clock used for token expiry.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithBackoff sets the waits between tries of a read when WeChat Work
// answers busy (-1) or cannot be reached; its length is the number of
// retries (default 300ms, 1s).
func WithBackoff(waits ...time.Duration) Option { return func(c *Client) { c.backoff = waits } }

// New validates cfg and returns a Client. It makes no call.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg.withDefaults(), now: time.Now, backoff: []time.Duration{300 * time.Millisecond, time.Second}}
	c.hc = &http.Client{Timeout: c.cfg.Timeout}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// String names the client without its secret or token.
func (c *Client) String() string { return "custgroup.Client(" + c.cfg.CorpID + ")" }

// GoString is String, so %#v shows no secret either.
func (c *Client) GoString() string { return c.String() }

// answer is the envelope of every answer.
type answer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// accessToken returns a cached token or fetches one (gettoken). A token is
// used until 5 minutes before WeChat Work said it expires.
func (c *Client) accessToken(ctx context.Context) (secret.Value, error) {
	if tok, ok, err := c.cachedToken(); ok {
		return tok, err
	}
	c.fetch.Lock()
	defer c.fetch.Unlock()
	if tok, ok, err := c.cachedToken(); ok {
		return tok, err
	}
	now := c.now()
	var a struct {
		answer
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q := url.Values{"corpid": {c.cfg.CorpID}, "corpsecret": {c.cfg.Secret.Reveal()}}
	err := c.retry(ctx, true, func() error {
		return c.do(ctx, http.MethodGet, "gettoken", "?"+q.Encode(), nil, &a)
	})
	if err == nil && a.AccessToken == "" {
		err = &Error{Op: "gettoken", Kind: KindTemporary, Msg: "answer without access_token"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if KindOf(err) == KindConfig {
			c.held, c.heldUntil = err, now.Add(configHold)
		}
		return secret.Value{}, err
	}
	ttl := time.Duration(max(a.ExpiresIn, 60)) * time.Second
	c.token, c.expires, c.held = secret.New(a.AccessToken), now.Add(ttl-min(ttl/10, 5*time.Minute)), nil
	return c.token, nil
}

// cachedToken returns the cached token, or the held gettoken failure, and
// whether there was either.
func (c *Client) cachedToken() (secret.Value, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.token.IsZero() && now.Before(c.expires) {
		return c.token, true, nil
	}
	if c.held != nil && now.Before(c.heldUntil) {
		return secret.Value{}, true, c.held
	}
	return secret.Value{}, false, nil
}

// dropToken forgets tok if it is still the cached token.
func (c *Client) dropToken(tok secret.Value) {
	c.mu.Lock()
	if c.token.Reveal() == tok.Reveal() {
		c.token = secret.Value{}
	}
	c.mu.Unlock()
}

// post calls an API with a JSON body and decodes the answer into out. A
// token WeChat Work calls expired or invalid is fetched again, once. Reads
// (idempotent) are retried on busy answers and network failures; for a
// write such failures become KindUncertain.
func (c *Client) post(ctx context.Context, op string, body, out any, idempotent bool) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return &Error{Op: op, Kind: KindRefused, Msg: "encode request", Err: err}
	}
	renewed := false
	for {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		err = c.retry(ctx, idempotent, func() error {
			return c.do(ctx, http.MethodPost, op, "?access_token="+url.QueryEscape(tok.Reveal()), payload, out)
		})
		var e *Error
		if errors.As(err, &e) && isTokenCode(e.Code) && !renewed {
			c.dropToken(tok)
			renewed = true
			continue
		}
		if errors.As(err, &e) && !idempotent && (e.Code == CodeBusy || (e.Code == 0 && e.Kind == KindTemporary)) {
			e.Kind = KindUncertain
		}
		return err
	}
}

// retry runs call, and again after each backoff wait while it fails busy
// or on the network, when allowed.
func (c *Client) retry(ctx context.Context, allowed bool, call func() error) error {
	return wxapi.Retry(ctx, c.backoff, call, func(err error) bool {
		var e *Error
		return allowed && errors.As(err, &e) && e.Kind == KindTemporary && (e.Code == CodeBusy || e.Code == 0)
	})
}

// do makes one HTTP call to /cgi-bin/<op><query>.
func (c *Client) do(ctx context.Context, method, op, query string, payload []byte, out any) error {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.APIBase+"/cgi-bin/"+op+query, body)
	if err != nil {
		return &Error{Op: op, Kind: KindConfig, Msg: "bad api_base"}
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return &Error{Op: op, Kind: KindTemporary, Msg: "network: " + wxapi.NetError(err, c.secrets()...)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil || resp.StatusCode >= 500 {
		return &Error{Op: op, Kind: KindTemporary, Msg: "HTTP " + strconv.Itoa(resp.StatusCode)}
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return &Error{Op: op, Kind: KindTemporary, Msg: "HTTP " + strconv.Itoa(resp.StatusCode) + ", answer not JSON"}
	}
	if a.ErrCode != 0 {
		e := &Error{Op: op, Code: a.ErrCode, Msg: wxapi.Clean(a.ErrMsg, c.secrets()...), Kind: classify(a.ErrCode)}
		if e.Kind == KindRateLimited {
			e.RetryAfter = c.cfg.RetryAfter
		}
		if e.Code == CodeUntrustedIP {
			e.IP = ipFrom(a.ErrMsg)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &Error{Op: op, Kind: KindTemporary, Msg: "decode answer", Err: err}
		}
	}
	return nil
}

// secrets are the texts no error may hold.
func (c *Client) secrets() []secret.Value {
	c.mu.Lock()
	defer c.mu.Unlock()
	return []secret.Value{c.cfg.Secret, c.token}
}

func invalid(op, format string, a ...any) error {
	return &Error{Op: op, Kind: KindRefused, Msg: fmt.Sprintf(format, a...), Err: ErrInvalid}
}
