package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/feature"
)

// Figures reads what the outbox recorded of its broadcasts, for reports
// (the ledger): reach per grid and kind, and what each broadcast reached.
// It only reads, needs env.Redis, Keys and Loc, and keeps the record
// formats inside this package.
type Figures struct {
	rdb     redis.UniversalClient
	k       bot.Keys
	loc     *time.Location
	confirm map[string]Confirmer
}

// NewFigures returns the reader of env's outbox records.
func NewFigures(env feature.Env) *Figures {
	loc := env.Loc
	if loc == nil {
		loc = time.Local
	}
	return &Figures{rdb: env.Redis, k: env.Keys, loc: loc}
}

// WithChannels returns a reader that asks the confirmer of each platform
// in cs (platform → confirmer, such as the customer groups' channel under
// "wxc") what became of the requests the outbox sent to its chats, and
// reports them in Delivered.Awaiting and Missed. Without it every chat
// the outbox sent to counts as reached.
func (f *Figures) WithChannels(cs map[string]Confirmer) *Figures {
	g := *f
	g.confirm = cs
	return &g
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
// kind, and the broadcasts created in it: the ids of those still recorded
// one by one (Broadcasts gives them), and Pushes, those of rolled-up
// months (see RollUp) summed per day, kind and ref.
type PeriodReach struct {
	Reach   []Reach
	Created []string
	Pushes  []Pushed
}

// Pushed is the broadcasts of one kind and ref created on one day of a
// rolled-up month that reached a group and were recalled from none:
// Broadcasts of them, Groups group deliveries, Members the members of
// those groups at delivery (人次), Grids the grids reached, and Title the
// last one's title. Ref is "#<id>" for a broadcast that had none.
type Pushed struct {
	Day, Kind, Ref, Title string
	Broadcasts            int
	Groups, Members       int64
	Grids                 []string
}

// QueueReach adds to pipe the reads of the reach of the days in [from, to)
// (days in the configured zone) and of the broadcasts created then, and
// returns the function that gives them once pipe has run, so a report
// reads them with other features' records in one round trip. A rolled-up
// month reads the same as before its roll-up.
func (f *Figures) QueueReach(ctx context.Context, pipe redis.Pipeliner, from, to time.Time) func() PeriodReach {
	var days []*redis.MapStringStringCmd
	var dayNames []string
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, pipe.HGetAll(ctx, reachKey(f.k, d, f.loc)))
		dayNames = append(dayNames, d.In(f.loc).Format(time.DateOnly))
	}
	rolled := map[string][2]*redis.MapStringStringCmd{}
	for m := monthStart(from, f.loc); m.Before(to); m = m.AddDate(0, 1, 0) {
		month := m.Format("2006-01")
		rolled[month] = [2]*redis.MapStringStringCmd{pipe.HGetAll(ctx, f.key("reachm", month)), pipe.HGetAll(ctx, f.key("pushm", month))}
	}
	ids := pipe.ZRangeByScoreWithScores(ctx, f.key("recent"), &redis.ZRangeBy{
		Min: strconv.FormatInt(from.Unix(), 10), Max: "(" + strconv.FormatInt(to.Unix(), 10)})
	return func() PeriodReach {
		first, end := from.In(f.loc).Format(time.DateOnly), to.In(f.loc).Format(time.DateOnly)
		raw := map[string]map[string]bool{}
		for month, c := range rolled {
			if h := c[0].Val(); h["_done"] == "1" {
				raw[month] = map[string]bool{}
				for _, id := range splitIDs(h["_raw"]) {
					raw[month][id] = true
				}
			}
		}
		sum := reachSum{m: map[[2]string]*Reach{}}
		for i, d := range days {
			if raw[dayNames[i][:7]] != nil {
				continue
			}
			for field, v := range d.Val() {
				grid, kind, measure, ok := splitReach(field)
				if ok {
					n, _ := strconv.ParseInt(v, 10, 64)
					sum.add(grid, kind, measure, n)
				}
			}
		}
		var out PeriodReach
		for month, c := range rolled {
			if raw[month] == nil {
				continue
			}
			for grid, v := range c[0].Val() {
				if !strings.HasPrefix(grid, "_") {
					sum.addPacked(month, grid, v, first, end)
				}
			}
			out.Pushes = append(out.Pushes, unpackPushes(c[1].Val(), first, end)...)
		}
		for _, z := range ids.Val() {
			id, _ := z.Member.(string)
			month := time.Unix(int64(z.Score), 0).In(f.loc).Format("2006-01")
			if raw[month] == nil || raw[month][id] {
				out.Created = append(out.Created, id)
			}
		}
		for _, gk := range sum.order {
			out.Reach = append(out.Reach, *sum.m[gk])
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
	// Awaiting and Missed are chats of SentTo on a channel whose requests
	// are confirmed later (customer groups; see WithChannels): Awaiting
	// still wait for someone to act, Missed never reached the chat
	// (refused, over the cap, expired). Neither has been reached; Sent and
	// Members still count them, as the outbox sent them.
	Awaiting, Missed []string
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

// Pending reports whether some chat has not had the broadcast yet, or a
// request to one still waits for someone to act.
func (d Delivered) Pending() bool {
	return d.Total-d.Sent-d.Failed-d.Cancelled > 0 || len(d.Awaiting) > 0
}

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
	sent := make([]*redis.MapStringStringCmd, len(ids))
	recalled := make([]*redis.StringSliceCmd, len(ids))
	missed := make([]*redis.StringSliceCmd, len(ids))
	for i, id := range ids {
		meta[i] = pipe.HMGet(ctx, f.key("b", id), "kind", "ref", "title", "created", "total", "sent", "failed", "cancelled", "members")
		grids[i] = pipe.HGetAll(ctx, f.key("b", id, "grid"))
		sent[i] = pipe.HGetAll(ctx, f.key("b", id, "sent"))
		recalled[i] = pipe.HKeys(ctx, f.key("b", id, "recalled"))
		if f.confirm != nil {
			missed[i] = pipe.HKeys(ctx, f.key("b", id, "missed"))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("broadcast figures: %w", err)
	}
	var out []Delivered
	asks := map[string]string{}
	for i, id := range ids {
		v := meta[i].Val()
		s := func(j int) string { x, _ := v[j].(string); return x }
		n := func(j int) int64 { x, _ := strconv.ParseInt(s(j), 10, 64); return x }
		if s(0) == "" || s(0) == KindReport {
			continue
		}
		d := Delivered{ID: id, Kind: s(0), Ref: s(1), Title: s(2), Created: time.Unix(n(3), 0).In(f.loc),
			Total: n(4), Sent: n(5), Failed: n(6), Cancelled: n(7), Members: n(8),
			Grid: grids[i].Val(), RecalledFrom: recalled[i].Val()}
		for c, m := range sent[i].Val() {
			d.SentTo = append(d.SentTo, c)
			if f.confirm[bot.ChatRef(c).Platform()] != nil {
				asks[c+"\x00"+id] = m
			}
		}
		slices.Sort(d.SentTo)
		if missed[i] != nil {
			d.Missed = missed[i].Val()
		}
		out = append(out, d)
	}
	if len(asks) == 0 {
		return out, nil
	}
	got, err := outcomes(ctx, f.confirm, asks)
	if err != nil {
		return nil, fmt.Errorf("broadcast figures: %w", err)
	}
	for i := range out {
		d := &out[i]
		for _, c := range d.SentTo {
			switch got[c+"\x00"+d.ID] {
			case Awaiting:
				d.Awaiting = append(d.Awaiting, c)
			case Missed:
				if !slices.Contains(d.Missed, c) {
					d.Missed = append(d.Missed, c)
				}
			}
		}
	}
	return out, nil
}
