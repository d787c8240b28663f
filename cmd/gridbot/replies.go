package main

import (
	"context"
	"log/slog"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/telegram"
)

// limitedReplies is the Telegram client as handlers see it: each reply
// first takes a token from the bot-wide bucket (tg:global) that the
// outbox's deliveries take from too, so replies and broadcasts together,
// across every replica, stay under Telegram's limit of about 30 messages a
// second. The client's other capabilities (edit, polls, admin checks) are
// its own. When Redis cannot be asked, the reply goes anyway.
type limitedReplies struct {
	*telegram.Client
	lim *ratelimit.Limiter
	log *slog.Logger
}

// Send implements bot.Sender.
func (l limitedReplies) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	if err := l.lim.Wait(ctx, telegram.Platform+":global"); err != nil && ctx.Err() == nil {
		l.log.Warn("reply rate limit unavailable; sending anyway", "err", err)
	}
	return l.Client.Send(ctx, chat, m)
}
