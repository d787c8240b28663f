package tgfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Answers returns the answerCallbackQuery calls received, in order.
func (s *Server) Answers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

// PushUpdate queues u for getUpdates, giving it the next update id when its
// UpdateID is 0, and returns the id.
func (s *Server) PushUpdate(u tgbotapi.Update) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.UpdateID == 0 {
		s.nextUpdate++
		u.UpdateID = s.nextUpdate
	} else if u.UpdateID > s.nextUpdate {
		s.nextUpdate = u.UpdateID
	}
	b, _ := json.Marshal(u)
	s.updates = append(s.updates, b)
	s.updateIDs = append(s.updateIDs, u.UpdateID)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return u.UpdateID
}

// User returns the user the Push helpers use for id: first name "用户<id>",
// username "u<id>".
func User(id int64) tgbotapi.User {
	return tgbotapi.User{ID: id, FirstName: "用户" + strconv.FormatInt(id, 10), UserName: "u" + strconv.FormatInt(id, 10)}
}

// Chat returns the chat the Push helpers use for id: a supergroup titled
// "网格群<id>" when id is negative, else a private chat with User(id).
func Chat(id int64) *tgbotapi.Chat {
	if id < 0 {
		return &tgbotapi.Chat{ID: id, Type: "supergroup", Title: "网格群" + strconv.FormatInt(-id, 10)}
	}
	u := User(id)
	return &tgbotapi.Chat{ID: id, Type: "private", FirstName: u.FirstName, UserName: u.UserName}
}

// PushMessage queues a message update (message id, date and chat filled in
// when missing) and returns its update id.
func (s *Server) PushMessage(m tgbotapi.Message) int {
	s.mu.Lock()
	if m.MessageID == 0 && m.Chat != nil {
		s.nextMsg[m.Chat.ID]++
		m.MessageID = 100 + s.nextMsg[m.Chat.ID]
	}
	s.mu.Unlock()
	if m.Date == 0 {
		m.Date = int(time.Now().Unix())
	}
	return s.PushUpdate(tgbotapi.Update{Message: &m})
}

// PushText queues text from userID in chatID (see Chat and User).
func (s *Server) PushText(chatID, userID int64, text string) int {
	u := User(userID)
	return s.PushMessage(tgbotapi.Message{From: &u, Chat: Chat(chatID), Text: text})
}

// PushCallback queues a press of a button with data on message msgID in
// chatID by userID; the callback query id is "cb<update id>".
func (s *Server) PushCallback(chatID, userID int64, msgID int, data string) int {
	u := User(userID)
	s.mu.Lock()
	id := strconv.Itoa(s.nextUpdate + 1)
	s.mu.Unlock()
	return s.PushUpdate(tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{
		ID: "cb" + id, From: &u, Data: data, ChatInstance: "ci",
		Message: &tgbotapi.Message{MessageID: msgID, Chat: Chat(chatID), Date: int(time.Now().Unix())},
	}})
}

// PushPollAnswer queues userID's answer to pollID (no options: retracted).
func (s *Server) PushPollAnswer(userID int64, pollID string, options ...int) int {
	if options == nil {
		options = []int{}
	}
	return s.PushUpdate(tgbotapi.Update{PollAnswer: &tgbotapi.PollAnswer{PollID: pollID, User: User(userID), OptionIDs: options}})
}

// PushMember queues a my_chat_member update: byUserID changed the bot's
// status in chatID to status ("member", "administrator", "left", "kicked").
func (s *Server) PushMember(chatID, byUserID int64, status string) int {
	s.mu.Lock()
	me := s.me
	s.mu.Unlock()
	old := "left"
	if status == "left" || status == "kicked" {
		old = "member"
	}
	return s.PushUpdate(tgbotapi.Update{MyChatMember: &tgbotapi.ChatMemberUpdated{
		Chat: *Chat(chatID), From: User(byUserID), Date: int(time.Now().Unix()),
		OldChatMember: tgbotapi.ChatMember{User: &me, Status: old},
		NewChatMember: tgbotapi.ChatMember{User: &me, Status: status},
	}})
}

// PushMigration queues the service message Telegram sends in the old group
// when it becomes supergroup newChatID.
func (s *Server) PushMigration(oldChatID, newChatID int64) int {
	u := User(1)
	return s.PushMessage(tgbotapi.Message{From: &u, Chat: &tgbotapi.Chat{ID: oldChatID, Type: "group", Title: "网格群"},
		MigrateToChatID: newChatID})
}

// getUpdates answers with pushed updates of id >= offset, confirming (and
// forgetting) those below it, waiting up to min(timeout, max poll wait)
// for some to arrive. As Telegram does, a getUpdates that arrives while
// another is waiting ends the waiting one with 409 Conflict (counted in
// Conflicts).
func (s *Server) getUpdates(r *http.Request, p map[string]string) reply {
	offset, _ := strconv.Atoi(p["offset"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	s.mu.Lock()
	if s.webhook != nil {
		s.mu.Unlock()
		return errReply(Failure{Code: 409})
	}
	if f, ok := s.takeFailure("getUpdates"); ok {
		s.mu.Unlock()
		return errReply(f)
	}
	wait := min(time.Duration(timeout)*time.Second, s.maxWait)
	s.pollGen++
	gen := s.pollGen
	if s.polling > 0 {
		s.conflicts++
		close(s.arrived)
		s.arrived = make(chan struct{})
	}
	s.polling++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling--
		s.mu.Unlock()
	}()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if s.pollGen != gen {
			s.mu.Unlock()
			return errReply(Failure{Code: 409, Desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
		}
		i := 0
		for i < len(s.updateIDs) && s.updateIDs[i] < offset {
			i++
		}
		s.updates, s.updateIDs = s.updates[i:], s.updateIDs[i:]
		n := min(len(s.updates), limit)
		if n > 0 || wait == 0 {
			out := make([]json.RawMessage, n)
			copy(out, s.updates[:n])
			s.mu.Unlock()
			return okBody(out)
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			return okBody([]json.RawMessage{})
		}
	}
}

// Conflicts returns how many times a getUpdates arrived while another was
// still waiting: two readers polling at once.
func (s *Server) Conflicts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conflicts
}

// PostToWebhook delivers u to the registered webhook the way Telegram does
// (POST with the secret header), giving it the next update id when its
// UpdateID is 0, and returns the HTTP status the bot answered.
func (s *Server) PostToWebhook(u tgbotapi.Update) (int, error) {
	s.mu.Lock()
	wh := s.webhook
	if u.UpdateID == 0 {
		s.nextUpdate++
		u.UpdateID = s.nextUpdate
	}
	s.mu.Unlock()
	if wh == nil {
		return 0, errors.New("tgfake: no webhook set")
	}
	b, _ := json.Marshal(u)
	req, err := http.NewRequest(http.MethodPost, wh.URL, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.Secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.Secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
