package bot

import (
	"context"
	"fmt"
	"slices"
	"time"

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
				admin[i] = append(admin[i], pipe.Get(ctx, adminKey(d.k, c.Ref, u)))
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

// adminKey is where the router caches whether u administers chat.
func adminKey(k Keys, chat ChatRef, u UserRef) string {
	return k.Key("adm", Tag(string(chat)), string(u))
}

// RecheckAdmin asks the platform whether u administers the groups (on u's
// platform) of the grids named, caches each answer for ten minutes as the
// router does, and returns the grids where u does. One platform call per
// group; callers use it only for grids u administered before, when the
// cached answer has run out.
func (d *Directory) RecheckAdmin(ctx context.Context, ci ChatInspector, u UserRef, gs []Grid, names []string) ([]string, error) {
	var out []string
	for _, g := range gs {
		if !slices.Contains(names, g.Name) {
			continue
		}
		for _, c := range g.Chats {
			if c.Ref.Platform() != u.Platform() || c.Status == ChatGone {
				continue
			}
			admin, err := ci.IsAdmin(ctx, c.Ref, u)
			if err != nil {
				return out, fmt.Errorf("admin of %s: %w", c.Ref, err)
			}
			if err := d.rdb.Set(ctx, adminKey(d.k, c.Ref, u), boolStr(admin), 10*time.Minute).Err(); err != nil {
				return out, fmt.Errorf("cache admin of %s: %w", c.Ref, err)
			}
			if admin && !slices.Contains(out, g.Name) {
				out = append(out, g.Name)
			}
		}
	}
	return out, nil
}
