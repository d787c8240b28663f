package events

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

// Event is an activity as stored in Redis.
type Event struct {
	ID       int64
	Title    string
	Place    string
	Desc     string
	Start    time.Time
	End      time.Time // zero: not given
	Deadline time.Time // sign-up closes; defaults to Start
	Seats    int
	Taken    int // seats taken by confirmed sign-ups (sum of headcounts)
	Waiting  int // households on the waitlist
	Grids    []string
	HH       int     // most people per household, 0: only the global limit
	Hours    float64 // volunteer hours credited per person, 0: not volunteer
	Status   string  // "open" or "cancelled"
	Bcast    string  // outbox broadcast id of the notice
	// NoticeAt is when the outbox sends the notice, when the quiet hours
	// held it at publication (zero: sent at once).
	NoticeAt time.Time
	Creator  bot.UserRef
	Chain    bool // the live sign-up list (接龙) is on
	Code     string
	CodeTill time.Time
}

// Left returns the seats still free.
func (e *Event) Left() int { return max(0, e.Seats-e.Taken) }

// Cancelled reports whether staff cancelled the event.
func (e *Event) Cancelled() bool { return e.Status == statusCancelled }

const (
	statusOpen      = "open"
	statusCancelled = "cancelled"
	sep             = "\x1f"
)

// signup is one household's record: the reg hash value
// "n␟seq␟unix␟name␟remark␟grid␟chat".
type signup struct {
	User   bot.UserRef
	N      int
	Seq    int64
	At     time.Time
	Name   string
	Remark string
	Grid   string
	Chat   bot.ChatRef
}

func (s signup) tail() string {
	return strings.Join([]string{strconv.FormatInt(s.At.Unix(), 10), clean(s.Name), clean(s.Remark), clean(s.Grid), clean(string(s.Chat))}, sep)
}

func clean(s string) string { return strings.ReplaceAll(s, sep, " ") }

func parseSignup(user, rec string) signup {
	f := strings.SplitN(rec, sep, 7)
	for len(f) < 7 {
		f = append(f, "")
	}
	n, _ := strconv.Atoi(f[0])
	seq, _ := strconv.ParseInt(f[1], 10, 64)
	at, _ := strconv.ParseInt(f[2], 10, 64)
	return signup{User: bot.UserRef(user), N: n, Seq: seq, At: time.Unix(at, 0), Name: f[3], Remark: f[4], Grid: f[5], Chat: bot.ChatRef(f[6])}
}

type store struct {
	rdb redis.UniversalClient
	k   bot.Keys
}

func (s *store) key(id int64, field string) string {
	return s.k.Key("ev", bot.Tag(strconv.FormatInt(id, 10)), field)
}

// keys returns meta, reg, in, wait, chk of one event.
func (s *store) keys(id int64) []string {
	return []string{s.key(id, "meta"), s.key(id, "reg"), s.key(id, "in"), s.key(id, "wait"), s.key(id, "chk")}
}

func (s *store) seqKey() string  { return s.k.Key("ev", "seq") }
func (s *store) openKey() string { return s.k.Key("ev", "open") }

var errNotFound = errors.New("event not found")

// create stores a new event and returns it with its id.
//
// The open index spans all events and the event's hash has the event's own
// hash tag, so on Redis Cluster they live in different slots and cannot
// share a MULTI. The index entry is written first: every reader of the
// index skips an id whose hash is missing, so a failure between the two
// writes leaves nothing visible, and an event is never stored unlisted.
func (s *store) create(ctx context.Context, e *Event) error {
	id, err := s.rdb.Incr(ctx, s.seqKey()).Result()
	if err != nil {
		return fmt.Errorf("next event id: %w", err)
	}
	e.ID = id
	e.Status = statusOpen
	chain := "0"
	if e.Chain {
		chain = "1"
	}
	if err := s.rdb.ZAdd(ctx, s.openKey(), redis.Z{Score: float64(e.Start.Unix()), Member: id}).Err(); err != nil {
		return fmt.Errorf("list event %d: %w", id, err)
	}
	err = s.rdb.HSet(ctx, s.key(id, "meta"),
		"title", e.Title, "place", e.Place, "desc", e.Desc,
		"start", bot.UnixOrZero(e.Start), "end", bot.UnixOrZero(e.End), "deadline", bot.UnixOrZero(e.Deadline),
		"seats", e.Seats, "taken", 0, "grids", strings.Join(e.Grids, sep),
		"hh", e.HH, "hours", strconv.FormatFloat(e.Hours, 'f', -1, 64),
		"status", statusOpen, "creator", string(e.Creator), "seq", 0, "chain", chain).Err()
	if err != nil {
		_ = s.rdb.ZRem(context.WithoutCancel(ctx), s.openKey(), id).Err()
		return fmt.Errorf("create event %d: %w", id, err)
	}
	return nil
}

func eventFromHash(id int64, h map[string]string) *Event {
	atoi := func(k string) int { n, _ := strconv.Atoi(h[k]); return n }
	hours, _ := strconv.ParseFloat(h["hours"], 64)
	var grids []string
	if h["grids"] != "" {
		grids = strings.Split(h["grids"], sep)
	}
	return &Event{
		ID: id, Title: h["title"], Place: h["place"], Desc: h["desc"],
		Start: bot.FromUnix(h["start"]), End: bot.FromUnix(h["end"]), Deadline: bot.FromUnix(h["deadline"]),
		Seats: atoi("seats"), Taken: atoi("taken"), Grids: grids, HH: atoi("hh"), Hours: hours,
		Status: h["status"], Bcast: h["bcast"], NoticeAt: bot.FromUnix(h["notice_at"]), Creator: bot.UserRef(h["creator"]), Chain: h["chain"] == "1",
		Code: h["code"], CodeTill: bot.FromUnix(h["code_till"]),
	}
}

// get loads one event with its waitlist length, in one round trip.
func (s *store) get(ctx context.Context, id int64) (*Event, error) {
	evs, err := s.getMany(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if evs[0] == nil {
		return nil, errNotFound
	}
	return evs[0], nil
}

// getMany loads events in one round trip; missing ones are nil.
func (s *store) getMany(ctx context.Context, ids []int64) ([]*Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	p := s.rdb.Pipeline()
	load := s.queueMany(ctx, p, ids)
	if _, err := p.Exec(ctx); err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	return load(), nil
}

// queueMany queues in p the loads of getMany; the function it returns,
// called once p ran, gives the events (nil where none).
func (s *store) queueMany(ctx context.Context, p redis.Pipeliner, ids []int64) func() []*Event {
	metas := make([]*redis.MapStringStringCmd, len(ids))
	waits := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		metas[i] = p.HGetAll(ctx, s.key(id, "meta"))
		waits[i] = p.ZCard(ctx, s.key(id, "wait"))
	}
	return func() []*Event {
		out := make([]*Event, len(ids))
		for i, id := range ids {
			h := metas[i].Val()
			if len(h) == 0 {
				continue
			}
			out[i] = eventFromHash(id, h)
			out[i].Waiting = int(waits[i].Val())
		}
		return out
	}
}

// upcoming returns events not cancelled whose start is after since, by
// start time.
func (s *store) upcoming(ctx context.Context, since time.Time) ([]*Event, error) {
	ids, err := s.upcomingIDs(ctx, since)
	if err != nil {
		return nil, err
	}
	evs, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	return liveOnly(evs), nil
}

// upcomingIDs returns the ids of the events whose start is after since, by
// start time.
func (s *store) upcomingIDs(ctx context.Context, since time.Time) ([]int64, error) {
	p := s.rdb.Pipeline()
	read := s.queueUpcomingIDs(ctx, p, since)
	_, _ = p.Exec(ctx)
	return read()
}

// queueUpcomingIDs queues upcomingIDs's read in p; the function it returns
// gives its answer once p ran.
func (s *store) queueUpcomingIDs(ctx context.Context, p redis.Pipeliner, since time.Time) func() ([]int64, error) {
	cmd := p.ZRangeByScore(ctx, s.openKey(), &redis.ZRangeBy{Min: strconv.FormatInt(since.Unix(), 10), Max: "+inf"})
	return func() ([]int64, error) {
		idStrs, err := cmd.Result()
		if err != nil {
			return nil, fmt.Errorf("upcoming events: %w", err)
		}
		ids := make([]int64, 0, len(idStrs))
		for _, s := range idStrs {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
		return ids, nil
	}
}

// liveOnly drops the missing and the cancelled events of evs, in place.
func liveOnly(evs []*Event) []*Event {
	out := evs[:0]
	for _, e := range evs {
		if e != nil && !e.Cancelled() {
			out = append(out, e)
		}
	}
	return out
}

// set updates meta fields of an event.
func (s *store) set(ctx context.Context, id int64, fields ...any) error {
	if err := s.rdb.HSet(ctx, s.key(id, "meta"), fields...).Err(); err != nil {
		return fmt.Errorf("update event %d: %w", id, err)
	}
	return nil
}

// roster returns confirmed sign-ups in arrival order, the waitlist in
// order, and check-in times by user.
func (s *store) roster(ctx context.Context, id int64) (in, wait []signup, chk map[string]string, err error) {
	p := s.rdb.Pipeline()
	reg := p.HGetAll(ctx, s.key(id, "reg"))
	inC := p.ZRange(ctx, s.key(id, "in"), 0, -1)
	waitC := p.ZRange(ctx, s.key(id, "wait"), 0, -1)
	chkC := p.HGetAll(ctx, s.key(id, "chk"))
	if _, err := p.Exec(ctx); err != nil {
		return nil, nil, nil, fmt.Errorf("roster %d: %w", id, err)
	}
	recs := reg.Val()
	for _, u := range inC.Val() {
		in = append(in, parseSignup(u, recs[u]))
	}
	for _, u := range waitC.Val() {
		wait = append(wait, parseSignup(u, recs[u]))
	}
	return in, wait, chkC.Val(), nil
}
