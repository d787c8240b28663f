package quiz

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
)

// Entry is one resident on a leaderboard.
type Entry struct {
	User   bot.UserRef
	Name   string
	Grid   string
	Points int
	// Time is the total answering time, the tie-break (less is better).
	Time time.Duration
}

// QuestionStat is how residents did on one question of a round.
type QuestionStat struct {
	ID       string
	Text     string
	Category string
	Answered int
	Correct  int
	// Choices counts the answers per option.
	Choices []int
}

// GridStat is one grid's part in a round. Members is the grid's member
// count when the round closed (or now, while it is open).
type GridStat struct {
	Grid    string
	Members int
	Players int
	Done    int
	Points  int
}

// Rate returns Players/Members (0 when members are unknown).
func (g GridStat) Rate() float64 {
	if g.Members <= 0 {
		return 0
	}
	return float64(g.Players) / float64(g.Members)
}

// Average returns the mean points per participant.
func (g GridStat) Average() float64 {
	if g.Players == 0 {
		return 0
	}
	return float64(g.Points) / float64(g.Players)
}

// RoundRecord is what is kept of a round, for /quiz stats and the ledgers.
type RoundRecord struct {
	ID      int
	Open    bool
	Opened  time.Time
	Closes  time.Time
	Closed  time.Time
	Season  string
	Players int
	Done    int
	// Questions are in the order asked.
	Questions []QuestionStat
	// Grids are sorted by grid name; residents of no known grid are under "".
	Grids []GridStat
	// Top are the ten best residents.
	Top []Entry
}

// LastRound returns the id of the latest round, 0 if none.
func (f *Feature) LastRound(ctx context.Context) (int, error) {
	id, err := f.env.Redis.Get(ctx, f.key("seq")).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last quiz round: %w", err)
	}
	return id, nil
}

// RoundsIn returns the ids of the rounds opened in [from, to), oldest
// first, in two round trips (the latest id, then every round's opening).
func (f *Feature) RoundsIn(ctx context.Context, from, to time.Time) ([]int, error) {
	last, err := f.LastRound(ctx)
	if err != nil || last == 0 {
		return nil, err
	}
	pipe := f.env.Redis.Pipeline()
	opened := make([]*redis.StringCmd, last+1)
	for id := 1; id <= last; id++ {
		opened[id] = pipe.HGet(ctx, f.roundKey(id), "opened")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("quiz rounds: %w", err)
	}
	var ids []int
	for id := 1; id <= last; id++ {
		if o, err := opened[id].Int64(); err == nil && o >= from.Unix() && o < to.Unix() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Record returns the record of round id, or nil if there is none.
func (f *Feature) Record(ctx context.Context, id int) (*RoundRecord, error) {
	pipe := f.env.Redis.Pipeline()
	rh := pipe.HGetAll(ctx, f.roundKey(id))
	gs := pipe.HGetAll(ctx, f.roundKey(id, "gstat"))
	qs := pipe.HGetAll(ctx, f.roundKey(id, "qstat"))
	top := pipe.ZRevRangeWithScores(ctx, f.roundKey(id, "board"), 0, 9)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("quiz record %d: %w", id, err)
	}
	h := rh.Val()
	if len(h) == 0 {
		return nil, nil
	}
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return nil, err
	}
	rec := &RoundRecord{ID: id, Opened: r.Opened, Closes: r.Closes, Season: r.Season,
		Open: h["status"] == "open" && f.env.Now().Before(r.Closes)}
	rec.Players, _ = strconv.Atoi(h["players"])
	rec.Done, _ = strconv.Atoi(h["done"])
	if c, err := strconv.ParseInt(h["closed"], 10, 64); err == nil {
		rec.Closed = time.Unix(c, 0)
	}
	q := qs.Val()
	for i, qu := range r.Questions {
		st := QuestionStat{ID: qu.ID, Text: qu.Text, Category: qu.Category, Choices: make([]int, len(qu.Options))}
		st.Answered, _ = strconv.Atoi(q[fmt.Sprintf("%d|n", i)])
		st.Correct, _ = strconv.Atoi(q[fmt.Sprintf("%d|ok", i)])
		for k := range st.Choices {
			st.Choices[k], _ = strconv.Atoi(q[fmt.Sprintf("%d|c%d", i, k)])
		}
		rec.Questions = append(rec.Questions, st)
	}
	rec.Grids = gridStats(gs.Val())
	if rec.Open || h["members"] != "1" {
		f.liveMembers(ctx, rec.Grids)
	}
	rec.Top, err = f.entries(ctx, id, top.Val())
	if err != nil {
		return nil, err
	}
	return rec, nil
}

func gridStats(h map[string]string) []GridStat {
	by := map[string]*GridStat{}
	for k, v := range h {
		i := strings.LastIndexByte(k, '|')
		if i < 0 {
			continue
		}
		g := by[k[:i]]
		if g == nil {
			g = &GridStat{Grid: k[:i], Members: -1}
			by[k[:i]] = g
		}
		n, _ := strconv.Atoi(v)
		switch k[i+1:] {
		case "n":
			g.Players = n
		case "done":
			g.Done = n
		case "pts":
			g.Points = n
		case "members":
			g.Members = n
		}
	}
	out := make([]GridStat, 0, len(by))
	for _, g := range by {
		out = append(out, *g)
	}
	names := make([]string, len(out))
	for i, g := range out {
		names[i] = g.Grid
	}
	grid.SortGrids(names)
	slices.SortFunc(out, func(a, b GridStat) int {
		return cmp.Compare(slices.Index(names, a.Grid), slices.Index(names, b.Grid))
	})
	return out
}

// liveMembers fills unknown member counts from the directory and adds the
// grids nobody from took part in.
func (f *Feature) liveMembers(ctx context.Context, gs []GridStat) []GridStat {
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		f.env.Log.Warn("quiz: grid members", "err", err)
		return gs
	}
	for i := range gs {
		if gs[i].Members < 0 {
			for _, g := range grids {
				if g.Name == gs[i].Grid {
					gs[i].Members = g.Members()
				}
			}
		}
	}
	return gs
}

// withAllGrids adds a zero row for every directory grid missing from gs.
func withAllGrids(gs []GridStat, grids []grid.Grid) []GridStat {
	for _, g := range grids {
		i := slices.IndexFunc(gs, func(s GridStat) bool { return s.Grid == g.Name })
		if i < 0 {
			gs = append(gs, GridStat{Grid: g.Name, Members: g.Members()})
		} else if gs[i].Members < 0 {
			gs[i].Members = g.Members()
		}
	}
	return gs
}

// entries turns board members into Entries with names and grids.
func (f *Feature) entries(ctx context.Context, id int, zs []redis.Z) ([]Entry, error) {
	if len(zs) == 0 {
		return nil, nil
	}
	pipe := f.env.Redis.Pipeline()
	cmds := make([]*redis.SliceCmd, len(zs))
	for i, z := range zs {
		cmds[i] = pipe.HMGet(ctx, f.roundKey(id, "a", z.Member.(string)), "name", "grid")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("quiz board names: %w", err)
	}
	out := make([]Entry, len(zs))
	for i, z := range zs {
		pts, t := decodeScore(z.Score)
		v := cmds[i].Val()
		name, _ := v[0].(string)
		grid, _ := v[1].(string)
		out[i] = Entry{User: bot.UserRef(z.Member.(string)), Name: name, Grid: grid, Points: pts, Time: t}
	}
	return out, nil
}

// decodeScore splits a board score into points and answering time.
func decodeScore(s float64) (int, time.Duration) {
	pts := max(int(math.Ceil(s/tieScale)), 0)
	ms := float64(pts)*tieScale - s
	return pts, time.Duration(ms) * time.Millisecond
}

// publishResults sends the results of closed round id to every grid group,
// one broadcast per grid (each with that grid's top five), marking each
// grid done so a retry after a failure sends only what is missing.
func (f *Feature) publishResults(ctx context.Context, id int) error {
	h, err := f.env.Redis.HGetAll(ctx, f.roundKey(id)).Result()
	if err != nil {
		return fmt.Errorf("quiz results %d: %w", id, err)
	}
	if h["status"] != "closed" || h["announced"] == "1" {
		return nil
	}
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return fmt.Errorf("quiz results %d: %w", id, err)
	}
	if h["members"] != "1" {
		pipe := f.env.Redis.Pipeline()
		for _, g := range grids {
			pipe.HSetNX(ctx, f.roundKey(id, "gstat"), g.Name+"|members", g.Members())
		}
		pipe.HSet(ctx, f.roundKey(id), "members", "1")
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("quiz results %d: %w", id, err)
		}
	}
	rec, err := f.Record(ctx, id)
	if err != nil || rec == nil {
		return err
	}
	table := withAllGrids(rec.Grids, grids)
	pipe := f.env.Redis.Pipeline()
	tops := make([]*redis.ZSliceCmd, len(grids))
	for i, g := range grids {
		tops[i] = pipe.ZRevRangeWithScores(ctx, f.roundKey(id, "gb", g.Name), 0, 4)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("quiz results %d: %w", id, err)
	}
	for i, g := range grids {
		if h["ann|"+g.Name] == "1" {
			continue
		}
		chats := grid.ActiveChats([]grid.Grid{g})
		if len(chats) == 0 {
			continue
		}
		top, err := f.entries(ctx, id, tops[i].Val())
		if err != nil {
			return err
		}
		gm := map[bot.ChatRef]string{}
		for _, c := range chats {
			gm[c] = g.Name
		}
		_, err = f.env.Outbox.Enqueue(ctx, bot.Broadcast{Kind: "quiz", Ref: strconv.Itoa(id) + ":results",
			Title: fmt.Sprintf("第%d期知识竞答结果", id), Grids: gm, Chats: chats,
			Message: bot.Message{Text: resultsText(rec, g.Name, top, table)}})
		if err != nil {
			return fmt.Errorf("quiz results %d to %s: %w", id, g.Name, err)
		}
		if err := f.env.Redis.HSet(ctx, f.roundKey(id), "ann|"+g.Name, "1").Err(); err != nil {
			return fmt.Errorf("quiz results %d: %w", id, err)
		}
	}
	if err := f.env.Redis.HSet(ctx, f.roundKey(id), "announced", "1").Err(); err != nil {
		return fmt.Errorf("quiz results %d: %w", id, err)
	}
	f.env.Log.Info("quiz round closed", "round", id, "players", rec.Players, "done", rec.Done)
	return nil
}

// resultsText is the results message for one grid's groups.
func resultsText(rec *RoundRecord, grid string, gridTop []Entry, table []GridStat) string {
	var b strings.Builder
	fmt.Fprintf(&b, msgResultsTitle, rec.ID, rec.Players, rec.Done)
	b.WriteString(msgTopAll)
	if len(rec.Top) == 0 {
		b.WriteString(msgNoOne)
	}
	for i, e := range rec.Top {
		fmt.Fprintf(&b, msgTopRow, i+1, bot.Esc(bot.ShortName(e.Name)), bot.Esc(gridName(e.Grid)), e.Points, duration(e.Time))
	}
	fmt.Fprintf(&b, msgTopGrid, bot.Esc(grid))
	if len(gridTop) == 0 {
		b.WriteString(msgGridNoOne)
	}
	for i, e := range gridTop {
		fmt.Fprintf(&b, msgGridTopRow, i+1, bot.Esc(bot.ShortName(e.Name)), e.Points, duration(e.Time))
	}
	if rows := rankGrids(table); len(rows) > 0 {
		b.WriteString(msgGridTable)
		for i, g := range rows {
			fmt.Fprintf(&b, msgGridRow, i+1, bot.Esc(g.Grid), g.Players, max(g.Members, 0), percent(g.Players, g.Members), avg(g.Average()))
		}
	}
	b.WriteString(msgResultsTail)
	return b.String()
}

// rankGrids orders the grid table as the results rank it: by
// participation rate, then by average points; residents of no grid left out.
func rankGrids(table []GridStat) []GridStat {
	rows := slices.Clone(table)
	rows = slices.DeleteFunc(rows, func(g GridStat) bool { return g.Grid == "" })
	slices.SortStableFunc(rows, func(a, b GridStat) int {
		if c := cmp.Compare(b.Rate(), a.Rate()); c != 0 {
			return c
		}
		return cmp.Compare(b.Average(), a.Average())
	})
	return rows
}

// RankRow is one grid on a round's grid table.
type RankRow struct {
	Place            int
	Grid             string
	Players, Members int
	// Line is the row as the results in the groups word it, plain text:
	// 1. 3网格　参与 12/86 人（14%），平均 32 分.
	Line string
}

// GridRanking returns round rec's grid table as the results in the groups
// rank and word it: every grid of the directory (those nobody from took
// part in with 0), by participation rate, then average points. The table
// title is TableTitle.
func (f *Feature) GridRanking(ctx context.Context, rec *RoundRecord) ([]RankRow, error) {
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return nil, fmt.Errorf("quiz grid ranking: %w", err)
	}
	var out []RankRow
	for i, g := range rankGrids(withAllGrids(slices.Clone(rec.Grids), grids)) {
		out = append(out, RankRow{Place: i + 1, Grid: g.Grid, Players: g.Players, Members: max(g.Members, 0),
			Line: strings.TrimSpace(bot.PlainText(fmt.Sprintf(msgGridRow, i+1, bot.Esc(g.Grid), g.Players, max(g.Members, 0),
				percent(g.Players, g.Members), avg(g.Average()))))})
	}
	return out, nil
}

// TableTitle is the heading of the grid table in the results, plain text.
func TableTitle() string { return strings.TrimSpace(bot.PlainText(msgGridTable)) }

func gridName(g string) string {
	if g == "" {
		return gridNone
	}
	return g
}

// percent shows a/b as "12.5%" ("—" when b is unknown).
func percent(a, b int) string {
	if b <= 0 {
		return "—"
	}
	return strconv.FormatFloat(math.Round(float64(a)*1000/float64(b))/10, 'f', -1, 64) + "%"
}

func avg(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// duration shows a time for residents: 45秒, 2分05秒.
func duration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 60 {
		return fmt.Sprintf("%d秒", s)
	}
	return fmt.Sprintf("%d分%02d秒", s/60, s%60)
}
