package tips

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/when"
)

var weekdayNames = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// DescribeSpec says a push time the way staff read it: "每天 08:30",
// "工作日（周一至周五）09:00", "每周六、周日 10:00"; a spec of another shape
// is "按自定义时间" (the caller shows the next time as well).
func DescribeSpec(spec string) string {
	f := strings.Fields(spec)
	if len(f) != 5 || f[2] != "*" || f[3] != "*" {
		return describeDescriptor(spec)
	}
	m, err1 := strconv.Atoi(f[0])
	h, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || m < 0 || m > 59 || h < 0 || h > 23 {
		return msgSpecCustom
	}
	clock := fmt.Sprintf("%02d:%02d", h, m)
	days, ok := weekdays(f[4])
	switch {
	case !ok:
		return msgSpecCustom
	case len(days) == 7:
		return msgSpecDaily + clock
	case slices.Equal(days, []int{1, 2, 3, 4, 5}):
		return msgSpecWorkdays + clock
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = weekdayNames[d]
	}
	return "每" + strings.Join(names, "、") + " " + clock
}

func describeDescriptor(spec string) string {
	switch strings.TrimSpace(spec) {
	case "@daily", "@midnight":
		return msgSpecDaily + "00:00"
	}
	return msgSpecCustom
}

// weekdays reads a cron day-of-week field ("*", "1-5", "0,6", "sat") into
// sorted weekdays 0..6 (Sunday 0).
func weekdays(field string) ([]int, bool) {
	if field == "*" || field == "?" {
		return []int{0, 1, 2, 3, 4, 5, 6}, true
	}
	set := map[int]bool{}
	for _, part := range strings.Split(field, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, ok1 := dayNumber(lo)
		b := a
		ok2 := true
		if isRange {
			b, ok2 = dayNumber(hi)
		}
		if !ok1 || !ok2 || b < a {
			return nil, false
		}
		for d := a; d <= b; d++ {
			set[d%7] = true
		}
	}
	var out []int
	for d := range 7 {
		if set[d] {
			out = append(out, d)
		}
	}
	return out, len(out) > 0
}

func dayNumber(s string) (int, bool) {
	if i := slices.Index([]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, strings.ToLower(s)); i >= 0 {
		return i, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= 7
}

// dayWords are how staff name the days of a push time, with the cron
// day-of-week field each stands for; longer words first.
var dayWords = []struct{ word, field string }{
	{"周一至周五", "1-5"}, {"周一到周五", "1-5"}, {"星期一至星期五", "1-5"}, {"星期一到星期五", "1-5"},
	{"每个工作日", "1-5"}, {"工作日", "1-5"}, {"每周末", "0,6"}, {"周末", "0,6"},
	{"每天", "*"}, {"天天", "*"}, {"每日", "*"},
}

// parseSchedule reads a push time as staff type it: a time of day with
// the days in front ("9:00", "每天 9点", "工作日 8:30", "每周一 19:00",
// "周六 周日 10点"), or a five-field cron spec, which is kept for those who
// know it. ok is false when it is neither.
func parseSchedule(s string, now time.Time) (spec string, ok bool) {
	s = strings.TrimSpace(bot.Normalize(s))
	if _, err := ParseSpec(s); err == nil && len(strings.Fields(s)) == 5 {
		return s, true
	}
	days, rest := scheduleDays(s)
	t, left, err := when.ParseClock(strings.TrimSpace(rest), now)
	if err != nil || strings.TrimSpace(left) != "" {
		return "", false
	}
	return fmt.Sprintf("%d %d * * %s", t.Minute(), t.Hour(), days), true
}

// scheduleDays takes the day words off the front of s and returns the
// cron day-of-week field they name ("*" when none).
func scheduleDays(s string) (field, rest string) {
	for _, w := range dayWords {
		if r, ok := strings.CutPrefix(s, w.word); ok {
			return w.field, strings.TrimSpace(r)
		}
	}
	var days []string
	for {
		s = strings.TrimLeft(s, " 、,，和及")
		s = strings.TrimPrefix(s, "每")
		found := false
		for _, p := range []string{"星期", "礼拜", "周"} {
			r, ok := strings.CutPrefix(s, p)
			if !ok {
				continue
			}
			for i, d := range []string{"日", "一", "二", "三", "四", "五", "六", "天"} {
				if after, ok := strings.CutPrefix(r, d); ok {
					days, s, found = append(days, strconv.Itoa(i%7)), after, true
					break
				}
			}
			break
		}
		if !found {
			break
		}
	}
	if len(days) == 0 {
		return "*", s
	}
	return strings.Join(days, ","), s
}
