package bot

import (
	"strings"
	"time"
)

// ChatRef names a chat together with its platform, e.g. "tg:-1001234",
// "wecom:wrkSFfCgAA", "console:g1".
type ChatRef string

// UserRef names a user together with its platform, e.g. "tg:42".
type UserRef string

// Platform returns the part before the first colon ("tg", "wecom", "console").
func (c ChatRef) Platform() string { return platformOf(string(c)) }

// ID returns the platform's own id, the part after the first colon.
func (c ChatRef) ID() string { return idOf(string(c)) }

// Platform returns the part before the first colon.
func (u UserRef) Platform() string { return platformOf(string(u)) }

// ID returns the platform's own id, the part after the first colon.
func (u UserRef) ID() string { return idOf(string(u)) }

// PrivateChat returns the chat of a one-to-one conversation with the user.
// On every platform gridbot supports, that chat shares the user's reference;
// a platform that cannot open private chats fails the send instead.
func (u UserRef) PrivateChat() ChatRef { return ChatRef(u) }

func platformOf(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i]
	}
	return ""
}

func idOf(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// ChatKind tells a group chat from a private one.
type ChatKind uint8

const (
	// Group is a group or supergroup with many members.
	Group ChatKind = iota
	// Private is a one-to-one chat between a user and the bot.
	Private
)

// Update is one thing that happened on a platform, converted by an adapter.
// Exactly one of Text, Data, Poll, Member or MigratedTo carries the event.
type Update struct {
	// ID is unique across platforms ("tg:123456"); the router skips an ID it
	// has already handled. Empty means no de-duplication.
	ID        string
	Chat      ChatRef
	ChatKind  ChatKind
	ChatTitle string
	User      UserRef
	// UserName is the display name, as the platform shows it.
	UserName string
	// Username is the platform handle without '@', when the user has one.
	Username  string
	MessageID string
	Time      time.Time

	// Text is the message text as typed.
	Text string
	// ReplyTo is set when the message answers another user's message.
	ReplyTo *Reply
	// Addressed is set by the adapter when the platform says the message
	// was meant for the bot: a reply to one of the bot's own messages
	// (Telegram), a WeChat Work robot callback (the robot hears only what
	// is said to it), or the console's 回复 line. Private chats and
	// @mentions in the text need no flag: the router sees them.
	Addressed bool
	// Mentions lists users named in the text that the platform resolved.
	Mentions []Mention

	// Data is the payload of a pressed inline button, "feature:rest".
	Data string
	// CallbackID carries its platform like a ChatRef ("tg:5123...").
	CallbackID string

	// Poll is an answer to a poll the bot sent.
	Poll *PollAnswer

	// Member reports the bot itself being added to or removed from Chat.
	Member *MemberEvent

	// MigratedTo is set when Chat became a new chat (Telegram supergroup).
	MigratedTo ChatRef
}

// Reply identifies the author of a message that was replied to.
type Reply struct {
	User      UserRef
	UserName  string
	MessageID string
}

// Mention is a user named in a message.
type Mention struct {
	User     UserRef
	UserName string
	// Username is the platform handle without '@', when known.
	Username string
}

// PollAnswer is a user's choice in a poll; Options are zero-based, empty
// when the vote was retracted.
type PollAnswer struct {
	PollID  string
	Options []int
}

// MemberEvent reports a change of the bot's own membership in a chat.
type MemberEvent struct {
	// Present is true when the bot is now in the chat.
	Present bool
	// Admin is true when the bot is an administrator there.
	Admin bool
}
