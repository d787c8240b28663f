// Package bot is the platform-neutral core of gridbot: the update model, the
// command router with its Chinese keyword parser, the Sender interface that
// adapters implement, the grid directory and roles, and Redis key helpers.
//
// Handlers (package handlers/...) depend on bot only; adapters (bot/telegram,
// bot/wecom, bot/console) convert platform traffic to Update values and
// implement Sender.
package bot
