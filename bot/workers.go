package bot

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// GridsOf returns the names of the grids among gs that u works for: those
// u was appointed to, and those with a bound group the platform last said
// u administers (the router caches that answer for ten minutes). One round
// trip.
func (d *Directory) GridsOf(ctx context.Context, u UserRef, gs []Grid) ([]string, error) {
	pipe := d.rdb.Pipeline()
	appointed := make([]*redis.BoolCmd, len(gs))
	admin := make([][]*redis.StringCmd, len(gs))
	for i, g := range gs {
		appointed[i] = pipe.SIsMember(ctx, d.workersKey(g.Name), string(u))
		for _, c := range g.Chats {
			if c.Ref.Platform() == u.Platform() {
				admin[i] = append(admin[i], pipe.Get(ctx, d.k.Key("adm", Tag(string(c.Ref)), string(u))))
			}
		}
	}
	if len(gs) == 0 {
		return nil, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("grids of %s: %w", u, err)
	}
	var out []string
	for i, g := range gs {
		ok := appointed[i].Val()
		for _, a := range admin[i] {
			ok = ok || a.Val() == "1"
		}
		if ok {
			out = append(out, g.Name)
		}
	}
	return out, nil
}
