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
)

// The roll-up replaces a closed month's per-delivery records with the
// per-grid and per-day counts the ledgers read, under the same base:
//
//	rolled              HASH "month" -> the last month (YYYY-MM) rolled up
//	                    and cleaned; "id" -> the last broadcast id the
//	                    walk that drops delivery reports has passed
//	reachm:<YYYY-MM>    HASH <grid> -> "<DD><kind>,<pushes>,<groups>,<members>;…"
//	                    (kinds tip, notice, event, reminder, quiz as t, n,
//	                    e, r, q)
//	                    (the month's reach:<day> records, day by day), and
//	                    "_done" -> "1" once complete, "_raw" -> the ids of
//	                    broadcasts kept whole (comma-separated)
//	pushm:<YYYY-MM>     HASH "<day>|<kind>|<ref>" ->
//	                    "title␟broadcasts␟groups␟members␟grid␟grid…": the
//	                    broadcasts created that day that reached a group,
//	                    each grid by its base-36 index in "_g" (the
//	                    month's grid names, ␟-separated)
//
//	rollup:tmp:<YYYY-MM>:…  a run's rows before they are put in place (1 h)
//
// A month is rolled up once it ended RollUpAfter ago and no broadcast
// created in it is still delivering or waiting for a member count. The
// per-broadcast hashes (b:<id>:grid, :sent, :grids, :tries, :recalled,
// :failed), the month's reach:<day> hashes and its entries in recent are
// then deleted; a notice keeps its b:<id> hash (without the message) and
// its failures, so Status still answers for it. A broadcast recalled from
// some group is kept whole: the ledger shares its members out by group.
// So is one a channel's Confirmer says never reached some chat, with those
// chats in b:<id>:missed; a month with a request still awaiting is not
// rolled up yet.
// Readers take a month from reachm and pushm once "_done" is there, and
// from the day records before; the records are deleted only after, so a
// crash at any point leaves figures that read the same, and the next run
// carries on.

// RollUpAfter is how long after a month ends it is rolled up: by then
// nothing created in it is in flight.
const RollUpAfter = 4 * 24 * time.Hour

const rollSep = "\x1f"

// RollUpSpec is the cron spec main registers RollUp under (job
// "outbox-rollup"; schedule.jobs may replace it): daily at 03:40.
const RollUpSpec = "40 3 * * *"

// RollUp rolls up every closed month not rolled up yet, oldest first, and
// stops at a month with a broadcast still under way (it is tried again
// on the next run). It is idempotent and resumable: a run that dies part
// way leaves the records reading the same, and the next run finishes.
// Several replicas may run it (the scheduler's slot claim keeps it to one
// at a time): a month's rows are built aside and put in place by one
// script that keeps the first run's, so a run that read records another
// was deleting never replaces them.
func (o *Outbox) RollUp(ctx context.Context) error {
	now := o.now().In(o.loc)
	last := monthStart(now, o.loc).AddDate(0, -1, 0)
	if now.Before(last.AddDate(0, 1, 0).Add(RollUpAfter)) {
		last = last.AddDate(0, -1, 0)
	}
	cur, err := o.rdb.HGet(ctx, o.key("rolled"), "month").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("outbox roll-up: %w", err)
	}
	m := monthStart(now.Add(-o.cfg.Retention), o.loc)
	if t, err := time.ParseInLocation("2006-01", cur, o.loc); err == nil {
		m = t.AddDate(0, 1, 0)
	}
	for ; !m.After(last); m = m.AddDate(0, 1, 0) {
		ok, err := o.rollMonth(ctx, m)
		if err != nil {
			return err
		}
		if !ok {
			o.log.Info("outbox roll-up: a broadcast is still under way", "month", m.Format("2006-01"))
			break
		}
		if err := o.rdb.HSet(ctx, o.key("rolled"), "month", m.Format("2006-01")).Err(); err != nil {
			return fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
		}
	}
	return o.dropReports(ctx, m)
}

// dropReports deletes the delivery reports (kind KindReport, never
// counted) created before the month from before and delivered, walking
// broadcast ids from where the last run stopped ("id" in rolled) to the
// first one created since.
func (o *Outbox) dropReports(ctx context.Context, before time.Time) error {
	rk := o.key("rolled")
	cur, err := o.rdb.HGet(ctx, rk, "id").Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("outbox roll-up reports: %w", err)
	}
	top, err := o.rdb.Get(ctx, o.key("seq")).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("outbox roll-up reports: %w", err)
	}
	for cur < top {
		n := min(top-cur, 500)
		pipe := o.rdb.Pipeline()
		meta := make([]*redis.SliceCmd, n)
		for i := range meta {
			meta[i] = pipe.HMGet(ctx, o.bkey(i64s(cur+1+int64(i))), "kind", "created", "total", "sent", "failed", "cancelled", "counting")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("outbox roll-up reports: %w", err)
		}
		del := o.rdb.Pipeline()
		stop, next := false, cur
		for _, c := range meta {
			v := c.Val()
			s := func(j int) string { x, _ := v[j].(string); return x }
			num := func(j int) int64 { x, _ := strconv.ParseInt(s(j), 10, 64); return x }
			id := i64s(next + 1)
			if s(0) != "" && (num(1) >= before.Unix() || s(0) == KindReport && (num(2)-num(3)-num(4)-num(5) > 0 || num(6) > 0)) {
				stop = true
				break
			}
			if s(0) == KindReport {
				del.Del(ctx, o.bkey(id), o.bkey(id, "grid"), o.bkey(id, "sent"), o.bkey(id, "failed"), o.bkey(id, "tries"),
					o.bkey(id, "grids"), o.bkey(id, "recalled"))
			}
			next++
		}
		del.HSet(ctx, rk, "id", next)
		if _, err := del.Exec(ctx); err != nil {
			return fmt.Errorf("outbox roll-up reports: %w", err)
		}
		if stop {
			return nil
		}
		cur = next
	}
	return nil
}

func monthStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
}

// bcast is one broadcast as the roll-up reads it.
type bcast struct {
	id, kind, ref, title   string
	created                int64
	sent, members          int64
	pending, counting, rec bool
	grid                   map[string]string
	sentTo                 []string
	// sentIDs is chat → message id of the chats of channels.
	sentIDs map[string]string
}

// rollMonth rolls up the month starting at m and deletes the records it
// holds; false when some broadcast created in it is still under way.
func (o *Outbox) rollMonth(ctx context.Context, m time.Time) (bool, error) {
	ok, err := o.buildMonth(ctx, m)
	if !ok || err != nil {
		return ok, err
	}
	raw, err := o.rdb.HGet(ctx, o.key("reachm", m.Format("2006-01")), "_raw").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
	}
	return true, o.cleanMonth(ctx, m, splitIDs(raw))
}

// buildMonth puts in place the roll-up of the month starting at m, unless
// it is there already; false when some broadcast created in it is still
// under way.
func (o *Outbox) buildMonth(ctx context.Context, m time.Time) (bool, error) {
	month := m.Format("2006-01")
	done, err := o.rdb.HGet(ctx, o.key("reachm", month), "_done").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("outbox roll-up %s: %w", month, err)
	}
	if done == "1" {
		return true, nil
	}
	bs, err := o.readMonth(ctx, m)
	if err != nil {
		return false, err
	}
	owed, err := o.rdb.HVals(ctx, o.key("counts")).Result()
	if err != nil {
		return false, fmt.Errorf("outbox roll-up %s: %w", month, err)
	}
	for _, d := range owed {
		if strings.HasPrefix(d, month) {
			return false, nil
		}
	}
	got, err := o.monthOutcomes(ctx, bs)
	if err != nil {
		return false, fmt.Errorf("outbox roll-up %s: %w", month, err)
	}
	var raw []string
	rows := map[string]*Pushed{}
	var order []string
	for _, b := range bs {
		if b.pending || b.counting {
			return false, nil
		}
		var missed []any
		for c, id := range b.sentIDs {
			switch got[c+"\x00"+id] {
			case Awaiting:
				return false, nil
			case Missed:
				missed = append(missed, c, "1")
			}
		}
		if len(missed) > 0 {
			pipe := o.rdb.Pipeline()
			pipe.HSet(ctx, o.bkey(b.id, "missed"), missed...)
			pipe.Expire(ctx, o.bkey(b.id, "missed"), o.cfg.Retention)
			if _, err := pipe.Exec(ctx); err != nil {
				return false, fmt.Errorf("outbox roll-up %s: %w", month, err)
			}
		}
		switch {
		case b.rec || len(missed) > 0:
			raw = append(raw, b.id)
			continue
		case b.sent == 0:
			continue
		}
		ref := b.ref
		if ref == "" {
			ref = "#" + b.id
		}
		day := time.Unix(b.created, 0).In(o.loc).Format(time.DateOnly)
		k := day + "|" + b.kind + "|" + ref
		r := rows[k]
		if r == nil {
			r = &Pushed{Day: day, Kind: b.kind, Ref: ref}
			rows[k] = r
			order = append(order, k)
		}
		r.Title = b.title
		r.Broadcasts++
		r.Groups += int64(len(b.sentTo))
		r.Members += b.members
		for _, c := range b.sentTo {
			if g := b.grid[c]; g != "" && !slices.Contains(r.Grids, g) {
				r.Grids = append(r.Grids, g)
			}
		}
	}
	reach, err := o.readReachDays(ctx, m)
	if err != nil {
		return false, err
	}
	if len(rows) == 0 && len(reach) == 0 && len(raw) == 0 {
		return true, nil
	}
	pushes := make(map[string]any, len(rows)+1)
	index := map[string]string{}
	var names []string
	for _, k := range order {
		r := rows[k]
		a := []string{r.Title, strconv.Itoa(r.Broadcasts), i64s(r.Groups), i64s(r.Members)}
		for _, g := range r.Grids {
			if index[g] == "" {
				index[g] = strconv.FormatInt(int64(len(names)), 36)
				names = append(names, g)
			}
			a = append(a, index[g])
		}
		pushes[k] = strings.Join(a, rollSep)
	}
	if len(names) > 0 {
		pushes["_g"] = strings.Join(names, rollSep)
	}
	token := strconv.FormatInt(time.Now().UnixNano(), 36)
	tr, tp := o.key("rollup", "tmp", month, "r", token), o.key("rollup", "tmp", month, "p", token)
	pipe := o.rdb.Pipeline()
	hsetChunks(ctx, pipe, tr, reach)
	hsetChunks(ctx, pipe, tp, pushes)
	pipe.Expire(ctx, tr, time.Hour)
	pipe.Expire(ctx, tp, time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("outbox roll-up %s: %w", month, err)
	}
	until := m.AddDate(0, 1, 0).Add(o.cfg.Retention).Unix()
	err = commitRollScript.Run(ctx, o.rdb, []string{tr, tp, o.key("reachm", month), o.key("pushm", month)},
		strings.Join(raw, ","), until).Err()
	if err != nil {
		return false, fmt.Errorf("outbox roll-up %s: %w", month, err)
	}
	return true, nil
}

// commitRoll: KEYS the built reach and push rows (temporary), reachm,
// pushm. ARGV ids kept whole, expiry (Unix s). Puts a month's built
// roll-up in place unless another run did first (then drops this one's);
// returns 1 when this one is in place.
var commitRollScript = redis.NewScript(`
if redis.call('HGET', KEYS[3], '_done') == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
redis.call('DEL', KEYS[3], KEYS[4])
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[3]) end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RENAME', KEYS[2], KEYS[4])
  redis.call('EXPIREAT', KEYS[4], ARGV[2])
end
redis.call('HSET', KEYS[3], '_raw', ARGV[1], '_done', '1')
redis.call('EXPIREAT', KEYS[3], ARGV[2])
return 1
`)

func i64s(n int64) string { return strconv.FormatInt(n, 10) }

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// hsetChunks adds HSETs of fields to pipe, 500 fields a command.
func hsetChunks(ctx context.Context, pipe redis.Pipeliner, key string, fields map[string]any) {
	chunk := make([]any, 0, 1000)
	for f, v := range fields {
		chunk = append(chunk, f, v)
		if len(chunk) == 1000 {
			pipe.HSet(ctx, key, chunk...)
			chunk = make([]any, 0, 1000)
		}
	}
	if len(chunk) > 0 {
		pipe.HSet(ctx, key, chunk...)
	}
}

// createdIn returns the ids of the broadcasts created in the month from m,
// in the order the ledger reads them.
func (o *Outbox) createdIn(ctx context.Context, m time.Time) ([]string, error) {
	ids, err := o.rdb.ZRangeByScore(ctx, o.key("recent"), &redis.ZRangeBy{
		Min: strconv.FormatInt(m.Unix(), 10), Max: "(" + strconv.FormatInt(m.AddDate(0, 1, 0).Unix(), 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
	}
	return ids, nil
}

// readMonth reads the broadcasts created in the month from m, 200 a
// round trip.
func (o *Outbox) readMonth(ctx context.Context, m time.Time) ([]bcast, error) {
	ids, err := o.createdIn(ctx, m)
	if err != nil {
		return nil, err
	}
	var out []bcast
	for part := range slices.Chunk(ids, 200) {
		pipe := o.rdb.Pipeline()
		meta := make([]*redis.SliceCmd, len(part))
		grids := make([]*redis.MapStringStringCmd, len(part))
		sent := make([]*redis.MapStringStringCmd, len(part))
		rec := make([]*redis.IntCmd, len(part))
		for i, id := range part {
			meta[i] = pipe.HMGet(ctx, o.bkey(id), "kind", "ref", "title", "created", "total", "sent", "failed", "cancelled", "members", "counting")
			grids[i] = pipe.HGetAll(ctx, o.bkey(id, "grid"))
			sent[i] = pipe.HGetAll(ctx, o.bkey(id, "sent"))
			rec[i] = pipe.HLen(ctx, o.bkey(id, "recalled"))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
		}
		for i, id := range part {
			v := meta[i].Val()
			s := func(j int) string { x, _ := v[j].(string); return x }
			n := func(j int) int64 { x, _ := strconv.ParseInt(s(j), 10, 64); return x }
			if s(0) == "" || s(0) == KindReport {
				continue
			}
			b := bcast{id: id, kind: s(0), ref: s(1), title: s(2), created: n(3),
				sent: n(5), members: n(8), pending: n(4)-n(5)-n(6)-n(7) > 0, counting: n(9) > 0,
				rec: rec[i].Val() > 0, grid: grids[i].Val()}
			for c, m := range sent[i].Val() {
				b.sentTo = append(b.sentTo, c)
				if _, ok := o.chans[bot.ChatRef(c).Platform()]; ok {
					if b.sentIDs == nil {
						b.sentIDs = map[string]string{}
					}
					b.sentIDs[c] = m
				}
			}
			slices.Sort(b.sentTo)
			out = append(out, b)
		}
	}
	return out, nil
}

// monthOutcomes asks the confirmers what became of the requests the
// broadcasts bs sent to their channels' chats, keyed "<chat>\x00<msgid>".
// A broadcast with a request still awaiting keeps its month from being
// rolled up; one with a request that never reached its chat is kept whole,
// with those chats in b:<id>:missed, so the ledger counts them as not
// reached even after the channel forgets them.
func (o *Outbox) monthOutcomes(ctx context.Context, bs []bcast) (map[string]Outcome, error) {
	conf := o.confirmers()
	if len(conf) == 0 {
		return nil, nil
	}
	asks := map[string]string{}
	for _, b := range bs {
		for c, id := range b.sentIDs {
			asks[c+"\x00"+id] = id
		}
	}
	if len(asks) == 0 {
		return nil, nil
	}
	return outcomes(ctx, conf, asks)
}

// monthDays returns the days of the month from m.
func monthDays(m time.Time) []time.Time {
	var out []time.Time
	for d := m; d.Before(m.AddDate(0, 1, 0)); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// readReachDays packs the reach:<day> records of the month from m into
// reachm fields: grid -> "<DD><kind>,<pushes>,<groups>,<members>;…".
func (o *Outbox) readReachDays(ctx context.Context, m time.Time) (map[string]any, error) {
	days := monthDays(m)
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(days))
	for i, d := range days {
		cmds[i] = pipe.HGetAll(ctx, reachKey(o.k, d, o.loc))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
	}
	type gk struct{ grid, kind string }
	out := map[string]any{}
	for i, d := range days {
		sum := map[gk]*[3]int64{}
		var keys []gk
		for field, v := range cmds[i].Val() {
			grid, kind, measure, ok := splitReach(field)
			if !ok {
				continue
			}
			k := gk{grid, kind}
			if sum[k] == nil {
				sum[k] = &[3]int64{}
				keys = append(keys, k)
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			switch measure {
			case "pushes":
				sum[k][0] += n
			case "groups":
				sum[k][1] += n
			case "members":
				sum[k][2] += n
			}
		}
		slices.SortFunc(keys, func(a, b gk) int { return strings.Compare(a.grid+"|"+a.kind, b.grid+"|"+b.kind) })
		for _, k := range keys {
			s := sum[k]
			prev, _ := out[k.grid].(string)
			out[k.grid] = fmt.Sprintf("%s%02d%s,%d,%d,%d;", prev, d.Day(), kindCode(k.kind), s[0], s[1], s[2])
		}
	}
	return out, nil
}

// cleanMonth deletes the per-delivery records of the month from m that
// its roll-up holds, keeping the broadcasts of raw whole.
func (o *Outbox) cleanMonth(ctx context.Context, m time.Time, raw []string) error {
	ids, err := o.createdIn(ctx, m)
	if err != nil {
		return err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(raw, id) })
	for part := range slices.Chunk(ids, 200) {
		pipe := o.rdb.Pipeline()
		kinds := make([]*redis.StringCmd, len(part))
		for i, id := range part {
			kinds[i] = pipe.HGet(ctx, o.bkey(id), "kind")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
		}
		pipe = o.rdb.Pipeline()
		for i, id := range part {
			pipe.Del(ctx, o.bkey(id, "grid"), o.bkey(id, "sent"), o.bkey(id, "grids"), o.bkey(id, "tries"), o.bkey(id, "recalled"))
			if kinds[i].Val() == "notice" {
				pipe.HDel(ctx, o.bkey(id), "msg")
			} else {
				pipe.Del(ctx, o.bkey(id), o.bkey(id, "failed"))
			}
			pipe.ZRem(ctx, o.key("recent"), id)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
		}
	}
	pipe := o.rdb.Pipeline()
	for _, d := range monthDays(m) {
		pipe.Del(ctx, reachKey(o.k, d, o.loc))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("outbox roll-up %s: %w", m.Format("2006-01"), err)
	}
	return nil
}

// reachSum sums reach records per grid and kind, leaving out the "*"
// totals, in the order first seen.
type reachSum struct {
	m     map[[2]string]*Reach
	order [][2]string
}

func (s *reachSum) add(grid, kind, measure string, n int64) {
	if grid == "*" {
		return
	}
	gk := [2]string{grid, kind}
	r := s.m[gk]
	if r == nil {
		r = &Reach{Grid: grid, Kind: kind}
		s.m[gk] = r
		s.order = append(s.order, gk)
	}
	switch measure {
	case "pushes":
		r.Pushes += n
	case "groups":
		r.Groups += n
	case "members":
		r.Members += n
	}
}

// addPacked adds the days in [first, end) (YYYY-MM-DD) of one grid's
// reachm value of month (YYYY-MM).
func (s *reachSum) addPacked(month, grid, v, first, end string) {
	for _, e := range strings.Split(v, ";") {
		if len(e) < 3 {
			continue
		}
		day := month + "-" + e[:2]
		if day < first || day >= end {
			continue
		}
		a := strings.Split(e[2:], ",")
		if len(a) != 4 {
			continue
		}
		a[0] = codeKind(a[0])
		for i, measure := range []string{"pushes", "groups", "members"} {
			n, _ := strconv.ParseInt(a[i+1], 10, 64)
			s.add(grid, a[0], measure, n)
		}
	}
}

// unpackPushes reads the rows of a pushm hash whose day is in [first,
// end).
func unpackPushes(h map[string]string, first, end string) []Pushed {
	var out []Pushed
	names := strings.Split(h["_g"], rollSep)
	for k, v := range h {
		parts := strings.SplitN(k, "|", 3)
		a := strings.Split(v, rollSep)
		if len(parts) != 3 || len(a) < 4 || parts[0] < first || parts[0] >= end {
			continue
		}
		n, _ := strconv.Atoi(a[1])
		g, _ := strconv.ParseInt(a[2], 10, 64)
		m, _ := strconv.ParseInt(a[3], 10, 64)
		out = append(out, Pushed{Day: parts[0], Kind: parts[1], Ref: parts[2], Title: a[0], Broadcasts: n,
			Groups: g, Members: m, Grids: gridNames(names, a[4:])})
	}
	return out
}

// gridNames maps the base-36 indexes of a pushm row to grid names.
func gridNames(names, idx []string) []string {
	out := make([]string, 0, len(idx))
	for _, x := range idx {
		if i, err := strconv.ParseInt(x, 36, 64); err == nil && i >= 0 && int(i) < len(names) {
			out = append(out, names[i])
		}
	}
	return out
}

// kindCodes shorten the kinds of bot.Broadcast in reachm values; other
// kinds (never one letter) are written whole.
var kindCodes = map[string]string{"tip": "t", "notice": "n", "event": "e", "reminder": "r", "quiz": "q"}

func kindCode(kind string) string {
	if c, ok := kindCodes[kind]; ok {
		return c
	}
	return kind
}

func codeKind(code string) string {
	for k, c := range kindCodes {
		if c == code {
			return k
		}
	}
	return code
}
