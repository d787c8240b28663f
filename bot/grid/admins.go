package grid

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// AdminTTL is how long an answer of the platform to "does this user
// administer this group" is trusted before it is asked again.
const AdminTTL = 10 * time.Minute

// adminKey is where the answer for u in chat is cached.
func (d *Directory) adminKey(chat bot.ChatRef, u bot.UserRef) string {
	return d.k.Key("adm", bot.Tag(string(chat)), string(u))
}

// IsAdmin reports whether u administers chat: the cached answer while it is
// fresh (one round trip), else the platform's, asked through ci and cached
// for AdminTTL. A nil ci (a platform that cannot say) answers false. This
// is the one admin check: the router's roles, check-in and the console all
// go through it.
func (d *Directory) IsAdmin(ctx context.Context, ci bot.ChatInspector, chat bot.ChatRef, u bot.UserRef) (bool, error) {
	if ci == nil {
		return false, nil
	}
	if v, err := d.rdb.Get(ctx, d.adminKey(chat, u)).Result(); err == nil {
		return v == "1", nil
	}
	return d.AskAdmin(ctx, ci, chat, u)
}

// AskAdmin asks the platform through ci whether u administers chat now,
// whatever is cached, and caches the answer for AdminTTL. A nil ci answers
// false and caches nothing.
func (d *Directory) AskAdmin(ctx context.Context, ci bot.ChatInspector, chat bot.ChatRef, u bot.UserRef) (bool, error) {
	if ci == nil {
		return false, nil
	}
	admin, err := ci.IsAdmin(ctx, chat, u)
	if err != nil {
		return false, fmt.Errorf("admin of %s: %w", chat, err)
	}
	if err := d.rdb.Set(ctx, d.adminKey(chat, u), boolStr(admin), AdminTTL).Err(); err != nil {
		return admin, fmt.Errorf("cache admin of %s: %w", chat, err)
	}
	return admin, nil
}

// ActsAsWorker implements bot.Roles: in a group bound to grid, whether the
// speaker administers it (IsAdmin); in a private chat, whether the speaker
// is the appointed grid worker of some grid (WorkerGrids).
func (d *Directory) ActsAsWorker(ctx context.Context, ci bot.ChatInspector, u *bot.Update, grid string) (bool, error) {
	switch u.ChatKind {
	case bot.Group:
		if grid == "" {
			return false, nil
		}
		return d.IsAdmin(ctx, ci, u.Chat, u.User)
	case bot.Private:
		grids, err := d.WorkerGrids(ctx, u.User)
		return len(grids) > 0, err
	}
	return false, nil
}

var _ bot.Roles = (*Directory)(nil)

// GridsOf returns the names of the grids among gs that u works for: those
// u was appointed to, and those with a bound group the platform last said
// u administers (cached by IsAdmin for AdminTTL). One round trip.
func (d *Directory) GridsOf(ctx context.Context, u bot.UserRef, gs []Grid) ([]string, error) {
	pipe := d.rdb.Pipeline()
	appointed := make([]*redis.BoolCmd, len(gs))
	admin := make([][]*redis.StringCmd, len(gs))
	for i, g := range gs {
		appointed[i] = pipe.SIsMember(ctx, d.workersKey(g.Name), string(u))
		for _, c := range g.Chats {
			if c.Ref.Platform() == u.Platform() {
				admin[i] = append(admin[i], pipe.Get(ctx, d.adminKey(c.Ref, u)))
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

// RecheckAdmin asks the platform (AskAdmin) whether u administers the
// groups (on u's platform) of the grids named, and returns the grids where
// u does. One platform call per group; callers use it only for grids u
// administered before, when the cached answer has run out.
func (d *Directory) RecheckAdmin(ctx context.Context, ci bot.ChatInspector, u bot.UserRef, gs []Grid, names []string) ([]string, error) {
	var out []string
	for _, g := range gs {
		if !slices.Contains(names, g.Name) {
			continue
		}
		for _, c := range g.Chats {
			if c.Ref.Platform() != u.Platform() || c.Status == ChatGone {
				continue
			}
			admin, err := d.AskAdmin(ctx, ci, c.Ref, u)
			if err != nil {
				return out, err
			}
			if admin && !slices.Contains(out, g.Name) {
				out = append(out, g.Name)
			}
		}
	}
	return out, nil
}
