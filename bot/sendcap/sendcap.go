// Package sendcap counts the platform cap on group-sends (群发) that a
// WeChat Work customer group (客户群) may receive, so staff can be warned
// before a send is lost to it. It is pure arithmetic on times: callers keep
// the counts (in Redis or elsewhere) and pass them in.
//
// The rule, from WeChat Work's add_msg_template documentation: every
// customer group may receive at most as many group-sends a month as the
// month has days, counting those the corp creates and those members create
// themselves; the admin may change it (企业微信 → 群发助手 → 设置群发规则)
// to seven a week or one a day. A group over the cap is not refused when
// the task is created: its result later shows status 3, the send is lost.
//
// Windows are calendar ones in the location of the time passed as now
// (use Asia/Shanghai): a month from the 1st, a week from Monday (the
// documentation does not say which day starts WeChat Work's week; Monday
// is China's convention and the assumption here), a day from midnight.
package sendcap

import (
	"fmt"
	"strings"
	"time"
)

// Period is the window a Rule counts in.
type Period int

// The three rules WeChat Work offers.
const (
	// Month: as many sends a calendar month as it has days (the default).
	Month Period = iota
	// Week: seven sends a calendar week, Monday to Sunday.
	Week
	// Day: one send a calendar day.
	Day
)

// Rule is the cap a corp has chosen. The zero Rule is the default, Month.
type Rule struct {
	Period Period
}

// ParseRule reads a rule from configuration: "month" (or "", 每月, 当月天数),
// "week" (每周, 每周七条), "day" (每天, 每天一条).
func ParseRule(s string) (Rule, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "month", "monthly", "每月", "当月天数":
		return Rule{Month}, nil
	case "week", "weekly", "每周", "每周七条", "每周7条":
		return Rule{Week}, nil
	case "day", "daily", "每天", "每天一条", "每天1条":
		return Rule{Day}, nil
	}
	return Rule{}, fmt.Errorf("sendcap: unknown rule %q: want month, week or day", s)
}

// String returns the rule's configuration name.
func (r Rule) String() string {
	switch r.Period {
	case Week:
		return "week"
	case Day:
		return "day"
	}
	return "month"
}

// UnmarshalText lets configuration decode a Rule.
func (r *Rule) UnmarshalText(b []byte) error {
	p, err := ParseRule(string(b))
	if err != nil {
		return err
	}
	*r = p
	return nil
}

// MarshalText returns the configuration name.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Window returns the calendar window [start, end) holding t, in t's
// location.
func (r Rule) Window(t time.Time) (start, end time.Time) {
	y, m, d := t.Date()
	loc := t.Location()
	switch r.Period {
	case Week:
		back := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, m, d-back, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 0, 7)
	case Day:
		start = time.Date(y, m, d, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 0, 1)
	}
	start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 1, 0)
}

// Limit returns how many sends a group may receive in the window holding t.
func (r Rule) Limit(t time.Time) int {
	switch r.Period {
	case Week:
		return 7
	case Day:
		return 1
	}
	start, end := r.Window(t)
	return end.AddDate(0, 0, -1).Day() - start.Day() + 1
}

// Status is one group's standing in the current window.
type Status struct {
	Rule Rule
	// Limit is the cap of the window; Used the sends received in it (those
	// passed in that fall inside [Start, End)); Pending the sends created
	// but not yet pressed by the owner, assumed to land in this window.
	Limit, Used, Pending int
	// Left is how many more sends can be created now without one of them
	// being lost (never below 0).
	Left int
	// Start and End bound the window: End is when the count starts again.
	Start, End time.Time
	// Next is the earliest time a new send will be received: now when Left
	// is above 0, else End.
	Next time.Time
}

// Check returns a group's status at now, given the times the group received
// sends (any order; times outside the current window are ignored, so a
// caller may pass a longer history) and the number of sends still pending.
//
// Counts are a lower bound: members' own group-sends count too and gridbot
// does not see them, so a Status with Left > 0 can still meet the cap.
func (r Rule) Check(now time.Time, received []time.Time, pending int) Status {
	start, end := r.Window(now)
	s := Status{Rule: r, Limit: r.Limit(now), Pending: max(pending, 0), Start: start, End: end, Next: now}
	for _, t := range received {
		if !t.Before(start) && t.Before(end) {
			s.Used++
		}
	}
	s.Left = max(s.Limit-s.Used-s.Pending, 0)
	if s.Left == 0 {
		s.Next = end
	}
	return s
}

// Full reports whether a send created now would be lost to the cap.
func (s Status) Full() bool { return s.Left == 0 }

// Low reports whether staff should be warned: at most a tenth of the cap
// (rounded up) is left, e.g. 3 of 28, 1 of 7, or the cap is reached (for
// the one-a-day rule only then).
func (s Status) Low() bool { return s.Left <= min((s.Limit+9)/10, s.Limit-1) }
