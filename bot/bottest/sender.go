package bottest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"gridbot/bot"
)

// Sent is one thing a Sender did that a user would see: a message or poll
// sent, a message edited (Edit), or a button press answered (Toast, with
// no Chat).
type Sent struct {
	Chat bot.ChatRef
	// ID is the message id sent or edited; for a poll, the poll id.
	ID    string
	Msg   bot.Message
	Poll  *bot.QuizPoll
	Edit  bool
	Toast string
}

// Sender is a bot.Sender that records, in order, every message it sends,
// every edit and every callback answer; Delete is recorded apart (see
// Deleted). Successful sends and polls share a counter n = 1, 2, …: a
// message gets id "n", a poll id "pn" with message id "n". Failed sends are
// not recorded but count as tries (see Tries).
//
// It is also a bot.Editor, bot.Deleter, bot.CallbackAnswerer and
// bot.ChatInspector; wrap it in Polls for bot.Poller and bot.DeepLinker,
// or in SendOnly to hide every capability. The zero Sender is ready to use.
type Sender struct {
	// Fail, when set, is asked before every send; try is how many sends
	// chat had before, failed ones included. A non-nil error fails the send.
	Fail func(chat bot.ChatRef, try int) error
	// Members, when set, answers MemberCount; nil answers
	// bot.ErrUnsupported, as a platform that cannot tell.
	Members func(chat bot.ChatRef) (int, error)

	mu         sync.Mutex
	n          int
	log        []Sent
	tries      map[bot.ChatRef]int
	failChat   map[bot.ChatRef]error
	failDelete map[bot.ChatRef]error
	deleted    map[bot.ChatRef]string
	admins     map[bot.UserRef]bool
}

var (
	_ bot.Sender           = (*Sender)(nil)
	_ bot.Editor           = (*Sender)(nil)
	_ bot.Deleter          = (*Sender)(nil)
	_ bot.CallbackAnswerer = (*Sender)(nil)
	_ bot.ChatInspector    = (*Sender)(nil)
)

// FailChat makes every later send to chat fail with err (nil: succeed
// again).
func (s *Sender) FailChat(chat bot.ChatRef, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failChat == nil {
		s.failChat = map[bot.ChatRef]error{}
	}
	s.failChat[chat] = err
}

// FailDelete makes every later Delete in chat fail with err (nil: succeed
// again).
func (s *Sender) FailDelete(chat bot.ChatRef, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failDelete == nil {
		s.failDelete = map[bot.ChatRef]error{}
	}
	s.failDelete[chat] = err
}

// SetAdmin sets whether IsAdmin reports user as a group admin (in any
// chat). Nobody is an admin until set.
func (s *Sender) SetAdmin(user bot.UserRef, admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admins == nil {
		s.admins = map[bot.UserRef]bool{}
	}
	s.admins[user] = admin
}

// try counts a send to chat and returns its error, if it is to fail.
// Callers hold s.mu.
func (s *Sender) try(chat bot.ChatRef) error {
	if s.tries == nil {
		s.tries = map[bot.ChatRef]int{}
	}
	n := s.tries[chat]
	s.tries[chat]++
	if err := s.failChat[chat]; err != nil {
		return err
	}
	if s.Fail != nil {
		return s.Fail(chat, n)
	}
	return nil
}

// Send records m to chat and returns its id.
func (s *Sender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.try(chat); err != nil {
		return "", err
	}
	s.n++
	id := fmt.Sprint(s.n)
	s.log = append(s.log, Sent{Chat: chat, ID: id, Msg: m})
	return id, nil
}

// Edit records m as the new content of message id in chat.
func (s *Sender) Edit(_ context.Context, chat bot.ChatRef, id string, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Sent{Chat: chat, ID: id, Msg: m, Edit: true})
	return nil
}

// Delete records that message id in chat was deleted, unless FailDelete
// said to fail.
func (s *Sender) Delete(_ context.Context, chat bot.ChatRef, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failDelete[chat]; err != nil {
		return err
	}
	if s.deleted == nil {
		s.deleted = map[bot.ChatRef]string{}
	}
	s.deleted[chat] = id
	return nil
}

// AnswerCallback records text as a toast.
func (s *Sender) AnswerCallback(_ context.Context, _ string, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Sent{Toast: text})
	return nil
}

// MemberCount asks Members.
func (s *Sender) MemberCount(_ context.Context, chat bot.ChatRef) (int, error) {
	if s.Members == nil {
		return 0, bot.ErrUnsupported
	}
	return s.Members(chat)
}

// IsAdmin reports what SetAdmin said about user.
func (s *Sender) IsAdmin(_ context.Context, _ bot.ChatRef, user bot.UserRef) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admins[user], nil
}

// Reset forgets what was sent, edited, answered and deleted; ids go on
// counting.
func (s *Sender) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log, s.deleted = nil, nil
}

// Len returns how many things are recorded; pass it to Since later.
func (s *Sender) Len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.log) }

// Since returns what was recorded after the first i things.
func (s *Sender) Since(i int) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log[i:])
}

// To returns the messages and polls sent to chat (no edits), in order.
func (s *Sender) To(chat bot.ChatRef) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.log {
		if m.Chat == chat && !m.Edit {
			out = append(out, m)
		}
	}
	return out
}

// Texts returns the text of every message sent, in order (no edits,
// polls or toasts).
func (s *Sender) Texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.log {
		if m.Chat != "" && !m.Edit && m.Poll == nil {
			out = append(out, m.Msg.Text)
		}
	}
	return out
}

// Last returns the last message sent to any chat (zero if none).
func (s *Sender) Last() bot.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.log) - 1; i >= 0; i-- {
		if m := s.log[i]; m.Chat != "" && !m.Edit && m.Poll == nil {
			return m.Msg
		}
	}
	return bot.Message{}
}

// LastTo returns the text of the last message sent to chat ("" if none).
func (s *Sender) LastTo(chat bot.ChatRef) string {
	all := s.To(chat)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Poll == nil {
			return all[i].Msg.Text
		}
	}
	return ""
}

// Edited returns the text of every edit, in order.
func (s *Sender) Edited() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.log {
		if m.Edit {
			out = append(out, m.Msg.Text)
		}
	}
	return out
}

// Answers returns the text of every callback answer, in order.
func (s *Sender) Answers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.log {
		if m.Chat == "" {
			out = append(out, m.Toast)
		}
	}
	return out
}

// Deleted returns the last message id deleted in each chat.
func (s *Sender) Deleted() map[bot.ChatRef]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.deleted)
}

// Count returns how many messages and polls were sent to chat.
func (s *Sender) Count(chat bot.ChatRef) int { return len(s.To(chat)) }

// Tries returns how many sends chat had, failed ones included.
func (s *Sender) Tries(chat bot.ChatRef) int { s.mu.Lock(); defer s.mu.Unlock(); return s.tries[chat] }

// Total returns how many messages and polls were sent successfully.
func (s *Sender) Total() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

// Polls is a Sender that is also a bot.Poller and bot.DeepLinker, as on
// Telegram: polls are recorded in the Sender's log with Poll set, deep
// links point to t.me/gridbot.
type Polls struct{ *Sender }

var (
	_ bot.Poller     = Polls{}
	_ bot.DeepLinker = Polls{}
)

// SendQuiz records q to chat and returns its poll id "pn" and message id
// "n".
func (p Polls) SendQuiz(_ context.Context, chat bot.ChatRef, q bot.QuizPoll) (string, string, error) {
	s := p.Sender
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.try(chat); err != nil {
		return "", "", err
	}
	s.n++
	id := fmt.Sprintf("p%d", s.n)
	s.log = append(s.log, Sent{Chat: chat, ID: id, Poll: &q})
	return id, fmt.Sprint(s.n), nil
}

// DeepLink returns https://t.me/gridbot?start=payload.
func (Polls) DeepLink(payload string) string { return "https://t.me/gridbot?start=" + payload }

// SendOnly returns a view of s that is a bot.Sender and nothing more, like
// a WeChat Work group robot.
func SendOnly(s bot.Sender) bot.Sender { return sendOnly{s} }

type sendOnly struct{ s bot.Sender }

func (o sendOnly) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	return o.s.Send(ctx, chat, m)
}
