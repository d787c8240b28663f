package main

import (
	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/replies"
	"gridbot/handlers/events"
)

// newReplies builds the group reply coalescer, or nil when
// replies.coalesce is off. It takes tokens from the same Redis buckets as
// the outbox.
func newReplies(env bot.Env, cfg Config) *replies.Coalescer {
	if !cfg.Replies.Coalesce {
		return nil
	}
	return replies.New(env.Redis, env.Keys, env.Send, ratelimit.New(env.Redis, env.Keys, cfg.Limits), env.Log, cfg.Replies)
}

// repliesOf returns co as a bot.Replies, nil (not a typed nil) when off.
func repliesOf(co *replies.Coalescer) bot.Replies {
	if co == nil {
		return nil
	}
	return co
}

// registerLives lets the coalescer render the activities' live sign-up
// lists (posted again at the bottom when buried) and notices (edited only
// when a group owes nothing else).
func registerLives(env bot.Env, ev *events.Feature) {
	co, ok := env.Replies.(*replies.Coalescer)
	if !ok {
		return
	}
	co.Live("ev", ev.RenderList, replies.LiveOptions{Repost: true})
	co.Live("evn", ev.RenderNotice, replies.LiveOptions{Idle: true})
}
