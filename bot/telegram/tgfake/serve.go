package tgfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// CallbackAnswer is a recorded answerCallbackQuery.
type CallbackAnswer struct {
	ID   string
	Text string
}

type reply struct {
	status int
	body   []byte
}

func okBody(v any) reply {
	res, _ := json.Marshal(v)
	b, _ := json.Marshal(map[string]any{"ok": true, "result": json.RawMessage(res)})
	return reply{status: 200, body: b}
}

func errReply(f Failure) reply {
	desc := f.Desc
	if desc == "" {
		desc = defaultDesc(f.Code)
	}
	if f.Raw {
		return reply{status: f.Code, body: []byte("<html><body>" + desc + "</body></html>")}
	}
	return reply{status: f.Code, body: errorBody(f.Code, desc, f.RetryAfter, f.MigrateTo)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	tokenPart, method, ok := strings.Cut(path, "/")
	if !ok || !strings.HasPrefix(tokenPart, "bot") {
		s.write(w, errReply(Failure{Code: 404}))
		return
	}
	p, file, fileName := params(r)
	var chat int64
	if v, ok := p["chat_id"]; ok {
		chat = chatKey(v)
	}
	var rep reply
	if method == "getUpdates" {
		rep = s.getUpdates(r, p)
	} else {
		rep = s.handle(method, p, chat, file, fileName)
	}
	s.mu.Lock()
	s.calls[method]++
	if s.kept(chat) {
		s.requests = append(s.requests, Request{Method: method, ChatID: chat, Time: now(), Status: rep.status})
	}
	s.mu.Unlock()
	s.write(w, rep)
}

func (s *Server) write(w http.ResponseWriter, rep reply) {
	if len(rep.body) > 0 && rep.body[0] == '{' {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/html")
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// params reads form, multipart or JSON parameters as strings.
func params(r *http.Request) (map[string]string, []byte, string) {
	out := map[string]string{}
	ct := r.Header.Get("Content-Type")
	var file []byte
	var fileName string
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(32 << 20); err == nil {
			for k, v := range r.MultipartForm.Value {
				out[k] = v[0]
			}
			for _, fhs := range r.MultipartForm.File {
				if f, err := fhs[0].Open(); err == nil {
					file, _ = io.ReadAll(f)
					fileName = fhs[0].Filename
					f.Close()
				}
			}
		}
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) == nil {
			for k, v := range m {
				if s, ok := v.(string); ok {
					out[k] = s
				} else {
					b, _ := json.Marshal(v)
					out[k] = string(b)
				}
			}
		}
	default:
		_ = r.ParseForm()
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, file, fileName
}

func isSend(method string) bool {
	return method == "sendMessage" || method == "sendDocument" || method == "sendPhoto" || method == "sendPoll"
}

// isEdit reports whether method changes a sent message. Edits count
// against the same limits as sends: Telegram's developers have said that a
// bot can edit about 20 times a minute in a group and that this budget is
// shared with sending (tdlib/td issues 2592 and 3034).
func isEdit(method string) bool {
	return method == "editMessageText" || method == "editMessageReplyMarkup" || method == "editMessageCaption"
}

func (s *Server) handle(method string, p map[string]string, chat int64, file []byte, fileName string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.takeFailure(method); ok {
		return errReply(f)
	}
	if f, ok := s.chatFail[chat]; ok && chat != 0 {
		return errReply(f)
	}
	if to, ok := s.migrated[chat]; ok && chat != 0 {
		return errReply(migrationFailure(to))
	}
	if isSend(method) || isEdit(method) {
		if wait := s.checkLimits(chat, isSend(method) && p["allow_paid_broadcast"] == "true"); wait > 0 && s.limits {
			return errReply(Failure{Code: 429, Desc: "Too Many Requests: retry after " + strconv.Itoa(wait), RetryAfter: wait})
		}
	}
	switch method {
	case "getMe":
		return okBody(s.me)
	case "sendMessage":
		if p["text"] == "" {
			return errReply(Failure{Code: 400, Desc: "Bad Request: message text is empty"})
		}
		return s.record(method, chat, p, p["text"], nil, "", nil)
	case "sendDocument", "sendPhoto":
		if file == nil {
			return errReply(Failure{Code: 400, Desc: "Bad Request: there is no document in the request"})
		}
		return s.record(method, chat, p, p["caption"], file, fileName, nil)
	case "sendPoll":
		var opts []string
		_ = json.Unmarshal([]byte(p["options"]), &opts)
		if p["question"] == "" || len(opts) < 2 {
			return errReply(Failure{Code: 400, Desc: "Bad Request: poll must have a question and at least 2 options"})
		}
		s.nextPoll++
		poll := &Poll{ID: "poll" + strconv.Itoa(s.nextPoll), Question: p["question"], Options: opts, Type: p["type"],
			Explanation: p["explanation"], IsAnonymous: p["is_anonymous"] != "false"}
		poll.Correct, _ = strconv.Atoi(p["correct_option_id"])
		poll.OpenPeriod, _ = strconv.Atoi(p["open_period"])
		return s.record(method, chat, p, p["question"], nil, "", poll)
	case "editMessageText", "editMessageReplyMarkup":
		return s.edit(method, chat, p)
	case "deleteMessage":
		m := s.find(chat, p["message_id"])
		if m == nil && !s.kept(chat) {
			return okBody(true)
		}
		if m == nil {
			return errReply(Failure{Code: 400, Desc: "Bad Request: message to delete not found"})
		}
		m.Deleted = true
		s.notifyChanged()
		return okBody(true)
	case "answerCallbackQuery":
		s.answers = append(s.answers, CallbackAnswer{ID: p["callback_query_id"], Text: p["text"]})
		return okBody(true)
	case "getChatMemberCount", "getChatMembersCount":
		n, ok := s.members[chat]
		if !ok {
			n = 3
		}
		return okBody(n)
	case "getChatAdministrators":
		var out []tgbotapi.ChatMember
		for i, id := range s.admins[chat] {
			st := "administrator"
			if i == 0 {
				st = "creator"
			}
			out = append(out, tgbotapi.ChatMember{User: &tgbotapi.User{ID: id, FirstName: "管理员" + strconv.FormatInt(id, 10)}, Status: st})
		}
		if out == nil {
			out = []tgbotapi.ChatMember{}
		}
		return okBody(out)
	case "getChatMember":
		uid := chatKey(p["user_id"])
		st := "member"
		for i, id := range s.admins[chat] {
			if id == uid {
				st = "administrator"
				if i == 0 {
					st = "creator"
				}
			}
		}
		return okBody(tgbotapi.ChatMember{User: &tgbotapi.User{ID: uid}, Status: st})
	case "setWebhook":
		wh := &Webhook{URL: p["url"], Secret: p["secret_token"]}
		_ = json.Unmarshal([]byte(p["allowed_updates"]), &wh.AllowedUpdates)
		s.webhook = wh
		return okBody(true)
	case "deleteWebhook":
		s.webhook = nil
		return okBody(true)
	}
	return errReply(Failure{Code: 404, Desc: "Not Found"})
}

// checkLimits records a send to chat and returns 0, or the seconds to wait
// when it breaks a limit (a violation). A paid broadcast
// (allow_paid_broadcast) counts against 1,000 a second instead of the
// free 30; the group's own 20 a minute still applies. Called with s.mu held.
func (s *Server) checkLimits(chat int64, paid bool) int {
	if s.judge != nil {
		if t, ok := s.judge(chat); ok {
			return s.checkJudged(chat, paid, t)
		}
	}
	t := now()
	window, limit := &s.perBot, 30
	if paid {
		window, limit = &s.perPaid, 1000
	}
	*window = prune(*window, t.Add(-time.Second))
	wait := 0
	if len(*window) >= limit {
		wait = ceilSec((*window)[len(*window)-limit].Add(time.Second).Sub(t))
	}
	if chat < 0 {
		s.perChat[chat] = prune(s.perChat[chat], t.Add(-time.Minute))
		if q := s.perChat[chat]; len(q) >= 20 {
			wait = max(wait, ceilSec(q[len(q)-20].Add(time.Minute).Sub(t)))
		}
	}
	if wait > 0 {
		s.violations++
		if s.limits {
			return wait
		}
	}
	*window = append(*window, t)
	if paid {
		s.paid++
	}
	if chat < 0 {
		s.perChat[chat] = append(s.perChat[chat], t)
	}
	return wait
}

// checkJudged is checkLimits for a send judged at t (see JudgeAt), which
// may be earlier than sends already counted.
func (s *Server) checkJudged(chat int64, paid bool, t time.Time) int {
	window, limit := &s.perBot, 30
	if paid {
		window, limit = &s.perPaid, 1000
	}
	wait := 0
	if crowded(*window, t, time.Second, limit) {
		wait = 1
	}
	if chat < 0 && crowded(s.perChat[chat], t, time.Minute, 20) {
		wait = max(wait, 60)
	}
	if wait > 0 {
		s.violations++
		if s.limits {
			return wait
		}
	}
	*window = insertTime(*window, t)
	if paid {
		s.paid++
	}
	if chat < 0 {
		s.perChat[chat] = insertTime(s.perChat[chat], t)
	}
	return wait
}

// crowded reports whether adding t to the sorted times ts puts more than
// limit of them in some span shorter than d.
func crowded(ts []time.Time, t time.Time, d time.Duration, limit int) bool {
	lo, _ := slices.BinarySearchFunc(ts, t.Add(-d), func(a, b time.Time) int { return a.Compare(b) })
	hi, _ := slices.BinarySearchFunc(ts, t.Add(d), func(a, b time.Time) int { return a.Compare(b) })
	near := insertTime(slices.Clone(ts[lo:hi]), t)
	j := 0
	for i := range near {
		for near[i].Sub(near[j]) >= d {
			j++
		}
		if i-j+1 > limit {
			return true
		}
	}
	return false
}

// insertTime adds t to the sorted times ts, keeping them sorted.
func insertTime(ts []time.Time, t time.Time) []time.Time {
	i, _ := slices.BinarySearchFunc(ts, t, func(a, b time.Time) int { return a.Compare(b) })
	return slices.Insert(ts, i, t)
}

func prune(ts []time.Time, after time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(after) {
		i++
	}
	return ts[i:]
}

func ceilSec(d time.Duration) int { return max(1, int((d+time.Second-1)/time.Second)) }

func (s *Server) find(chat int64, msgID string) *Sent {
	id, _ := strconv.Atoi(msgID)
	for _, m := range s.sent {
		if m.ChatID == chat && m.MessageID == id && !m.Deleted {
			return m
		}
	}
	return nil
}

func (s *Server) record(method string, chat int64, p map[string]string, text string, file []byte, fileName string, poll *Poll) reply {
	if chat == 0 {
		return errReply(Failure{Code: 400, Desc: "Bad Request: chat not found"})
	}
	s.nextMsg[chat]++
	m := &Sent{Method: method, ChatID: chat, MessageID: 100 + s.nextMsg[chat], Text: text, ParseMode: p["parse_mode"],
		Markup: p["reply_markup"], Silent: p["disable_notification"] == "true", FileName: fileName, FileData: file,
		Poll: poll, Time: now()}
	m.Buttons = buttons(m.Markup)
	m.ReplyTo, _ = strconv.Atoi(p["reply_to_message_id"])
	m.Versions = []Version{{Time: m.Time, Text: text}}
	s.delivered++
	if !s.kept(chat) {
		return okBody(s.message(m))
	}
	s.sent = append(s.sent, m)
	s.notifyChanged()
	return okBody(s.message(m))
}

func (s *Server) message(m *Sent) tgbotapi.Message {
	typ := "private"
	if m.ChatID < 0 {
		typ = "supergroup"
	}
	me := s.me
	out := tgbotapi.Message{MessageID: m.MessageID, From: &me, Date: int(m.Time.Unix()),
		Chat: &tgbotapi.Chat{ID: m.ChatID, Type: typ}, Text: m.Text}
	if m.Poll != nil {
		out.Text = ""
		out.Poll = &tgbotapi.Poll{ID: m.Poll.ID, Question: m.Poll.Question, Type: m.Poll.Type, IsAnonymous: m.Poll.IsAnonymous}
	}
	if m.FileData != nil {
		out.Text = ""
		out.Caption = m.Text
		out.Document = &tgbotapi.Document{FileID: "doc" + strconv.Itoa(m.MessageID), FileName: m.FileName}
	}
	return out
}

func (s *Server) edit(method string, chat int64, p map[string]string) reply {
	m := s.find(chat, p["message_id"])
	if m == nil && !s.kept(chat) {
		id, _ := strconv.Atoi(p["message_id"])
		return okBody(s.message(&Sent{Method: method, ChatID: chat, MessageID: id, Text: p["text"], Time: now()}))
	}
	if m == nil {
		return errReply(Failure{Code: 400, Desc: "Bad Request: message to edit not found"})
	}
	text := m.Text
	if method == "editMessageText" {
		text = p["text"]
		if text == "" {
			return errReply(Failure{Code: 400, Desc: "Bad Request: message text is empty"})
		}
	}
	if text == m.Text && p["reply_markup"] == m.Markup {
		return errReply(Failure{Code: 400, Desc: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"})
	}
	m.Text = text
	if pm, ok := p["parse_mode"]; ok {
		m.ParseMode = pm
	}
	m.Markup = p["reply_markup"]
	m.Buttons = buttons(m.Markup)
	m.Edits++
	m.Versions = append(m.Versions, Version{Time: now(), Text: text})
	s.notifyChanged()
	return okBody(s.message(m))
}

func buttons(markup string) [][]Button {
	if markup == "" {
		return nil
	}
	var kb tgbotapi.InlineKeyboardMarkup
	if json.Unmarshal([]byte(markup), &kb) != nil {
		return nil
	}
	var out [][]Button
	for _, row := range kb.InlineKeyboard {
		var r []Button
		for _, b := range row {
			nb := Button{Text: b.Text}
			if b.CallbackData != nil {
				nb.Data = *b.CallbackData
			}
			if b.URL != nil {
				nb.URL = *b.URL
			}
			r = append(r, nb)
		}
		out = append(out, r)
	}
	return out
}
