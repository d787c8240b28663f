// Package feature holds Env, what main hands every feature (and the core
// parts built like one, the outbox and the reply coalescer): the shared
// services, each built once before any feature is.
package feature

import (
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
)

// Env is what feature packages get from main: shared services, all
// concrete parts already wired.
type Env struct {
	Redis redis.UniversalClient
	Keys  bot.Keys
	Dir   *grid.Directory
	// Send reaches any chat on any platform (a Mux), for the core parts
	// that pace and keep their own sends (outbox, reply coalescer).
	// Features never use it: they send through Out.
	Send bot.Sender
	// Out is how features tell people privately and edit what they
	// posted: always under the shared limits, kept on a failure of the
	// moment.
	Out    *bot.Delivery
	Outbox bot.Outbox
	Due    bot.DueQueue
	// Replies, when set, coalesces answers and live messages in groups
	// under their send budget.
	Replies bot.Replies
	Log     *slog.Logger
	// Metrics is the bot's Prometheus collectors (nil: nothing counted).
	Metrics *bot.Metrics
	// Now is the clock; tests set it.
	Now func() time.Time
	// Loc is the configured time zone (default Asia/Shanghai).
	Loc *time.Location
}
