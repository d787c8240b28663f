package bot

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Role is what a user may do. Higher roles may do everything lower ones may.
type Role uint8

const (
	// Resident is everyone in a grid group (居民).
	Resident Role = iota
	// GridWorker manages one or a few grid groups (网格员).
	GridWorker
	// Staff are community staff (社区工作人员).
	Staff
)

// String returns the role's Chinese name.
func (r Role) String() string {
	switch r {
	case GridWorker:
		return "网格员"
	case Staff:
		return "社区工作人员"
	}
	return "居民"
}

// Who is what the router learns of the speaker of an update (see Roles).
type Who struct {
	// Grid is the grid bound to the chat, "" if none.
	Grid string
	// Role is the speaker's role in that chat.
	Role Role
	// Name is the name the user chose with SetName, "" if none.
	Name string
	// Homes are the grids of the bound groups the user has been seen in
	// (this chat's included), in the order first seen.
	Homes []string
}

// Roles tells the router who a speaker is. The grid directory
// (gridbot/bot/grid) implements it; the router asks it once per update and
// again only for a command that needs more than Whois answered.
type Roles interface {
	// Whois returns the grid bound to chat, the user's role there, the
	// name they chose and the grids they are known in, and remembers the
	// platform's display name and handle; one round trip.
	Whois(ctx context.Context, chat ChatRef, user UserRef, name, username string) (Who, error)
	// ActsAsWorker reports whether the speaker of u, a Resident by Whois,
	// counts as a grid worker after all: in a group bound to grid, as one
	// of its administrators (asked of ci, the answer cached); in a private
	// chat, as the appointed grid worker of some grid. ci may be nil when
	// the platform cannot say who administers a chat.
	ActsAsWorker(ctx context.Context, ci ChatInspector, u *Update, grid string) (bool, error)
}

// WhoisPiper is a Roles whose Whois can travel in a pipeline with other
// commands: the router sends it with the update's claim, so the claim and
// the lookup of the speaker cost one round trip together.
type WhoisPiper interface {
	// WhoisIn queues in pipe what Whois asks; the function it returns,
	// called once pipe ran, gives Whois's answer (the same for the same
	// data).
	WhoisIn(ctx context.Context, pipe redis.Pipeliner, chat ChatRef, user UserRef, name, username string) func(context.Context) (Who, error)
}
