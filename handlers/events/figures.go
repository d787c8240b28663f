package events

import (
	"cmp"
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

// Records reads what the events feature has recorded, for reports (the
// ledger): activities with their sign-ups and check-ins, check-ins per
// day, volunteer hours per year. It only reads, and needs env.Redis,
// Keys and Loc; the record formats stay inside this package.
type Records struct {
	st  *store
	loc *time.Location
}

// NewRecords returns the reader of env's events records.
func NewRecords(env feature.Env) *Records {
	loc := env.Loc
	if loc == nil {
		loc = time.Local
	}
	return &Records{st: &store{rdb: env.Redis, k: env.Keys}, loc: loc}
}

// Household is one household's part in an activity: its grid ("" when
// unknown) and how many people it signed up (at least one).
type Household struct {
	Grid   string
	People int
}

// ActivityFigures is one activity as a report counts it.
type ActivityFigures struct {
	ID           int64
	Title, Place string
	Start        time.Time // in the configured zone
	Grids        []string
	Seats        int
	// Taken is the seats taken by the seated households.
	Taken int
	// HoursEach is the volunteer hours credited per person checked in.
	HoursEach float64
	// Seated, Waiting and CheckedIn are the households seated, on the
	// waitlist, and checked in (a walk-in counts one person).
	Seated, Waiting, CheckedIn []Household
}

// ActivitiesIn returns the activities starting in [from, to) that were not
// cancelled, by start then id, in two round trips (the index, then every
// activity at once).
func (r *Records) ActivitiesIn(ctx context.Context, from, to time.Time) ([]ActivityFigures, error) {
	idStrs, err := r.st.rdb.ZRangeByScore(ctx, r.st.openKey(), &redis.ZRangeBy{
		Min: strconv.FormatInt(from.Unix(), 10), Max: "(" + strconv.FormatInt(to.Unix(), 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("activities in a period: %w", err)
	}
	if len(idStrs) == 0 {
		return nil, nil
	}
	pipe := r.st.rdb.Pipeline()
	type cmds struct {
		meta, reg     *redis.MapStringStringCmd
		in, chk, wait *redis.StringSliceCmd
	}
	cs := make([]cmds, len(idStrs))
	for i, s := range idStrs {
		id, _ := strconv.ParseInt(s, 10, 64)
		cs[i] = cmds{meta: pipe.HGetAll(ctx, r.st.key(id, "meta")), reg: pipe.HGetAll(ctx, r.st.key(id, "reg")),
			in: pipe.ZRange(ctx, r.st.key(id, "in"), 0, -1), chk: pipe.HKeys(ctx, r.st.key(id, "chk")),
			wait: pipe.ZRange(ctx, r.st.key(id, "wait"), 0, -1)}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("activities in a period: %w", err)
	}
	var out []ActivityFigures
	for i, s := range idStrs {
		m := cs[i].meta.Val()
		if len(m) == 0 || m["status"] == statusCancelled {
			continue
		}
		id, _ := strconv.ParseInt(s, 10, 64)
		e := eventFromHash(id, m)
		reg := cs[i].reg.Val()
		households := func(users []string) []Household {
			out := make([]Household, 0, len(users))
			for _, u := range users {
				su := parseSignup(u, reg[u])
				out = append(out, Household{Grid: su.Grid, People: max(su.N, 1)})
			}
			return out
		}
		out = append(out, ActivityFigures{ID: id, Title: e.Title, Place: e.Place, Start: e.Start.In(r.loc), Grids: e.Grids,
			Seats: e.Seats, Taken: e.Taken, HoursEach: e.Hours,
			Seated: households(cs[i].in.Val()), Waiting: households(cs[i].wait.Val()), CheckedIn: households(cs[i].chk.Val())})
	}
	slices.SortFunc(out, func(a, b ActivityFigures) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// CheckIn is one person's check-in at an activity, as recorded that day.
type CheckIn struct {
	Event int64
	User  bot.UserRef
	// Grid is the household's grid, "" when unknown; Name the name it
	// signed up under.
	Grid, Name string
	People     int64
	Hours      float64
}

// QueueCheckIns adds to pipe the read of day's check-ins (day in the
// configured zone) and returns the function that gives them once pipe has
// run, so a report reads many days and other features' records in one
// round trip.
func (r *Records) QueueCheckIns(ctx context.Context, pipe redis.Pipeliner, day time.Time) func() []CheckIn {
	cmd := pipe.HGetAll(ctx, attendanceKey(r.st.k, day.In(r.loc).Format("20060102")))
	return func() []CheckIn {
		var out []CheckIn
		for field, v := range cmd.Val() {
			id, user, _ := strings.Cut(field, ":")
			a := strings.Split(v, sep)
			for len(a) < 5 {
				a = append(a, "")
			}
			n, _ := strconv.ParseInt(id, 10, 64)
			hc, _ := strconv.ParseInt(a[1], 10, 64)
			hours, _ := strconv.ParseFloat(a[2], 64)
			out = append(out, CheckIn{Event: n, User: bot.UserRef(user), Grid: a[0], Name: a[4], People: hc, Hours: hours})
		}
		return out
	}
}

// VolunteerHours returns the hours credited to users in each of years, in
// one round trip: hours[i][j] is years[i] for users[j].
func (r *Records) VolunteerHours(ctx context.Context, years []int, users []bot.UserRef) ([][]float64, error) {
	if len(users) == 0 || len(years) == 0 {
		return make([][]float64, len(years)), nil
	}
	fields := make([]string, len(users))
	for i, u := range users {
		fields[i] = string(u)
	}
	pipe := r.st.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(years))
	for i, y := range years {
		cmds[i] = pipe.HMGet(ctx, volunteerKey(r.st.k, strconv.Itoa(y)), fields...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("volunteer hours: %w", err)
	}
	out := make([][]float64, len(years))
	for i, c := range cmds {
		out[i] = make([]float64, len(users))
		for j, v := range c.Val() {
			if s, ok := v.(string); ok {
				out[i][j], _ = strconv.ParseFloat(s, 64)
			}
		}
	}
	return out, nil
}
