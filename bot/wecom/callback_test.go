package wecom_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/wecom"
	"gridbot/bot/wecom/wecomfake"
)

const (
	cbToken  = "QDG6eK-test-token"
	cbAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

// router stands in for bot.Dispatcher + Router: it records updates and
// answers through the Sender it gets, like a handler would.
type router struct {
	mu      sync.Mutex
	updates []*bot.Update
	delay   time.Duration
	answer  func(u *bot.Update) []bot.Message
}

func (r *router) submit(ctx context.Context, s bot.Sender, u *bot.Update) <-chan struct{} {
	r.mu.Lock()
	r.updates = append(r.updates, u)
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(r.delay)
		for _, m := range r.answer(u) {
			s.Send(ctx, u.Chat, m)
		}
	}()
	return done
}

func (r *router) got() []*bot.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*bot.Update(nil), r.updates...)
}

type setup struct {
	srv    *httptest.Server
	fake   *wecomfake.Server
	client *wecomfake.Client
	r      *router
	cb     *wecom.Callback
	logs   *bytes.Buffer
}

func newCallback(t *testing.T, receiveID string, wait time.Duration) *setup {
	t.Helper()
	fake := wecomfake.New()
	t.Cleanup(fake.Close)
	fake.AddRobot(key3)
	cfg := wecom.DefaultConfig()
	cfg.APIBase = fake.URL
	cfg.Groups = []wecom.Group{{Grid: "3网格", WebhookKey: key3, ChatID: "wrkGROUP3"}}
	cfg.Callback.Token, cfg.Callback.AESKey, cfg.Callback.ReceiveID = cbToken, cbAESKey, receiveID
	cfg.Callback.ReplyWait = wait
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))
	hooks, err := wecom.NewSender(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	r := &router{answer: func(u *bot.Update) []bot.Message {
		return []bot.Message{{Text: "<b>已收到</b>：" + bot.Esc(u.Text)}}
	}}
	cb, err := wecom.NewCallback(cfg, hooks, r.submit, log)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(cb.Path(), cb)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client, err := wecomfake.NewClient(cbToken, cbAESKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	return &setup{srv: srv, fake: fake, client: client, r: r, cb: cb, logs: logs}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

type reqErr struct {
	req *http.Request
	err error
}

func mk(req *http.Request, err error) reqErr { return reqErr{req, err} }

func do(t *testing.T, re reqErr) (int, []byte) {
	t.Helper()
	req, err := re.req, re.err
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *setup) url() string { return s.srv.URL + "/wecom/callback" }

func TestCallbackVerifyURL(t *testing.T) {
	s := newCallback(t, "", time.Second)
	code, body := do(t, mk(s.client.VerifyRequest(s.url(), "1616140317555161061")))
	if code != 200 || string(body) != "1616140317555161061" {
		t.Errorf("verify = %d %q, want 200 and the echostr in plain text", code, body)
	}
}

func TestCallbackMessageAndPassiveReply(t *testing.T) {
	s := newCallback(t, "", 2*time.Second)
	msg := wecomfake.Text{MsgID: "m1", ChatID: "wrkGROUP3", UserID: "zhangayi", Content: "@网格助手\u2005报名 3", ResponseURL: s.fake.ResponseURL("r1")}
	code, body := do(t, mk(s.client.TextRequest(s.url(), msg)))
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	plain, err := s.client.OpenReply(body)
	if err != nil {
		t.Fatalf("open reply %q: %v", body, err)
	}
	content, finish, err := wecomfake.StreamContent(plain)
	if err != nil || !finish || content != "**已收到**：报名 3" {
		t.Errorf("reply = %q finish=%v err=%v, want finished **已收到**：报名 3", content, finish, err)
	}
	ups := s.r.got()
	if len(ups) != 1 {
		t.Fatalf("got %d updates, want 1", len(ups))
	}
	u := ups[0]
	if u.ID != "wecom:m1" || u.Chat != "wecom:wrkGROUP3" || u.ChatKind != bot.Group || u.User != "wecom:zhangayi" || u.Text != "报名 3" || !u.Addressed {
		t.Errorf("update = %+v", u)
	}
}

func TestCallbackPrivateChat(t *testing.T) {
	s := newCallback(t, "", 2*time.Second)
	do(t, mk(s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "p1", UserID: "lisi", Content: "我的"})))
	ups := s.r.got()
	if len(ups) != 1 || ups[0].Chat != "wecom:lisi" || ups[0].ChatKind != bot.Private || ups[0].Text != "我的" {
		t.Errorf("updates = %+v, want one private update from wecom:lisi", ups)
	}
}

func TestCallbackReplayHandledOnce(t *testing.T) {
	s := newCallback(t, "", 2*time.Second)
	msg := wecomfake.Text{MsgID: "dup", ChatID: "wrkGROUP3", UserID: "u1", Content: "@助手 活动"}
	for range 3 {
		do(t, mk(s.client.TextRequest(s.url(), msg)))
	}
	if n := len(s.r.got()); n != 1 {
		t.Errorf("handled %d times, want once", n)
	}
}

func TestCallbackBadSignature(t *testing.T) {
	s := newCallback(t, "", time.Second)
	req, err := s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "x", UserID: "u", Content: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("msg_signature", strings.Repeat("0", 40))
	req.URL.RawQuery = q.Encode()
	code, _ := do(t, reqErr{req, nil})
	if code != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", code)
	}
	vreq, _ := s.client.VerifyRequest(s.url(), "echo")
	vq := vreq.URL.Query()
	vq.Set("timestamp", "1")
	vreq.URL.RawQuery = vq.Encode()
	if code, _ := do(t, reqErr{vreq, nil}); code != http.StatusUnauthorized {
		t.Errorf("verify with bad signature: %d, want 401", code)
	}
	if len(s.r.got()) != 0 {
		t.Errorf("a forged message reached the router")
	}
	l := s.logs.String()
	if !strings.Contains(l, "rejected") || strings.Contains(l, cbToken) || strings.Contains(l, cbAESKey) {
		t.Errorf("log = %q, want a rejection line without secrets", l)
	}
}

func TestCallbackSlowHandlerUsesResponseURL(t *testing.T) {
	s := newCallback(t, "", 50*time.Millisecond)
	s.r.delay = 300 * time.Millisecond
	code, body := do(t, mk(s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "slow", ChatID: "wrkGROUP3", UserID: "u", Content: "@助手 排行", ResponseURL: s.fake.ResponseURL("r-slow")})))
	if code != 200 || len(bytes.TrimSpace(body)) != 0 {
		t.Errorf("slow handler: %d %q, want an empty 200 in time", code, body)
	}
	s.cb.Wait()
	got := s.fake.Responses("r-slow")
	if len(got) != 1 || got[0].Type != "markdown" || got[0].Content != "**已收到**：排行" {
		t.Errorf("response_url got %+v, want the reply as markdown", got)
	}
}

func TestCallbackOtherChatGoesToWebhook(t *testing.T) {
	s := newCallback(t, "", 2*time.Second)
	var sendErr error
	var mu sync.Mutex
	// a private message whose handler also notifies the grid group
	sub := func(ctx context.Context, snd bot.Sender, u *bot.Update) <-chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := snd.Send(ctx, "wecom:wrkGROUP3", bot.Message{Text: "有新报名"})
			mu.Lock()
			sendErr = err
			mu.Unlock()
		}()
		return done
	}
	cfg := wecom.DefaultConfig()
	cfg.APIBase = s.fake.URL
	cfg.Groups = []wecom.Group{{Grid: "3网格", WebhookKey: key3, ChatID: "wrkGROUP3"}}
	cfg.Callback.Token, cfg.Callback.AESKey = cbToken, cbAESKey
	hooks, _ := wecom.NewSender(cfg, nil)
	cb, err := wecom.NewCallback(cfg, hooks, sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cb)
	defer srv.Close()
	do(t, mk(s.client.TextRequest(srv.URL, wecomfake.Text{MsgID: "o1", UserID: "u", Content: "报名 3"})))
	mu.Lock()
	defer mu.Unlock()
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	if got := s.fake.Messages(key3); len(got) != 1 || got[0].Content != "有新报名" {
		t.Errorf("group got %+v, want the notice through its webhook", got)
	}
}

func TestCallbackCardEvent(t *testing.T) {
	s := newCallback(t, "", 2*time.Second)
	req, err := s.client.Request(s.url(), wecomfake.CardEvent("e1", "wrkGROUP3", "u9", "ev:join:7", ""), false)
	do(t, reqErr{req, err})
	ups := s.r.got()
	if len(ups) != 1 || ups[0].Data != "ev:join:7" || ups[0].Chat != "wecom:wrkGROUP3" {
		t.Errorf("updates = %+v, want one button press with data ev:join:7", ups)
	}
}

func TestCallbackAppXML(t *testing.T) {
	const corp = "ww1436e0e65a779aee"
	s := newCallback(t, corp, 2*time.Second)
	req, err := s.client.Request(s.url(), wecomfake.AppText(corp, "wangwu", "活动", "900001"), true)
	code, body := do(t, reqErr{req, err})
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	plain, err := s.client.OpenReply(body)
	if err != nil {
		t.Fatalf("open XML reply %q: %v", body, err)
	}
	if !strings.Contains(string(plain), "<Content><![CDATA[已收到：活动]]></Content>") || !strings.Contains(string(plain), "<ToUserName><![CDATA[wangwu]]>") {
		t.Errorf("XML reply = %s, want plain text to wangwu", plain)
	}
	ups := s.r.got()
	if len(ups) != 1 || ups[0].Chat != "wecom:wangwu" || ups[0].ID != "wecom:900001" {
		t.Errorf("updates = %+v", ups)
	}
}

func TestStripMention(t *testing.T) {
	cases := []struct{ in, bot, want string }{
		{"@网格助手\u2005报名 3", "", "报名 3"},
		{"@网格助手 报名 3", "网格助手", "报名 3"},
		{"报名 3 @网格助手", "网格助手", "报名 3"},
		{"  活动  ", "", "活动"},
		{"@网格助手", "网格助手", ""},
		{"@网格助手报名3 带孙子", "网格助手", "报名3 带孙子"},
		{"@社区小助手 报名 3", "网格助手", "报名 3"},
	}
	for _, c := range cases {
		if got := wecom.StripMention(c.in, c.bot); got != c.want {
			t.Errorf("StripMention(%q, %q) = %q, want %q", c.in, c.bot, got, c.want)
		}
	}
}

// TestCallbackRefusesStaleTimestamps: a validly signed request whose
// timestamp is far from now (a capture from 2001, or one replayed after its
// duplicate mark has expired) reaches no handler; requests within a few
// minutes of clock skew still do.
func TestCallbackRefusesStaleTimestamps(t *testing.T) {
	s := newCallback(t, "", 2*time.Second)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	s.cb.SetNow(func() time.Time { return now })
	s.client.Now = func() time.Time { return now }
	captured, err := s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "c1", ChatID: "wrkGROUP3", UserID: "u1", Content: "@网格助手 取消报名 3"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(captured.Body)
	replay := func() int {
		req, err := http.NewRequest(http.MethodPost, captured.URL.String(), bytes.NewReader(body))
		code, _ := do(t, reqErr{req, err})
		return code
	}
	if code := replay(); code != http.StatusOK || len(s.r.got()) != 1 {
		t.Fatalf("fresh message: status %d, %d updates; want 200 and 1", code, len(s.r.got()))
	}
	now = now.Add(31 * time.Minute)
	if code := replay(); code != http.StatusForbidden {
		t.Errorf("replay 31 minutes later, after the duplicate mark expired: status %d, want 403", code)
	}
	s.client.Now = func() time.Time { return time.Date(2001, 9, 9, 9, 0, 0, 0, time.UTC) }
	if code, _ := do(t, mk(s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "old", UserID: "u1", Content: "取消报名 3"}))); code != http.StatusForbidden {
		t.Errorf("message signed in 2001: status %d, want 403", code)
	}
	s.client.Now = func() time.Time { return now.Add(time.Hour) }
	if code, _ := do(t, mk(s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "future", UserID: "u1", Content: "报名 3"}))); code != http.StatusForbidden {
		t.Errorf("message signed an hour ahead: status %d, want 403", code)
	}
	if n := len(s.r.got()); n != 1 {
		t.Errorf("%d updates reached the router, want only the fresh one", n)
	}
	for _, skew := range []time.Duration{-2 * time.Minute, 2 * time.Minute} {
		s.client.Now = func() time.Time { return now.Add(skew) }
		if code, _ := do(t, mk(s.client.TextRequest(s.url(), wecomfake.Text{MsgID: "skew" + skew.String(), UserID: "u1", Content: "活动"}))); code != http.StatusOK {
			t.Errorf("message with %s of clock skew: status %d, want 200", skew, code)
		}
	}
	if n := len(s.r.got()); n != 3 {
		t.Errorf("%d updates, want 3 (the fresh one and two within the skew)", n)
	}
	if l := s.logs.String(); !strings.Contains(l, "max_skew") {
		t.Errorf("log does not say why stale requests were refused: %q", l)
	}
}
