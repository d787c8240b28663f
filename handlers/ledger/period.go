package ledger

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
)

// Period is a span of whole days in the bot's zone: From is the first
// day's midnight, To the midnight after the last day (exclusive).
type Period struct {
	From, To time.Time
	// Kind is "month", "year", "week" or "range"; Label names it in Chinese
	// ("2026年11月", "2026年度", "2026年10月1日至12月31日").
	Kind  string
	Label string
}

// Days returns the number of days in the period.
func (p Period) Days() int { return int(p.To.Sub(p.From).Hours()/24 + 0.5) }

// Last returns the last day of the period.
func (p Period) Last() time.Time { return p.To.AddDate(0, 0, -1) }

func day(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// MonthPeriod returns the calendar month of t.
func MonthPeriod(y int, m time.Month, loc *time.Location) Period {
	from := day(y, m, 1, loc)
	return Period{From: from, To: from.AddDate(0, 1, 0), Kind: "month", Label: fmt.Sprintf("%d年%d月", y, m)}
}

// YearPeriod returns the calendar year y.
func YearPeriod(y int, loc *time.Location) Period {
	return Period{From: day(y, 1, 1, loc), To: day(y+1, 1, 1, loc), Kind: "year", Label: fmt.Sprintf("%d年度", y)}
}

// RangePeriod returns the days from first to last, inclusive.
func RangePeriod(first, last time.Time, loc *time.Location) Period {
	f, l := first.In(loc), last.In(loc)
	from, to := day(f.Year(), f.Month(), f.Day(), loc), day(l.Year(), l.Month(), l.Day()+1, loc)
	label := fmt.Sprintf("%d年%d月%d日至", f.Year(), f.Month(), f.Day())
	if l.Year() != f.Year() {
		label += fmt.Sprintf("%d年", l.Year())
	}
	label += fmt.Sprintf("%d月%d日", l.Month(), l.Day())
	return Period{From: from, To: to, Kind: "range", Label: label}
}

// WeekPeriod returns the Monday-to-Sunday week holding t.
func WeekPeriod(t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	back := (int(t.Weekday()) + 6) % 7
	mon := day(t.Year(), t.Month(), t.Day()-back, loc)
	p := RangePeriod(mon, mon.AddDate(0, 0, 6), loc)
	p.Kind = "week"
	return p
}

var numRe = regexp.MustCompile(`\d+`)

// maxDays bounds a report's span (a little over five years).
const maxDays = 5*366 + 1

// ParsePeriod reads what staff type after 报表: 本月, 上月, 今年, 去年, 本周,
// 上周, 2026, 2026年, 2026-11, 2026年11月, 11月, 2026-10-01 2026-12-31
// (also 至/到/~ between, and 2026年1月1日至3月31日 with the year once),
// 2026-11-05 (one day). Empty means this month.
// Bad input is a *bot.UserError with an example.
func ParsePeriod(s string, now time.Time, loc *time.Location) (Period, error) {
	t := strings.ToLower(bot.Simplify(bot.Normalize(s)))
	t = strings.Trim(t, " 。.!！?？")
	now = now.In(loc)
	switch strings.ReplaceAll(t, " ", "") {
	case "", "本月", "这个月", "当月":
		return MonthPeriod(now.Year(), now.Month(), loc), nil
	case "上月", "上个月":
		m := day(now.Year(), now.Month()-1, 1, loc)
		return MonthPeriod(m.Year(), m.Month(), loc), nil
	case "今年", "本年", "本年度", "全年":
		return YearPeriod(now.Year(), loc), nil
	case "去年", "上年", "上一年", "上年度":
		return YearPeriod(now.Year()-1, loc), nil
	case "本周", "这周":
		return WeekPeriod(now, loc), nil
	case "上周":
		return WeekPeriod(now.AddDate(0, 0, -7), loc), nil
	}
	nums := numRe.FindAllString(t, -1)
	if len(nums) > 6 {
		return Period{}, periodError(s, now)
	}
	var v []int
	for _, n := range nums {
		if len(n) > 8 {
			return Period{}, periodError(s, now)
		}
		if len(n) == 8 {
			a, _ := strconv.Atoi(n[:4])
			b, _ := strconv.Atoi(n[4:6])
			c, _ := strconv.Atoi(n[6:])
			v = append(v, a, b, c)
			continue
		}
		x, _ := strconv.Atoi(n)
		v = append(v, x)
	}
	switch len(v) {
	case 1:
		switch {
		case isYear(v[0]):
			return YearPeriod(v[0], loc), nil
		case strings.Contains(t, "月") && v[0] >= 1 && v[0] <= 12:
			return MonthPeriod(now.Year(), time.Month(v[0]), loc), nil
		}
	case 2:
		if isYear(v[0]) && v[1] >= 1 && v[1] <= 12 {
			return MonthPeriod(v[0], time.Month(v[1]), loc), nil
		}
	case 3:
		if d, ok := date(v, loc); ok {
			return RangePeriod(d, d, loc), nil
		}
	case 5:
		if isYear(v[0]) && !isYear(v[3]) {
			return rangeOf(s, v[:3], append([]int{v[0]}, v[3:]...), now)
		}
	case 6:
		return rangeOf(s, v[:3], v[3:], now)
	}
	return Period{}, periodError(s, now)
}

// rangeOf is the period from date a3 to date b3 (year, month, day each)
// in now's zone; s is what was typed, for the error.
func rangeOf(s string, a3, b3 []int, now time.Time) (Period, error) {
	loc := now.Location()
	a, ok1 := date(a3, loc)
	b, ok2 := date(b3, loc)
	if !ok1 || !ok2 {
		return Period{}, periodError(s, now)
	}
	if b.Before(a) {
		first, today := examples(now)
		return Period{}, bot.Userf(msgPeriodOrder, first, today)
	}
	p := RangePeriod(a, b, loc)
	if p.Days() > maxDays {
		return Period{}, bot.Userf(msgPeriodLong)
	}
	return p, nil
}

func isYear(y int) bool { return y >= 2000 && y <= 2999 }

func date(v []int, loc *time.Location) (time.Time, bool) {
	if !isYear(v[0]) || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 {
		return time.Time{}, false
	}
	d := day(v[0], time.Month(v[1]), v[2], loc)
	return d, d.Day() == v[2]
}

// periodError refuses s with examples of real dates around now.
func periodError(s string, now time.Time) error {
	first, today := examples(now)
	return bot.Userf(msgPeriodBad, bot.Esc(bot.Truncate(bot.Normalize(s), 30)), now.Format("2006-01"), first, today)
}

// examples are the first day of now's year and today, for examples.
func examples(now time.Time) (first, today string) {
	return day(now.Year(), 1, 1, now.Location()).Format(time.DateOnly), now.Format(time.DateOnly)
}
