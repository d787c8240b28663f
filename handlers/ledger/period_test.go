package ledger

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 18, 10, 0, 0, 0, bottest.Shanghai)
	tests := []struct{ in, from, to, label string }{
		{"", "2026-11-01", "2026-11-30", "2026年11月"},
		{"本月", "2026-11-01", "2026-11-30", "2026年11月"},
		{"上月", "2026-10-01", "2026-10-31", "2026年10月"},
		{"今年", "2026-01-01", "2026-12-31", "2026年度"},
		{"去年", "2025-01-01", "2025-12-31", "2025年度"},
		{"2026", "2026-01-01", "2026-12-31", "2026年度"},
		{"２０２６年", "2026-01-01", "2026-12-31", "2026年度"},
		{"2026-11", "2026-11-01", "2026-11-30", "2026年11月"},
		{"2026年2月", "2026-02-01", "2026-02-28", "2026年2月"},
		{"3月", "2026-03-01", "2026-03-31", "2026年3月"},
		{"2026-10-01 2026-12-31", "2026-10-01", "2026-12-31", "2026年10月1日至12月31日"},
		{"2026年10月1日至2027年1月5日", "2026-10-01", "2027-01-05", "2026年10月1日至2027年1月5日"},
		{"20261001-20261231", "2026-10-01", "2026-12-31", "2026年10月1日至12月31日"},
		{"2026-11-05", "2026-11-05", "2026-11-05", "2026年11月5日至11月5日"},
		{"上周", "2026-11-09", "2026-11-15", "2026年11月9日至11月15日"},
		{"2026年1月1日至3月31日", "2026-01-01", "2026-03-31", "2026年1月1日至3月31日"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in, now, bottest.Shanghai)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tt.in, err)
			continue
		}
		got := p.From.Format(time.DateOnly) + " " + p.Last().Format(time.DateOnly) + " " + p.Label
		if want := tt.from + " " + tt.to + " " + tt.label; got != want {
			t.Errorf("ParsePeriod(%q) = %s, want %s", tt.in, got, want)
		}
	}
}

func TestParsePeriodErrors(t *testing.T) {
	now := time.Date(2026, 11, 18, 10, 0, 0, 0, bottest.Shanghai)
	for _, in := range []string{"明年春天", "2026-13", "2026-02-30", "13月", "2026-12-31 2026-01-01", "2000-01-01 2026-01-01", "1999", "<b>", "1 2 3 4 5 6 7"} {
		_, err := ParsePeriod(in, now, bottest.Shanghai)
		msg, ok := bot.UserMessage(err)
		if !ok {
			t.Errorf("ParsePeriod(%q) err = %v, want a user error", in, err)
			continue
		}
		if strings.Contains(msg, "<b>") {
			t.Errorf("ParsePeriod(%q) message not escaped: %s", in, msg)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"本月", "2026", "2026-11", "2026-10-01 2026-12-31", "２０２６年１１月", "3月", "99999999999", "2026-02-29"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 18, 10, 0, 0, 0, bottest.Shanghai)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s, now, bottest.Shanghai)
		if err != nil {
			if _, ok := bot.UserMessage(err); !ok {
				t.Fatalf("ParsePeriod(%q) = %v, want a user error", s, err)
			}
			return
		}
		if !p.From.Before(p.To) || p.Days() > maxDays || p.Label == "" {
			t.Fatalf("ParsePeriod(%q) = %+v", s, p)
		}
	})
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0"}, {365, "365"}, {3150, "3,150"}, {9999, "9,999"}, {10000, "1万"}, {124000, "12.4万"}, {123456789, "1.2亿"}} {
		if got := Count(tt.n); got != tt.want {
			t.Errorf("Count(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
	if got := Hours(1234.5); got != "1,234.5" {
		t.Errorf("Hours(1234.5) = %s, want 1,234.5", got)
	}
	if got := Percent(0.856); got != "86%" {
		t.Errorf("Percent(0.856) = %s, want 86%%", got)
	}
}
