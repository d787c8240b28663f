package sendcap_test

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot/config"
	"gridbot/bot/sendcap"
)

var sh = time.FixedZone("CST", 8*3600)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, sh) }

func TestMonthLimitIsDaysInMonth(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want int
	}{
		{at(2027, 2, 10, 9), 28},
		{at(2028, 2, 29, 23), 29},
		{at(2026, 4, 1, 0), 30},
		{at(2026, 12, 31, 23), 31},
		{at(2026, 1, 15, 12), 31},
	} {
		if got := (sendcap.Rule{}).Limit(c.t); got != c.want {
			t.Errorf("Limit(%s) = %d, want %d", c.t.Format("2006-01-02"), got, c.want)
		}
	}
	if got := (sendcap.Rule{Period: sendcap.Week}).Limit(at(2026, 2, 1, 0)); got != 7 {
		t.Errorf("week limit %d", got)
	}
	if got := (sendcap.Rule{Period: sendcap.Day}).Limit(at(2026, 2, 1, 0)); got != 1 {
		t.Errorf("day limit %d", got)
	}
}

func TestWindows(t *testing.T) {
	for _, c := range []struct {
		rule       sendcap.Period
		t          time.Time
		start, end time.Time
	}{
		{sendcap.Month, at(2026, 12, 31, 23), at(2026, 12, 1, 0), at(2027, 1, 1, 0)},
		{sendcap.Week, at(2026, 8, 2, 23), at(2026, 7, 27, 0), at(2026, 8, 3, 0)}, // a Sunday
		{sendcap.Week, at(2026, 8, 3, 0), at(2026, 8, 3, 0), at(2026, 8, 10, 0)},  // a Monday
		{sendcap.Week, at(2026, 12, 30, 5), at(2026, 12, 28, 0), at(2027, 1, 4, 0)},
		{sendcap.Day, at(2026, 3, 1, 0), at(2026, 3, 1, 0), at(2026, 3, 2, 0)},
	} {
		s, e := sendcap.Rule{Period: c.rule}.Window(c.t)
		if !s.Equal(c.start) || !e.Equal(c.end) {
			t.Errorf("%v Window(%s) = %s..%s, want %s..%s", c.rule, c.t, s, e, c.start, c.end)
		}
	}
	// The calendar is China's even when the clock is UTC: 2026-07-31 17:00
	// UTC is already 1 August in Shanghai.
	utc := time.Date(2026, 7, 31, 17, 0, 0, 0, time.UTC)
	if s, _ := (sendcap.Rule{}).Window(utc.In(sh)); s.Month() != time.August {
		t.Errorf("window of %s in Shanghai starts %s", utc, s)
	}
}

func TestCheck(t *testing.T) {
	now := at(2027, 2, 20, 10) // February 2027: 28 days
	var feb []time.Time
	for d := 1; d <= 19; d++ {
		feb = append(feb, at(2027, 2, d, 9))
	}
	jan := []time.Time{at(2027, 1, 31, 23), at(2027, 1, 30, 9)}
	for _, c := range []struct {
		name     string
		received []time.Time
		pending  int
		used     int
		left     int
		full     bool
		low      bool
	}{
		{"nothing sent", nil, 0, 0, 28, false, false},
		{"January does not count", append(jan, feb[:2]...), 0, 2, 26, false, false},
		{"19 sent", feb, 0, 19, 9, false, false},
		{"19 sent, 6 pending", feb, 6, 19, 3, false, true},
		{"full with pending", feb, 9, 19, 0, true, true},
		{"over the cap never goes negative", append(feb, feb...), 0, 38, 0, true, true},
		{"negative pending is none", feb[:1], -5, 1, 27, false, false},
	} {
		s := sendcap.Rule{}.Check(now, c.received, c.pending)
		if s.Used != c.used || s.Left != c.left || s.Full() != c.full || s.Low() != c.low || s.Limit != 28 {
			t.Errorf("%s: used %d left %d full %v low %v limit %d; want %d %d %v %v 28",
				c.name, s.Used, s.Left, s.Full(), s.Low(), s.Limit, c.used, c.left, c.full, c.low)
		}
		wantNext := now
		if c.full {
			wantNext = at(2027, 3, 1, 0)
		}
		if !s.Next.Equal(wantNext) {
			t.Errorf("%s: next %s, want %s", c.name, s.Next, wantNext)
		}
	}
}

func TestDayAndWeekRules(t *testing.T) {
	day := sendcap.Rule{Period: sendcap.Day}
	now := at(2026, 5, 6, 15)
	if s := day.Check(now, []time.Time{at(2026, 5, 5, 20)}, 0); s.Full() {
		t.Error("yesterday's send fills today's cap")
	}
	s := day.Check(now, []time.Time{at(2026, 5, 6, 8)}, 0)
	if !s.Full() || !s.Next.Equal(at(2026, 5, 7, 0)) {
		t.Errorf("day rule after one send today: %+v", s)
	}
	week := sendcap.Rule{Period: sendcap.Week}
	var sends []time.Time
	for d := 4; d <= 10; d++ { // Monday 4 May .. Sunday 10 May 2026
		sends = append(sends, at(2026, 5, d, 9))
	}
	if s := week.Check(at(2026, 5, 10, 22), sends, 0); !s.Full() || !s.Next.Equal(at(2026, 5, 11, 0)) {
		t.Errorf("week rule after seven sends: %+v", s)
	}
	if s := week.Check(at(2026, 5, 11, 8), sends, 0); s.Left != 7 {
		t.Errorf("new week: left %d, want 7", s.Left)
	}
}

func TestDescribe(t *testing.T) {
	now := at(2026, 7, 20, 10)
	var sends []time.Time
	for d := 1; d <= 29; d++ {
		sends = append(sends, at(2026, 7, d, 9))
	}
	for _, c := range []struct {
		rule    sendcap.Rule
		sends   []time.Time
		pending int
		want    []string
	}{
		{sendcap.Rule{}, sends[:28], 0, []string{"本月已收到 28 条群发", "上限 31 条", "还能再发 3 条"}},
		{sendcap.Rule{}, sends, 2, []string{"本月已收到 29 条群发、另有 2 条等群主确认", "上限 31 条", "8月1日起可以再发"}},
		{sendcap.Rule{Period: sendcap.Day}, sends[19:20], 0, []string{"今天已收到 1 条群发", "上限 1 条", "明天（7月21日）起"}},
		{sendcap.Rule{Period: sendcap.Week}, sends[19:20], 0, []string{"本周已收到 1 条群发", "还能再发 6 条"}},
	} {
		got := c.rule.Check(now, c.sends, c.pending).Describe()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("Describe = %q, want it to say %q", got, w)
			}
		}
	}
}

func TestParseRuleAndConfig(t *testing.T) {
	for in, want := range map[string]sendcap.Period{"": sendcap.Month, "Month": sendcap.Month, "当月天数": sendcap.Month,
		"week": sendcap.Week, "每周七条": sendcap.Week, " day ": sendcap.Day, "每天一条": sendcap.Day} {
		r, err := sendcap.ParseRule(in)
		if err != nil || r.Period != want {
			t.Errorf("ParseRule(%q) = %v, %v", in, r, err)
		}
	}
	if _, err := sendcap.ParseRule("fortnight"); err == nil {
		t.Error("ParseRule accepted fortnight")
	}
	var cfg struct {
		Cap sendcap.Rule `yaml:"cap"`
	}
	if err := config.Load(&cfg, "", []string{"GRIDBOT_CAP=week"}); err != nil || cfg.Cap.Period != sendcap.Week {
		t.Fatalf("config: %v %v", cfg.Cap, err)
	}
	err := config.Load(&cfg, "", []string{"GRIDBOT_CAP=hourly"})
	if err == nil || !strings.Contains(err.Error(), "cap") {
		t.Fatalf("bad rule: %v", err)
	}
}

func TestLowThresholds(t *testing.T) {
	for _, c := range []struct {
		rule sendcap.Rule
		now  time.Time
		used int
		low  bool
	}{
		{sendcap.Rule{}, at(2027, 2, 20, 9), 24, false}, // 4 of 28 left
		{sendcap.Rule{}, at(2027, 2, 20, 9), 25, true},  // 3 of 28 left
		{sendcap.Rule{}, at(2026, 7, 20, 9), 27, true},  // 4 of 31 left
		{sendcap.Rule{Period: sendcap.Week}, at(2026, 7, 20, 9), 5, false},
		{sendcap.Rule{Period: sendcap.Week}, at(2026, 7, 20, 9), 6, true},
		{sendcap.Rule{Period: sendcap.Day}, at(2026, 7, 20, 9), 0, false},
		{sendcap.Rule{Period: sendcap.Day}, at(2026, 7, 20, 9), 1, true},
	} {
		sends := make([]time.Time, c.used)
		for i := range sends {
			sends[i] = c.now.Add(-time.Minute)
		}
		if got := c.rule.Check(c.now, sends, 0).Low(); got != c.low {
			t.Errorf("%v with %d used: Low = %v, want %v", c.rule, c.used, got, c.low)
		}
	}
}
