package main

import (
	"context"
	"log/slog"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/ratelimit"
	"gridbot/bot/replies"
	"gridbot/bot/telegram"
	"gridbot/handlers/events"
)

// limitedReplies is the Telegram client as handlers see it: each reply,
// edit and quiz poll first takes a token from the bot-wide bucket
// (tg:global) that the outbox's deliveries take from too, so replies and
// broadcasts together, across every replica, stay under Telegram's limit of
// about 30 messages a second. The client's other capabilities (admin
// checks, callback answers) are its own. When Redis cannot be asked, the
// message goes anyway.
type limitedReplies struct {
	*telegram.Client
	lim *ratelimit.Limiter
	log *slog.Logger
}

// Send implements bot.Sender.
func (l limitedReplies) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	l.take(ctx)
	return l.Client.Send(ctx, chat, m)
}

// Edit implements bot.Editor.
func (l limitedReplies) Edit(ctx context.Context, chat bot.ChatRef, msgID string, m bot.Message) error {
	l.take(ctx)
	return l.Client.Edit(ctx, chat, msgID, m)
}

// SendQuiz implements bot.Poller.
func (l limitedReplies) SendQuiz(ctx context.Context, chat bot.ChatRef, q bot.QuizPoll) (string, string, error) {
	l.take(ctx)
	return l.Client.SendQuiz(ctx, chat, q)
}

func (l limitedReplies) take(ctx context.Context) {
	if err := l.lim.Wait(ctx, telegram.Platform+":global"); err != nil && ctx.Err() == nil {
		l.log.Warn("reply rate limit unavailable; sending anyway", "err", err)
	}
}

// newReplies builds the reply coalescer. It keeps the replies the
// platform could not take for a moment and sends them again (always), and
// merges group replies under the groups' send budget (when
// replies.coalesce is on). It takes tokens from the same Redis buckets as
// the outbox.
func newReplies(env feature.Env, cfg Config) *replies.Coalescer {
	return replies.New(env.Redis, env.Keys, env.Send, ratelimit.New(env.Redis, env.Keys, cfg.Limits, env.Metrics), env.Log, cfg.Replies)
}

// repliesOf returns co as the groups' bot.Replies, nil (not a typed nil)
// when replies.coalesce is off.
func repliesOf(co *replies.Coalescer, cfg Config) bot.Replies {
	if !cfg.Replies.Coalesce {
		return nil
	}
	return co
}

// registerLives lets the coalescer render the activities' live sign-up
// lists (posted again at the bottom when buried) and notices (edited only
// when a group owes nothing else).
func registerLives(co *replies.Coalescer, ev *events.Feature) {
	co.Live("ev", ev.RenderList, replies.LiveOptions{Repost: true})
	co.Live("evn", ev.RenderNotice, replies.LiveOptions{Idle: true})
}
