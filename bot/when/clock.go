package when

import (
	"fmt"

	"gridbot/bot"
)

// periodClass groups the words for parts of the day by how they turn an
// hour on the 12-hour dial into a time.
type periodClass uint8

const (
	anyTime   periodClass = iota
	morning               // 早上 上午: 1–11 as written; 12 is asked
	dawn                  // 凌晨: 12 and 0 are 0:00
	noon                  // 中午: 11–14, and 1–3 in the afternoon
	afternoon             // 下午: +12; 12 is asked
	evening               // 晚上: +12; 12 is midnight; 1–4 the small hours after
	night                 // 夜里 半夜: +12 from 7; 12 is midnight; 1–6 the small hours after
)

// periods are the words for parts of the day, longest first.
var periods = []string{
	"早上", "早晨", "清晨", "上午", "凌晨", "中午", "正午", "午间", "下午", "午后", "傍晚", "晚上", "晚间",
	"夜里", "夜间", "夜晚", "深夜", "半夜", "午夜", "早", "晨", "晚", "夜",
}

var periodClasses = map[string]periodClass{
	"早上": morning, "早晨": morning, "清晨": morning, "上午": morning, "早": morning, "晨": morning,
	"凌晨": dawn, "中午": noon, "正午": noon, "午间": noon, "下午": afternoon, "午后": afternoon,
	"傍晚": evening, "晚上": evening, "晚间": evening, "晚": evening,
	"夜里": night, "夜间": night, "夜晚": night, "深夜": night, "半夜": night, "午夜": night, "夜": night,
}

// clock is a time of day read from the text.
type clock struct {
	h, m, s int
	// next is true when the time falls on the day after the date it was
	// written with (今晚12点, 夜里1点, 24:00).
	next bool
	// alt is the other reading of an ambiguous clock (3点: 03:00 or
	// 15:00), hint tells how to write the one meant.
	alt  *clock
	hint string
	// short is true for an hour written with 点 or one digit before a
	// colon: people write afternoon hours that way too.
	short bool
}

// clock reads a time of day at the cursor and applies period: 19:00,
// 19:00:30, 7点, 7点半, 7点15分, 7点零五, 7点1刻, 七点三刻, 8点正, 8点整, 8点钟,
// 8点过5分, 8点差5分, 10点30分15秒. ok is false when no clock starts here.
func (p *scanner) clock(period string) (c clock, ok bool, err error) {
	start := p.i
	hour, ok := p.number()
	if !ok {
		return clock{}, false, nil
	}
	colon := p.eat(":") != ""
	var m, s int
	switch {
	case colon:
		if m, ok = p.twoDigits(); !ok {
			return clock{}, false, badClock(p, start)
		}
		if p.eat(":") != "" {
			if s, ok = p.twoDigits(); !ok {
				return clock{}, false, badClock(p, start)
			}
		}
	case p.eatSp("点钟", "点", "时") != "":
		var err error
		if m, s, err = p.minutes(start); err != nil {
			return clock{}, false, err
		}
		if m < 0 {
			hour.n, m = hour.n-1, 60+m
		}
	default:
		p.i = start
		return clock{}, false, nil
	}
	if colon {
		p.eat("整")
	}
	if m > 59 || s > 59 || hour.n > 24 || hour.n == 24 && m+s > 0 || hour.n < 0 {
		return clock{}, false, badClock(p, start)
	}
	short := !colon || hour.digits == 1
	c, good := dial(periodClasses[period], hour.n, m, s, short)
	if !good {
		return clock{}, false, badClock(p, start)
	}
	c.short = short
	return c, true, nil
}

func badClock(p *scanner, start int) error {
	end := min(len(p.s), p.i+2)
	for end < len(p.s) && !isRuneStart(p.s[end]) {
		end++
	}
	return dateErr(MsgBadClock, bot.Esc(p.s[start:end]))
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func (p *scanner) twoDigits() (int, bool) {
	if p.i+2 > len(p.s) || !isDigit(p.s[p.i]) || !isDigit(p.s[p.i+1]) || p.i+2 < len(p.s) && isDigit(p.s[p.i+2]) {
		return 0, false
	}
	n := int(p.s[p.i]-'0')*10 + int(p.s[p.i+1]-'0')
	p.i += 2
	return n, true
}

// minutes reads what follows 点: 半, 1刻, 正, 零五, 过5分, 差5分 (a negative
// minute), 30, 30分, 三十, 5分 and seconds (15秒).
func (p *scanner) minutes(start int) (m, s int, err error) {
	switch {
	case p.eat("半") != "":
		return 30, 0, nil
	case p.eat("整", "正") != "":
		return 0, 0, nil
	}
	save := p.i
	past := p.eat("过") != ""
	less := !past && p.eat("差") != ""
	p.spaces()
	n, ok := p.number()
	if !ok {
		p.i = save
		return 0, 0, nil
	}
	if n.n >= 1 && n.n <= 3 && p.eat("刻") != "" {
		if less {
			return -15 * n.n, 0, nil
		}
		return 15 * n.n, 0, nil
	}
	switch {
	case p.eatSp("分钟", "分") != "":
	case past || less || n.lead0 || n.digits == 2 || n.digits == 0 && n.n >= 10:
		if p.i > save && p.s[save] == ' ' {
			p.i = save
			return 0, 0, nil
		}
	default:
		p.i = save
		return 0, 0, nil
	}
	if n.n > 59 {
		return 0, 0, badClock(p, start)
	}
	if less {
		return -n.n, 0, nil
	}
	secSave := p.i
	if sec, ok := p.number(); ok && p.eatSp("秒") != "" {
		if sec.n > 59 {
			return 0, 0, badClock(p, start)
		}
		return n.n, sec.n, nil
	}
	p.i = secSave
	return n.n, 0, nil
}

// dial turns an hour as written into a time of day under a period class.
// short is true for hours written with 点 or a one-digit hour before a
// colon, which people also use for afternoon hours. good is false when the
// hour does not fit the period (上午15点).
func dial(pc periodClass, h, m, s int, short bool) (c clock, good bool) {
	c = clock{h: h, m: m, s: s}
	plus := func(d int) clock { return clock{h: h + d, m: m, s: s} }
	midnight := clock{m: m, s: s, next: true}
	small := clock{h: h, m: m, s: s, next: true}
	switch pc {
	case anyTime:
		switch {
		case h == 24:
			return midnight, true
		case short && h >= 1 && h <= 6:
			alt := plus(12)
			c.alt, c.hint = &alt, fmt.Sprintf(HintHalfDay, h)
		}
		return c, true
	case morning:
		switch {
		case h == 12:
			alt := plus(0)
			c = clock{m: m, s: s, alt: &alt, hint: HintTwelve}
			return c, true
		case h <= 11:
			return c, true
		}
	case dawn:
		switch {
		case h == 12 || h == 24:
			return clock{m: m, s: s, next: h == 24}, true
		case h <= 8:
			return c, true
		}
	case noon:
		switch {
		case h >= 1 && h <= 3:
			return plus(12), true
		case h >= 11 && h <= 14:
			return c, true
		}
	case afternoon:
		switch {
		case h == 12:
			c.alt, c.hint = &midnight, HintTwelve
			return c, true
		case h >= 1 && h <= 11:
			return plus(12), true
		case h >= 13 && h <= 23:
			return c, true
		}
	case evening:
		switch {
		case h == 12 || h == 0 || h == 24:
			return midnight, true
		case h >= 1 && h <= 3:
			return small, true
		case h >= 4 && h <= 11:
			return plus(12), true
		case h >= 16 && h <= 23:
			return c, true
		}
	case night:
		switch {
		case h == 12 || h == 0 || h == 24:
			return midnight, true
		case h >= 1 && h <= 6:
			return small, true
		case h >= 7 && h <= 11:
			return plus(12), true
		case h >= 19 && h <= 23:
			return c, true
		}
	}
	return clock{}, false
}
