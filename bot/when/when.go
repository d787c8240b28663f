// Package when reads the dates and times people type in Chinese chats
// ("2月12日 19:00", "明天 9点", "后天下午3点半", "周六 14:00") and formats
// times back the way residents read them ("2月12日（周五）19:00").
package when

import (
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
)

// Messages shown to users; kept here so translations can be added.
const (
	MsgNotUnderstood = "没看懂时间「%s」，请写成 2月12日 19:00 这样。"
	MsgNoClock       = "请写上几点，例如「%s 19:00」。"
	MsgNoSuchDate    = "日期「%s」不存在，请检查月份和日子。"
	MsgBadClock      = "钟点「%s」不对，请写成 19:00 或 晚上7点 这样。"
)

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// Fold prepares text for Parse: bot.Normalize, then the Chinese colon
// becomes ASCII (19：00 → 19:00).
func Fold(s string) string {
	s = bot.Normalize(s)
	return strings.ReplaceAll(s, "：", ":")
}

// Parse reads a date and time at the start of s, in loc, relative to now,
// and returns it with the rest of s (folded by Fold, leading spaces
// trimmed). Forms: 2027-02-12 19:00, 2027/2/12 19:00, 2027年2月12日 19:00,
// 2月12日 19:00, 2/12 19:00, 12号 19:00, 今天/明天/后天/大后天 + time,
// 今晚8点, 明早9点, 周六 14:00, 星期六下午2点, 下周一 9:00, and a bare time
// (19:00, 晚上7点, 3点半). The time may carry a period word (早上, 上午,
// 中午, 下午, 傍晚, 晚上, 凌晨) and be written 19:00, 7点, 7点半, 7点15分,
// 七点一刻.
//
// A date without a year is the next such date from now (today counts); a
// weekday is the next such day (today counts until its time has passed); a
// bare time is today, or tomorrow once passed. A date always needs a time.
// Errors are *bot.UserError with a message for the person who typed s.
func Parse(s string, now time.Time, loc *time.Location) (t time.Time, rest string, err error) {
	s = Fold(s)
	if loc == nil {
		loc = time.Local
	}
	now = now.In(loc)
	p := &scanner{s: bot.Simplify(s)}
	d, err := p.date(now)
	if err != nil {
		return time.Time{}, "", err
	}
	p.spaces()
	if d.period == "" {
		d.period = p.eatAny(periods...)
		p.spaces()
	}
	h, m, ok, err := p.clock(d.period)
	if err != nil {
		return time.Time{}, "", err
	}
	if !ok {
		if d.kind != noDate {
			return time.Time{}, "", bot.Userf(MsgNoClock, bot.Esc(strings.TrimSpace(s[:p.i])))
		}
		return time.Time{}, "", notUnderstood(s)
	}
	day := d.day
	if d.kind == noDate {
		day = midnight(now)
	}
	t = at(day, h, m)
	switch {
	case d.kind == noDate && t.Before(now):
		t = at(day.AddDate(0, 0, 1), h, m)
	case d.kind == weekday && t.Before(now):
		t = at(day.AddDate(0, 0, 7), h, m)
	}
	return t, strings.TrimLeft(s[p.i:], " "), nil
}

// ParseClock reads a time of day at the start of s (19:00, 晚上9点, 9点半)
// and returns it on day's date in day's location, with the rest of s. A
// clock of 24:00 or past midnight is not moved to the next day; callers
// compare with the start themselves.
func ParseClock(s string, day time.Time) (t time.Time, rest string, err error) {
	s = Fold(s)
	p := &scanner{s: bot.Simplify(s)}
	period := p.eatAny(periods...)
	p.spaces()
	h, m, ok, err := p.clock(period)
	if err != nil {
		return time.Time{}, "", err
	}
	if !ok {
		return time.Time{}, "", notUnderstood(s)
	}
	return at(midnight(day), h, m), strings.TrimLeft(s[p.i:], " "), nil
}

// Format shows t in loc as residents read it: "2月12日（周五）19:00", with
// the year in front when it is not now's year.
func Format(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	t, now = t.In(loc), now.In(loc)
	var b strings.Builder
	if t.Year() != now.Year() {
		b.WriteString(strconv.Itoa(t.Year()) + "年")
	}
	b.WriteString(strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日（" + weekdayNames[t.Weekday()] + "）")
	b.WriteString(t.Format("15:04"))
	return b.String()
}

// FormatClock shows only the time of day, "21:00".
func FormatClock(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("15:04")
}

func notUnderstood(s string) error {
	return bot.Userf(MsgNotUnderstood, bot.Esc(bot.Truncate(strings.SplitN(s, "\n", 2)[0], 20)))
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func at(day time.Time, h, m int) time.Time {
	y, mo, d := day.Date()
	return time.Date(y, mo, d, h, m, 0, 0, day.Location())
}
