package wecom

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"gridbot/bot"
	"gridbot/bot/wecom/wxcrypt"
)

// SubmitFunc hands an update to the router, usually Dispatcher.Submit; the
// channel closes once it has been handled.
type SubmitFunc func(ctx context.Context, s bot.Sender, u *bot.Update) <-chan struct{}

// Callback is the http.Handler of the smart robot callback (JSON) and, when
// receive_id is set, of an app callback (XML). GET verifies the URL; POST
// checks, decrypts and de-duplicates a message, submits it as a bot.Update
// and answers with the encrypted passive reply collected from the handlers.
type Callback struct {
	cfg    CallbackConfig
	crypt  *wxcrypt.Crypt
	hooks  *Sender
	submit SubmitFunc
	log    *slog.Logger
	hc     *http.Client
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time
	wg   sync.WaitGroup
}

// NewCallback returns the handler for cfg.Callback (which must be enabled).
// hooks, which may be nil, reaches groups the reply cannot (other chats, or
// messages after the single response_url was used).
func NewCallback(cfg Config, hooks *Sender, submit SubmitFunc, log *slog.Logger) (*Callback, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if !cfg.Callback.Enabled() {
		return nil, errors.New("wecom.callback: token and aes_key are not set")
	}
	c, err := wxcrypt.New(cfg.Callback.Token, cfg.Callback.AESKey, cfg.Callback.ReceiveID)
	if err != nil {
		return nil, fmt.Errorf("wecom.callback.aes_key: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Callback{
		cfg: cfg.Callback, crypt: c, hooks: hooks, submit: submit, log: log,
		hc: &http.Client{Timeout: cfg.Timeout}, now: time.Now, seen: map[string]time.Time{},
	}, nil
}

// Path is where to mount the handler (wecom.callback.path).
func (c *Callback) Path() string { return c.cfg.Path }

// Wait blocks until replies still being sent through response_url are done;
// call it on shutdown after the dispatcher has closed.
func (c *Callback) Wait() { c.wg.Wait() }

// ServeHTTP implements http.Handler.
func (c *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	switch r.Method {
	case http.MethodGet:
		echo, err := c.crypt.VerifyURL(sig, ts, nonce, q.Get("echostr"))
		if err != nil {
			c.reject(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(echo)
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		plain, err := c.crypt.DecryptBody(sig, ts, nonce, body)
		if err == nil {
			err = c.fresh(ts)
		}
		if err != nil {
			c.reject(w, r, err)
			return
		}
		c.handle(w, r, plain, ts, nonce)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// errStale is a signed request whose timestamp is too far from now.
var errStale = errors.New("timestamp outside wecom.callback.max_skew")

// fresh checks a request's signed timestamp against the clock.
func (c *Callback) fresh(ts string) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", ts, errStale)
	}
	if d := c.now().Sub(time.Unix(sec, 0)); d > c.cfg.MaxSkew || d < -c.cfg.MaxSkew {
		return fmt.Errorf("timestamp %s off by %s: %w", time.Unix(sec, 0).UTC().Format(time.RFC3339), d.Round(time.Second), errStale)
	}
	return nil
}

func (c *Callback) reject(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusBadRequest
	switch {
	case errors.Is(err, wxcrypt.ErrSignature):
		code = http.StatusUnauthorized
	case errors.Is(err, errStale):
		code = http.StatusForbidden
	}
	c.log.Warn("wecom callback rejected", "method", r.Method, "remote", r.RemoteAddr, "status", code, "err", err)
	http.Error(w, http.StatusText(code), code)
}

// incoming is what handle needs of a smart robot or app message.
type incoming struct {
	msgID, chatID, userID, text, data, responseURL, msgType string
	app                                                     bool
}

type robotMsg struct {
	MsgID    string `json:"msgid"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"`
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	ResponseURL string `json:"response_url"`
	MsgType     string `json:"msgtype"`
	Text        struct {
		Content string `json:"content"`
	} `json:"text"`
	Mixed struct {
		MsgItem []struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		} `json:"msg_item"`
	} `json:"mixed"`
	Event struct {
		EventType string `json:"eventtype"`
		Card      struct {
			EventKey      string `json:"event_key"`
			SelectedItems struct {
				SelectedItem []struct {
					QuestionKey string `json:"question_key"`
					OptionIDs   struct {
						OptionID []string `json:"option_id"`
					} `json:"option_ids"`
				} `json:"selected_item"`
			} `json:"selected_items"`
		} `json:"template_card_event"`
	} `json:"event"`
}

type appMsg struct {
	FromUserName string `xml:"FromUserName"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	CreateTime   int64  `xml:"CreateTime"`
}

func parseIncoming(plain []byte) (incoming, error) {
	if b := bytes.TrimSpace(plain); len(b) > 0 && b[0] == '<' {
		var m appMsg
		if err := xml.Unmarshal(b, &m); err != nil {
			return incoming{}, fmt.Errorf("app message: %w", err)
		}
		in := incoming{msgID: m.MsgID, userID: m.FromUserName, msgType: m.MsgType, app: true}
		switch m.MsgType {
		case "text":
			in.text = m.Content
		case "event":
			in.data = m.EventKey
			if in.msgID == "" {
				in.msgID = m.FromUserName + "-" + strconv.FormatInt(m.CreateTime, 10) + "-" + m.Event
			}
		}
		return in, nil
	}
	var m robotMsg
	if err := json.Unmarshal(plain, &m); err != nil {
		return incoming{}, fmt.Errorf("robot message: %w", err)
	}
	in := incoming{msgID: m.MsgID, userID: m.From.UserID, responseURL: m.ResponseURL, msgType: m.MsgType}
	if m.ChatType == "group" {
		in.chatID = m.ChatID
	}
	switch m.MsgType {
	case "text":
		in.text = m.Text.Content
	case "mixed":
		var parts []string
		for _, it := range m.Mixed.MsgItem {
			if it.MsgType == "text" {
				parts = append(parts, it.Text.Content)
			}
		}
		in.text = strings.Join(parts, "\n")
	case "event":
		if m.Event.EventType == "template_card_event" {
			in.data = m.Event.Card.EventKey
			for _, it := range m.Event.Card.SelectedItems.SelectedItem {
				if len(it.OptionIDs.OptionID) > 0 {
					in.data = it.OptionIDs.OptionID[0]
				}
			}
		}
	}
	return in, nil
}

// StripMention removes a leading @mention (the robot's, as WeChat Work puts
// it before the text) and every "@botName".
func StripMention(text, botName string) string {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	switch {
	case botName != "" && strings.HasPrefix(t, "@"+botName):
		t = t[len("@"+botName):]
	case strings.HasPrefix(t, "@"):
		if i := strings.IndexFunc(t, unicode.IsSpace); i > 0 {
			t = t[i:]
		}
	}
	if botName != "" {
		t = strings.ReplaceAll(t, "@"+botName, "")
	}
	return strings.TrimSpace(t)
}

// claim marks msgID seen and reports whether it was new; marks live 30 min.
// It is a shortcut for WeChat Work's retries that reach this process again;
// across replicas and restarts the router's dedupe in Redis decides (a
// retry on another replica waits there while this one has the message in
// hand, and then answers nothing).
func (c *Callback) claim(msgID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.seen) > 4096 {
		for k, t := range c.seen {
			if now.Sub(t) > 30*time.Minute {
				delete(c.seen, k)
			}
		}
	}
	if t, ok := c.seen[msgID]; ok && now.Sub(t) <= 30*time.Minute {
		return false
	}
	c.seen[msgID] = now
	return true
}

func (c *Callback) handle(w http.ResponseWriter, r *http.Request, plain []byte, ts, nonce string) {
	in, err := parseIncoming(plain)
	if err != nil || in.userID == "" {
		c.log.Warn("wecom callback: unreadable message", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if in.msgID == "" || (in.text == "" && in.data == "") {
		w.WriteHeader(http.StatusOK)
		return
	}
	if !c.claim(in.msgID) {
		c.log.Info("wecom callback: repeated message skipped", "msgid", in.msgID)
		w.WriteHeader(http.StatusOK)
		return
	}
	// The robot sees user ids only; the router fills in the name the user
	// chose (/name), or the id.
	u := &bot.Update{
		ID:        Platform + ":" + in.msgID,
		User:      bot.UserRef(Platform + ":" + in.userID),
		MessageID: in.msgID,
		Time:      c.now(),
		ChatKind:  bot.Private,
		// The robot hears only what is said to it (@ in a group).
		Addressed: true,
	}
	u.Chat = u.User.PrivateChat()
	if in.chatID != "" {
		u.Chat, u.ChatKind = bot.ChatRef(Platform+":"+in.chatID), bot.Group
	}
	if in.data != "" {
		u.Data, u.CallbackID = in.data, Platform+":"+in.msgID
	} else {
		u.Text = StripMention(in.text, c.cfg.BotName)
	}
	rs := &replySender{cb: c, chat: u.Chat, responseURL: in.responseURL, app: in.app, appUser: in.userID}
	done := c.submit(context.WithoutCancel(r.Context()), rs, u)
	timer := time.NewTimer(c.cfg.ReplyWait)
	defer timer.Stop()
	select {
	case <-done:
		c.writeReply(w, rs.finish(), ts, nonce, in.app, in.userID)
	case <-timer.C:
		rs.goLate()
		w.WriteHeader(http.StatusOK)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			<-done
			rs.flushLate()
		}()
	}
}

func newStreamID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeReply encrypts the collected replies: a finished stream (smart
// robot) or an XML text message (app). Nothing collected: an empty 200.
func (c *Callback) writeReply(w http.ResponseWriter, parts []string, ts, nonce string, app bool, user string) {
	if len(parts) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	var plain []byte
	if app {
		type cd struct {
			T string `xml:",cdata"`
		}
		plain, _ = xml.Marshal(struct {
			XMLName    xml.Name `xml:"xml"`
			To         cd       `xml:"ToUserName"`
			From       cd       `xml:"FromUserName"`
			CreateTime int64    `xml:"CreateTime"`
			MsgType    cd       `xml:"MsgType"`
			Content    cd       `xml:"Content"`
		}{To: cd{user}, From: cd{c.crypt.ReceiveID()}, CreateTime: c.now().Unix(), MsgType: cd{"text"}, Content: cd{joinLimit(parts, TextLimit)}})
	} else {
		plain, _ = json.Marshal(map[string]any{"msgtype": "stream", "stream": map[string]any{
			"id": newStreamID(), "finish": true, "content": joinLimit(parts, StreamLimit)}})
	}
	var out []byte
	var err error
	if app {
		out, err = c.crypt.EncryptXML(plain, ts, nonce)
	} else {
		out, err = c.crypt.EncryptJSON(plain, ts, nonce)
	}
	if err != nil {
		c.log.Error("wecom callback: encrypt reply", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if app {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Write(out)
}

// joinLimit joins reply pieces with a blank line, cut to limit bytes.
func joinLimit(parts []string, limit int) string {
	s := strings.Join(parts, "\n\n")
	if len(s) > limit {
		s = splitBytes(s, limit)[0]
	}
	return s
}

// postResponse sends markdown through a smart robot's single-use
// response_url. The url is never logged: it holds a credential.
func (c *Callback) postResponse(ctx context.Context, responseURL, content string) error {
	b, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": content}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(b))
	if err != nil {
		return &bot.SendError{Kind: bot.Permanent, Desc: "bad response_url"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return &bot.SendError{Kind: bot.Temporary, Desc: "response_url unreachable"}
	}
	defer resp.Body.Close()
	var r apiResult
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&r); err != nil {
		return &bot.SendError{Kind: bot.Temporary, Code: resp.StatusCode, Desc: "response_url answer not JSON"}
	}
	if r.ErrCode != 0 {
		return classify(r.ErrCode, redact(r.ErrMsg, responseURL), 60*time.Second)
	}
	return nil
}
