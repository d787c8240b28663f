package telegram

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"gridbot/bot"
)

// Telegram's limits (counted here in bytes, which never exceed characters).
const (
	maxText     = 4096
	maxCaption  = 1024
	maxQuestion = 300
	maxOption   = 100
	maxExplain  = 200
)

// Send implements bot.Sender. Text goes in HTML parse mode; a text longer
// than Telegram's limit is split on line boundaries into several messages,
// ReplyTo applying to the first and Buttons to the last, whose id is
// returned. A File goes as a document (a photo when File.Photo) with the text as caption (the part
// beyond 1024 bytes follows as messages). A group that became a supergroup
// gets the message in the supergroup.
func (c *Client) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	id, err := chatID(chat)
	if err != nil {
		return "", err
	}
	caption, parts := splitText(m.Text, m.File != nil)
	var last string
	if m.File != nil {
		p := c.baseParams(id, m, len(parts) == 0)
		p.AddNonEmpty("caption", caption)
		var msg tgbotapi.Message
		method, field := "sendDocument", "document"
		if m.File.Photo {
			method, field = "sendPhoto", "photo"
		}
		files := []tgbotapi.RequestFile{{Name: field, Data: tgbotapi.FileBytes{Name: m.File.Name, Bytes: m.File.Data}}}
		if err := c.do(ctx, method, p, files, &msg); err != nil {
			return "", err
		}
		id = sentTo(p, id)
		last = strconv.Itoa(msg.MessageID)
		m.ReplyTo = ""
	}
	for i, text := range parts {
		p := c.baseParams(id, m, i == len(parts)-1)
		p["text"] = text
		var msg tgbotapi.Message
		if err := c.call(ctx, "sendMessage", p, &msg); err != nil {
			return last, err
		}
		id = sentTo(p, id)
		last = strconv.Itoa(msg.MessageID)
		m.ReplyTo = ""
	}
	return last, nil
}

// baseParams holds what every sent message carries; buttons only when
// withButtons.
func (c *Client) baseParams(id int64, m bot.Message, withButtons bool) tgbotapi.Params {
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(id, 10), "parse_mode": tgbotapi.ModeHTML}
	if m.ReplyTo != "" {
		p["reply_to_message_id"] = m.ReplyTo
		p["allow_sending_without_reply"] = "true"
	}
	p.AddBool("disable_notification", m.Silent)
	p.AddBool("allow_paid_broadcast", m.PaidBroadcast)
	if withButtons {
		if kb := keyboard(m.Buttons); kb != "" {
			p["reply_markup"] = kb
		}
	}
	return p
}

// keyboard renders buttons as an inline keyboard, "" when there are none.
func keyboard(rows [][]bot.Button) string {
	var kb tgbotapi.InlineKeyboardMarkup
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			btn := tgbotapi.InlineKeyboardButton{Text: b.Text}
			if b.URL != "" {
				btn.URL = &b.URL
			} else {
				data := b.Data
				btn.CallbackData = &data
			}
			r = append(r, btn)
		}
		if len(r) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, r)
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return ""
	}
	b, _ := json.Marshal(kb)
	return string(b)
}

// Edit implements bot.Editor: the text and buttons of msgID are replaced;
// no Buttons removes the keyboard. With an empty Text only the buttons
// change. A text too long for one message keeps its whole first lines and
// ends with a line "…" (a notice that grew stays current and its buttons
// keep working). "message is not modified" counts as success.
func (c *Client) Edit(ctx context.Context, chat bot.ChatRef, msgID string, m bot.Message) error {
	id, err := chatID(chat)
	if err != nil {
		return err
	}
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(id, 10), "message_id": msgID}
	if kb := keyboard(m.Buttons); kb != "" {
		p["reply_markup"] = kb
	}
	method := "editMessageReplyMarkup"
	if m.Text != "" {
		method = "editMessageText"
		p["text"] = fitOne(m.Text)
		p["parse_mode"] = tgbotapi.ModeHTML
	}
	err = c.call(ctx, method, p, nil)
	if isDesc(err, "message is not modified") {
		return nil
	}
	return err
}

// splitText cuts text into the messages to send (each within Telegram's
// limit, without the line breaks at the cuts, which Telegram would drop)
// and, for a document, first its caption.
func splitText(text string, document bool) (caption string, parts []string) {
	if document {
		caps := bot.Split(text, maxCaption)
		caption, text = strings.Trim(caps[0], "\n"), strings.Join(caps[1:], "")
		if text == "" {
			return caption, nil
		}
	}
	for _, p := range bot.Split(text, maxText) {
		if p = strings.Trim(p, "\n"); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 && !document {
		parts = []string{text}
	}
	return caption, parts
}

// more ends a text cut by fitOne.
const more = "\n…"

// fitOne returns text when it fits one message, else its first lines that
// fit followed by more.
func fitOne(text string) string {
	if len(text) <= maxText {
		return text
	}
	return strings.TrimRight(bot.Split(text, maxText-len(more))[0], "\n") + more
}

// Delete implements bot.Deleter; a message already gone counts as deleted.
func (c *Client) Delete(ctx context.Context, chat bot.ChatRef, msgID string) error {
	id, err := chatID(chat)
	if err != nil {
		return err
	}
	err = c.call(ctx, "deleteMessage", tgbotapi.Params{"chat_id": strconv.FormatInt(id, 10), "message_id": msgID}, nil)
	if isDesc(err, "message to delete not found") {
		return nil
	}
	return err
}

func isDesc(err error, part string) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), part)
}

// SendQuiz implements bot.Poller with a native, non-anonymous quiz poll.
// Question, options and explanation are plain text (not HTML), cut to
// Telegram's limits. OpenPeriod is applied when it is between 5s and 10min
// (shorter rounds up to 5s; longer leaves the poll open). Send quizzes to
// private chats: in a group every vote would be visible to all.
func (c *Client) SendQuiz(ctx context.Context, chat bot.ChatRef, q bot.QuizPoll) (string, string, error) {
	id, err := chatID(chat)
	if err != nil {
		return "", "", err
	}
	opts := make([]string, len(q.Options))
	for i, o := range q.Options {
		opts[i] = cut(o, maxOption)
	}
	optJSON, _ := json.Marshal(opts)
	p := tgbotapi.Params{
		"chat_id":           strconv.FormatInt(id, 10),
		"question":          cut(q.Question, maxQuestion),
		"options":           string(optJSON),
		"type":              "quiz",
		"is_anonymous":      "false",
		"correct_option_id": strconv.Itoa(q.Correct),
	}
	p.AddNonEmpty("explanation", cut(q.Explanation, maxExplain))
	if q.OpenPeriod > 0 && q.OpenPeriod <= 10*time.Minute {
		p["open_period"] = strconv.Itoa(max(int(q.OpenPeriod/time.Second), 5))
	}
	var msg tgbotapi.Message
	if err := c.call(ctx, "sendPoll", p, &msg); err != nil {
		return "", "", err
	}
	pollID := ""
	if msg.Poll != nil {
		pollID = msg.Poll.ID
	}
	return pollID, strconv.Itoa(msg.MessageID), nil
}

// cut keeps at most n characters.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// MemberCount implements bot.ChatInspector (getChatMemberCount).
func (c *Client) MemberCount(ctx context.Context, chat bot.ChatRef) (int, error) {
	id, err := chatID(chat)
	if err != nil {
		return 0, err
	}
	var n int
	err = c.call(ctx, "getChatMemberCount", tgbotapi.Params{"chat_id": strconv.FormatInt(id, 10)}, &n)
	return n, err
}

// IsAdmin implements bot.ChatInspector: true when user is the creator or an
// administrator of chat (getChatMember).
func (c *Client) IsAdmin(ctx context.Context, chat bot.ChatRef, user bot.UserRef) (bool, error) {
	id, err := chatID(chat)
	if err != nil {
		return false, err
	}
	uid, err := chatID(bot.ChatRef(user))
	if err != nil {
		return false, err
	}
	var m tgbotapi.ChatMember
	err = c.call(ctx, "getChatMember", tgbotapi.Params{
		"chat_id": strconv.FormatInt(id, 10), "user_id": strconv.FormatInt(uid, 10)}, &m)
	if err != nil {
		return false, err
	}
	return m.Status == "creator" || m.Status == "administrator", nil
}

// Admins returns the user refs of chat's administrators, creator included
// (getChatAdministrators).
func (c *Client) Admins(ctx context.Context, chat bot.ChatRef) ([]bot.UserRef, error) {
	id, err := chatID(chat)
	if err != nil {
		return nil, err
	}
	var ms []tgbotapi.ChatMember
	if err := c.call(ctx, "getChatAdministrators", tgbotapi.Params{"chat_id": strconv.FormatInt(id, 10)}, &ms); err != nil {
		return nil, err
	}
	out := make([]bot.UserRef, 0, len(ms))
	for _, m := range ms {
		if m.User != nil {
			out = append(out, UserRef(m.User.ID))
		}
	}
	return out, nil
}

// DeepLink implements bot.DeepLinker: https://t.me/<bot>?start=<payload>.
// Telegram accepts payloads of up to 64 characters A-Z a-z 0-9 _ -.
func (c *Client) DeepLink(payload string) string {
	return "https://t.me/" + c.self.UserName + "?start=" + url.QueryEscape(payload)
}

// AnswerCallback implements bot.CallbackAnswerer; callbackID is "tg:<id>".
func (c *Client) AnswerCallback(ctx context.Context, callbackID, text string) error {
	p := tgbotapi.Params{"callback_query_id": strings.TrimPrefix(callbackID, Platform+":")}
	p.AddNonEmpty("text", bot.PlainText(text))
	return c.call(ctx, "answerCallbackQuery", p, nil)
}
