package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/outbox"
	"gridbot/handlers/events"
)

// The ledger reads the records other features keep per day through their
// typed readers (outbox.Figures, events.Records), and rolls
// each settled month up into one compact hash of its own, so a year's
// report reads twelve hashes instead of every day's records:
//
//	ld:{ld}:m:<YYYY-MM>   HASH, kept Config.Retention, fields
//	  _v                    rollupVersion (a rollup of another version is rebuilt)
//	  r|<grid>|<kind>       "pushes␟groups␟members" summed over the month's
//	                        outbox reach (outbox.Figures.QueueReach)
//	  p|<day>|<kind>|<ref>  "title␟groups␟members␟broadcasts␟recalled␟grid…␟-grid…"
//	                        for the broadcasts created that day that reached a
//	                        group (outbox records): groups and members still
//	                        holding it, groups it was recalled from, and the
//	                        grids reached (a leading "-" marks a grid it was
//	                        recalled from entirely)
//	  g|<grid>              "records␟headcount␟hours" of the month's check-ins
//	                        (events.Records.QueueCheckIns)
//	  u|<user>              "check-ins␟hours␟name␟grid"
//	  am                    check-in headcount of the month
//
// A month is rolled up once it ended Config.Settle ago and every broadcast
// created in it has finished delivering; until then it is read raw.
const rollupVersion = "2"

const sep = "\x1f"

// reachVal is what the outbox counted for one grid and kind.
type reachVal struct{ Pushes, Groups, Members int64 }

// pushAgg is broadcasts of one kind and ref created on one day that
// reached a group. Groups, Members and Grids count where it still is;
// Recalled the groups it was deleted from, RGrids the grids it was
// recalled from entirely.
type pushAgg struct {
	Day, Kind, Ref, Title string
	Groups, Members       int64
	Recalled              int64
	// Awaiting counts customer groups whose owner has still to press send
	// (never in a rollup: a month is rolled up once none waits).
	Awaiting      int64
	Broadcasts    int
	Grids, RGrids map[string]bool
}

// attVal sums check-in records.
type attVal struct {
	Records, Headcount int64
	Hours              float64
}

// volVal is one person's check-ins.
type volVal struct {
	Acts       int64
	Hours      float64
	Name, Grid string
}

// tally is everything counted from per-day records over some days.
type tally struct {
	reach  map[string]*reachVal // "grid|kind"
	pushes map[string]*pushAgg  // "day|kind|ref"
	grids  map[string]*attVal
	users  map[string]*volVal
	months map[string]int64 // "YYYY-MM" → check-in headcount
	// gridMonths is months by grid: "YYYY-MM|grid" → check-in headcount.
	gridMonths map[string]int64
}

func newTally() *tally {
	return &tally{reach: map[string]*reachVal{}, pushes: map[string]*pushAgg{},
		grids: map[string]*attVal{}, users: map[string]*volVal{}, months: map[string]int64{}, gridMonths: map[string]int64{}}
}

func (t *tally) addReach(gk string, p, g, m int64) {
	r := t.reach[gk]
	if r == nil {
		r = &reachVal{}
		t.reach[gk] = r
	}
	r.Pushes += p
	r.Groups += g
	r.Members += m
}

// takeReach takes a recall off the reach counted under gk, never below
// zero (a broadcast delivered after the days read was not counted there).
func (t *tally) takeReach(gk string, p, g, m int64) {
	if r := t.reach[gk]; r != nil {
		r.Pushes, r.Groups, r.Members = max(r.Pushes-p, 0), max(r.Groups-g, 0), max(r.Members-m, 0)
	}
}

func (t *tally) push(key string) *pushAgg {
	p := t.pushes[key]
	if p == nil {
		parts := strings.SplitN(key, "|", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		p = &pushAgg{Day: parts[0], Kind: parts[1], Ref: parts[2], Grids: map[string]bool{}, RGrids: map[string]bool{}}
		t.pushes[key] = p
	}
	return p
}

func (t *tally) addAtt(grid, user, name string, hc int64, hours float64) {
	a := t.grids[grid]
	if a == nil {
		a = &attVal{}
		t.grids[grid] = a
	}
	a.Records++
	a.Headcount += hc
	a.Hours += hours
	v := t.users[user]
	if v == nil {
		v = &volVal{}
		t.users[user] = v
	}
	v.Acts++
	v.Hours += hours
	if name != "" {
		v.Name = name
	}
	if grid != "" {
		v.Grid = grid
	}
}

func (t *tally) merge(o *tally) {
	for k, r := range o.reach {
		t.addReach(k, r.Pushes, r.Groups, r.Members)
	}
	for k, p := range o.pushes {
		q := t.push(k)
		q.Title = p.Title
		q.Groups += p.Groups
		q.Members += p.Members
		q.Recalled += p.Recalled
		q.Awaiting += p.Awaiting
		q.Broadcasts += p.Broadcasts
		for g := range p.Grids {
			q.Grids[g] = true
		}
		for g := range p.RGrids {
			q.RGrids[g] = true
		}
	}
	for g, a := range o.grids {
		b := t.grids[g]
		if b == nil {
			b = &attVal{}
			t.grids[g] = b
		}
		b.Records += a.Records
		b.Headcount += a.Headcount
		b.Hours += a.Hours
	}
	for u, v := range o.users {
		w := t.users[u]
		if w == nil {
			w = &volVal{}
			t.users[u] = w
		}
		w.Acts += v.Acts
		w.Hours += v.Hours
		if v.Name != "" {
			w.Name = v.Name
		}
		if v.Grid != "" {
			w.Grid = v.Grid
		}
	}
	for m, n := range o.months {
		t.months[m] += n
	}
	for k, n := range o.gridMonths {
		t.gridMonths[k] += n
	}
}

func (f *Feature) rollupKey(month string) string { return f.env.Keys.Key("ld", "{ld}", "m", month) }

// segment is a run of days read together: a whole month (rollable) or
// the part of a month inside the period.
type segment struct {
	from, to time.Time
	month    string
	whole    bool
}

func (f *Feature) segments(p Period) []segment {
	var out []segment
	loc := f.env.Loc
	for m := day(p.From.Year(), p.From.Month(), 1, loc); m.Before(p.To); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		s := segment{from: m, to: end, month: m.Format("2006-01"), whole: true}
		if p.From.After(m) {
			s.from, s.whole = p.From, false
		}
		if p.To.Before(end) {
			s.to, s.whole = p.To, false
		}
		out = append(out, s)
	}
	return out
}

// settled reports whether a month's days are over long enough to be final.
func (f *Feature) settled(s segment) bool {
	return s.whole && !f.env.Now().Before(s.to.Add(f.cfg.Settle))
}

// count returns the tally of the period: rollups for settled whole months
// (built and stored the first time), raw per-day records for the rest.
func (f *Feature) count(ctx context.Context, p Period) (*tally, error) {
	segs := f.segments(p)
	pipe := f.env.Redis.Pipeline()
	cached := make([]*redis.MapStringStringCmd, len(segs))
	for i, s := range segs {
		if f.settled(s) {
			cached[i] = pipe.HGetAll(ctx, f.rollupKey(s.month))
		}
	}
	if pipe.Len() > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("ledger rollups: %w", err)
		}
	}
	total := newTally()
	for i, s := range segs {
		if cached[i] != nil {
			if h := cached[i].Val(); h["_v"] == rollupVersion {
				rt := decodeRollup(h)
				placeMonth(rt, s.month, h)
				total.merge(rt)
				continue
			}
		}
		t, done, err := f.raw(ctx, s.from, s.to)
		if err != nil {
			return nil, err
		}
		if cached[i] != nil && done {
			if err := f.storeRollup(ctx, s.month, t); err != nil {
				f.log.Warn("ledger rollup", "month", s.month, "err", err)
			}
		}
		total.merge(t)
	}
	return total, nil
}

// raw counts the per-day records of the days in [from, to), read from
// the outbox and the events feature in one round trip (and one more for
// the broadcasts created then); done is false when a broadcast created
// then is still delivering.
func (f *Feature) raw(ctx context.Context, from, to time.Time) (*tally, bool, error) {
	var days []time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	pipe := f.env.Redis.Pipeline()
	att := make([]func() []events.CheckIn, len(days))
	for i, d := range days {
		att[i] = f.events.QueueCheckIns(ctx, pipe, d)
	}
	reach := f.reach.QueueReach(ctx, pipe, from, to)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("ledger records %s: %w", from.Format(time.DateOnly), err)
	}
	t := newTally()
	pr := reach()
	for _, r := range pr.Reach {
		t.addReach(r.Grid+"|"+r.Kind, r.Pushes, r.Groups, r.Members)
	}
	for i, d := range days {
		month := d.Format("2006-01")
		for _, c := range att[i]() {
			t.addAtt(c.Grid, string(c.User), c.Name, c.People, c.Hours)
			t.months[month] += c.People
			t.gridMonths[month+"|"+c.Grid] += c.People
		}
	}
	done, err := f.rawPushes(ctx, t, pr.Created)
	t.addPushed(pr.Pushes)
	return t, done, err
}

// addPushed adds the broadcasts of rolled-up months, already summed per
// day, kind and ref by the outbox.
func (t *tally) addPushed(rows []outbox.Pushed) {
	for _, r := range rows {
		p := t.push(r.Day + "|" + r.Kind + "|" + r.Ref)
		p.Title = r.Title
		p.Broadcasts += r.Broadcasts
		p.Groups += r.Groups
		p.Members += r.Members
		for _, g := range r.Grids {
			p.Grids[g] = true
		}
	}
}

// rawPushes adds the broadcasts ids to t, grouped by day, kind and ref.
// Only what reached a group counts: a broadcast cancelled, still waiting
// or failed everywhere is left out, and the groups a recall deleted it
// from are taken off its row and off the reach records (their members
// at the broadcast's average per group). So are customer groups whose
// group-send was not confirmed (yet): those still waiting for their owner
// are counted as the row's Awaiting, those that never got it not at all.
func (f *Feature) rawPushes(ctx context.Context, t *tally, ids []string) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	bs, err := f.reach.Broadcasts(ctx, ids)
	if err != nil {
		return false, fmt.Errorf("ledger broadcasts: %w", err)
	}
	sizes, err := f.chatSizes(ctx, bs)
	if err != nil {
		return false, err
	}
	done := true
	for _, b := range bs {
		if b.Pending() {
			done = false
		}
		if b.Sent == 0 {
			continue
		}
		ref := b.Ref
		if ref == "" {
			ref = "#" + b.ID
		}
		key := b.Created.Format(time.DateOnly) + "|" + b.Kind + "|" + ref
		_, had := t.pushes[key]
		p := t.push(key)
		p.Title = b.Title
		p.Broadcasts++
		t.addSent(p, b.Kind, delivery{sent: b.SentTo, recalled: b.RecalledFrom, awaiting: b.Awaiting, missed: b.Missed,
			grid: b.Grid, members: b.Members, sizes: sizes})
		if !had && p.Groups == 0 && p.Awaiting == 0 && p.Recalled == 0 {
			delete(t.pushes, key)
		}
	}
	return done, nil
}

// chatSizes returns the member count of every chat in the directory, when
// some broadcast was recalled (nil otherwise): a recall takes off each
// group its share of the members the broadcast reached.
func (f *Feature) chatSizes(ctx context.Context, bs []outbox.Delivered) (map[string]int64, error) {
	some := false
	for _, b := range bs {
		some = some || len(b.RecalledFrom) > 0 || len(b.Awaiting) > 0 || len(b.Missed) > 0
	}
	if !some {
		return nil, nil
	}
	gs, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger recalls: %w", err)
	}
	out := map[string]int64{}
	for _, g := range gs {
		for _, c := range g.Chats {
			out[string(c.Ref)] = int64(c.Members)
		}
	}
	return out, nil
}

// delivery is what one broadcast reached: the chats sent to and recalled
// from, each chat's grid, the members reached in all and the groups'
// sizes now.
type delivery struct {
	sent, recalled   []string
	awaiting, missed []string
	grid             map[string]string
	members          int64
	sizes            map[string]int64
}

// share is the part of the members reached that chat c accounts for, by
// the groups' sizes (equal parts when they are unknown).
func (d delivery) share(c string) int64 {
	var all int64
	for _, s := range d.sent {
		all += d.sizes[s]
	}
	if all == 0 {
		return d.members / int64(max(len(d.sent), 1))
	}
	return (d.members*d.sizes[c] + all/2) / all
}

// addSent adds to p the chats a broadcast of kind reached and takes off
// p and the reach records the chats it was recalled from and those whose
// request is still awaiting or never reached them (customer groups),
// counting the awaiting ones in p.Awaiting.
func (t *tally) addSent(p *pushAgg, kind string, d delivery) {
	const (
		recalled = iota + 1
		awaiting
		missed
	)
	gone := make(map[string]int, len(d.recalled)+len(d.awaiting)+len(d.missed))
	for _, c := range d.missed {
		gone[c] = missed
	}
	for _, c := range d.awaiting {
		gone[c] = awaiting
	}
	for _, c := range d.recalled {
		gone[c] = recalled
	}
	left := map[string]bool{}
	members := d.members
	for _, c := range d.sent {
		g := d.grid[c]
		if gone[c] == 0 {
			p.Groups++
			if g != "" {
				p.Grids[g], left[g] = true, true
			}
			continue
		}
		m := min(d.share(c), members)
		members -= m
		switch gone[c] {
		case recalled:
			p.Recalled++
		case awaiting:
			p.Awaiting++
		}
		t.takeReach(g+"|"+kind, 0, 1, m)
	}
	p.Members += members
	recGrid := map[string]bool{}
	for _, c := range d.recalled {
		recGrid[d.grid[c]] = true
	}
	taken := map[string]bool{}
	for _, c := range d.sent {
		g := d.grid[c]
		if gone[c] == 0 || g == "" || left[g] || taken[g] {
			continue
		}
		taken[g] = true
		if recGrid[g] {
			if p.RGrids[g] {
				continue
			}
			p.RGrids[g] = true
		}
		t.takeReach(g+"|"+kind, 1, 0, 0)
	}
}

func (f *Feature) storeRollup(ctx context.Context, month string, t *tally) error {
	fields := encodeRollup(t)
	key := f.rollupKey(month)
	_, err := f.env.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, fields)
		p.Expire(ctx, key, f.cfg.Retention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store rollup %s: %w", month, err)
	}
	return nil
}

func i64(n int64) string      { return strconv.FormatInt(n, 10) }
func f64(x float64) string    { return strconv.FormatFloat(x, 'f', -1, 64) }
func clean(s string) string   { return strings.ReplaceAll(s, sep, " ") }
func join(a ...string) string { return strings.Join(a, sep) }

func encodeRollup(t *tally) map[string]any {
	out := map[string]any{"_v": rollupVersion}
	for k, r := range t.reach {
		out["r|"+k] = join(i64(r.Pushes), i64(r.Groups), i64(r.Members))
	}
	for k, p := range t.pushes {
		gs := make([]string, 0, len(p.Grids)+len(p.RGrids))
		for g := range p.Grids {
			gs = append(gs, clean(g))
		}
		for g := range p.RGrids {
			gs = append(gs, "-"+clean(g))
		}
		out["p|"+k] = join(clean(p.Title), i64(p.Groups), i64(p.Members), strconv.Itoa(p.Broadcasts), i64(p.Recalled), strings.Join(gs, sep))
	}
	for g, a := range t.grids {
		out["g|"+g] = join(i64(a.Records), i64(a.Headcount), f64(a.Hours))
	}
	for u, v := range t.users {
		out["u|"+u] = join(i64(v.Acts), f64(v.Hours), clean(v.Name), clean(v.Grid))
	}
	var am int64
	for _, n := range t.months {
		am += n
	}
	out["am"] = i64(am)
	return out
}

func decodeRollup(h map[string]string) *tally {
	t := newTally()
	atoi := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	for k, v := range h {
		kind, rest, _ := strings.Cut(k, "|")
		a := strings.Split(v, sep)
		switch kind {
		case "r":
			if len(a) == 3 {
				t.addReach(rest, atoi(a[0]), atoi(a[1]), atoi(a[2]))
			}
		case "p":
			if len(a) < 5 {
				continue
			}
			p := t.push(rest)
			p.Title = a[0]
			p.Groups, p.Members = atoi(a[1]), atoi(a[2])
			p.Broadcasts, p.Recalled = int(atoi(a[3])), atoi(a[4])
			for _, g := range a[5:] {
				if r, ok := strings.CutPrefix(g, "-"); ok && r != "" {
					p.RGrids[r] = true
				} else if g != "" {
					p.Grids[g] = true
				}
			}
		case "g":
			if len(a) == 3 {
				h, _ := strconv.ParseFloat(a[2], 64)
				t.grids[rest] = &attVal{Records: atoi(a[0]), Headcount: atoi(a[1]), Hours: h}
			}
		case "u":
			if len(a) == 4 {
				h, _ := strconv.ParseFloat(a[1], 64)
				t.users[rest] = &volVal{Acts: atoi(a[0]), Hours: h, Name: a[2], Grid: a[3]}
			}
		}
	}
	return t
}

// placeMonth puts a rollup's check-in headcount, in all and by grid,
// under its month.
func placeMonth(t *tally, month string, h map[string]string) {
	n, _ := strconv.ParseInt(h["am"], 10, 64)
	if n != 0 {
		t.months[month] = n
	}
	for g, a := range t.grids {
		if a.Headcount != 0 {
			t.gridMonths[month+"|"+g] = a.Headcount
		}
	}
}
