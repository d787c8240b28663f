// Package wecomfake is a fake WeChat Work server for tests: group robot
// webhooks (/cgi-bin/webhook/send and upload_media) with the real error
// codes and the 20-messages-a-minute limit per robot, a response_url
// endpoint for smart robot replies, and (in callback.go) a client that
// builds encrypted callback requests like WeChat Work does.
package wecomfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Error codes the fake answers with, as WeChat Work does.
const (
	CodeRateLimit   = 45009 // api freq out of limit
	CodeInvalidHook = 93000 // invalid webhook url / robot removed
	CodeBadType     = 40008 // invalid message type
	CodeBadParam    = 40058 // invalid parameter (e.g. content too long)
	CodeEmpty       = 44004 // empty content
)

// Message is one message a robot (or a response_url) received.
type Message struct {
	// Key is the webhook key, or "response:<code>" for a response_url.
	Key     string
	Type    string // text, markdown, file, stream, template_card
	Content string
	MediaID string
	Time    time.Time
	Raw     json.RawMessage
}

// Server is the fake. Its fields are safe to read through its methods while
// requests run.
type Server struct {
	*httptest.Server
	// Limit messages per Window per robot (default 20 a minute).
	Limit  int
	Window time.Duration

	mu       sync.Mutex
	now      func() time.Time
	robots   map[string]bool
	sent     map[string][]time.Time
	messages []Message
	failNext map[string][]int
	media    map[string][]byte
	used     map[string]bool
	seq      int
}

// New starts a fake server; close it with Close.
func New() *Server {
	s := &Server{
		Limit: 20, Window: time.Minute, now: time.Now,
		robots: map[string]bool{}, sent: map[string][]time.Time{}, failNext: map[string][]int{},
		media: map[string][]byte{}, used: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/webhook/send", s.send)
	mux.HandleFunc("POST /cgi-bin/webhook/upload_media", s.upload)
	mux.HandleFunc("POST /cgi-bin/aibot/response", s.response)
	s.Server = httptest.NewServer(mux)
	return s
}

// SetClock makes the rate limit follow now.
func (s *Server) SetClock(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// AddRobot makes key a valid webhook key.
func (s *Server) AddRobot(key string) { s.mu.Lock(); s.robots[key] = true; s.mu.Unlock() }

// RemoveRobot makes key invalid (the robot was removed from its group).
func (s *Server) RemoveRobot(key string) { s.mu.Lock(); delete(s.robots, key); s.mu.Unlock() }

// FailNext makes the next sends to key answer errcode, in order.
func (s *Server) FailNext(key string, errcodes ...int) {
	s.mu.Lock()
	s.failNext[key] = append(s.failNext[key], errcodes...)
	s.mu.Unlock()
}

// Messages returns what key received, in order.
func (s *Server) Messages(key string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.Key == key {
			out = append(out, m)
		}
	}
	return out
}

// All returns every message received, in order.
func (s *Server) All() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// ResponseURL returns a single-use response_url on this server.
func (s *Server) ResponseURL(code string) string {
	return s.URL + "/cgi-bin/aibot/response?response_code=" + code
}

// Responses returns what was posted to the response_url with code.
func (s *Server) Responses(code string) []Message { return s.Messages("response:" + code) }

// Media returns the bytes of an uploaded file.
func (s *Server) Media(id string) []byte { s.mu.Lock(); defer s.mu.Unlock(); return s.media[id] }

func reply(w http.ResponseWriter, code int, msg string, extra map[string]any) {
	out := map[string]any{"errcode": code, "errmsg": msg}
	for k, v := range extra {
		out[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// admit checks the key, injected failures and the rate limit; it returns
// the errcode to answer (0 to go on). Callers hold s.mu.
func (s *Server) admit(key string) (int, string) {
	if !s.robots[key] {
		return CodeInvalidHook, "invalid webhook url, hint: [fake]"
	}
	if f := s.failNext[key]; len(f) > 0 {
		s.failNext[key] = f[1:]
		return f[0], "injected failure"
	}
	now := s.now()
	keep := s.sent[key][:0]
	for _, t := range s.sent[key] {
		if now.Sub(t) < s.Window {
			keep = append(keep, t)
		}
	}
	s.sent[key] = keep
	if len(keep) >= s.Limit {
		return CodeRateLimit, "api freq out of limit"
	}
	s.sent[key] = append(keep, now)
	return 0, ""
}

type body struct {
	MsgType  string                    `json:"msgtype"`
	Text     *struct{ Content string } `json:"text"`
	Markdown *struct{ Content string } `json:"markdown"`
	Stream   *struct{ Content string } `json:"stream"`
	File     *struct {
		MediaID string `json:"media_id"`
	} `json:"file"`
	Image *struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	} `json:"image"`
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request, key string) (Message, bool) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		reply(w, CodeBadParam, "invalid json", nil)
		return Message{}, false
	}
	m := Message{Key: key, Type: b.MsgType, Raw: raw}
	limit := 0
	switch {
	case b.MsgType == "text" && b.Text != nil:
		m.Content, limit = b.Text.Content, 2048
	case b.MsgType == "markdown" && b.Markdown != nil:
		m.Content, limit = b.Markdown.Content, 4096
	case b.MsgType == "stream" && b.Stream != nil:
		m.Content, limit = b.Stream.Content, 20480
	case b.MsgType == "file" && b.File != nil:
		m.MediaID = b.File.MediaID
	case b.MsgType == "image" && b.Image != nil && b.Image.Base64 != "" && len(b.Image.MD5) == 32:
	case b.MsgType == "template_card":
	default:
		reply(w, CodeBadType, "invalid message type", nil)
		return Message{}, false
	}
	if limit > 0 && m.Content == "" {
		reply(w, CodeEmpty, "empty content", nil)
		return Message{}, false
	}
	if limit > 0 && len(m.Content) > limit {
		reply(w, CodeBadParam, fmt.Sprintf("%s.content exceed max length %d", b.MsgType, limit), nil)
		return Message{}, false
	}
	return m, true
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	s.mu.Lock()
	code, msg := s.admit(key)
	s.mu.Unlock()
	if code != 0 {
		reply(w, code, msg, nil)
		return
	}
	m, ok := s.decode(w, r, key)
	if !ok {
		return
	}
	s.mu.Lock()
	m.Time = s.now()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	reply(w, 0, "ok", nil)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	s.mu.Lock()
	ok := s.robots[key]
	s.mu.Unlock()
	if !ok {
		reply(w, CodeInvalidHook, "invalid webhook url", nil)
		return
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		reply(w, 44001, "empty media data", nil)
		return
	}
	data, _ := io.ReadAll(f)
	s.mu.Lock()
	s.seq++
	id := "media-" + strconv.Itoa(s.seq)
	s.media[id] = data
	s.mu.Unlock()
	reply(w, 0, "ok", map[string]any{"type": "file", "media_id": id, "created_at": "1380000000"})
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("response_code")
	s.mu.Lock()
	used := s.used[code]
	s.used[code] = true
	s.mu.Unlock()
	if code == "" || used {
		reply(w, CodeBadParam, "invalid response_code", nil)
		return
	}
	m, ok := s.decode(w, r, "response:"+code)
	if !ok {
		return
	}
	s.mu.Lock()
	m.Time = s.now()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	reply(w, 0, "ok", nil)
}
