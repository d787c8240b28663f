// Package tgfake is a fake Telegram Bot API on an httptest server, for
// tests of gridbot's Telegram adapter, of features, and of the whole binary
// (point GRIDBOT_TELEGRAM_API_ENDPOINT at Server.Endpoint()). It accepts any
// token, records what the bot sends, feeds getUpdates from updates the test
// pushes, and can enforce Telegram's rate limits or inject failures.
package tgfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Bot is the identity getMe returns by default.
const (
	BotID       = 777000111
	BotUsername = "gridtest_bot"
)

// Button is a recorded inline keyboard button.
type Button struct {
	Text string
	Data string
	URL  string
}

// Sent is one message the bot sent (sendMessage, sendDocument, sendPoll),
// as it stands now (edits applied).
type Sent struct {
	Method    string
	ChatID    int64
	MessageID int
	// Text is the message text, or the document's caption, or the poll's
	// question.
	Text      string
	ParseMode string
	// Markup is the raw reply_markup JSON; Buttons is it decoded.
	Markup  string
	Buttons [][]Button
	ReplyTo int
	Silent  bool
	// FileName and FileData are set for documents.
	FileName string
	FileData []byte
	// Poll is set for polls.
	Poll *Poll
	// Edits counts successful edits; Deleted is set by deleteMessage.
	Edits   int
	Deleted bool
	Time    time.Time
	// Versions holds the text as sent and after each edit, with the time
	// the fake received it.
	Versions []Version
}

// Version is one state of a sent message's text.
type Version struct {
	Time time.Time
	Text string
}

// Chat returns the gridbot chat ref "tg:<id>".
func (s Sent) Chat() string { return "tg:" + strconv.FormatInt(s.ChatID, 10) }

// Poll is a recorded sendPoll.
type Poll struct {
	ID          string
	Question    string
	Options     []string
	Type        string
	Correct     int
	Explanation string
	OpenPeriod  int
	IsAnonymous bool
}

// Request is one call the fake received.
type Request struct {
	Method string
	ChatID int64
	Time   time.Time
	// Status is the HTTP status answered.
	Status int
}

// Failure is an injected error answer.
type Failure struct {
	// Code is the HTTP status and error_code (429, 403, 500...).
	Code int
	// Desc is the description; a default per code when empty.
	Desc string
	// RetryAfter goes into parameters.retry_after (429).
	RetryAfter int
	// MigrateTo goes into parameters.migrate_to_chat_id (400 about a group
	// that became a supergroup).
	MigrateTo int64
	// Raw answers a non-JSON body (like a proxy's 502 page).
	Raw bool
}

// Webhook is the registration setWebhook made.
type Webhook struct {
	URL            string
	Secret         string
	AllowedUpdates []string
}

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:port).
	URL string
	srv *httptest.Server

	mu         sync.Mutex
	me         tgbotapi.User
	updates    []json.RawMessage
	updateIDs  []int
	nextUpdate int
	arrived    chan struct{}
	sent       []*Sent
	changed    chan struct{}
	nextMsg    map[int64]int
	nextPoll   int
	requests   []Request
	calls      map[string]int
	keep       func(chatID int64) bool
	judge      func(chatID int64) (time.Time, bool)
	delivered  int
	limits     bool
	perBot     []time.Time
	perPaid    []time.Time
	paid       int
	perChat    map[int64][]time.Time
	violations int
	chatFail   map[int64]Failure
	migrated   map[int64]int64
	failNext   []pendingFailure
	members    map[int64]int
	admins     map[int64][]int64
	webhook    *Webhook
	maxWait    time.Duration
	answers    []CallbackAnswer
	pollGen    int
	polling    int
	conflicts  int
}

// New starts a fake on a loopback port. Close it when done.
func New() *Server {
	s := &Server{
		me:         tgbotapi.User{ID: BotID, IsBot: true, FirstName: "网格助手", UserName: BotUsername, CanJoinGroups: true, CanReadAllGroupMessages: true},
		nextUpdate: 1000,
		arrived:    make(chan struct{}),
		changed:    make(chan struct{}),
		nextMsg:    map[int64]int{},
		perChat:    map[int64][]time.Time{},
		chatFail:   map[int64]Failure{},
		migrated:   map[int64]int64{},
		members:    map[int64]int{},
		admins:     map[int64][]int64{},
		calls:      map[string]int{},
		maxWait:    time.Second,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Endpoint returns the API endpoint in telegram-bot-api's format,
// "<URL>/bot%s/%s", for telegram.Config.APIEndpoint.
func (s *Server) Endpoint() string { return s.URL + "/bot%s/%s" }

// SetMe changes the identity getMe reports.
func (s *Server) SetMe(username string, canReadAllGroupMessages bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.me.UserName = username
	s.me.CanReadAllGroupMessages = canReadAllGroupMessages
}

// SetMaxPollWait caps how long getUpdates waits for updates (default 1s,
// whatever timeout the client asks for).
func (s *Server) SetMaxPollWait(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxWait = d
}

// EnforceLimits turns Telegram's limits on or off: 30 messages per second
// per bot and 20 per minute per group chat (negative id), edits counting as
// messages; a send or edit beyond them gets 429 with retry_after and counts
// as a violation.
func (s *Server) EnforceLimits(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = on
}

// Violations returns how many sends broke the limits (whether or not they
// were enforced).
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// PaidSent returns how many messages went as paid broadcasts
// (allow_paid_broadcast), each costing the bot 0.1 Telegram Stars.
func (s *Server) PaidSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paid
}

// FailChat makes every call about chatID fail with f until ClearFailures.
func (s *Server) FailChat(chatID int64, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatFail[chatID] = f
}

// Kick makes calls about chatID fail as when the bot was removed (403).
func (s *Server) Kick(chatID int64) {
	s.FailChat(chatID, Failure{Code: 403, Desc: "Forbidden: bot was kicked from the group chat"})
}

// Migrate turns group oldID into supergroup newID: from now on every call
// about oldID answers 400 "group chat was upgraded to a supergroup chat"
// with parameters.migrate_to_chat_id = newID, as Telegram does.
// ClearFailures does not undo it. Pair it with PushMigration to deliver the
// service message too.
func (s *Server) Migrate(oldID, newID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.migrated[oldID] = newID
}

// migrationFailure is what calls about a migrated group answer.
func migrationFailure(newID int64) Failure {
	return Failure{Code: 400, Desc: "Bad Request: group chat was upgraded to a supergroup chat", MigrateTo: newID}
}

type pendingFailure struct {
	method string
	f      Failure
}

// FailNext makes the next n calls (any method but getMe) fail with f.
func (s *Server) FailNext(n int, f Failure) { s.FailNextOf("", n, f) }

// FailNextOf makes the next n calls of method ("" for any but getMe) fail
// with f. Failures queue up in the order they were asked for.
func (s *Server) FailNextOf(method string, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, pendingFailure{method, f})
	}
}

// takeFailure pops the first queued failure matching method. Called with
// s.mu held.
func (s *Server) takeFailure(method string) (Failure, bool) {
	if method == "getMe" {
		return Failure{}, false
	}
	for i, pf := range s.failNext {
		if pf.method == "" || pf.method == method {
			s.failNext = append(s.failNext[:i:i], s.failNext[i+1:]...)
			return pf.f, true
		}
	}
	return Failure{}, false
}

// ClearFailures removes all injected failures.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatFail = map[int64]Failure{}
	s.failNext = nil
}

// SetMembers sets what getChatMemberCount answers for chatID (default 3).
func (s *Server) SetMembers(chatID int64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[chatID] = n
}

// SetAdmins sets chatID's administrators; the first is the creator. The bot
// itself is an administrator only if listed (BotID).
func (s *Server) SetAdmins(chatID int64, userIDs ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.admins[chatID] = append([]int64(nil), userIDs...)
}

// Webhook returns the current registration, nil when none.
func (s *Server) Webhook() *Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return nil
	}
	w := *s.webhook
	return &w
}

// Sent returns copies of every message sent so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Sent, len(s.sent))
	for i, m := range s.sent {
		out[i] = *m
		out[i].Versions = append([]Version(nil), m.Versions...)
	}
	return out
}

// SentTo returns the messages sent to chatID, in order.
func (s *Server) SentTo(chatID int64) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// Texts returns the texts sent to chatID, in order.
func (s *Server) Texts(chatID int64) []string {
	var out []string
	for _, m := range s.SentTo(chatID) {
		out = append(out, m.Text)
	}
	return out
}

// WaitSent waits until cond holds for the messages sent so far, or timeout
// passes; it returns the messages and whether cond held.
func (s *Server) WaitSent(timeout time.Duration, cond func([]Sent) bool) ([]Sent, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		all := s.Sent()
		if cond(all) {
			return all, true
		}
		select {
		case <-ch:
		case <-deadline.C:
			all = s.Sent()
			return all, cond(all)
		}
	}
}

// WaitCount waits until at least n messages were sent to chatID.
func (s *Server) WaitCount(chatID int64, n int, timeout time.Duration) ([]Sent, bool) {
	all, ok := s.WaitSent(timeout, func(all []Sent) bool {
		c := 0
		for _, m := range all {
			if m.ChatID == chatID {
				c++
			}
		}
		return c >= n
	})
	var out []Sent
	for _, m := range all {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out, ok
}

// Requests returns every call received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls counts the calls of method received (kept or not: see KeepOnly).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// KeepOnly makes the fake keep the messages and requests of only the chats
// keep accepts, and merely count the rest (Delivered, Calls), so that a long
// run measures the bot's memory and not the fake's. A message not kept can
// still be edited or deleted: the fake answers as if it had it. nil keeps
// everything again (the default).
func (s *Server) KeepOnly(keep func(chatID int64) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep = keep
}

// JudgeAt makes the fake count a send to a chat against the limits at the
// time at returns for that chat, when it returns true, instead of at its
// arrival: a test can judge each send at the slot its rate limiter granted,
// so the verdict (and Violations) does not depend on how late a loaded
// machine delivers it. Sends so judged may come in any order. nil judges
// by arrival again (the default).
func (s *Server) JudgeAt(at func(chatID int64) (time.Time, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.judge = at
}

// Delivered returns how many messages (text, document, photo, poll) the
// fake accepted, kept or not.
func (s *Server) Delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered
}

// kept reports whether the messages and requests of chat are kept. Called
// with s.mu held.
func (s *Server) kept(chat int64) bool { return s.keep == nil || s.keep(chat) }

// Pending returns how many pushed updates getUpdates has not yet had
// confirmed (by a later offset).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

func (s *Server) notifyChanged() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func defaultDesc(code int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden: bot was kicked from the group chat"
	case 404:
		return "Not Found"
	case 409:
		return "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	case 429:
		return "Too Many Requests: retry after 1"
	}
	return fmt.Sprintf("Internal Server Error (%d)", code)
}

// ErrorBody is the JSON Telegram answers on failure.
func ErrorBody(code int, desc string, retryAfter int) []byte {
	return errorBody(code, desc, retryAfter, 0)
}

func errorBody(code int, desc string, retryAfter int, migrateTo int64) []byte {
	resp := map[string]any{"ok": false, "error_code": code, "description": desc}
	params := map[string]int64{}
	if retryAfter > 0 {
		params["retry_after"] = int64(retryAfter)
	}
	if migrateTo != 0 {
		params["migrate_to_chat_id"] = migrateTo
	}
	if len(params) > 0 {
		resp["parameters"] = params
	}
	b, _ := json.Marshal(resp)
	return b
}

// Now returns the time used for rate limits.
func now() time.Time { return time.Now() }

func chatKey(chatID string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(chatID), 10, 64)
	return id
}
