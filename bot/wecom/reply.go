package wecom

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gridbot/bot"
)

type replyState uint8

const (
	collecting replyState = iota // passive reply not written yet
	late                         // answered empty; collect for response_url
	spent                        // reply and response_url used
)

// replySender is the bot.Sender handed to the router with a callback's
// update. Messages to the update's chat are collected for the passive reply
// (or, when handling outlasts the wait, for the response_url); messages to
// other chats, and to this chat once both are used, go to the webhooks.
type replySender struct {
	cb          *Callback
	chat        bot.ChatRef
	responseURL string
	app         bool
	appUser     string

	mu    sync.Mutex
	state replyState
	parts []string
	n     int
}

var (
	_ bot.Sender        = (*replySender)(nil)
	_ bot.DirectReplier = (*replySender)(nil)
)

// Send implements bot.Sender.
func (r *replySender) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	if chat == r.chat {
		r.mu.Lock()
		if r.state != spent && m.File == nil {
			pieces, _ := render(m, r.hint(), !r.app)
			r.parts = append(r.parts, strings.Join(pieces, "\n"))
			r.n++
			id := fmt.Sprintf("reply-%d", r.n)
			r.mu.Unlock()
			return id, nil
		}
		r.mu.Unlock()
	}
	if r.cb.hooks != nil && r.cb.hooks.Has(chat) {
		return r.cb.hooks.Send(ctx, chat, m)
	}
	return "", fmt.Errorf("wecom: cannot reach %s from a callback: %w", chat, bot.ErrUnsupported)
}

// RepliesFree implements bot.DirectReplier: the passive reply (and the
// response_url after it) answer the callback's own chat outside the group
// robot's 20 messages a minute, so those replies need no coalescing.
func (r *replySender) RepliesFree(chat bot.ChatRef) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return chat == r.chat && r.state != spent
}

func (r *replySender) hint() func(bot.Button) string {
	if r.cb.hooks != nil && r.cb.hooks.Hint != nil {
		return r.cb.hooks.Hint
	}
	return ButtonHint
}

// finish ends collection for the passive reply and returns what was said.
func (r *replySender) finish() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state = spent
	out := r.parts
	r.parts = nil
	return out
}

func (r *replySender) goLate() {
	r.mu.Lock()
	r.state = late
	r.mu.Unlock()
}

// flushLate sends what the handlers said after the wait through the
// response_url (once), or through the group's webhook when there is none.
func (r *replySender) flushLate() {
	parts := r.finish()
	if len(parts) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	content := joinLimit(parts, MarkdownLimit)
	var err error
	switch {
	case r.responseURL != "" && !r.app:
		err = r.cb.postResponse(ctx, r.responseURL, content)
	case r.cb.hooks != nil && r.cb.hooks.Has(r.chat):
		err = r.cb.hooks.sendMarkdown(ctx, r.chat, content)
	default:
		err = bot.ErrUnsupported
	}
	if err != nil {
		r.cb.log.Warn("wecom callback: late reply not delivered", "chat", string(r.chat), "err", err)
	}
}
