package ledger

import (
	"slices"
	"strings"

	"gridbot/bot/grid"
)

// scope is the set of grids a grid report covers.
type scope struct {
	names []string
	set   map[string]bool
}

// newScope returns the scope of grids, nil for the whole community.
func newScope(grids []string) *scope {
	if len(grids) == 0 {
		return nil
	}
	s := &scope{set: map[string]bool{}}
	for _, g := range grids {
		if g != "" && !s.set[g] {
			s.set[g] = true
			s.names = append(s.names, g)
		}
	}
	if len(s.names) == 0 {
		return nil
	}
	grid.SortGrids(s.names)
	return s
}

// only returns the grids of set in the scope.
func (s *scope) only(set map[string]bool) map[string]bool {
	out := map[string]bool{}
	for g := range set {
		if s.set[g] {
			out[g] = true
		}
	}
	return out
}

func (s *scope) dirGrids(all []grid.Grid) []grid.Grid {
	return slices.DeleteFunc(slices.Clone(all), func(g grid.Grid) bool { return !s.set[g.Name] })
}

func (s *scope) gridRows(rows []GridRow) []GridRow {
	return slices.DeleteFunc(slices.Clone(rows), func(r GridRow) bool { return !s.set[r.Grid] })
}

// tally keeps what t counted in the scope's grids: their reach, the pushes
// that reached one of them (named by those grids only), their check-ins
// and volunteers.
func (s *scope) tally(t *tally) *tally {
	out := newTally()
	for k, r := range t.reach {
		if s.set[k[:strings.LastIndexByte(k, '|')]] {
			out.addReach(k, r.Pushes, r.Groups, r.Members)
		}
	}
	for k, p := range t.pushes {
		q := &pushAgg{Day: p.Day, Kind: p.Kind, Ref: p.Ref, Title: p.Title, Broadcasts: p.Broadcasts,
			Grids: s.only(p.Grids), RGrids: s.only(p.RGrids)}
		if len(q.Grids) > 0 || len(q.RGrids) > 0 {
			out.pushes[k] = q
		}
	}
	for g, a := range t.grids {
		if s.set[g] {
			out.grids[g] = a
		}
	}
	for u, v := range t.users {
		if s.set[v.Grid] {
			out.users[u] = v
		}
	}
	for k, n := range t.gridMonths {
		month, g, _ := strings.Cut(k, "|")
		if s.set[g] {
			out.gridMonths[k] += n
			out.months[month] += n
		}
	}
	return out
}

// activities keeps the activities open to the scope's grids (all grids, or
// one of them), with the figures of their households only.
func (s *scope) activities(acts []Activity) []Activity {
	var out []Activity
	for _, a := range acts {
		open := len(a.Grids) == 0 || slices.ContainsFunc(a.Grids, func(g string) bool { return s.set[g] })
		var sum actGrid
		for g, x := range a.by {
			if s.set[g] {
				sum.Households += x.Households
				sum.Signups += x.Signups
				sum.Waitlist += x.Waitlist
				sum.CheckIns += x.CheckIns
				sum.CheckInHouseholds += x.CheckInHouseholds
			}
		}
		if !open && sum.Households+sum.Waitlist+sum.CheckInHouseholds == 0 {
			continue
		}
		a.Households, a.Signups, a.Waitlist = sum.Households, sum.Signups, sum.Waitlist
		a.CheckIns, a.CheckInHouseholds = sum.CheckIns, sum.CheckInHouseholds
		a.VolunteerHours = float64(a.CheckInHouseholds) * a.HoursEach
		out = append(out, a)
	}
	return out
}

// quiz keeps each round's rows of the scope's grids, and a total of those
// rows in place of the round's total (accuracy is kept per round, not per
// grid, so it is left out).
func (s *scope) quiz(rows []QuizRow) []QuizRow {
	var out []QuizRow
	total := -1
	for _, q := range rows {
		if q.Total {
			out = append(out, QuizRow{Round: q.Round, Total: true, Opened: q.Opened})
			total = len(out) - 1
			continue
		}
		if !s.set[q.Grid] || total < 0 {
			continue
		}
		t := &out[total]
		t.Members += q.Members
		t.Players += q.Players
		t.Done += q.Done
		t.Points += q.Points
		out = append(out, q)
	}
	return out
}
