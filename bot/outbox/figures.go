package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// Figures reads what the outbox recorded of its broadcasts, for reports
// (the ledger): reach per grid and kind, and what each broadcast reached.
// It only reads, needs env.Redis, Keys and Loc, and keeps the record
// formats inside this package.
type Figures struct {
	rdb redis.UniversalClient
	k   bot.Keys
	loc *time.Location
}

// NewFigures returns the reader of env's outbox records.
func NewFigures(env bot.Env) *Figures {
	loc := env.Loc
	if loc == nil {
		loc = time.Local
	}
	return &Figures{rdb: env.Redis, k: env.Keys, loc: loc}
}

func (f *Figures) key(parts ...string) string {
	return f.k.Key(append([]string{"ob", "{ob}"}, parts...)...)
}

// Reach is what broadcasts of one kind reached in one grid ("" for chats a
// broadcast named no grid for): Pushes broadcasts, Groups group deliveries,
// Members the members of those groups at delivery (人次).
type Reach struct {
	Grid, Kind              string
	Pushes, Groups, Members int64
}

// PeriodReach is the reach of the days of a period, summed per grid and
// kind, and the ids of the broadcasts created in it.
type PeriodReach struct {
	Reach   []Reach
	Created []string
}

// QueueReach adds to pipe the reads of the reach of the days in [from, to)
// (days in the configured zone) and of the broadcasts created then, and
// returns the function that gives them once pipe has run, so a report
// reads them with other features' records in one round trip.
func (f *Figures) QueueReach(ctx context.Context, pipe redis.Pipeliner, from, to time.Time) func() PeriodReach {
	var days []*redis.MapStringStringCmd
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, pipe.HGetAll(ctx, reachKey(f.k, d, f.loc)))
	}
	ids := pipe.ZRangeByScore(ctx, f.key("recent"), &redis.ZRangeBy{
		Min: strconv.FormatInt(from.Unix(), 10), Max: "(" + strconv.FormatInt(to.Unix(), 10)})
	return func() PeriodReach {
		sum := map[[2]string]*Reach{}
		var order [][2]string
		for _, d := range days {
			for field, v := range d.Val() {
				grid, kind, measure, ok := splitReach(field)
				if !ok || grid == "*" {
					continue
				}
				gk := [2]string{grid, kind}
				r := sum[gk]
				if r == nil {
					r = &Reach{Grid: grid, Kind: kind}
					sum[gk] = r
					order = append(order, gk)
				}
				n, _ := strconv.ParseInt(v, 10, 64)
				switch measure {
				case "pushes":
					r.Pushes += n
				case "groups":
					r.Groups += n
				case "members":
					r.Members += n
				}
			}
		}
		out := PeriodReach{Created: ids.Val()}
		for _, gk := range order {
			out.Reach = append(out.Reach, *sum[gk])
		}
		return out
	}
}

// splitReach splits "<grid>|<kind>|<measure>"; grid names may hold '|'.
func splitReach(f string) (grid, kind, measure string, ok bool) {
	i := strings.LastIndexByte(f, '|')
	if i < 0 {
		return "", "", "", false
	}
	j := strings.LastIndexByte(f[:i], '|')
	if j < 0 {
		return "", "", "", false
	}
	return f[:j], f[j+1 : i], f[i+1:], true
}

// Delivered is what one broadcast reached so far.
type Delivered struct {
	ID, Kind, Ref, Title string
	Created              time.Time
	// Total chats it is for; Sent, Failed and Cancelled of them so far.
	Total, Sent, Failed, Cancelled int64
	// Members of the groups it reached, counted at delivery.
	Members int64
	// Grid is each chat's grid; SentTo the chats it reached; RecalledFrom
	// those it was deleted from since.
	Grid                 map[string]string
	SentTo, RecalledFrom []string
}

// SentOn returns how many chats of platform ("wxc" for customer groups)
// the broadcast reached.
func (d Delivered) SentOn(platform string) int {
	n := 0
	for _, c := range d.SentTo {
		if bot.ChatRef(c).Platform() == platform {
			n++
		}
	}
	return n
}

// Pending reports whether some chat has not had the broadcast yet.
func (d Delivered) Pending() bool { return d.Total-d.Sent-d.Failed-d.Cancelled > 0 }

// Broadcasts returns what each broadcast of ids reached, in one round
// trip, leaving out ids there is no record of and the outbox's own
// delivery reports.
func (f *Figures) Broadcasts(ctx context.Context, ids []string) ([]Delivered, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := f.rdb.Pipeline()
	meta := make([]*redis.SliceCmd, len(ids))
	grids := make([]*redis.MapStringStringCmd, len(ids))
	sent := make([]*redis.StringSliceCmd, len(ids))
	recalled := make([]*redis.StringSliceCmd, len(ids))
	for i, id := range ids {
		meta[i] = pipe.HMGet(ctx, f.key("b", id), "kind", "ref", "title", "created", "total", "sent", "failed", "cancelled", "members")
		grids[i] = pipe.HGetAll(ctx, f.key("b", id, "grid"))
		sent[i] = pipe.HKeys(ctx, f.key("b", id, "sent"))
		recalled[i] = pipe.HKeys(ctx, f.key("b", id, "recalled"))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("broadcast figures: %w", err)
	}
	var out []Delivered
	for i, id := range ids {
		v := meta[i].Val()
		s := func(j int) string { x, _ := v[j].(string); return x }
		n := func(j int) int64 { x, _ := strconv.ParseInt(s(j), 10, 64); return x }
		if s(0) == "" || s(0) == KindReport {
			continue
		}
		out = append(out, Delivered{ID: id, Kind: s(0), Ref: s(1), Title: s(2), Created: time.Unix(n(3), 0).In(f.loc),
			Total: n(4), Sent: n(5), Failed: n(6), Cancelled: n(7), Members: n(8),
			Grid: grids[i].Val(), SentTo: sent[i].Val(), RecalledFrom: recalled[i].Val()})
	}
	return out, nil
}
