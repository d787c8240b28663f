package when

import (
	"fmt"
	"strings"
	"time"

	"gridbot/bot"
)

type dateKind uint8

const (
	noDate  dateKind = iota
	fixed            // a day fixed by what was written: 明天, 2027年2月12日, 下周三, 12月1日
	weekday          // a bare weekday: the next one, today until its time has passed
	later            // a span from now (半小时后): no clock needed
)

type rollKind uint8

const (
	noRoll    rollKind = iota
	rollYear           // 12月1日 typed on 4 December: day is next year's
	rollMonth          // 5号 typed on the 10th: day is next month's
)

// dateResult is the date part of an expression.
type dateResult struct {
	kind   dateKind
	day    time.Time     // midnight in the location
	alt    time.Time     // another day it may mean (周末: Sunday); zero if none
	period string        // part of the day the word implies (今晚: 晚上)
	text   string        // as typed
	roll   rollKind      // day is the next occurrence; the nearest one has passed
	prev   time.Time     // that passed occurrence, when rolled
	after  time.Duration // for later
}

type dateReader func(p *scanner) (dateResult, bool, error)

// readers try the date forms in order; each starts at the same offset.
var readers = []dateReader{
	(*scanner).yearDate, (*scanner).relDay, (*scanner).span, (*scanner).relMonth, (*scanner).weekdayDate,
	(*scanner).lunarDate, (*scanner).festivalDate, (*scanner).monthDay, (*scanner).dayOfMonth,
}

// date reads the date part at the cursor; kind noDate when there is none.
func (p *scanner) date() (dateResult, error) {
	start := p.i
	for _, read := range readers {
		p.i = start
		d, ok, err := read(p)
		if err != nil {
			return dateResult{}, err
		}
		if !ok {
			continue
		}
		d.text = strings.TrimSpace(p.s[start:p.i])
		if d.kind == fixed {
			if err := p.weekdayTag(&d); err != nil {
				return dateResult{}, err
			}
		}
		return d, nil
	}
	p.i = start
	return dateResult{}, nil
}

// year reads 2027-, 2027/, 2027., 2027年, 27年, 二〇二七年, 今年, 明年, 后年
// and returns the year and its separator.
func (p *scanner) year() (int, string, bool) {
	switch p.eat("今年", "明年", "来年", "后年", "去年") {
	case "今年":
		return p.today.Year(), "年", true
	case "明年", "来年":
		return p.today.Year() + 1, "年", true
	case "后年":
		return p.today.Year() + 2, "年", true
	case "去年":
		return p.today.Year() - 1, "年", true
	}
	n, ok := p.number()
	switch {
	case !ok:
	case n.digits == 4:
		if sep := p.eatSp("-", "/", ".", "年"); sep != "" {
			return n.n, sep, true
		}
	case n.digits == 2 || n.digits == 0 && n.n >= 1000:
		if p.eatSp("年") != "" {
			if n.digits == 2 {
				n.n += 2000
			}
			return n.n, "年", true
		}
	}
	return 0, "", false
}

func (p *scanner) yearDate() (dateResult, bool, error) {
	start := p.i
	y, sep, ok := p.year()
	if !ok {
		return dateResult{}, false, nil
	}
	p.spaces()
	if sep == "年" {
		if d, ok, err := p.festivalIn(y, start); ok || err != nil {
			return d, ok, err
		}
	}
	mo, ok := p.number()
	if !ok {
		return dateResult{}, false, nil
	}
	if sep == "年" {
		sep = "月"
	}
	if p.eatSp(sep) == "" {
		return dateResult{}, false, nil
	}
	p.spaces()
	d, ok := p.number()
	if !ok {
		return dateResult{}, false, nil
	}
	p.eatSp("日", "号")
	if strings.HasPrefix(p.rest(), "T") && p.i+1 < len(p.s) && isDigit(p.s[p.i+1]) {
		p.i++
	}
	day, ok := mkDate(y, mo.n, d.n, p.today.Location())
	if !ok {
		return dateResult{}, false, noSuchDate(p.s[start:p.i])
	}
	return dateResult{kind: fixed, day: day}, true, nil
}

var relDays = []struct {
	word   string
	days   int
	period string
}{
	{"大后天", 3, ""}, {"大前天", -3, ""}, {"后天", 2, ""}, {"后日", 2, ""}, {"明天", 1, ""}, {"明日", 1, ""},
	{"明儿个", 1, ""}, {"明儿", 1, ""}, {"今天", 0, ""}, {"今日", 0, ""}, {"今儿个", 0, ""}, {"今儿", 0, ""},
	{"昨天", -1, ""}, {"前天", -2, ""},
	{"今早", 0, "早上"}, {"今晨", 0, "早上"}, {"今朝", 0, "早上"}, {"今晚", 0, "晚上"}, {"今夜", 0, "夜里"},
	{"明早", 1, "早上"}, {"明晨", 1, "早上"}, {"明晚", 1, "晚上"}, {"明夜", 1, "夜里"},
}

func (p *scanner) relDay() (dateResult, bool, error) {
	for _, r := range relDays {
		if p.eat(r.word) != "" {
			return dateResult{kind: fixed, day: p.today.AddDate(0, 0, r.days), period: r.period}, true, nil
		}
	}
	return dateResult{}, false, nil
}

// span reads 3天后, 两周后, 半小时后, 一个半小时后, 1小时30分钟后, 10分钟以后.
func (p *scanner) span() (dateResult, bool, error) {
	var n num
	half := p.eat("半") != ""
	if !half {
		var ok bool
		if n, ok = p.number(); !ok {
			return dateResult{}, false, nil
		}
		half = p.eatSp("个半") != ""
	}
	if !half {
		p.eatSp("个")
	} else {
		p.eat("个")
	}
	var d time.Duration
	days := 0
	switch p.eatSp("天", "日", "星期", "礼拜", "周", "小时", "钟头", "分钟") {
	case "天", "日":
		days = n.n
	case "星期", "礼拜", "周":
		days = 7 * n.n
	case "小时", "钟头":
		d = time.Duration(n.n) * time.Hour
		if half {
			d += 30 * time.Minute
		} else if m, ok := p.minutesAfterHours(); ok {
			d += time.Duration(m) * time.Minute
		}
	case "分钟":
		d = time.Duration(n.n) * time.Minute
	default:
		return dateResult{}, false, nil
	}
	if p.eatSp("以后", "之后", "后") == "" || days > 3660 || d > 30*24*time.Hour || half && days > 0 {
		return dateResult{}, false, nil
	}
	if d > 0 {
		return dateResult{kind: later, after: d}, true, nil
	}
	return dateResult{kind: fixed, day: p.today.AddDate(0, 0, days)}, true, nil
}

// minutesAfterHours reads the 30分钟 of 1小时30分钟后.
func (p *scanner) minutesAfterHours() (int, bool) {
	save := p.i
	if m, ok := p.number(); ok && p.eatSp("分钟", "分") != "" {
		return m.n, true
	}
	p.i = save
	return 0, false
}

var relMonths = []struct {
	word  string
	delta int
}{
	{"下下个月", 2}, {"下下月", 2}, {"下个月", 1}, {"下月", 1}, {"次月", 1}, {"本月", 0}, {"这个月", 0}, {"这月", 0},
	{"当月", 0}, {"上个月", -1}, {"上月", -1}, {"月", 0},
}

// relMonth reads 下月15号, 本月19号, 这个月底, 月底.
func (p *scanner) relMonth() (dateResult, bool, error) {
	start := p.i
	delta, found := 0, false
	for _, m := range relMonths {
		if p.eat(m.word) != "" {
			delta, found = m.delta, true
			break
		}
	}
	if !found {
		return dateResult{}, false, nil
	}
	first := time.Date(p.today.Year(), p.today.Month()+time.Month(delta), 1, 0, 0, 0, 0, p.today.Location())
	if p.eat("底", "末") != "" {
		return dateResult{kind: fixed, day: first.AddDate(0, 1, -1)}, true, nil
	}
	if p.s[start:p.i] == "月" {
		return dateResult{}, false, nil
	}
	p.spaces()
	n, ok := p.number()
	if !ok || p.eatSp("号", "日") == "" && !p.ended() {
		return dateResult{}, false, nil
	}
	day, ok := mkDate(first.Year(), int(first.Month()), n.n, p.today.Location())
	if !ok {
		return dateResult{}, false, noSuchDate(p.s[start:p.i])
	}
	return dateResult{kind: fixed, day: day}, true, nil
}

var weekPrefixes = []struct {
	word  string
	weeks int
}{
	{"下下个", 2}, {"下下", 2}, {"下个", 1}, {"下", 1}, {"这个", 0}, {"这", 0}, {"本", 0}, {"上上个", -2},
	{"上上", -2}, {"上个", -1}, {"上", -1},
}

var weekUnits = []string{"星期", "礼拜", "周"}

var weekdayChars = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7,
	"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}

// weekdayName reads 周六, 星期天, 礼拜3 (1 = Monday … 7 = Sunday); 周末 is 8.
func (p *scanner) weekdayName() (int, bool) {
	start := p.i
	if p.eat(weekUnits...) == "" {
		return 0, false
	}
	if p.eat("末") != "" {
		return 8, true
	}
	for w, n := range weekdayChars {
		if strings.HasPrefix(p.rest(), w) && !(isDigit(w[0]) && p.i+1 < len(p.s) && isDigit(p.s[p.i+1])) {
			p.i += len(w)
			return n, true
		}
	}
	p.i = start
	return 0, false
}

// weekdayDate reads 周六, 下周三, 下个周三, 这礼拜四, 下周周六, 下周的周六,
// 周末, and a weekday with its date after it (周六（6月5日）).
func (p *scanner) weekdayDate() (dateResult, bool, error) {
	start := p.i
	weeks, prefixed := 0, false
	target, ok := 0, false
	for _, w := range weekPrefixes {
		p.i = start
		if p.eat(w.word) == "" {
			continue
		}
		if target, ok = p.prefixedWeekday(); ok {
			weeks, prefixed = w.weeks, true
			break
		}
	}
	if !prefixed {
		p.i = start
		if target, ok = p.weekdayName(); !ok {
			return dateResult{}, false, nil
		}
	}
	if d, ok, err := p.weekdayThenDate(target); ok || err != nil {
		return d, ok, err
	}
	d := dateResult{kind: weekday}
	if prefixed {
		d.kind = fixed
	}
	if target == 8 {
		target = 6
		d.alt = p.weekdayDay(7, weeks, prefixed)
	}
	d.day = p.weekdayDay(target, weeks, prefixed)
	return d, true, nil
}

// prefixedWeekday reads the weekday after 下/这/本: 周六, 周周六, 周的周六.
func (p *scanner) prefixedWeekday() (int, bool) {
	at := p.i
	if n, ok := p.weekdayName(); ok {
		return n, true
	}
	if p.eat(weekUnits...) != "" {
		p.eat("的")
		if n, ok := p.weekdayName(); ok {
			return n, true
		}
	}
	p.i = at
	return 0, false
}

// weekdayDay is the day of a weekday: the next one from today (today
// counts) or, with a prefix, the one in the week weeks from this one.
func (p *scanner) weekdayDay(target, weeks int, prefixed bool) time.Time {
	iso := isoWeekday(p.today)
	if !prefixed {
		return p.today.AddDate(0, 0, (target-iso+7)%7)
	}
	return p.today.AddDate(0, 0, target-iso+7*weeks)
}

func isoWeekday(t time.Time) int {
	if w := int(t.Weekday()); w != 0 {
		return w
	}
	return 7
}

// weekdayThenDate reads a date right after a weekday (周六 6月5日,
// 周六（6月5日）) and checks that they agree.
func (p *scanner) weekdayThenDate(target int) (dateResult, bool, error) {
	save := p.i
	paren := p.openParen()
	dateStart := p.i
	for _, read := range []dateReader{(*scanner).yearDate, (*scanner).monthDay, (*scanner).dayOfMonth} {
		p.i = dateStart
		d, ok, err := read(p)
		if err != nil || !ok {
			continue
		}
		if paren {
			p.eatSp(")", "）")
		}
		d.text = strings.TrimSpace(p.s[dateStart:p.i])
		return d, true, p.checkWeekday(&d, target)
	}
	p.i = save
	return dateResult{}, false, nil
}

// openParen reads spaces and an opening bracket, if any, and spaces.
func (p *scanner) openParen() bool {
	p.spaces()
	paren := p.eat("(", "（") != ""
	p.spaces()
	return paren
}

// weekdayTag reads a weekday written after a date (6月1日周六, 6月1日（星期六）)
// and checks that they agree.
func (p *scanner) weekdayTag(d *dateResult) error {
	save := p.i
	paren := p.openParen()
	target, ok := p.weekdayName()
	if !ok || target == 8 {
		p.i = save
		return nil
	}
	if paren {
		p.eatSp(")", "）")
	}
	return p.checkWeekday(d, target)
}

// checkWeekday asks back when the weekday typed is not the date's. For a
// rolled date the weekday tells which was meant: next year's (no question
// left) or this year's passed one (the roll's question stays).
func (p *scanner) checkWeekday(d *dateResult, target int) error {
	switch {
	case target == 8 || d.roll != noRoll && isoWeekday(d.prev) == target:
		return nil
	case isoWeekday(d.day) == target:
		d.roll = noRoll
		return nil
	}
	delta := (target - isoWeekday(d.day) + 7) % 7
	if delta > 3 {
		delta -= 7
	}
	other := d.day.AddDate(0, 0, delta)
	msg := fmt.Sprintf(MsgWeekdayIs, bot.Esc(d.text), weekdayNames[d.day.Weekday()], weekdayNames[other.Weekday()]) +
		fmt.Sprintf(MsgAsk, formatDay(d.day, p.now), formatDay(other, p.now), HintWeekday)
	return &dateError{msg: msg, choices: []time.Time{d.day, other}}
}

// monthDay reads 2月12日, 2月12号, 4 月 2 日, 2/12, 09-01, 9.1 and asks
// whether 八月十五 (Chinese numerals, no 日) is lunar or solar.
func (p *scanner) monthDay() (dateResult, bool, error) {
	start := p.i
	mo, ok := p.number()
	if !ok {
		return dateResult{}, false, nil
	}
	sep := p.eatSp("月")
	if sep == "" {
		sep = p.eat("/", "-", ".")
	}
	if sep == "" || sep != "月" && (mo.n < 1 || mo.n > 12) {
		return dateResult{}, false, nil
	}
	p.spaces()
	d, ok := p.number()
	if !ok {
		return dateResult{}, false, nil
	}
	suffix := p.eatSp("日", "号")
	switch {
	case sep == "月" && suffix == "" && mo.digits == 0 && d.digits == 0:
		return dateResult{}, false, p.lunarOrSolar(p.s[start:p.i], mo.n, d.n)
	case sep == "-" || sep == ".":
		if p.i < len(p.s) && strings.ContainsRune("0123456789:.-", rune(p.s[p.i])) || p.eatSp("点", "时") != "" {
			return dateResult{}, false, nil
		}
	}
	if mo.n < 1 || mo.n > 12 {
		return dateResult{}, false, noSuchDate(p.s[start:p.i])
	}
	return p.yearless(p.s[start:p.i], mo.n, d.n)
}

// yearless resolves a month and day without a year to its next occurrence.
func (p *scanner) yearless(text string, mo, d int) (dateResult, bool, error) {
	var occs []time.Time
	for y := p.today.Year() - 1; y <= p.today.Year()+8; y++ {
		if t, ok := mkDate(y, mo, d, p.today.Location()); ok {
			occs = append(occs, t)
		}
	}
	return p.pick(occs, rollYear, text)
}

var notDayWords = []string{"楼", "院", "门", "单元", "线", "床", "房", "室", "车", "窗口", "位"}

// dayOfMonth reads 12号 or 12日: the next such day of a month.
func (p *scanner) dayOfMonth() (dateResult, bool, error) {
	start := p.i
	n, ok := p.number()
	if !ok || p.eatSp("号", "日") == "" {
		return dateResult{}, false, nil
	}
	for _, w := range notDayWords {
		if strings.HasPrefix(p.rest(), w) {
			return dateResult{}, false, nil
		}
	}
	if n.n < 1 || n.n > 31 {
		return dateResult{}, false, noSuchDate(p.s[start:p.i])
	}
	var occs []time.Time
	for k := -12; k <= 12; k++ {
		first := time.Date(p.today.Year(), p.today.Month()+time.Month(k), 1, 0, 0, 0, 0, p.today.Location())
		if t, ok := mkDate(first.Year(), int(first.Month()), n.n, p.today.Location()); ok {
			occs = append(occs, t)
		}
	}
	return p.pick(occs, rollMonth, p.s[start:p.i])
}

// pick takes the first of occs (sorted) on or after today. It is rolled
// when this year's (this month's) has passed and is nearer than the next.
func (p *scanner) pick(occs []time.Time, kind rollKind, text string) (dateResult, bool, error) {
	var prev time.Time
	for _, t := range occs {
		if t.Before(p.today) {
			prev = t
			continue
		}
		d := dateResult{kind: fixed, day: t}
		passed := kind == rollYear && t.Year() > p.today.Year() || kind == rollMonth && t.Month() != p.today.Month()
		if passed && !prev.IsZero() && p.today.Sub(prev) < t.Sub(p.today) {
			d.roll, d.prev = kind, prev
		}
		return d, true, nil
	}
	return dateResult{}, false, noSuchDate(text)
}

func noSuchDate(text string) error {
	return &dateError{msg: fmt.Sprintf(MsgNoSuchDate, bot.Esc(text))}
}

// mkDate is y-m-d at midnight in loc when that date exists (years 2000–2200).
func mkDate(y, mo, d int, loc *time.Location) (time.Time, bool) {
	if y < 2000 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
	return t, t.Day() == d
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
