// Package when reads the dates and times people type in Chinese chats
// ("2月12日 19:00", "明天 9点", "下周六下午2点到4点", "中秋节晚上7点") and
// formats times back the way residents read them ("2月12日（周五）19:00").
//
// Read is the full reader: it returns a Reading with the start, the end of
// a range, the rest of the text, and whether a date written without a year
// had just passed (so the caller asks before taking next year's). Parse is
// the one-moment form most callers want. Where a time is truly ambiguous
// (3点: 03:00 or 15:00; 上午12点; 周末; 八月十五 lunar or solar; a weekday
// that is not the date's) the reader never guesses: it returns a
// *bot.UserError asking which was meant, with the choices.
package when

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
)

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// Fold prepares text for Parse: bot.Normalize, then the Chinese colon
// becomes ASCII (19：00 → 19:00).
func Fold(s string) string {
	s = bot.Normalize(s)
	return strings.ReplaceAll(s, "：", ":")
}

// Reading is a date and time read from the start of a text by Read.
type Reading struct {
	// Start is the moment read, in the location given to Read.
	Start time.Time
	// End is the end of a range (14:00-16:00, 下午2点到4点); zero when one
	// moment was written. It is always after Start.
	End time.Time
	// Rest is the text after the expression: folded by Fold, leading
	// spaces trimmed; always a suffix of Fold(s).
	Rest string
	// Rolled reports a date written without a year (12月1日, 国庆节) or
	// without a month (5号) whose nearest occurrence had just passed: Start
	// is the next one (next year, next month). Check returns the question
	// to ask before using it.
	Rolled bool

	question string
}

// Check returns nil, or, for a Rolled reading, a *bot.UserError asking
// whether the next occurrence was meant and how to write it ("12月1日已经
// 过去了，您是说明年（2027年）12月1日吗？写上年份就行：2027年12月1日 09:00").
func (r Reading) Check() error {
	if !r.Rolled {
		return nil
	}
	return &dateError{msg: r.question, choices: []time.Time{r.Start}}
}

// Read reads a date and time (or a range) at the start of s, in loc,
// relative to now. Forms include: 2027-02-12 19:00, 2027/2/12, 2027年2月12日,
// 明年3月1日, 2月12日, 4 月 2 日, 2/12, 09-01, 12号, 下月15号, 本月底,
// 今天/明天/后天/大后天, 今晚, 今晨, 明早, 3天后, 半小时后, 周六, 下个周三,
// 这礼拜四, 下周周六, a weekday after the date (6月1日周六), holidays
// (国庆节, 儿童节, 母亲节, 清明, 冬至), lunar holidays and dates (春节, 除夕,
// 元宵, 端午, 中秋, 重阳, 腊八, 小年, 农历八月十五, 正月十五, 腊月廿三), then a
// clock: 19:00, 10:30:00, 7点, 7点半, 8点正, 7点零五, 7点1刻, 八点三刻, 8点过5分,
// with a period word (早上, 上午, 中午, 下午, 傍晚, 晚上, 夜里, 半夜, 凌晨), and
// optionally the end of a range (14:00-16:00, 下午2点到4点, 14:00~16:00).
//
// A date without a year is the next such date from now (today counts) and
// may be Rolled; a bare weekday is the next such day (today counts until
// its time has passed); a bare clock is today, or tomorrow once passed.
// 12点 with a night word (今晚12点, 夜里12点) is midnight, the start of the
// next day; 夜里1点 is the small hours after that night. A date always needs a
// clock. Errors are *bot.UserError with a message for the person who typed
// s: not understood, no such date, no clock, or a question where the time is
// ambiguous.
func Read(s string, now time.Time, loc *time.Location) (Reading, error) {
	s = Fold(s)
	if loc == nil {
		loc = time.Local
	}
	p := newScanner(s, now.In(loc))
	p.eat("从", "由")
	st, err := p.moment()
	if err != nil {
		return Reading{}, err
	}
	r := Reading{Start: st.t}
	end, ok, err := p.rangeEnd(st)
	switch {
	case err != nil:
		return Reading{}, err
	case ok:
		r.End = end
		p.tail("结束", "止")
	default:
		p.tail("开始", "起")
	}
	r.Rest = strings.TrimLeft(s[p.i:], " ")
	if st.d.roll != noRoll {
		r.Rolled, r.question = true, rolledQuestion(st.d, r)
	}
	return r, nil
}

// clockOnly reads a time of day and nothing else: an optional period word
// and a clock. It returns the word; "not understood" when no clock is there.
func (p *scanner) clockOnly() (clock, string, error) {
	start := p.i
	c, word, ok, err := p.periodClock("")
	if err == nil && !ok {
		err = notUnderstood(p.s[start:])
	}
	return c, word, err
}

// tail eats one of words when it ends the expression (明天9点开始).
func (p *scanner) tail(words ...string) {
	save := p.i
	p.spaces()
	if p.eat(words...) == "" || !p.ended() {
		p.i = save
	}
}

// Parse reads one moment at the start of s, as Read does, and returns it
// with the rest of s. A range is refused, and a Rolled date returns
// Check's question, so nothing is silently moved to next year.
func Parse(s string, now time.Time, loc *time.Location) (t time.Time, rest string, err error) {
	r, err := Read(s, now, loc)
	if err != nil {
		return time.Time{}, "", err
	}
	if !r.End.IsZero() {
		return time.Time{}, "", &dateError{msg: MsgOneTime}
	}
	if err := r.Check(); err != nil {
		return time.Time{}, "", err
	}
	return r.Start, r.Rest, nil
}

// ParseClock reads a time of day at the start of s (19:00, 晚上9点, 9点半)
// and returns it on day's date in day's location, with the rest of s. An
// hour without a period word is read as written (3点 is 03:00); a time past
// midnight of a night word (晚上12点, 夜里1点, 24:00) is on the next day.
func ParseClock(s string, day time.Time) (t time.Time, rest string, err error) {
	s = Fold(s)
	p := newScanner(s, day)
	c, _, err := p.clockOnly()
	if err != nil {
		return time.Time{}, "", err
	}
	return at(midnight(day), c), strings.TrimLeft(s[p.i:], " "), nil
}

// ReadEnd reads when something that starts at start ends: a clock (21:00,
// 晚上12点, 4点) is its first reading after start, on start's day or the
// next (so 4点 after 14:00 is 16:00, and 12点 after 20:00 midnight); a date
// and time is read as Parse does. It returns the end and the rest of s; an
// end not after start (or, for a clock alone, more than 18 hours after it)
// is a *bot.UserError matching ErrEndEarly.
func ReadEnd(s string, start, now time.Time, loc *time.Location) (time.Time, string, error) {
	if loc == nil {
		loc = time.Local
	}
	f := Fold(s)
	start = start.In(loc)
	p := newScanner(f, now.In(loc))
	if d, err := p.date(); err != nil || d.kind != noDate {
		t, rest, err := Parse(s, now, loc)
		if err == nil && !t.After(start) {
			err = endEarly(start, now)
		}
		return t, rest, err
	}
	c, word, err := p.clockOnly()
	if err != nil {
		return time.Time{}, "", err
	}
	end, err := clockEnd(start, midnight(start), c, word == "", now)
	return end, strings.TrimLeft(f[p.i:], " "), err
}

// Recognized reports whether err is about a date or time that Read found
// at the start of the text (a question, a date that does not exist, a bad
// clock), rather than finding none. A date word with no clock after it
// (国庆节放假) is not counted: the text may not be a time at all.
func Recognized(err error) bool {
	var de *dateError
	return errors.As(err, &de) && !de.weak
}

// Format shows t in loc as residents read it: "2月12日（周五）19:00", with
// the year in front when it is not now's year.
func Format(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	return formatDay(t, now.In(loc)) + t.Format("15:04")
}

// FormatRange shows a start and an end: "12月5日（周六）14:00–16:00"; an end
// at the midnight after start's day shows as 24:00, an end on another day
// with its date.
func FormatRange(start, end, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	start, end = start.In(loc), end.In(loc)
	s := Format(start, now, loc) + "–"
	switch {
	case sameDay(start, end):
		return s + end.Format("15:04")
	case end.Equal(at(midnight(start), clock{next: true})):
		return s + "24:00"
	}
	return s + Format(end, now, loc)
}

// FormatClock shows only the time of day, "21:00".
func FormatClock(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("15:04")
}

// formatDay shows a day: "12月5日（周六）", with the year when not now's.
func formatDay(t, now time.Time) string {
	var b strings.Builder
	if t.Year() != now.Year() {
		b.WriteString(strconv.Itoa(t.Year()) + "年")
	}
	b.WriteString(strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日（" + weekdayNames[t.Weekday()] + "）")
	return b.String()
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// ErrEndEarly matches (errors.Is) the error of an end written before its
// start (明天14:00-12:00; 结束 12:00 after 14:00), so callers can word it
// for their field.
var ErrEndEarly = errors.New("end before start")

// dateError is a *bot.UserError (through Unwrap) about a date or time the
// reader found: Recognized tells it from "not understood".
type dateError struct {
	msg     string
	choices []time.Time
	early   bool // an end before its start
	weak    bool // a date with no clock after it
}

func (e *dateError) Error() string        { return e.msg }
func (e *dateError) Unwrap() error        { return &bot.UserError{Msg: e.msg} }
func (e *dateError) Is(target error) bool { return target == ErrEndEarly && e.early }

var errNoClock = errors.New("no clock")

// ask offers two readings of one time.
func (p *scanner) ask(a, b time.Time, hint string) error {
	second := Format(b, p.now, p.now.Location())
	if sameDay(a, b) {
		second = b.Format("15:04")
	}
	return &dateError{msg: fmt.Sprintf(MsgAsk, Format(a, p.now, p.now.Location()), second, hint), choices: []time.Time{a, b}}
}

func rolledQuestion(d dateResult, r Reading) string {
	day := r.Start
	clock := day.Format("15:04")
	if !r.End.IsZero() {
		clock += "-" + r.End.Format("15:04")
	}
	text := bot.Esc(d.text)
	if d.roll == rollMonth {
		return fmt.Sprintf(MsgRolledMonth, text, int(day.Month()), fmt.Sprintf("%d月%d日 %s", day.Month(), day.Day(), clock))
	}
	return fmt.Sprintf(MsgRolledYear, text, day.Year(), fmt.Sprintf("%d年%d月%d日 %s", day.Year(), day.Month(), day.Day(), clock))
}

func noClock(text string) error {
	return &dateError{msg: fmt.Sprintf(MsgNoClock, bot.Esc(strings.TrimSpace(text))), weak: true}
}

func endEarly(start, now time.Time) error {
	return &dateError{msg: fmt.Sprintf(MsgEndEarly, Format(start, now, start.Location())), early: true}
}

func dateErr(format string, a ...any) error { return &dateError{msg: fmt.Sprintf(format, a...)} }

func notUnderstood(s string) error {
	return bot.Userf(MsgNotUnderstood, bot.Esc(bot.Truncate(strings.SplitN(s, "\n", 2)[0], 20)))
}
