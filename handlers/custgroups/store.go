package custgroups

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// store holds the feature's records, all under the hash tag {cg}
// (<prefix>:cg:{cg}, one slot):
//
//	g:<chat id>          HASH name owner status externals staff created
//	                     dissolved grid synced: one customer group
//	all                  ZSET chat id by the group's creation (Unix s): the
//	                     order of 客户群 列表
//	sync                 HASH at total new error: the last sync
//	made:<chat>:<hash>   STRING the group-send task made for one message to
//	                     one group ("msg:<id>"), "…" while being made, "?"
//	                     when WeChat Work left it unsure (24 h): once each
//	t:<msgid>            HASH chat owner grid title created state reminded
//	                     last_remind done: one task (kept 60 days)
//	open                 ZSET msgid by creation: tasks still tracked
//	tasks                ZSET msgid by creation: recent tasks (60 days)
//	recv:<chat>          ZSET msgid by the time the group received it (the
//	                     cap's count; 40 days)
//	pend:<chat>          SET msgids created for the group and not settled
type store struct {
	rdb  redis.UniversalClient
	base string
}

const (
	taskKeep = 60 * 24 * time.Hour
	recvKeep = 40 * 24 * time.Hour
	madeKeep = 24 * time.Hour
)

// Task states.
const (
	tsWaiting   = "waiting"
	tsSent      = "sent"
	tsCap       = "cap"
	tsFailed    = "failed"
	tsExpired   = "expired"
	tsCancelled = "cancelled"
)

func (s store) key(parts ...string) string {
	k := s.base
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// group is a synced customer group.
type group struct {
	ChatID, Name, Owner string
	OwnerStatus         int
	Externals, Staff    int
	Created             time.Time
	Dissolved           bool
	Grid                string
}

func (s store) saveGroup(ctx context.Context, pipe redis.Pipeliner, g group, now time.Time) {
	pipe.HSet(ctx, s.key("g", g.ChatID), "name", g.Name, "owner", g.Owner, "status", g.OwnerStatus,
		"externals", g.Externals, "staff", g.Staff, "created", g.Created.Unix(), "dissolved", boolStr(g.Dissolved),
		"synced", now.Unix())
	pipe.ZAdd(ctx, s.key("all"), redis.Z{Score: float64(g.Created.Unix()), Member: g.ChatID})
}

func groupFrom(id string, h map[string]string) group {
	n := func(f string) int { v, _ := strconv.Atoi(h[f]); return v }
	return group{ChatID: id, Name: h["name"], Owner: h["owner"], OwnerStatus: n("status"), Externals: n("externals"),
		Staff: n("staff"), Created: time.Unix(int64(n("created")), 0), Dissolved: h["dissolved"] == "1", Grid: h["grid"]}
}

// groups returns every synced group in list order.
func (s store) groups(ctx context.Context) ([]group, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("all"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("customer groups: %w", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.key("g", id))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("customer groups: %w", err)
		}
	}
	out := make([]group, 0, len(ids))
	for i, id := range ids {
		if h := cmds[i].Val(); len(h) > 0 {
			out = append(out, groupFrom(id, h))
		}
	}
	return out, nil
}

// group returns one synced group; ok is false when it was never synced.
func (s store) group(ctx context.Context, chatID string) (group, bool, error) {
	h, err := s.rdb.HGetAll(ctx, s.key("g", chatID)).Result()
	if err != nil {
		return group{}, false, fmt.Errorf("customer group %s: %w", chatID, err)
	}
	return groupFrom(chatID, h), len(h) > 0, nil
}

func (s store) setGrid(ctx context.Context, chatID, grid string) error {
	var err error
	if grid == "" {
		err = s.rdb.HDel(ctx, s.key("g", chatID), "grid").Err()
	} else {
		err = s.rdb.HSet(ctx, s.key("g", chatID), "grid", grid).Err()
	}
	if err != nil {
		return fmt.Errorf("map customer group %s: %w", chatID, err)
	}
	return nil
}

// history returns the times the group received group-sends (within 40
// days) and how many of its tasks are not settled.
func (s store) history(ctx context.Context, chatID string) ([]time.Time, int, error) {
	pipe := s.rdb.Pipeline()
	rc := pipe.ZRangeWithScores(ctx, s.key("recv", chatID), 0, -1)
	pc := pipe.SCard(ctx, s.key("pend", chatID))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("sends of customer group %s: %w", chatID, err)
	}
	out := make([]time.Time, 0, len(rc.Val()))
	for _, z := range rc.Val() {
		out = append(out, time.Unix(int64(z.Score), 0))
	}
	return out, int(pc.Val()), nil
}

// claimMade marks that a task is being made for one message to one group.
// It returns the task made before ("" if none), whether this caller may
// make it, and whether an earlier try left it unsure.
var claimMadeScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], '…', 'EX', ARGV[1])
  return {'', 1}
end
if string.sub(v, 1, 4) == 'msg:' then return {string.sub(v, 5), 0} end
return {v, 0}
`)

func (s store) claimMade(ctx context.Context, chatID, hash string) (made string, mine, unsure bool, err error) {
	res, err := claimMadeScript.Run(ctx, s.rdb, []string{s.key("made", chatID, hash)}, 300).Slice()
	if err != nil {
		return "", false, false, fmt.Errorf("claim group-send to %s: %w", chatID, err)
	}
	v, _ := res[0].(string)
	n, _ := res[1].(int64)
	switch {
	case n == 1:
		return "", true, false, nil
	case v == "?":
		return "", false, true, nil
	case v == "…":
		return "", false, false, nil
	}
	return v, false, false, nil
}

func (s store) releaseMade(ctx context.Context, chatID, hash string, unsure bool) error {
	var err error
	if unsure {
		err = s.rdb.Set(ctx, s.key("made", chatID, hash), "?", madeKeep).Err()
	} else {
		err = s.rdb.Del(ctx, s.key("made", chatID, hash)).Err()
	}
	return err
}

// task is one group-send task to one group.
type task struct {
	MsgID, ChatID, Owner, Grid, Title string
	Created, Done, LastRemind         time.Time
	State                             string
	Reminded                          int
}

// recordTask: KEYS made, t, open, tasks, pend. ARGV msgid, chat, owner,
// grid, title, created, made ttl, task ttl.
var recordTaskScript = redis.NewScript(`
redis.call('SET', KEYS[1], 'msg:' .. ARGV[1], 'EX', ARGV[7])
redis.call('HSET', KEYS[2], 'chat', ARGV[2], 'owner', ARGV[3], 'grid', ARGV[4], 'title', ARGV[5],
  'created', ARGV[6], 'state', 'waiting', 'reminded', 0)
redis.call('EXPIRE', KEYS[2], ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', tonumber(ARGV[6]) - tonumber(ARGV[8]))
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('EXPIRE', KEYS[5], ARGV[8])
return 1
`)

func (s store) recordTask(ctx context.Context, hash string, t task) error {
	err := recordTaskScript.Run(ctx, s.rdb,
		[]string{s.key("made", t.ChatID, hash), s.key("t", t.MsgID), s.key("open"), s.key("tasks"), s.key("pend", t.ChatID)},
		t.MsgID, t.ChatID, t.Owner, t.Grid, t.Title, t.Created.Unix(), int64(madeKeep.Seconds()), int64(taskKeep.Seconds())).Err()
	if err != nil {
		return fmt.Errorf("record group-send %s: %w", t.MsgID, err)
	}
	return nil
}

func taskFrom(id string, h map[string]string) task {
	n := func(f string) int64 { v, _ := strconv.ParseInt(h[f], 10, 64); return v }
	ts := func(f string) time.Time {
		if v := n(f); v > 0 {
			return time.Unix(v, 0)
		}
		return time.Time{}
	}
	return task{MsgID: id, ChatID: h["chat"], Owner: h["owner"], Grid: h["grid"], Title: h["title"],
		Created: ts("created"), Done: ts("done"), LastRemind: ts("last_remind"), State: h["state"], Reminded: int(n("reminded"))}
}

// tasks returns the tasks of ids (those still kept), in order.
func (s store) tasks(ctx context.Context, ids []string) ([]task, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.key("t", id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("group-send tasks: %w", err)
	}
	out := make([]task, 0, len(ids))
	for i, id := range ids {
		if h := cmds[i].Val(); len(h) > 0 {
			out = append(out, taskFrom(id, h))
		}
	}
	return out, nil
}

// openTasks returns up to n tracked tasks, oldest first.
func (s store) openTasks(ctx context.Context, n int64) ([]task, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("open"), 0, n-1).Result()
	if err != nil {
		return nil, fmt.Errorf("open group-send tasks: %w", err)
	}
	return s.tasks(ctx, ids)
}

// recentTasks returns the tasks created since since, newest first.
func (s store) recentTasks(ctx context.Context, since time.Time) ([]task, error) {
	ids, err := s.rdb.ZRevRangeByScore(ctx, s.key("tasks"), &redis.ZRangeBy{
		Min: strconv.FormatInt(since.Unix(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("recent group-send tasks: %w", err)
	}
	return s.tasks(ctx, ids)
}

// settle: KEYS t, open, pend, recv. ARGV msgid, state, done, received at
// (0: not received), recv keep s. Settles a waiting task once; returns 1
// when this call did.
var settleScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'waiting' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'done', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
if tonumber(ARGV[4]) > 0 then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[5]))
  redis.call('EXPIRE', KEYS[4], ARGV[5])
end
return 1
`)

func (s store) settle(ctx context.Context, t task, state string, done, received time.Time) (bool, error) {
	var at int64
	if !received.IsZero() {
		at = received.Unix()
	}
	n, err := settleScript.Run(ctx, s.rdb,
		[]string{s.key("t", t.MsgID), s.key("open"), s.key("pend", t.ChatID), s.key("recv", t.ChatID)},
		t.MsgID, state, done.Unix(), at, int64(recvKeep.Seconds())).Int()
	if err != nil {
		return false, fmt.Errorf("settle group-send %s: %w", t.MsgID, err)
	}
	return n == 1, nil
}

// claimRemind: KEYS t. ARGV now, gap s, max. Counts a reminder of a
// waiting task when the last was at least gap ago and fewer than max were
// sent; returns 1 when the caller should send it.
var claimRemindScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'state', 'reminded', 'last_remind')
if f[1] ~= 'waiting' then return 0 end
if tonumber(f[2] or 0) >= tonumber(ARGV[3]) then return 0 end
if f[3] and tonumber(ARGV[1]) - tonumber(f[3]) < tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'reminded', 1)
redis.call('HSET', KEYS[1], 'last_remind', ARGV[1])
return 1
`)

func (s store) claimRemind(ctx context.Context, msgID string, now time.Time, gap time.Duration, most int) (bool, error) {
	n, err := claimRemindScript.Run(ctx, s.rdb, []string{s.key("t", msgID)}, now.Unix(), int64(gap.Seconds()), most).Int()
	if err != nil {
		return false, fmt.Errorf("remind group-send %s: %w", msgID, err)
	}
	return n == 1, nil
}

func (s store) setReminded(ctx context.Context, msgID string, n int) error {
	return s.rdb.HSet(ctx, s.key("t", msgID), "reminded", n).Err()
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
