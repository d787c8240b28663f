// Package bot is the platform-neutral core of gridbot: the update model,
// the command router with its Chinese keyword parser, the dispatcher and
// update claims, the Sender interface that adapters implement, Delivery
// (the one way features send), the roles the router checks (asked through
// Roles, which bot/grid implements), metrics, and Redis key helpers with
// the key-space table.
//
// Handlers (package handlers/...) build on bot, bot/feature and bot/grid;
// adapters (bot/telegram, bot/wecom, bot/console) convert platform traffic
// to Update values and implement Sender.
package bot
