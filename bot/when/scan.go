package when

import (
	"strings"
	"time"

	"gridbot/bot"
)

type dateKind uint8

const (
	noDate dateKind = iota
	fixed
	weekday
)

type dateResult struct {
	kind   dateKind
	day    time.Time
	period string
}

// periods are the words for parts of the day, longest first.
var periods = []string{"早上", "早晨", "清晨", "上午", "凌晨", "中午", "下午", "傍晚", "晚上", "夜里", "夜间", "晚间", "早", "晚"}

var relDays = []struct {
	word   string
	days   int
	period string
}{
	{"大后天", 3, ""}, {"后天", 2, ""}, {"明天", 1, ""}, {"明日", 1, ""}, {"明儿", 1, ""},
	{"今天", 0, ""}, {"今日", 0, ""}, {"今儿", 0, ""},
	{"今早", 0, "早上"}, {"今晚", 0, "晚上"}, {"今夜", 0, "晚上"},
	{"明早", 1, "早上"}, {"明晚", 1, "晚上"},
}

var weekPrefixes = []struct {
	word  string
	weeks int
}{
	{"下下周", 2}, {"下下个星期", 2}, {"下个星期", 1}, {"下星期", 1}, {"下礼拜", 1}, {"下周", 1},
	{"这个星期", 0}, {"这星期", 0}, {"这周", 0}, {"本周", 0}, {"本星期", 0},
}

var weekdayWords = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "末": 6, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}

type scanner struct {
	s string
	i int
}

func (p *scanner) rest() string { return p.s[p.i:] }

func (p *scanner) spaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *scanner) eatAny(words ...string) string {
	for _, w := range words {
		if strings.HasPrefix(p.rest(), w) {
			p.i += len(w)
			return w
		}
	}
	return ""
}

// digits reads 1..max ASCII digits.
func (p *scanner) digits(max int) (int, int, bool) {
	n, k := 0, 0
	for p.i+k < len(p.s) && k < max && p.s[p.i+k] >= '0' && p.s[p.i+k] <= '9' {
		n = n*10 + int(p.s[p.i+k]-'0')
		k++
	}
	if k == 0 || p.i+k < len(p.s) && p.s[p.i+k] >= '0' && p.s[p.i+k] <= '9' {
		return 0, 0, false
	}
	return n, k, true
}

// number reads Arabic digits or Chinese numerals (up to 九十九).
func (p *scanner) number() (int, bool) {
	r := p.rest()
	if r == "" || r[0] == ' ' {
		return 0, false
	}
	n, after, ok := bot.LeadingNumber(r)
	if !ok || n > 9999 {
		return 0, false
	}
	p.i += len(r) - len(after)
	return n, true
}

func (p *scanner) date(now time.Time) (dateResult, error) {
	today := midnight(now)
	start := p.i
	for _, r := range relDays {
		if strings.HasPrefix(p.rest(), r.word) {
			p.i += len(r.word)
			return dateResult{kind: fixed, day: today.AddDate(0, 0, r.days), period: r.period}, nil
		}
	}
	if d, ok := p.weekday(today); ok {
		return d, nil
	}
	p.i = start
	if d, ok, err := p.numericDate(today); ok || err != nil {
		if !ok {
			p.i = start
		}
		return d, err
	}
	p.i = start
	return dateResult{}, nil
}

func (p *scanner) weekday(today time.Time) (dateResult, bool) {
	weeks, prefixed := 0, false
	for _, w := range weekPrefixes {
		if strings.HasPrefix(p.rest(), w.word) {
			p.i += len(w.word)
			weeks, prefixed = w.weeks, true
			break
		}
	}
	if !prefixed && p.eatAny("星期", "礼拜", "周") == "" {
		return dateResult{}, false
	}
	var target int
	for w, n := range weekdayWords {
		if strings.HasPrefix(p.rest(), w) {
			target = n
			p.i += len(w)
			break
		}
	}
	if target == 0 {
		return dateResult{}, false
	}
	iso := int(today.Weekday())
	if iso == 0 {
		iso = 7
	}
	if !prefixed {
		delta := (target - iso + 7) % 7
		return dateResult{kind: weekday, day: today.AddDate(0, 0, delta)}, true
	}
	monday := today.AddDate(0, 0, 1-iso+7*weeks)
	return dateResult{kind: fixed, day: monday.AddDate(0, 0, target-1)}, true
}

func (p *scanner) numericDate(today time.Time) (dateResult, bool, error) {
	start := p.i
	if y, k, ok := p.digits(4); ok && k == 4 {
		p.i += k
		sep := p.eatAny("-", "/", ".", "年")
		if sep == "" {
			return dateResult{}, false, nil
		}
		mo, ok := p.number()
		if !ok {
			return dateResult{}, false, nil
		}
		if sep == "年" {
			if p.eatAny("月") == "" {
				return dateResult{}, false, nil
			}
		} else if p.eatAny(sep) == "" {
			return dateResult{}, false, nil
		}
		d, ok := p.number()
		if !ok {
			return dateResult{}, false, nil
		}
		p.eatAny("日", "号")
		if p.eatAny("T") != "" && p.i < len(p.s) && (p.s[p.i] < '0' || p.s[p.i] > '9') {
			p.i--
		}
		day, err := mkDate(y, mo, d, today.Location(), p.s[start:p.i])
		return dateResult{kind: fixed, day: day}, err == nil, err
	}
	mo, ok := p.number()
	if !ok {
		return dateResult{}, false, nil
	}
	switch {
	case p.eatAny("月") != "":
		d, ok := p.number()
		if !ok {
			return dateResult{}, false, nil
		}
		p.eatAny("日", "号")
		return p.yearless(today, mo, d, start)
	case p.eatAny("/") != "":
		d, ok := p.number()
		if !ok {
			return dateResult{}, false, nil
		}
		return p.yearless(today, mo, d, start)
	case p.eatAny("日", "号") != "":
		text := p.s[start:p.i]
		if mo < 1 || mo > 31 {
			return dateResult{}, false, bot.Userf(MsgNoSuchDate, bot.Esc(text))
		}
		for k := 0; k < 12; k++ {
			first := time.Date(today.Year(), today.Month()+time.Month(k), 1, 0, 0, 0, 0, today.Location())
			day, err := mkDate(first.Year(), int(first.Month()), mo, today.Location(), text)
			if err == nil && !day.Before(today) {
				return dateResult{kind: fixed, day: day}, true, nil
			}
		}
		return dateResult{}, false, bot.Userf(MsgNoSuchDate, bot.Esc(text))
	}
	return dateResult{}, false, nil
}

func (p *scanner) yearless(today time.Time, mo, d, start int) (dateResult, bool, error) {
	text := p.s[start:p.i]
	day, err := mkDate(today.Year(), mo, d, today.Location(), text)
	if err != nil && !(mo == 2 && d == 29) {
		return dateResult{}, false, err
	}
	for y := today.Year() + 1; err != nil || day.Before(today); y++ {
		if y > today.Year()+8 {
			return dateResult{}, false, bot.Userf(MsgNoSuchDate, bot.Esc(text))
		}
		day, err = mkDate(y, mo, d, today.Location(), text)
	}
	return dateResult{kind: fixed, day: day}, true, nil
}

func mkDate(y, mo, d int, loc *time.Location, text string) (time.Time, error) {
	if y < 2000 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, bot.Userf(MsgNoSuchDate, bot.Esc(text))
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
	if t.Day() != d {
		return time.Time{}, bot.Userf(MsgNoSuchDate, bot.Esc(text))
	}
	return t, nil
}

// clock reads 19:00, 7点, 7点半, 7点15分, 七点一刻 and applies the period.
// ok is false when no clock starts here.
func (p *scanner) clock(period string) (h, m int, ok bool, err error) {
	start := p.i
	h, ok = p.number()
	if !ok {
		return 0, 0, false, nil
	}
	switch {
	case p.eatAny(":") != "":
		mm, k, ok := p.digits(2)
		if !ok || k != 2 {
			return 0, 0, false, bot.Userf(MsgBadClock, bot.Esc(p.s[start:min(len(p.s), p.i+2)]))
		}
		p.i += k
		m = mm
	case p.eatAny("点", "时") != "":
		switch {
		case p.eatAny("半") != "":
			m = 30
		case p.eatAny("一刻") != "":
			m = 15
		case p.eatAny("三刻") != "":
			m = 45
		default:
			save := p.i
			if mm, ok := p.number(); ok {
				if p.eatAny("分") == "" && mm < 10 && p.s[save] != '0' {
					p.i = save
				} else {
					m = mm
				}
			}
			p.eatAny("钟", "整")
		}
	default:
		p.i = start
		return 0, 0, false, nil
	}
	switch period {
	case "下午", "傍晚", "晚上", "夜里", "夜间", "晚间", "晚":
		if h < 12 {
			h += 12
		}
	case "中午":
		if h < 6 {
			h += 12
		}
	case "凌晨", "早上", "早晨", "清晨", "早", "上午":
		if h == 12 {
			h = 0
		}
	}
	if h > 23 || m > 59 {
		return 0, 0, false, bot.Userf(MsgBadClock, bot.Esc(p.s[start:p.i]))
	}
	return h, m, true, nil
}
