package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Message is what the bot sends. Text is a small HTML subset (<b>, <i>,
// <u>, <code>, <a href="...">) in which every piece of user text has been
// escaped with Esc; adapters convert it to their platform's markup.
type Message struct {
	Text    string
	Buttons [][]Button
	// File, when set, is sent as a document with Text as its caption.
	File *File
	// ReplyTo is the platform message id this message answers.
	ReplyTo string
	// Silent asks the platform not to ring a notification.
	Silent bool
	// PaidBroadcast sends the message through the platform's paid bulk
	// channel, where the operator turned one on (Telegram:
	// allow_paid_broadcast, up to 1,000 messages a second for 0.1 Telegram
	// Stars each, from the bot's balance). Only the outbox sets it; adapters
	// without such a channel ignore it.
	PaidBroadcast bool
}

// Button is an inline button: either Data (sent back in Update.Data when
// pressed) or URL (opened by the client). Say is what a user types to the
// same effect on platforms without buttons ("报名 7"); adapters show it
// there as a hint.
type Button struct {
	Text string
	Data string
	URL  string
	Say  string
}

// File is a document attachment.
type File struct {
	Name string
	Data []byte
	// Photo asks for a picture (a QR code) shown in the chat rather than a
	// document to download, where the platform can; the others send it as
	// a file.
	Photo bool
}

// Sender delivers messages to chats. Send returns the platform message id.
// Errors are *SendError where the platform said why.
type Sender interface {
	Send(ctx context.Context, chat ChatRef, m Message) (msgID string, err error)
}

// Editor is implemented by senders that can change a sent message.
type Editor interface {
	Edit(ctx context.Context, chat ChatRef, msgID string, m Message) error
}

// Deleter is implemented by senders that can delete a sent message.
type Deleter interface {
	Delete(ctx context.Context, chat ChatRef, msgID string) error
}

// CallbackAnswerer is implemented by senders whose buttons need an answer
// (Telegram shows a spinner until answerCallbackQuery).
type CallbackAnswerer interface {
	AnswerCallback(ctx context.Context, callbackID, text string) error
}

// QuizPoll is a native quiz poll with one correct option.
type QuizPoll struct {
	Question    string
	Options     []string
	Correct     int
	Explanation string
	OpenPeriod  time.Duration
}

// Poller is implemented by senders that can send native quiz polls.
type Poller interface {
	SendQuiz(ctx context.Context, chat ChatRef, q QuizPoll) (pollID, msgID string, err error)
}

// ChatInspector is implemented by senders that can ask about a chat.
type ChatInspector interface {
	MemberCount(ctx context.Context, chat ChatRef) (int, error)
	IsAdmin(ctx context.Context, chat ChatRef, user UserRef) (bool, error)
}

// DeepLinker is implemented by senders that can build a link opening a
// private chat with the bot carrying payload (Telegram t.me/bot?start=...).
type DeepLinker interface {
	DeepLink(payload string) string
}

// ErrorKind classifies a failed send so callers can react the same way on
// every platform.
type ErrorKind uint8

const (
	// Permanent failures will not succeed on retry (bad request).
	Permanent ErrorKind = iota
	// RateLimited means wait RetryAfter and try again.
	RateLimited
	// Temporary failures (5xx, network) may succeed with backoff.
	Temporary
	// Gone means the bot can no longer post in the chat (removed, blocked,
	// invalid webhook key).
	Gone
)

// SendError is a platform's refusal, classified. Desc never holds secrets.
type SendError struct {
	Kind       ErrorKind
	RetryAfter time.Duration
	Code       int
	Desc       string
}

func (e *SendError) Error() string {
	switch e.Kind {
	case RateLimited:
		return fmt.Sprintf("rate limited (%d): retry after %s: %s", e.Code, e.RetryAfter, e.Desc)
	case Temporary:
		return fmt.Sprintf("temporary failure (%d): %s", e.Code, e.Desc)
	case Gone:
		return fmt.Sprintf("chat gone (%d): %s", e.Code, e.Desc)
	}
	return fmt.Sprintf("send failed (%d): %s", e.Code, e.Desc)
}

// KindOf returns the kind of a send error; errors that are not a SendError
// (network, timeouts) count as Temporary, nil as Permanent.
func KindOf(err error) ErrorKind {
	var se *SendError
	if errors.As(err, &se) {
		return se.Kind
	}
	if err == nil {
		return Permanent
	}
	if errors.Is(err, context.Canceled) {
		return Permanent
	}
	return Temporary
}

// ErrUnsupported is returned when a platform cannot do what was asked
// (a private chat on a WeChat Work group robot, an edit on the console).
var ErrUnsupported = errors.New("not supported on this platform")

// Mux routes each call to the Sender of the chat's platform, so code that
// broadcasts to many platforms holds one Sender.
type Mux map[string]Sender

var (
	_ Sender           = Mux(nil)
	_ Editor           = Mux(nil)
	_ Deleter          = Mux(nil)
	_ Poller           = Mux(nil)
	_ ChatInspector    = Mux(nil)
	_ CallbackAnswerer = Mux(nil)
)

func (m Mux) pick(chat ChatRef) (Sender, error) {
	s, ok := m[chat.Platform()]
	if !ok {
		return nil, fmt.Errorf("no sender for platform %q: %w", chat.Platform(), ErrUnsupported)
	}
	return s, nil
}

// Send implements Sender.
func (m Mux) Send(ctx context.Context, chat ChatRef, msg Message) (string, error) {
	s, err := m.pick(chat)
	if err != nil {
		return "", err
	}
	return s.Send(ctx, chat, msg)
}

// Edit implements Editor where the platform's sender does.
func (m Mux) Edit(ctx context.Context, chat ChatRef, msgID string, msg Message) error {
	s, err := m.pick(chat)
	if err != nil {
		return err
	}
	if e, ok := s.(Editor); ok {
		return e.Edit(ctx, chat, msgID, msg)
	}
	return ErrUnsupported
}

// Delete implements Deleter where the platform's sender does.
func (m Mux) Delete(ctx context.Context, chat ChatRef, msgID string) error {
	s, err := m.pick(chat)
	if err != nil {
		return err
	}
	if d, ok := s.(Deleter); ok {
		return d.Delete(ctx, chat, msgID)
	}
	return ErrUnsupported
}

// SendQuiz implements Poller where the platform's sender does.
func (m Mux) SendQuiz(ctx context.Context, chat ChatRef, q QuizPoll) (string, string, error) {
	s, err := m.pick(chat)
	if err != nil {
		return "", "", err
	}
	if p, ok := s.(Poller); ok {
		return p.SendQuiz(ctx, chat, q)
	}
	return "", "", ErrUnsupported
}

// MemberCount implements ChatInspector where the platform's sender does.
func (m Mux) MemberCount(ctx context.Context, chat ChatRef) (int, error) {
	s, err := m.pick(chat)
	if err != nil {
		return 0, err
	}
	if c, ok := s.(ChatInspector); ok {
		return c.MemberCount(ctx, chat)
	}
	return 0, ErrUnsupported
}

// IsAdmin implements ChatInspector where the platform's sender does.
func (m Mux) IsAdmin(ctx context.Context, chat ChatRef, user UserRef) (bool, error) {
	s, err := m.pick(chat)
	if err != nil {
		return false, err
	}
	if c, ok := s.(ChatInspector); ok {
		return c.IsAdmin(ctx, chat, user)
	}
	return false, ErrUnsupported
}

// PollerOn returns what sends quiz polls to chats of platform through s:
// s itself when it is a Poller, or for a Mux the platform's own sender when
// that is one; ok is false when polls cannot be sent there.
func PollerOn(s Sender, platform string) (p Poller, ok bool) {
	if m, isMux := s.(Mux); isMux {
		p, ok = m[platform].(Poller)
		return p, ok
	}
	p, ok = s.(Poller)
	return p, ok
}

// DeepLinkOn returns a link opening a private chat with the bot on platform
// carrying payload, or "" when that platform has none.
func (m Mux) DeepLinkOn(platform, payload string) string {
	if d, ok := m[platform].(DeepLinker); ok {
		return d.DeepLink(payload)
	}
	return ""
}

// AnswerCallback implements CallbackAnswerer, picking the sender by the
// platform prefix that callback ids carry like chat references ("tg:...").
func (m Mux) AnswerCallback(ctx context.Context, callbackID, text string) error {
	p := platformOf(callbackID)
	if s, ok := m[p].(CallbackAnswerer); ok {
		return s.AnswerCallback(ctx, callbackID, text)
	}
	return ErrUnsupported
}
