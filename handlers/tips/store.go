package tips

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// All tip state shares the hash tag {tip}, so one script serves many grids
// in one round trip and stays valid on Redis Cluster:
//
//	tip:{tip}:last          hash grid → unix time of the last push
//	tip:{tip}:had:<grid>    set of tip ids the grid has had this cycle
//	tip:{tip}:hist:<grid>   list of "unix tipid" pushes, newest last
//	tip:{tip}:sched         hash grid → cron spec set by staff
const histKeep = 2000 // pushes kept per grid: over 5 years of daily tips

func (f *Feature) key(parts ...string) string {
	return f.env.Keys.Key(append([]string{"tip", "{tip}"}, parts...)...)
}

func (f *Feature) lastKey() string  { return f.key("last") }
func (f *Feature) schedKey() string { return f.key("sched") }
func (f *Feature) histKey(g string) string {
	return f.key("hist", g)
}

// takeScript picks, per grid, the first tip in push order the grid has not
// had this cycle, starting a new cycle when it has had them all.
// ARGV: mode, now, had-prefix, n, id1..idn, then grid, fire pairs. Modes:
// due (only when the grid's last push is before fire; a grid seen for the
// first time is just stamped), force (push now), skip (mark had, no stamp),
// peek (read only). Returns pick, previous-last pairs (” = none).
var takeScript = redis.NewScript(`
local mode, now, hadp, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local out = {}
local i = 5 + n
while i <= #ARGV do
  local grid, fire = ARGV[i], tonumber(ARGV[i+1])
  i = i + 2
  local last = redis.call('HGET', KEYS[1], grid)
  local pick = ''
  if mode == 'due' and not last then
    redis.call('HSET', KEYS[1], grid, now)
  elseif mode == 'due' and tonumber(last) >= fire then
  elseif n > 0 then
    local had = {}
    for _, m in ipairs(redis.call('SMEMBERS', hadp .. grid)) do had[m] = true end
    local wrapped = false
    for j = 5, 4 + n do
      if not had[ARGV[j]] then pick = ARGV[j]; break end
    end
    if pick == '' then pick = ARGV[5]; wrapped = true end
    if mode ~= 'peek' then
      if wrapped then redis.call('DEL', hadp .. grid) end
      redis.call('SADD', hadp .. grid, pick)
      if mode ~= 'skip' then redis.call('HSET', KEYS[1], grid, now) end
    end
  end
  table.insert(out, pick)
  table.insert(out, last or '')
end
return out
`)

// untakeScript undoes a take whose enqueue failed. ARGV: had-prefix, grid,
// tip id, previous last (” = none).
var untakeScript = redis.NewScript(`
redis.call('SREM', ARGV[1] .. ARGV[2], ARGV[3])
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], ARGV[2])
else redis.call('HSET', KEYS[1], ARGV[2], ARGV[4]) end
return 1
`)

type takeMode string

const (
	modeDue   takeMode = "due"
	modeForce takeMode = "force"
	modeSkip  takeMode = "skip"
	modePeek  takeMode = "peek"
)

type taken struct {
	Grid, Tip, PrevLast string
}

// take runs takeScript for grids (fires[i] is grid i's due time; ignored
// unless mode is due) and returns the grids that got a tip.
func (f *Feature) take(ctx context.Context, mode takeMode, grids []string, fires []int64) ([]taken, error) {
	if len(grids) == 0 {
		return nil, nil
	}
	order := f.cur().order
	args := make([]any, 0, 4+len(order)+2*len(grids))
	args = append(args, string(mode), f.env.Now().Unix(), f.key("had", ""), len(order))
	for _, id := range order {
		args = append(args, id)
	}
	for i, g := range grids {
		var fire int64
		if fires != nil {
			fire = fires[i]
		}
		args = append(args, g, fire)
	}
	res, err := takeScript.Run(ctx, f.env.Redis, []string{f.lastKey()}, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("take tips (%s): %w", mode, err)
	}
	var out []taken
	for i, g := range grids {
		if 2*i+1 < len(res) && res[2*i] != "" {
			out = append(out, taken{Grid: g, Tip: res[2*i], PrevLast: res[2*i+1]})
		}
	}
	return out, nil
}

func (f *Feature) untake(ctx context.Context, t taken) error {
	err := untakeScript.Run(ctx, f.env.Redis, []string{f.lastKey()},
		f.key("had", ""), t.Grid, t.Tip, t.PrevLast).Err()
	if err != nil {
		return fmt.Errorf("untake tip %s of %s: %w", t.Tip, t.Grid, err)
	}
	return nil
}

// Pushed is one tip pushed to a grid.
type Pushed struct {
	At    time.Time
	TipID string
}

// record appends the pushes to each grid's history in one round trip.
func (f *Feature) record(ctx context.Context, res []Result) error {
	if len(res) == 0 {
		return nil
	}
	now := strconv.FormatInt(f.env.Now().Unix(), 10)
	pipe := f.env.Redis.Pipeline()
	for _, r := range res {
		pipe.RPush(ctx, f.histKey(r.Grid), now+" "+r.Tip.ID)
		pipe.LTrim(ctx, f.histKey(r.Grid), -histKeep, -1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record tip history: %w", err)
	}
	return nil
}

// History returns the tips pushed to grid, oldest first, at most the last
// limit (0: all kept, up to 2000).
func (f *Feature) History(ctx context.Context, grid string, limit int) ([]Pushed, error) {
	start := int64(0)
	if limit > 0 {
		start = int64(-limit)
	}
	raw, err := f.env.Redis.LRange(ctx, f.histKey(grid), start, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("tip history of %s: %w", grid, err)
	}
	out := make([]Pushed, 0, len(raw))
	for _, r := range raw {
		ts, id, _ := strings.Cut(r, " ")
		n, _ := strconv.ParseInt(ts, 10, 64)
		out = append(out, Pushed{At: time.Unix(n, 0), TipID: id})
	}
	return out, nil
}

// HistoryCount returns how many pushes are kept for grid.
func (f *Feature) HistoryCount(ctx context.Context, grid string) (int64, error) {
	n, err := f.env.Redis.LLen(ctx, f.histKey(grid)).Result()
	if err != nil {
		return 0, fmt.Errorf("tip history of %s: %w", grid, err)
	}
	return n, nil
}

// state loads the last-push times and staff schedule overrides, and in
// the same round trip the custom tips' version, reloading them when it
// moved.
func (f *Feature) state(ctx context.Context) (last map[string]string, sched map[string]string, err error) {
	pipe := f.env.Redis.Pipeline()
	l := pipe.HGetAll(ctx, f.lastKey())
	s := pipe.HGetAll(ctx, f.schedKey())
	v := pipe.Get(ctx, f.customVerKey())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("tip state: %w", err)
	}
	if ver, _ := v.Int64(); ver != f.cur().ver {
		f.sync(ctx)
	}
	return l.Val(), s.Val(), nil
}

// RecentCategories returns the categories of the tips pushed to any grid
// since the given time, most pushed first; the weekly quiz leans on them.
func (f *Feature) RecentCategories(ctx context.Context, since time.Time) ([]string, error) {
	names, err := f.env.Dir.GridNames(ctx)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, g := range names {
		hist, err := f.History(ctx, g, 14)
		if err != nil {
			return nil, err
		}
		for _, p := range hist {
			if p.At.Before(since) {
				continue
			}
			if t, ok := f.cur().bank.Get(p.TipID); ok {
				count[t.Category]++
			}
		}
	}
	out := make([]string, 0, len(count))
	for c := range count {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	return out, nil
}
