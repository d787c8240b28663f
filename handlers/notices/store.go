package notices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// Keys share the hash tag {nt}:
//
//	nt:{nt}:dseq / nt:{nt}:d:<id>   draft counter and drafts (expire)
//	nt:{nt}:latest:<user>           the user's latest draft id (24h)
//	nt:{nt}:seq / nt:{nt}:n:<N>     notice number counter and notices
//	nt:{nt}:list                    sorted set of notice numbers
func (f *Feature) key(parts ...string) string {
	return f.env.Keys.Key(append([]string{"nt", "{nt}"}, parts...)...)
}

const latestTTL = 24 * time.Hour

// Draft statuses.
const (
	dsDraft     = "draft"
	dsSending   = "sending"
	dsSent      = "sent"
	dsCancelled = "cancelled"
)

// Notice statuses.
const (
	nsQueued    = "queued"
	nsCancelled = "cancelled"
	nsRecalled  = "recalled"
)

type draft struct {
	ID      string
	User    bot.UserRef
	Label   string
	Body    string
	Urgent  bool
	At      time.Time
	Targets map[bot.ChatRef]string
	Grids   int
	Members int
	Status  string
	N       int
	// Warnings are the cap warnings of the preview (not stored).
	Warnings []string
}

func (d draft) chats() []bot.ChatRef {
	out := make([]bot.ChatRef, 0, len(d.Targets))
	for c := range d.Targets {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func (f *Feature) saveDraft(ctx context.Context, d *draft) error {
	id, err := f.env.Redis.Incr(ctx, f.key("dseq")).Result()
	if err != nil {
		return fmt.Errorf("new notice draft: %w", err)
	}
	d.ID = strconv.FormatInt(id, 10)
	targets, _ := json.Marshal(d.Targets)
	k := f.key("d", d.ID)
	pipe := f.env.Redis.TxPipeline()
	pipe.HSet(ctx, k, "user", string(d.User), "label", d.Label, "body", d.Body,
		"urgent", boolStr(d.Urgent), "at", bot.UnixOrZero(d.At), "targets", string(targets),
		"grids", d.Grids, "members", d.Members, "status", dsDraft, "created", f.env.Now().Unix())
	pipe.Expire(ctx, k, f.cfg.DraftTTL)
	pipe.Set(ctx, f.key("latest", string(d.User)), d.ID, latestTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save notice draft: %w", err)
	}
	return nil
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func draftFromHash(id string, h map[string]string) draft {
	d := draft{ID: id, User: bot.UserRef(h["user"]), Label: h["label"], Body: h["body"],
		Urgent: h["urgent"] == "1", At: bot.FromUnix(h["at"]), Status: h["status"]}
	d.Grids, _ = strconv.Atoi(h["grids"])
	d.Members, _ = strconv.Atoi(h["members"])
	d.N, _ = strconv.Atoi(h["n"])
	_ = json.Unmarshal([]byte(h["targets"]), &d.Targets)
	return d
}

// claimScript moves a draft from draft to sending, giving it a notice
// number (kept if sending fails and is retried). Returns {status, n, hash...}:
// status "ok" when claimed, "expired" when gone or older than the TTL by
// the clock (ARGV: now, ttl seconds), else the current status.
var claimScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'expired', ''} end
local st = redis.call('HGET', KEYS[1], 'status')
local n = redis.call('HGET', KEYS[1], 'n') or ''
if st ~= 'draft' then return {st, n} end
if tonumber(ARGV[1]) - tonumber(redis.call('HGET', KEYS[1], 'created') or 0) > tonumber(ARGV[2]) then
  return {'expired', n}
end
if n == '' then
  n = tostring(redis.call('INCR', KEYS[2]))
  redis.call('HSET', KEYS[1], 'n', n)
end
redis.call('HSET', KEYS[1], 'status', 'sending')
local out = {'ok', n}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do table.insert(out, v) end
return out
`)

// errClaim carries why a draft could not be claimed: its status.
type errClaim struct{ Status, N string }

func (e *errClaim) Error() string { return "draft " + e.Status }

func (f *Feature) claim(ctx context.Context, id string) (draft, error) {
	res, err := claimScript.Run(ctx, f.env.Redis, []string{f.key("d", id), f.key("seq")},
		f.env.Now().Unix(), int64(f.cfg.DraftTTL/time.Second)).StringSlice()
	if err != nil {
		return draft{}, fmt.Errorf("claim notice draft %s: %w", id, err)
	}
	if res[0] != "ok" {
		return draft{}, &errClaim{Status: res[0], N: res[1]}
	}
	h := map[string]string{}
	for i := 2; i+1 < len(res); i += 2 {
		h[res[i]] = res[i+1]
	}
	return draftFromHash(id, h), nil
}

// dropScript cancels a draft that is still a draft; returns the status
// it had ('expired' when gone) and the notice number.
var dropScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'expired', ''} end
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'draft' then redis.call('HSET', KEYS[1], 'status', 'cancelled') end
return {st, redis.call('HGET', KEYS[1], 'n') or ''}
`)

func (f *Feature) drop(ctx context.Context, id string) (status, n string, err error) {
	v, err := dropScript.Run(ctx, f.env.Redis, []string{f.key("d", id)}).Result()
	if err == nil {
		status, n, err = parseDrop(v)
	}
	if err != nil {
		return "", "", fmt.Errorf("drop notice draft %s: %w", id, err)
	}
	return status, n, nil
}

// parseDrop reads dropScript's {status ("expired" when gone, "" when the
// draft has none), notice number}; another shape is a redisx.ErrReply.
func parseDrop(v any) (status, n string, err error) {
	a, err := redisx.Array(v, 2)
	if err != nil {
		return "", "", err
	}
	if status, err = redisx.OptString(a[0]); err != nil {
		return "", "", err
	}
	if n, err = redisx.OptString(a[1]); err != nil {
		return "", "", err
	}
	return status, n, nil
}

// makeUrgent marks draft id urgent while it is still a draft, so its
// confirmation sends it at once, quiet hours or not.
func (f *Feature) makeUrgent(ctx context.Context, id string) error {
	if err := urgentScript.Run(ctx, f.env.Redis, []string{f.key("d", id)}).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("make notice draft %s urgent: %w", id, err)
	}
	return nil
}

var urgentScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'status') == 'draft' then redis.call('HSET', KEYS[1], 'urgent', '1') end
return 1
`)

func (f *Feature) unclaim(ctx context.Context, id string) error {
	if err := f.env.Redis.HSet(ctx, f.key("d", id), "status", dsDraft).Err(); err != nil {
		return fmt.Errorf("release notice draft %s: %w", id, err)
	}
	return nil
}

// notice is a confirmed notice.
type notice struct {
	N       int
	BID     string
	By      bot.UserRef
	Created time.Time
	At      time.Time
	Urgent  bool
	Body    string
	Label   string
	Chats   int
	Members int
	Status  string
	// Due is when it starts going out: At or the confirmation, held to
	// the end of quiet hours unless urgent.
	Due time.Time
}

func (f *Feature) record(ctx context.Context, d draft, bid string, due time.Time) error {
	nk := f.key("n", strconv.Itoa(d.N))
	pipe := f.env.Redis.TxPipeline()
	pipe.HSet(ctx, nk, "bid", bid, "by", string(d.User), "created", f.env.Now().Unix(),
		"at", bot.UnixOrZero(d.At), "urgent", boolStr(d.Urgent), "body", d.Body, "label", d.Label,
		"chats", len(d.Targets), "members", d.Members, "status", nsQueued, "due", bot.UnixOrZero(due))
	pipe.ZAdd(ctx, f.key("list"), redis.Z{Score: float64(d.N), Member: d.N})
	pipe.HSet(ctx, f.key("d", d.ID), "status", dsSent)
	pipe.Expire(ctx, f.key("d", d.ID), latestTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record notice %d: %w", d.N, err)
	}
	return nil
}

func noticeFromHash(n int, h map[string]string) notice {
	out := notice{N: n, BID: h["bid"], By: bot.UserRef(h["by"]), Created: bot.FromUnix(h["created"]),
		At: bot.FromUnix(h["at"]), Urgent: h["urgent"] == "1", Body: h["body"], Label: h["label"], Status: h["status"],
		Due: bot.FromUnix(h["due"])}
	if out.Due.IsZero() {
		out.Due = out.At
		if out.Due.IsZero() {
			out.Due = out.Created
		}
	}
	out.Chats, _ = strconv.Atoi(h["chats"])
	out.Members, _ = strconv.Atoi(h["members"])
	return out
}

var errNoNotice = errors.New("no such notice")

func (f *Feature) load(ctx context.Context, n int) (notice, error) {
	h, err := f.env.Redis.HGetAll(ctx, f.key("n", strconv.Itoa(n))).Result()
	if err != nil {
		return notice{}, fmt.Errorf("load notice %d: %w", n, err)
	}
	if len(h) == 0 {
		return notice{}, errNoNotice
	}
	return noticeFromHash(n, h), nil
}

// recent returns the newest notices, newest first.
func (f *Feature) recent(ctx context.Context, limit int) ([]notice, error) {
	ns, err := f.env.Redis.ZRevRange(ctx, f.key("list"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	pipe := f.env.Redis.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ns))
	for i, n := range ns {
		cmds[i] = pipe.HGetAll(ctx, f.key("n", n))
	}
	if len(ns) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("load notices: %w", err)
		}
	}
	out := make([]notice, 0, len(ns))
	for i, n := range ns {
		num, _ := strconv.Atoi(n)
		out = append(out, noticeFromHash(num, cmds[i].Val()))
	}
	return out, nil
}

// transitionScript sets a notice's status to ARGV[1] when it is queued;
// returns the status it had (” when missing).
var transitionScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return '' end
if st == 'queued' then redis.call('HSET', KEYS[1], 'status', ARGV[1]) end
return st
`)

func (f *Feature) transition(ctx context.Context, n int, to string) (string, error) {
	st, err := transitionScript.Run(ctx, f.env.Redis, []string{f.key("n", strconv.Itoa(n))}, to).Text()
	if err != nil {
		return "", fmt.Errorf("set notice %d %s: %w", n, to, err)
	}
	return st, nil
}
