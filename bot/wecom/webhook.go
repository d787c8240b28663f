package wecom

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gridbot/bot"
)

// Platform is the chat reference prefix of WeChat Work ("wecom:...").
const Platform = "wecom"

// GroupInfo is a configured group as main binds it in the Directory.
type GroupInfo struct {
	Chat bot.ChatRef
	Grid string
	Name string
}

type hook struct {
	key  string
	info GroupInfo
}

// Sender pushes messages to grid groups through group robot webhooks. It
// implements bot.Sender for the chats in Groups(); any other chat gets
// bot.ErrUnsupported. Errors are *bot.SendError classified by WeChat Work's
// errcode; no error or log line ever holds a webhook key.
type Sender struct {
	cfg   Config
	hc    *http.Client
	log   *slog.Logger
	hooks map[bot.ChatRef]*hook
	list  []GroupInfo
	seq   atomic.Uint64
	// Hint turns a data button into the words to type (default ButtonHint).
	Hint func(bot.Button) string
}

var _ bot.Sender = (*Sender)(nil)

// NewSender validates cfg and returns a Sender for its groups. Chat refs are
// "wecom:<chat_id>" when a group's chat id is known, else
// "wecom:hook:<grid>:<n>" (n counting from 1 within the grid).
func NewSender(cfg Config, log *slog.Logger) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sender{
		cfg:   cfg,
		hc:    &http.Client{Timeout: cfg.Timeout},
		log:   log,
		hooks: map[bot.ChatRef]*hook{},
		Hint:  ButtonHint,
	}
	perGrid := map[string]int{}
	for _, g := range cfg.Groups {
		grid := strings.TrimSpace(g.Grid)
		perGrid[grid]++
		ref := bot.ChatRef(Platform + ":hook:" + grid + ":" + strconv.Itoa(perGrid[grid]))
		if g.ChatID != "" {
			ref = bot.ChatRef(Platform + ":" + g.ChatID)
		}
		name := g.Name
		if name == "" {
			name = grid + "企业微信群"
		}
		info := GroupInfo{Chat: ref, Grid: grid, Name: name}
		s.hooks[ref] = &hook{key: g.key(), info: info}
		s.list = append(s.list, info)
	}
	return s, nil
}

// Groups lists the configured groups in config order, for main to bind in
// the Directory at start (see BindGroups).
func (s *Sender) Groups() []GroupInfo { return append([]GroupInfo(nil), s.list...) }

// Has reports whether chat is reached by a webhook of this Sender.
func (s *Sender) Has(chat bot.ChatRef) bool { return s.hooks[chat] != nil }

// Binder is the part of grid.Directory BindGroups needs.
type Binder interface {
	Bind(ctx context.Context, chat bot.ChatRef, grid, title string) (string, error)
}

// BindGroups binds every configured group to its grid (and marks it active,
// so a key fixed in the config takes effect on restart).
func (s *Sender) BindGroups(ctx context.Context, d Binder) error {
	for _, g := range s.list {
		if _, err := d.Bind(ctx, g.Chat, g.Grid, g.Name); err != nil {
			return fmt.Errorf("wecom: bind %s: %w", g.Chat, err)
		}
	}
	return nil
}

// Send posts m to the group's webhook as markdown (plain text when markdown
// would break), split within the limits, buttons as a hint line. A file is
// uploaded (upload_media) and sent as a file message after the text; a
// File.Photo of at most 2 MB goes as an image message instead. The
// returned id is opaque (webhooks have none; no edits are possible).
func (s *Sender) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	h := s.hooks[chat]
	if h == nil {
		return "", fmt.Errorf("wecom: %s has no webhook: %w", chat, bot.ErrUnsupported)
	}
	if m.File != nil && strings.TrimSpace(m.Text) == "" && len(m.Buttons) == 0 {
		return s.sendFile(ctx, h, m.File)
	}
	pieces, md := render(m, s.Hint, true)
	for _, p := range pieces {
		body := map[string]any{"msgtype": "text", "text": map[string]string{"content": p}}
		if md {
			body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": p}}
		}
		if err := s.post(ctx, h, "/cgi-bin/webhook/send", body); err != nil {
			return "", err
		}
	}
	if m.File != nil {
		return s.sendFile(ctx, h, m.File)
	}
	return s.nextID(), nil
}

// sendMarkdown posts ready-made markdown to a configured group.
func (s *Sender) sendMarkdown(ctx context.Context, chat bot.ChatRef, md string) error {
	h := s.hooks[chat]
	if h == nil {
		return bot.ErrUnsupported
	}
	for _, p := range splitBytes(md, MarkdownLimit) {
		if err := s.post(ctx, h, "/cgi-bin/webhook/send", map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": p}}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sender) nextID() string {
	return fmt.Sprintf("hook-%d-%d", time.Now().UnixNano(), s.seq.Add(1))
}

// maxImage is the largest picture a robot takes as an image message.
const maxImage = 2 << 20

func (s *Sender) sendFile(ctx context.Context, h *hook, f *bot.File) (string, error) {
	if f.Photo && len(f.Data) <= maxImage {
		sum := md5.Sum(f.Data)
		body := map[string]any{"msgtype": "image", "image": map[string]string{
			"base64": base64.StdEncoding.EncodeToString(f.Data), "md5": hex.EncodeToString(sum[:])}}
		if err := s.post(ctx, h, "/cgi-bin/webhook/send", body); err != nil {
			return "", err
		}
		return s.nextID(), nil
	}
	if len(f.Data) < 5 || len(f.Data) > 20<<20 {
		return "", fmt.Errorf("wecom: file %q of %d bytes (robots take 5 B to 20 MB): %w", f.Name, len(f.Data), bot.ErrUnsupported)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("media", f.Name)
	if err != nil {
		return "", fmt.Errorf("wecom: upload %q: %w", f.Name, err)
	}
	part.Write(f.Data)
	mw.Close()
	var res struct {
		MediaID string `json:"media_id"`
	}
	if err := s.call(ctx, h, "/cgi-bin/webhook/upload_media", "type=file", mw.FormDataContentType(), buf.Bytes(), &res); err != nil {
		return "", err
	}
	if res.MediaID == "" {
		return "", &bot.SendError{Kind: bot.Temporary, Desc: "upload_media returned no media_id"}
	}
	body := map[string]any{"msgtype": "file", "file": map[string]string{"media_id": res.MediaID}}
	if err := s.post(ctx, h, "/cgi-bin/webhook/send", body); err != nil {
		return "", err
	}
	return s.nextID(), nil
}

func (s *Sender) post(ctx context.Context, h *hook, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("wecom: encode: %w", err)
	}
	return s.call(ctx, h, path, "", "application/json", b, nil)
}

// apiResult is WeChat Work's answer envelope.
type apiResult struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// call posts to a webhook endpoint; out receives the JSON answer.
func (s *Sender) call(ctx context.Context, h *hook, path, query, ctype string, body []byte, out any) error {
	u := s.cfg.APIBase + path + "?key=" + url.QueryEscape(h.key)
	if query != "" {
		u += "&" + query
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return &bot.SendError{Kind: bot.Permanent, Desc: "bad request: " + redact(err.Error(), h.key)}
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("wecom: send to %s: %w", h.info.Chat, ctx.Err())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &bot.SendError{Kind: bot.Temporary, Desc: "network: " + redact(err.Error(), h.key)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &bot.SendError{Kind: bot.Temporary, Code: resp.StatusCode, Desc: "read answer: " + redact(err.Error(), h.key)}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return &bot.SendError{Kind: bot.RateLimited, Code: resp.StatusCode, RetryAfter: s.cfg.RetryAfter, Desc: "HTTP 429"}
	}
	if resp.StatusCode >= 500 {
		return &bot.SendError{Kind: bot.Temporary, Code: resp.StatusCode, Desc: "HTTP " + strconv.Itoa(resp.StatusCode)}
	}
	var r apiResult
	if err := json.Unmarshal(raw, &r); err != nil {
		kind := bot.Temporary
		if resp.StatusCode >= 400 {
			kind = bot.Permanent
		}
		return &bot.SendError{Kind: kind, Code: resp.StatusCode, Desc: "HTTP " + strconv.Itoa(resp.StatusCode) + ", answer not JSON"}
	}
	if r.ErrCode != 0 {
		se := classify(r.ErrCode, redact(r.ErrMsg, h.key), s.cfg.RetryAfter)
		if se.Kind == bot.Gone {
			s.log.Warn("wecom webhook refused: group robot gone", "chat", string(h.info.Chat), "grid", h.info.Grid, "errcode", r.ErrCode)
		}
		return se
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &bot.SendError{Kind: bot.Temporary, Desc: "decode answer"}
		}
	}
	return nil
}

// classify maps a WeChat Work errcode to a send error kind:
// 45009/45033 (frequency/concurrency limit) → RateLimited after retryAfter;
// 93000 (invalid webhook url or robot removed), 93004 (robot disabled),
// 93008 (not in the group), 49008 (group dissolved) → Gone;
// -1 (system busy) and codes not known → Temporary;
// malformed or oversized messages (40008, 40058, 44004, 45002, …) → Permanent.
func classify(code int, msg string, retryAfter time.Duration) *bot.SendError {
	se := &bot.SendError{Code: code, Desc: msg}
	switch code {
	case 45009, 45033:
		se.Kind, se.RetryAfter = bot.RateLimited, retryAfter
	case 93000, 93004, 93008, 49008:
		se.Kind = bot.Gone
	case 40008, 40035, 40058, 40063, 44001, 44004, 45001, 45002, 40004, 40006, 40007, 82004:
		se.Kind = bot.Permanent
	default:
		se.Kind = bot.Temporary
	}
	return se
}

// redact removes a secret from text bound for errors and logs.
func redact(text, secret string) string { return bot.Redact(text, secret, "***") }
