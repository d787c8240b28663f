package bot

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Answer is the bot's reply to one person's message in a group, in a form
// a group's reply coalescer can merge with the answers to others while the
// group's send budget is spent (Telegram lets a bot post about 20 messages
// a minute into one group; a WeChat Work group robot 20 a minute).
//
// Text alone is enough: it is sent as it is when the group has budget, and
// shown after the person's name in a merged message when it has not.
// Answers of the same Kind merge into one section: Head once, then one
// line per person (their name, then Item), then the Tail of the newest.
type Answer struct {
	User UserRef
	// Name is the person's name as the group sees it (plain text).
	Name string
	// Text is the whole answer (HTML) as it is sent when alone.
	Text    string
	ReplyTo string
	Buttons [][]Button
	// Private is what the person gets in a private chat when the group
	// cannot show the answer within a few seconds ("" means Text). It may
	// hold what the group must not see (remarks, phone numbers).
	Private string
	// Kind names the answers that merge ("ev:join:3"); "" merges none.
	Kind string
	// Head, Item and Tail are HTML; Item and Tail carry no private details.
	Head, Item, Tail string
	// Same marks an answer that is the same text for everyone who asks
	// (the list of activities): askers' names are joined before one copy.
	Same bool
	// Live names the live message that shows this outcome to the group
	// (an activity's sign-up list, "ev:3"); the answer is done once that
	// message is current in this group. Other groups showing it are not
	// touched: their owner refreshes them now and then (Touch).
	Live string
}

// Replies coalesces the answers a group is owed under its send budget.
// Implementations keep every answer durably until the group or the person
// has seen it, and may run in many replicas at once.
type Replies interface {
	// Answer queues a for the group chat.
	Answer(ctx context.Context, chat ChatRef, a Answer) error
	// Touch says the live message key changed: it is brought up to date in
	// every chat that shows it, and in each of chats (which start showing
	// it).
	Touch(ctx context.Context, key string, chats ...ChatRef) error
	// Drop stops showing the live message key in every chat.
	Drop(ctx context.Context, key string) error
	// Show makes key a live message already posted in chats (chat ->
	// message id) and brings it up to date there when the groups have
	// budget to spare.
	Show(ctx context.Context, key string, posts map[ChatRef]string) error
}

// AnswerPiper is a Replies that can queue an answer inside a pipeline: the
// router then keeps the answers a handler gives and sends them with the
// update's done mark in one pipeline, the answers ahead of the mark, so
// they cost one round trip together (see Router.Handle).
type AnswerPiper interface {
	// AnswerIn queues in pipe what Answer does; the function it returns,
	// called once pipe ran, reports whether the answer was queued.
	AnswerIn(ctx context.Context, pipe redis.Pipeliner, chat ChatRef, a Answer) func(context.Context) error
}

// DirectReplier is implemented by senders whose replies to the update's own
// chat do not spend the group's send budget (a WeChat Work smart robot's
// passive reply); those replies are not coalesced.
type DirectReplier interface {
	RepliesFree(chat ChatRef) bool
}
