// Package custgroupfake is a fake of WeChat Work's customer-contact API
// for customer groups, for tests: gettoken with expiring tokens; members
// and the app's visible range; customer groups with owners, paged lists
// (groupchat/list) and details (groupchat/get); group-send tasks
// (add_msg_template) that stay unsent until the test confirms them for the
// owner (Confirm, as the member pressing send in WeChat Work), with each
// group's receipts counted against the cap rule (status 3 over it);
// get_groupmsg_task, get_groupmsg_send_result, get_groupmsg_list_v2,
// reminders (three per task in 24 hours) and cancellation; the documented
// errcodes, and any errcode on demand (FailNext). Calls are recorded
// without the secret or token.
package custgroupfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gridbot/bot/sendcap"
)

// Errcodes the fake answers with, as WeChat Work does.
const (
	CodeBadSecret      = 40001
	CodeBadUserID      = 40003
	CodeBadCorpID      = 40013
	CodeBadToken       = 40014
	CodeBadParam       = 40058
	CodeNoToken        = 41001
	CodeNoMsgID        = 41046
	CodeBadMsgID       = 41047
	CodeNoRecipient    = 41048
	CodeDispatching    = 41063
	CodeTooManyAttach  = 41064
	CodeBadAttachType  = 41065
	CodeTaskCancelled  = 41093
	CodeRemindLimit    = 41094
	CodeTokenExpired   = 42001
	CodeGroupDissolved = 49008
	CodeBadCursor      = 50100
	CodeOutOfRange     = 60011
	CodeUntrustedIP    = 60020
	CodeTooManyInRange = 81017
)

// TokenTTL is the life of an access token.
const TokenTTL = 7200 * time.Second

// China is the zone the cap's calendar windows follow.
var China = time.FixedZone("CST", 8*3600)

// Group is a customer group in the fake.
type Group struct {
	ChatID string
	Name   string
	Owner  string
	// Status is the owner's status (0 normal, 1 left, 2 inheriting, 3
	// inherited).
	Status    int
	Notice    string
	Created   time.Time
	Staff     []string // staff members other than the owner
	Externals []string // residents (external_userid)
	Admins    []string
	Dissolved bool
}

// Link is a link card as received.
type Link struct {
	Title  string `json:"title"`
	PicURL string `json:"picurl"`
	Desc   string `json:"desc"`
	URL    string `json:"url"`
}

// Send is a group-send task as the fake holds it.
type Send struct {
	MsgID     string
	Sender    string
	ChatIDs   []string // the groups it goes to
	Failed    []string // the chat ids refused at creation
	Text      string
	Links     []Link
	Created   time.Time
	Cancelled bool
	// SentAt is when the sender pressed send (zero before).
	SentAt time.Time
	// Status is each group's result (0 until sent, then 1 or 3).
	Status    map[string]int
	Reminders []time.Time
}

// Call is one request received.
type Call struct {
	Op      string // path after /cgi-bin/
	Body    string
	Errcode int
	Time    time.Time
}

// Server is the fake. Its methods are safe while requests run.
type Server struct {
	*httptest.Server
	corpID, secret string

	mu             sync.Mutex
	now            func() time.Time
	rule           sendcap.Rule
	tokens         map[string]time.Time
	fetches        int
	members        map[string]bool // userid → visible to the app
	groups         []*Group
	received       map[string][]time.Time
	sends          []*Send
	failNext       map[string][]int
	calls          []Call
	tooManyVisible int
	dispatch       time.Duration
	ip             string
}

// New starts a fake for one corp and app secret; close it with Close.
func New(corpID, secret string) *Server {
	s := &Server{
		corpID: corpID, secret: secret, now: time.Now, tokens: map[string]time.Time{}, members: map[string]bool{},
		received: map[string][]time.Time{}, failNext: map[string][]int{}, tooManyVisible: 1000, ip: "203.0.113.7",
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/gettoken", s.gettoken)
	for op, h := range map[string]func(*Call, []byte) (int, any){
		"externalcontact/groupchat/list":           s.list,
		"externalcontact/groupchat/get":            s.get,
		"externalcontact/add_msg_template":         s.addMsg,
		"externalcontact/get_groupmsg_task":        s.task,
		"externalcontact/get_groupmsg_send_result": s.result,
		"externalcontact/remind_groupmsg_send":     s.remind,
		"externalcontact/cancel_groupmsg_send":     s.cancel,
		"externalcontact/get_groupmsg_list_v2":     s.listSends,
	} {
		mux.HandleFunc("POST /cgi-bin/"+op, s.api(op, h))
	}
	mux.HandleFunc("/cgi-bin/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, CodeBadParam, "invalid request method or path", nil)
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// SetClock makes tokens, tasks and the cap follow now.
func (s *Server) SetClock(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetRule sets the cap rule (default: days in the month).
func (s *Server) SetRule(r sendcap.Rule) { s.mu.Lock(); s.rule = r; s.mu.Unlock() }

// SetTooManyVisible sets how many visible members make an unfiltered list
// fail with 81017 (more than n; default 1000).
func (s *Server) SetTooManyVisible(n int) { s.mu.Lock(); s.tooManyVisible = n; s.mu.Unlock() }

// SetDispatchDelay makes send results unavailable (41063) for d after a
// task is created.
func (s *Server) SetDispatchDelay(d time.Duration) { s.mu.Lock(); s.dispatch = d; s.mu.Unlock() }

// SetCallerIP sets the address quoted in 60020 answers.
func (s *Server) SetCallerIP(ip string) { s.mu.Lock(); s.ip = ip; s.mu.Unlock() }

// AddMember adds a member (userid) to the corp, visible to the app or not.
func (s *Server) AddMember(userid string, visible bool) {
	s.mu.Lock()
	s.members[userid] = visible
	s.mu.Unlock()
}

// AddGroup adds a customer group; its owner is added as a visible member
// if unknown.
func (s *Server) AddGroup(g Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.members[g.Owner]; !ok {
		s.members[g.Owner] = true
	}
	if g.Created.IsZero() {
		g.Created = s.now()
	}
	s.groups = append(s.groups, &g)
}

// Dissolve marks a group dissolved.
func (s *Server) Dissolve(chatID string) {
	s.mu.Lock()
	if g := s.group(chatID); g != nil {
		g.Dissolved = true
	}
	s.mu.Unlock()
}

// AddReceived records a group-send the group received at t outside the
// tasks (e.g. one a member created in the client): it counts against the
// cap too.
func (s *Server) AddReceived(chatID string, t time.Time) {
	s.mu.Lock()
	s.received[chatID] = append(s.received[chatID], t)
	s.mu.Unlock()
}

// Received returns the times the group received group-sends.
func (s *Server) Received(chatID string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received[chatID])
}

// FailNext makes the next calls of op ("gettoken",
// "externalcontact/add_msg_template", …) answer these errcodes, in order,
// after the token check.
func (s *Server) FailNext(op string, errcodes ...int) {
	s.mu.Lock()
	s.failNext[op] = append(s.failNext[op], errcodes...)
	s.mu.Unlock()
}

// ExpireTokens makes every issued token expired (42001).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	for t := range s.tokens {
		s.tokens[t] = s.now().Add(-time.Second)
	}
	s.mu.Unlock()
}

// RevokeTokens forgets every issued token (40014, as after a secret reset).
func (s *Server) RevokeTokens() { s.mu.Lock(); clear(s.tokens); s.mu.Unlock() }

// TokenFetches counts successful gettoken calls.
func (s *Server) TokenFetches() int { s.mu.Lock(); defer s.mu.Unlock(); return s.fetches }

// Calls returns every request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the requests received for op.
func (s *Server) CallsTo(op string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// Sends returns copies of the group-send tasks created, in order.
func (s *Server) Sends() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Send, 0, len(s.sends))
	for _, t := range s.sends {
		c := *t
		c.Status = map[string]int{}
		for k, v := range t.Status {
			c.Status[k] = v
		}
		c.Reminders = slices.Clone(t.Reminders)
		out = append(out, c)
	}
	return out
}

// Confirm plays the sender pressing send in WeChat Work: each group of the
// task receives it (status 1), or not when it already received as many as
// the rule allows in the current window (status 3).
func (s *Server) Confirm(msgID, userid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.send(msgID)
	switch {
	case t == nil:
		return fmt.Errorf("custgroupfake: no task %s", msgID)
	case t.Sender != userid:
		return fmt.Errorf("custgroupfake: %s is not the sender of %s", userid, msgID)
	case t.Cancelled:
		return fmt.Errorf("custgroupfake: task %s was cancelled", msgID)
	case !t.SentAt.IsZero():
		return fmt.Errorf("custgroupfake: task %s already sent", msgID)
	}
	now := s.now()
	t.SentAt = now
	for _, id := range t.ChatIDs {
		if s.rule.Check(now.In(China), s.received[id], 0).Full() {
			t.Status[id] = 3
			continue
		}
		t.Status[id] = 1
		s.received[id] = append(s.received[id], now)
	}
	return nil
}

func (s *Server) group(chatID string) *Group {
	for _, g := range s.groups {
		if g.ChatID == chatID {
			return g
		}
	}
	return nil
}

func (s *Server) send(msgID string) *Send {
	for _, t := range s.sends {
		if t.MsgID == msgID {
			return t
		}
	}
	return nil
}

func reply(w http.ResponseWriter, code int, msg string, out any) {
	m := map[string]any{}
	if out != nil {
		b, _ := json.Marshal(out)
		json.Unmarshal(b, &m)
	}
	m["errcode"], m["errmsg"] = code, msg
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(m)
}

func (s *Server) errmsg(code int) string {
	if code == CodeUntrustedIP {
		return "not allow to access from your ip, hint: [fake], from ip: " + s.ip + ", more info at https://open.work.weixin.qq.com/devtool/query?e=60020"
	}
	return fmt.Sprintf("fake error %d, hint: [fake]", code)
}

func (s *Server) gettoken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Call{Op: "gettoken", Time: s.now()}
	code := 0
	switch {
	case len(s.failNext["gettoken"]) > 0:
		code = s.failNext["gettoken"][0]
		s.failNext["gettoken"] = s.failNext["gettoken"][1:]
	case q.Get("corpid") != s.corpID:
		code = CodeBadCorpID
	case q.Get("corpsecret") != s.secret:
		code = CodeBadSecret
	}
	c.Errcode = code
	s.calls = append(s.calls, c)
	if code != 0 {
		reply(w, code, s.errmsg(code), nil)
		return
	}
	s.fetches++
	tok := fmt.Sprintf("fake-token-%d-%s", s.fetches, strings.Repeat("t", 40))
	s.tokens[tok] = s.now().Add(TokenTTL)
	reply(w, 0, "ok", map[string]any{"access_token": tok, "expires_in": int(TokenTTL / time.Second)})
}

// api wraps an operation: token check, injected failures, the call record.
func (s *Server) api(op string, h func(*Call, []byte) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		tok := r.URL.Query().Get("access_token")
		s.mu.Lock()
		defer s.mu.Unlock()
		c := &Call{Op: op, Body: string(body), Time: s.now()}
		exp, known := s.tokens[tok]
		code, out := 0, any(nil)
		switch {
		case tok == "":
			code = CodeNoToken
		case !known:
			code = CodeBadToken
		case !s.now().Before(exp):
			code = CodeTokenExpired
		case len(s.failNext[op]) > 0:
			code = s.failNext[op][0]
			s.failNext[op] = s.failNext[op][1:]
		default:
			code, out = h(c, body)
		}
		c.Errcode = code
		s.calls = append(s.calls, *c)
		if code != 0 {
			reply(w, code, s.errmsg(code), nil)
			return
		}
		reply(w, 0, "ok", out)
	}
}

// window cuts items by an opaque cursor; limit outside 1..max is def.
func window(n int, cursor string, limit, max, def int) (from, to int, next string, code int) {
	if limit < 1 || limit > max {
		limit = def
	}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		off, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "off:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "off:") || off < 0 || off > n {
			return 0, 0, "", CodeBadCursor
		}
		from = off
	}
	to = min(from+limit, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("off:" + strconv.Itoa(to)))
	}
	return from, to, next, 0
}
