package ledger

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
)

// Report is every figure of one period. Field names are the JSON of the API.
type Report struct {
	From       string      `json:"from"` // first day, 2026-01-01
	To         string      `json:"to"`   // last day, 2026-12-31
	Label      string      `json:"label"`
	Generated  time.Time   `json:"generated"`
	Summary    Summary     `json:"summary"`
	Months     []MonthRow  `json:"months"`
	Pushes     []PushRow   `json:"pushes"`
	Activities []Activity  `json:"activities"`
	Quiz       []QuizRow   `json:"quiz"`
	Missed     []Missed    `json:"missed"`
	Grids      []GridRow   `json:"grids"`
	Volunteers []Volunteer `json:"volunteers"`
	// Scope names the grids a grid report covers; nil for the community.
	// RankedAmong is how many grids the ranks in Grids are out of.
	Scope       []string `json:"scope,omitempty"`
	RankedAmong int      `json:"ranked_among"`
	period      Period
}

// Summary holds the key figures.
type Summary struct {
	Grids   int `json:"grids"`
	Members int `json:"members"`
	// Pushes counts pushes (one per day, kind and item, however many grids
	// it went to) by kind; PushTotal sums them. Only pushes still in a
	// group count: Recalled is those recalled from every group they reached.
	Pushes    map[string]int `json:"pushes"`
	PushTotal int            `json:"push_total"`
	Recalled  int            `json:"recalled"`
	// Reach is members reached (人次) and Groups group deliveries, all kinds.
	Reach  int64 `json:"reach"`
	Groups int64 `json:"groups"`
	// Activities counts the activities held (started by the time the
	// report was built); Planned those of the period still to come.
	Activities int `json:"activities"`
	Planned    int `json:"planned"`
	// Signups are people signed up to the period's activities, held or
	// still to come (confirmed, headcounts summed: what the activity list
	// shows as 已报); PlannedSignups the part of them for activities still
	// to come; Waitlist households still waiting.
	Signups        int `json:"signups"`
	PlannedSignups int `json:"planned_signups"`
	Waitlist       int `json:"waitlist"`
	// CheckIns are people checked in (人次) by the attendance records.
	CheckIns       int64   `json:"checkins"`
	VolunteerHours float64 `json:"volunteer_hours"`
	Volunteers     int     `json:"volunteers"`
	QuizRounds     int     `json:"quiz_rounds"`
	QuizPlayers    int     `json:"quiz_players"`
	QuizAnswered   int     `json:"quiz_answered"`
	QuizCorrect    int     `json:"quiz_correct"`
	// QuizRate is QuizCorrect/QuizAnswered (0..1), 0 without answers.
	QuizRate  float64 `json:"quiz_rate"`
	Paragraph string  `json:"paragraph"`
}

// MonthRow is one month of the activity chart: activities held and still
// to come (Planned) that start in it, their sign-ups, the check-ins and
// pushes counted.
type MonthRow struct {
	Month      string `json:"month"` // 2026-03
	Activities int    `json:"activities"`
	Planned    int    `json:"planned"`
	Signups    int    `json:"signups"`
	CheckIns   int64  `json:"checkins"`
	Pushes     int    `json:"pushes"`
}

// PushRow is one push: the broadcasts of one kind and item created on one
// day (a daily tip goes to each grid as its own broadcast) that reached a
// group. Grids, Groups and Members count where it still is; Recalled is
// the groups it was recalled from and RecalledGrids the grids it was
// recalled from entirely.
type PushRow struct {
	Day           string   `json:"day"`
	Kind          string   `json:"kind"`
	Ref           string   `json:"ref"`
	Title         string   `json:"title"`
	Grids         []string `json:"grids"`
	Groups        int64    `json:"groups"`
	Members       int64    `json:"members"`
	Broadcasts    int      `json:"broadcasts"`
	Recalled      int64    `json:"recalled,omitempty"`
	RecalledGrids []string `json:"recalled_grids,omitempty"`
	// Awaiting counts customer groups whose owner has not pressed send
	// yet: not in Groups or Members until they do.
	Awaiting int64 `json:"awaiting,omitempty"`
}

// Counted reports whether the push counts in the figures: it is still in
// some group (of the report's grids).
func (p PushRow) Counted() bool { return len(p.Grids) > 0 }

// State is the push's delivery in Chinese: 已送达, 已撤回 (from every
// group, not counted), 部分撤回, 等群主确认 (customer groups only, none
// confirmed yet) or 部分等群主确认.
func (p PushRow) State() string {
	switch {
	case !p.Counted() && p.Awaiting > 0:
		return stateAwaiting
	case !p.Counted():
		return stateRecalled
	case p.Recalled > 0 || len(p.RecalledGrids) > 0:
		return statePartRecalled
	case p.Awaiting > 0:
		return statePartAwaiting
	}
	return stateSent
}

// Activity is one activity that starts in the period (cancelled ones are
// left out); Held is false for one that has not started yet.
type Activity struct {
	ID         int64     `json:"id"`
	Held       bool      `json:"held"`
	Title      string    `json:"title"`
	Place      string    `json:"place"`
	Start      time.Time `json:"start"`
	Grids      []string  `json:"grids"`
	Seats      int       `json:"seats"`
	Households int       `json:"households"`
	Signups    int       `json:"signups"`
	Waitlist   int       `json:"waitlist"`
	// CheckIns is people checked in (headcounts of the households that
	// checked in; walk-ins count one); CheckInHouseholds the households.
	CheckIns          int     `json:"checkins"`
	CheckInHouseholds int     `json:"checkin_households"`
	HoursEach         float64 `json:"hours_each"`
	// VolunteerHours is HoursEach for each person checked in, as credited.
	VolunteerHours float64 `json:"volunteer_hours"`
	// by holds the figures above by the grid of the household.
	by map[string]*actGrid
}

// actGrid is one grid's part in an activity.
type actGrid struct {
	Households, Signups, Waitlist, CheckIns, CheckInHouseholds int
}

func (a *Activity) grid(g string) *actGrid {
	x := a.by[g]
	if x == nil {
		x = &actGrid{}
		a.by[g] = x
	}
	return x
}

// QuizRow is one grid's part in one quiz round, or with Total the
// round's total (Grid "" otherwise holds residents of no known grid).
type QuizRow struct {
	Round    int       `json:"round"`
	Total    bool      `json:"total,omitempty"`
	Opened   time.Time `json:"opened"`
	Grid     string    `json:"grid"`
	Members  int       `json:"members"`
	Players  int       `json:"players"`
	Done     int       `json:"done"`
	Points   int       `json:"points"`
	Answered int       `json:"answered,omitempty"`
	Correct  int       `json:"correct,omitempty"`
}

// Missed is a question by how often it was answered wrong.
type Missed struct {
	Round    int    `json:"round"`
	ID       string `json:"id"`
	Text     string `json:"text"`
	Answered int    `json:"answered"`
	Correct  int    `json:"correct"`
}

// GridRow is one grid's figures and rating.
type GridRow struct {
	Grid        string  `json:"grid"`
	Members     int     `json:"members"`
	Pushes      int64   `json:"pushes"`
	Reach       int64   `json:"reach"`
	Signups     int     `json:"signups"`
	CheckIns    int64   `json:"checkins"`
	QuizPlayers int     `json:"quiz_players"`
	QuizPoints  int     `json:"quiz_points"`
	QuizAverage float64 `json:"quiz_average"`
	Score       float64 `json:"score"`
	Rank        int     `json:"rank"`
}

// Volunteer is one person who earned volunteer hours in the period. Total
// is their hours over the years kept (as /volunteer shows them, when the
// report was built) and Stars the level of Total, as /volunteer has it.
type Volunteer struct {
	User  string  `json:"user"`
	Name  string  `json:"name"`
	Grid  string  `json:"grid"`
	Acts  int64   `json:"activities"`
	Hours float64 `json:"hours"`
	Total float64 `json:"total_hours"`
	Stars int     `json:"stars"`
}

// Build counts every figure of period p for the whole community.
func (f *Feature) Build(ctx context.Context, p Period) (*Report, error) {
	return f.BuildFor(ctx, p, nil)
}

// BuildFor counts the figures of period p for the named grids only (the
// whole community when grids is empty), as a grid worker's report: pushes
// that reached those grids and their reach there, activities open to them
// with their residents' sign-ups, waitlist and check-ins, their quiz rows
// and volunteers. Grid rows keep their rank among all grids. Figures only
// kept for the community as a whole are left out of a grid report: each
// push's groups and members (the grids' reach is in the summary), quiz
// accuracy and the most-missed questions. Report.Scope names the grids.
func (f *Feature) BuildFor(ctx context.Context, p Period, grids []string) (*Report, error) {
	all, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	t, err := f.count(ctx, p)
	if err != nil {
		return nil, err
	}
	acts, err := f.activities(ctx, p)
	if err != nil {
		return nil, err
	}
	rounds, missed, err := f.quizRounds(ctx, p)
	if err != nil {
		return nil, err
	}
	r := &Report{From: p.From.Format(time.DateOnly), To: p.Last().Format(time.DateOnly), Label: p.Label,
		Generated: f.env.Now().In(f.env.Loc), period: p}
	r.Grids = f.gridRows(all, t, acts, rounds)
	r.RankedAmong = len(r.Grids)
	if sc := newScope(grids); sc != nil {
		r.Scope = sc.names
		all, t, r.Grids = sc.dirGrids(all), sc.tally(t), sc.gridRows(r.Grids)
		acts, rounds, missed = sc.activities(acts), sc.quiz(rounds), nil
	}
	r.Activities, r.Quiz, r.Missed = acts, rounds, missed
	r.Pushes = pushRows(t, r.Scope != nil)
	if r.Volunteers, err = f.volunteers(ctx, t); err != nil {
		return nil, err
	}
	r.Months = monthRows(p, t, acts, r.Pushes)
	r.Summary = f.summary(all, t, r)
	return r, nil
}

// pushRows lists the pushes of t; scoped leaves each push's groups and
// members out, as they were counted over all the grids it went to.
func pushRows(t *tally, scoped bool) []PushRow {
	out := make([]PushRow, 0, len(t.pushes))
	for _, p := range t.pushes {
		row := PushRow{Day: p.Day, Kind: p.Kind, Ref: p.Ref, Title: p.Title, Grids: sortedKeys(p.Grids),
			Groups: p.Groups, Members: p.Members, Broadcasts: p.Broadcasts, Recalled: p.Recalled,
			RecalledGrids: sortedKeys(p.RGrids), Awaiting: p.Awaiting}
		if len(row.RecalledGrids) == 0 {
			row.RecalledGrids = nil
		}
		if scoped {
			row.Groups, row.Members, row.Recalled = 0, 0, 0
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b PushRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Ref, b.Ref))
	})
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	grid.SortGrids(out)
	return out
}

// activities returns the activities starting in p with their figures, by
// start, from the events feature's records.
func (f *Feature) activities(ctx context.Context, p Period) ([]Activity, error) {
	figs, err := f.events.ActivitiesIn(ctx, p.From, p.To)
	if err != nil {
		return nil, fmt.Errorf("report activities: %w", err)
	}
	var out []Activity
	now := f.env.Now()
	for _, e := range figs {
		a := Activity{ID: e.ID, Title: e.Title, Place: e.Place, Start: e.Start, Held: !now.Before(e.Start), Grids: e.Grids,
			Seats: e.Seats, Signups: e.Taken, Waitlist: len(e.Waiting), HoursEach: e.HoursEach, by: map[string]*actGrid{}}
		for _, h := range e.Seated {
			a.Households++
			g := a.grid(h.Grid)
			g.Households++
			g.Signups += h.People
		}
		for _, h := range e.Waiting {
			a.grid(h.Grid).Waitlist++
		}
		for _, h := range e.CheckedIn {
			a.CheckIns += h.People
			a.CheckInHouseholds++
			g := a.grid(h.Grid)
			g.CheckIns += h.People
			g.CheckInHouseholds++
		}
		a.VolunteerHours = float64(a.CheckInHouseholds) * e.HoursEach
		out = append(out, a)
	}
	return out, nil
}

// quizRounds returns the rows of the rounds opened in p (each round's
// total first, then its grids) and the questions most often missed.
func (f *Feature) quizRounds(ctx context.Context, p Period) ([]QuizRow, []Missed, error) {
	if f.quiz == nil {
		return nil, nil, nil
	}
	ids, err := f.quiz.RoundsIn(ctx, p.From, p.To)
	if err != nil {
		return nil, nil, err
	}
	var rows []QuizRow
	var missed []Missed
	for _, id := range ids {
		rec, err := f.quiz.Record(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if rec == nil {
			continue
		}
		total := QuizRow{Round: id, Total: true, Opened: rec.Opened.In(f.env.Loc), Players: rec.Players, Done: rec.Done}
		for _, q := range rec.Questions {
			total.Answered += q.Answered
			total.Correct += q.Correct
			if q.Answered > 0 {
				missed = append(missed, Missed{Round: id, ID: q.ID, Text: q.Text, Answered: q.Answered, Correct: q.Correct})
			}
		}
		var gridRows []QuizRow
		for _, g := range rec.Grids {
			total.Points += g.Points
			total.Members += max(g.Members, 0)
			gridRows = append(gridRows, QuizRow{Round: id, Opened: total.Opened, Grid: g.Grid,
				Members: max(g.Members, 0), Players: g.Players, Done: g.Done, Points: g.Points})
		}
		rows = append(rows, total)
		rows = append(rows, gridRows...)
	}
	return rows, rankMissed(missed), nil
}

// MinAnswers is how many answers a question needs before its error rate
// ranks it among the most missed; when no question has that many, all
// answered questions are ranked.
const MinAnswers = 5

// rankMissed keeps the questions answered at least MinAnswers times (all,
// when none is), most often missed first, at most 20.
func rankMissed(all []Missed) []Missed {
	missed := slices.DeleteFunc(slices.Clone(all), func(m Missed) bool { return m.Answered < MinAnswers })
	if len(missed) == 0 {
		missed = slices.DeleteFunc(slices.Clone(all), func(m Missed) bool { return m.Answered <= 0 })
	}
	slices.SortStableFunc(missed, func(a, b Missed) int {
		ra := float64(a.Answered-a.Correct) / float64(a.Answered)
		rb := float64(b.Answered-b.Correct) / float64(b.Answered)
		return cmp.Or(cmp.Compare(rb, ra), cmp.Compare(b.Answered, a.Answered), cmp.Compare(a.Round, b.Round))
	})
	if len(missed) > 20 {
		missed = missed[:20]
	}
	return missed
}

// Stars returns the star level of hours under the configured thresholds.
func (f *Feature) Stars(hours float64) int {
	n := 0
	for _, s := range f.cfg.Stars {
		if hours+1e-9 >= s {
			n++
		}
	}
	return n
}

// volunteers lists the people with hours in t, with their hours over the
// years kept read in one round trip.
func (f *Feature) volunteers(ctx context.Context, t *tally) ([]Volunteer, error) {
	out := make([]Volunteer, 0, len(t.users))
	var users []string
	for u, v := range t.users {
		if v.Hours > 0 {
			users = append(users, u)
		}
	}
	totals := make([]float64, len(users))
	if len(users) > 0 {
		refs := make([]bot.UserRef, len(users))
		for j, u := range users {
			refs[j] = bot.UserRef(u)
		}
		hours, err := f.events.VolunteerHours(ctx, f.yearsKept(), refs)
		if err != nil {
			return nil, fmt.Errorf("report volunteer hours: %w", err)
		}
		for _, y := range hours {
			for j, h := range y {
				totals[j] += h
			}
		}
	}
	for j, u := range users {
		v := t.users[u]
		total := max(totals[j], v.Hours)
		out = append(out, Volunteer{User: u, Name: v.Name, Grid: v.Grid, Acts: v.Acts, Hours: round2(v.Hours),
			Total: round2(total), Stars: f.Stars(total)})
	}
	slices.SortFunc(out, func(a, b Volunteer) int {
		return cmp.Or(cmp.Compare(b.Hours, a.Hours), cmp.Compare(b.Acts, a.Acts), cmp.Compare(a.User, b.User))
	})
	return out, nil
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// gridRows rates every grid of the directory, and any grid the records
// name that is no longer bound.
func (f *Feature) gridRows(grids []grid.Grid, t *tally, acts []Activity, quiz []QuizRow) []GridRow {
	by := map[string]*GridRow{}
	var order []string
	row := func(g string) *GridRow {
		if r := by[g]; r != nil {
			return r
		}
		r := &GridRow{Grid: g}
		by[g] = r
		order = append(order, g)
		return r
	}
	for _, g := range grids {
		row(g.Name).Members = g.Members()
	}
	for k, v := range t.reach {
		g := k[:strings.LastIndexByte(k, '|')]
		if g == "" {
			continue
		}
		r := row(g)
		r.Pushes += v.Pushes
		r.Reach += v.Members
	}
	for _, a := range acts {
		for g, x := range a.by {
			if g != "" {
				row(g).Signups += x.Signups
			}
		}
	}
	for g, a := range t.grids {
		if g != "" {
			row(g).CheckIns += a.Headcount
		}
	}
	for _, q := range quiz {
		if !q.Total && q.Grid != "" {
			r := row(q.Grid)
			r.QuizPlayers += q.Players
			r.QuizPoints += q.Points
		}
	}
	grid.SortGrids(order)
	out := make([]GridRow, 0, len(order))
	for _, g := range order {
		r := by[g]
		if r.QuizPlayers > 0 {
			r.QuizAverage = math.Round(float64(r.QuizPoints)/float64(r.QuizPlayers)*10) / 10
		}
		out = append(out, *r)
	}
	f.rate(out)
	return out
}

// rate scores each grid: every measure is scaled so the best grid has 100,
// then the weighted mean is taken (one decimal); ranks follow the score.
func (f *Feature) rate(rows []GridRow) {
	w := f.cfg.Weights
	measures := []struct {
		w float64
		v func(GridRow) float64
	}{
		{w.Reach, func(r GridRow) float64 { return float64(r.Reach) }},
		{w.Signups, func(r GridRow) float64 { return float64(r.Signups) }},
		{w.Attendance, func(r GridRow) float64 { return float64(r.CheckIns) }},
		{w.Quiz, func(r GridRow) float64 { return float64(r.QuizPlayers) }},
		{w.Score, func(r GridRow) float64 { return r.QuizAverage }},
	}
	for _, m := range measures {
		best := 0.0
		for _, r := range rows {
			best = max(best, m.v(r))
		}
		if best == 0 {
			continue
		}
		for i := range rows {
			rows[i].Score += m.w * 100 * m.v(rows[i]) / best
		}
	}
	for i := range rows {
		rows[i].Score = math.Round(rows[i].Score/w.sum()*10) / 10
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(rows[b].Score, rows[a].Score) })
	for pos, i := range idx {
		rows[i].Rank = pos + 1
		if pos > 0 && rows[i].Score == rows[idx[pos-1]].Score {
			rows[i].Rank = rows[idx[pos-1]].Rank
		}
	}
}

func monthRows(p Period, t *tally, acts []Activity, pushes []PushRow) []MonthRow {
	var out []MonthRow
	at := map[string]int{}
	for m := day(p.From.Year(), p.From.Month(), 1, p.From.Location()); m.Before(p.To); m = m.AddDate(0, 1, 0) {
		at[m.Format("2006-01")] = len(out)
		out = append(out, MonthRow{Month: m.Format("2006-01"), CheckIns: t.months[m.Format("2006-01")]})
	}
	for _, a := range acts {
		i, ok := at[a.Start.Format("2006-01")]
		if !ok {
			continue
		}
		if a.Held {
			out[i].Activities++
		} else {
			out[i].Planned++
		}
		out[i].Signups += a.Signups
	}
	for _, ps := range pushes {
		if i, ok := at[ps.Day[:7]]; ok && ps.Counted() {
			out[i].Pushes++
		}
	}
	return out
}

func (f *Feature) summary(grids []grid.Grid, t *tally, r *Report) Summary {
	s := Summary{Grids: len(grids), Pushes: map[string]int{}}
	for _, g := range grids {
		s.Members += g.Members()
	}
	for _, p := range r.Pushes {
		if !p.Counted() {
			if p.Awaiting == 0 {
				s.Recalled++
			}
			continue
		}
		s.Pushes[p.Kind]++
		s.PushTotal++
	}
	for _, v := range t.reach {
		s.Reach += v.Members
		s.Groups += v.Groups
	}
	for _, a := range r.Activities {
		s.Signups += a.Signups
		s.Waitlist += a.Waitlist
		if !a.Held {
			s.Planned++
			s.PlannedSignups += a.Signups
			continue
		}
		s.Activities++
	}
	for _, a := range t.grids {
		s.CheckIns += a.Headcount
		s.VolunteerHours += a.Hours
	}
	s.VolunteerHours = round2(s.VolunteerHours)
	s.Volunteers = len(r.Volunteers)
	for _, q := range r.Quiz {
		if q.Total {
			s.QuizRounds++
			s.QuizPlayers += q.Players
			s.QuizAnswered += q.Answered
			s.QuizCorrect += q.Correct
		}
	}
	if s.QuizAnswered > 0 {
		s.QuizRate = float64(s.QuizCorrect) / float64(s.QuizAnswered)
	}
	s.Paragraph = paragraph(r.period, s, r.Scope)
	return s
}

func sortByRank(rows []GridRow) {
	slices.SortStableFunc(rows, func(a, b GridRow) int { return cmp.Compare(a.Rank, b.Rank) })
}
