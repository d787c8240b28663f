// Package telegram is gridbot's Telegram adapter, on telegram-bot-api v5:
// a Client that sends (bot.Sender and its capabilities), a long-polling
// loop with the offset in Redis, and a webhook handler. Every error it
// returns or logs has the bot token removed.
package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"gridbot/bot"
)

// Platform is the prefix of Telegram chat, user, callback and update refs.
const Platform = "tg"

// Client talks to the Bot API. It is safe for concurrent use.
type Client struct {
	cfg  Config
	api  tgbotapi.BotAPI
	http *http.Client
	log  *slog.Logger
	// metrics counts failed sends (nil: not counted).
	metrics *bot.Metrics
	self    tgbotapi.User
}

var (
	_ bot.Sender           = (*Client)(nil)
	_ bot.Editor           = (*Client)(nil)
	_ bot.Deleter          = (*Client)(nil)
	_ bot.Poller           = (*Client)(nil)
	_ bot.ChatInspector    = (*Client)(nil)
	_ bot.DeepLinker       = (*Client)(nil)
	_ bot.CallbackAnswerer = (*Client)(nil)
)

// New checks cfg (zero fields take DefaultConfig values), calls getMe and
// returns a ready client. log may be nil; m counts failed sends (nil: not
// counted).
func New(ctx context.Context, cfg Config, log *slog.Logger, m *bot.Metrics) (*Client, error) {
	def := DefaultConfig()
	if cfg.APIEndpoint == "" {
		cfg.APIEndpoint = def.APIEndpoint
	}
	if cfg.WebhookPath == "" {
		cfg.WebhookPath = def.WebhookPath
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = def.PollTimeout
	}
	if cfg.MaxRetryWait == 0 {
		cfg.MaxRetryWait = def.MaxRetryWait
	}
	if cfg.PollLease == 0 {
		cfg.PollLease = def.PollLease
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	c := &Client{
		cfg:     cfg,
		http:    &http.Client{Transport: tr, Timeout: cfg.Timeout + cfg.PollTimeout},
		log:     log.With("platform", Platform),
		metrics: m,
	}
	c.api = tgbotapi.BotAPI{Token: cfg.Token, Buffer: 100}
	c.api.SetAPIEndpoint(cfg.APIEndpoint)
	var me tgbotapi.User
	if err := c.call(ctx, "getMe", nil, &me); err != nil {
		return nil, fmt.Errorf("telegram getMe: %w", err)
	}
	c.self = me
	c.log.Info("telegram bot ready", "username", me.UserName, "can_read_all_group_messages", me.CanReadAllGroupMessages)
	return c, nil
}

// Username returns the bot's username without '@'.
func (c *Client) Username() string { return c.self.UserName }

// ID returns the bot's own user id.
func (c *Client) ID() int64 { return c.self.ID }

// Self returns the bot's own user reference.
func (c *Client) Self() bot.UserRef { return UserRef(c.self.ID) }

// CanReadAllGroupMessages reports whether privacy mode is off, i.e. the
// bot sees plain group messages and not only commands and replies.
func (c *Client) CanReadAllGroupMessages() bool { return c.self.CanReadAllGroupMessages }

// Config returns the effective configuration (defaults filled in).
func (c *Client) Config() Config { return c.cfg }

// call runs one Bot API method with retries (see do) and decodes the result
// into out when out is non-nil.
func (c *Client) call(ctx context.Context, method string, p tgbotapi.Params, out any) error {
	return c.do(ctx, method, p, nil, out)
}

// do retries 429 (waiting retry_after up to MaxRetryWait, bounded by ctx)
// and 5xx or network failures (exponential backoff) up to cfg.Retries times.
// When a send or chat query names a group that became a supergroup, it is
// made once more to the supergroup, whose id is left in p["chat_id"] (the
// migration update moves bindings). The final error is a *bot.SendError, or
// wraps ctx's error.
func (c *Client) do(ctx context.Context, method string, p tgbotapi.Params, files []tgbotapi.RequestFile, out any) error {
	err := c.retrying(ctx, method, p, files, out)
	var me *migratedError
	if errors.As(err, &me) && followsMigration[method] && p["chat_id"] != "" {
		c.log.Info("telegram group became a supergroup; sending there", "method", method, "from", p["chat_id"], "to", me.to)
		p["chat_id"] = strconv.FormatInt(me.to, 10)
		err = c.retrying(ctx, method, p, files, out)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		c.metrics.SendFailed(Platform, err)
	}
	return err
}

// followsMigration lists the methods that may be made again to the
// supergroup a group became. Edits and deletions may not: message ids
// differ between the two chats.
var followsMigration = map[string]bool{
	"sendMessage": true, "sendDocument": true, "sendPoll": true,
	"getChatMemberCount": true, "getChatAdministrators": true, "getChatMember": true,
}

// migratedError is a Bot API answer saying the group became the supergroup
// to. It unwraps to a Permanent *bot.SendError: the group is not lost.
type migratedError struct {
	to  int64
	err *bot.SendError
}

func (e *migratedError) Error() string { return e.err.Error() }
func (e *migratedError) Unwrap() error { return e.err }

// retrying is do without following migrations.
func (c *Client) retrying(ctx context.Context, method string, p tgbotapi.Params, files []tgbotapi.RequestFile, out any) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = c.once(ctx, method, p, files, c.cfg.Timeout, out)
		if err == nil || attempt >= c.cfg.Retries || ctx.Err() != nil {
			break
		}
		wait, ok := c.retryWait(ctx, err, attempt)
		if !ok {
			break
		}
		c.log.Debug("telegram call retried", "method", method, "attempt", attempt+1, "wait", wait, "err", err)
		if sleepCtx(ctx, wait) != nil {
			break
		}
	}
	return err
}

// retryWait says whether err is worth retrying and after how long.
func (c *Client) retryWait(ctx context.Context, err error, attempt int) (time.Duration, bool) {
	var se *bot.SendError
	if !errors.As(err, &se) {
		return 0, false
	}
	var wait time.Duration
	switch se.Kind {
	case bot.RateLimited:
		wait = se.RetryAfter
		if wait > c.cfg.MaxRetryWait {
			return 0, false
		}
	case bot.Temporary:
		wait = backoff(attempt)
	default:
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return 0, false
	}
	return wait, true
}

func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt, 6)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once makes one request with its own timeout.
func (c *Client) once(ctx context.Context, method string, p tgbotapi.Params, files []tgbotapi.RequestFile, timeout time.Duration, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := &ctxDoer{ctx: ctx, c: c.http}
	api := c.api
	api.Client = d
	var (
		resp *tgbotapi.APIResponse
		err  error
	)
	if len(files) > 0 {
		resp, err = api.UploadFiles(method, p, files)
	} else {
		resp, err = api.MakeRequest(method, p)
	}
	if err != nil {
		return c.classify(method, d.status, err)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Result, out); err != nil {
			return &bot.SendError{Kind: bot.Permanent, Desc: fmt.Sprintf("%s: decode result: %v", method, err)}
		}
	}
	return nil
}

// ctxDoer attaches a context to the library's requests (it builds them
// without one) and remembers the HTTP status.
type ctxDoer struct {
	ctx    context.Context
	c      *http.Client
	status int
}

func (d *ctxDoer) Do(r *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(r.WithContext(d.ctx))
	if resp != nil {
		d.status = resp.StatusCode
	}
	return resp, err
}

// classify turns a library error into a *bot.SendError (or a wrapped
// context error) whose text has no token in it.
func (c *Client) classify(method string, status int, err error) error {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		code := te.Code
		if code == 0 {
			code = status
		}
		se := apiError(method, code, te.Message, te.RetryAfter)
		if te.MigrateToChatID != 0 {
			se.Kind = bot.Permanent
			se.Desc += fmt.Sprintf(" (now supergroup %d)", te.MigrateToChatID)
			return &migratedError{to: te.MigrateToChatID, err: se}
		}
		return se
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("telegram %s: %w", method, context.Canceled)
	}
	msg := c.redact(err.Error())
	if status == http.StatusTooManyRequests {
		return &bot.SendError{Kind: bot.RateLimited, Code: status, RetryAfter: time.Second, Desc: method + ": " + msg}
	}
	if status >= 500 || status == 0 {
		return &bot.SendError{Kind: bot.Temporary, Code: status, Desc: method + ": " + msg}
	}
	return &bot.SendError{Kind: bot.Permanent, Code: status, Desc: method + ": " + msg}
}

func apiError(method string, code int, desc string, retryAfter int) *bot.SendError {
	e := &bot.SendError{Kind: bot.Permanent, Code: code, Desc: method + ": " + desc}
	low := strings.ToLower(desc)
	switch {
	case code == http.StatusTooManyRequests:
		e.Kind = bot.RateLimited
		e.RetryAfter = time.Duration(max(retryAfter, 1)) * time.Second
	case code >= 500:
		e.Kind = bot.Temporary
	case code == http.StatusForbidden,
		code == http.StatusBadRequest && (strings.Contains(low, "chat not found") ||
			strings.Contains(low, "group chat was upgraded") || strings.Contains(low, "peer_id_invalid")):
		e.Kind = bot.Gone
	}
	return e
}

// redact removes the token (raw and URL-escaped) from s.
func (c *Client) redact(s string) string {
	return redact(s, c.cfg.Token)
}

func redact(s, token string) string { return bot.Redact(s, token, "<token>") }

// sentTo returns the chat p was last sent to: id, or the supergroup do
// followed a migration to.
func sentTo(p tgbotapi.Params, id int64) int64 {
	if n, err := strconv.ParseInt(p["chat_id"], 10, 64); err == nil {
		return n
	}
	return id
}

// chatID parses "tg:<id>".
func chatID(chat bot.ChatRef) (int64, error) {
	if chat.Platform() != Platform {
		return 0, &bot.SendError{Kind: bot.Permanent, Desc: fmt.Sprintf("not a telegram chat: %q", chat)}
	}
	id, err := strconv.ParseInt(chat.ID(), 10, 64)
	if err != nil {
		return 0, &bot.SendError{Kind: bot.Permanent, Desc: fmt.Sprintf("bad telegram chat id: %q", chat)}
	}
	return id, nil
}

// ChatRef returns the reference of a Telegram chat id.
func ChatRef(id int64) bot.ChatRef { return bot.ChatRef(Platform + ":" + strconv.FormatInt(id, 10)) }

// UserRef returns the reference of a Telegram user id.
func UserRef(id int64) bot.UserRef { return bot.UserRef(Platform + ":" + strconv.FormatInt(id, 10)) }
