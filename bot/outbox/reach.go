package outbox

import (
	"time"

	"gridbot/bot"
)

// reachKey returns the Redis key of one day's reach records (day in the
// bot's zone): <prefix>:ob:{ob}:reach:<YYYY-MM-DD>, a HASH kept for the
// configured retention (default 3 years and a month) with fields
//
//	<grid>|<kind>|pushes   broadcasts of that kind that reached the grid that day
//	<grid>|<kind>|groups   group deliveries that succeeded
//	<grid>|<kind>|members  members of those groups (人次; count at delivery)
//
// where grid "*" sums all grids (so "*|notice|pushes" is the number of
// notices that reached anyone that day) and grid "" holds chats the
// broadcast named no grid for. Kinds are those of bot.Broadcast ("tip",
// "notice", "event", "reminder", "quiz"); delivery reports are not counted.
// A delivery repeated after a crash is counted once.
func reachKey(k bot.Keys, day time.Time, loc *time.Location) string {
	return k.Key("ob", "{ob}", "reach", day.In(loc).Format(time.DateOnly))
}

// reachField returns the field of a reach hash for grid, kind and measure
// ("pushes", "groups" or "members").
func reachField(grid, kind, measure string) string {
	return grid + "|" + kind + "|" + measure
}
