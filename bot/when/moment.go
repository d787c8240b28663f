package when

import (
	"time"
)

// moment is one date and time read from the text.
type moment struct {
	t      time.Time
	base   time.Time // the day the clock was read on (t's day, or the day before for 今晚12点)
	d      dateResult
	c      clock
	period string // the period word in force (written or implied by the date)
}

// moment reads a date (optional when a clock follows) and a clock.
func (p *scanner) moment() (moment, error) {
	start := p.i
	d, err := p.date()
	if err != nil {
		return moment{}, err
	}
	if d.kind == later {
		t := p.now.Add(d.after).Truncate(time.Minute)
		return moment{t: t, base: midnight(t), d: d}, nil
	}
	p.spaces()
	c, word, ok, err := p.periodClock(d.period)
	period := d.period
	if word != "" {
		if pc := periodClasses[period]; word == "凌晨" && (pc == evening || pc == night) {
			d.day = d.day.AddDate(0, 0, 1)
		}
		period = word
	}
	switch {
	case err != nil:
		return moment{}, err
	case ok:
	case period == "午夜":
		c = clock{next: true}
	case d.kind != noDate:
		return moment{}, noClock(p.s[start:p.i])
	default:
		return moment{}, notUnderstood(p.s[start:])
	}
	m := p.place(d, c)
	m.period = period
	switch {
	case c.alt != nil:
		return moment{}, p.ask(m.t, p.place(d, *c.alt).t, c.hint)
	case !d.alt.IsZero():
		d.day = d.alt
		return moment{}, p.ask(m.t, p.place(d, c).t, HintWeekend)
	}
	return m, nil
}

// place puts clock c on the date d: a bare clock is today, or tomorrow
// once passed; a bare weekday is next week's once its time has passed.
func (p *scanner) place(d dateResult, c clock) moment {
	base := d.day
	if d.kind == noDate {
		base = p.today
	}
	t := at(base, c)
	switch {
	case d.kind == noDate && t.Before(p.now):
		base = base.AddDate(0, 0, 1)
	case d.kind == weekday && t.Before(p.now):
		base = base.AddDate(0, 0, 7)
	}
	return moment{t: at(base, c), base: base, d: d, c: c}
}

func at(day time.Time, c clock) time.Time {
	if c.next {
		day = day.AddDate(0, 0, 1)
	}
	y, mo, d := day.Date()
	return time.Date(y, mo, d, c.h, c.m, c.s, 0, day.Location())
}

var rangeSeps = []string{"——", "—", "--", "-", "~", "～", "－", "–", "至", "到"}

// rangeEnd reads the end of a range after start (14:00-16:00, 下午2点到4点,
// 12月5日 20:00 至 12月6日 01:00). ok is false, with nothing read, when no
// range follows.
func (p *scanner) rangeEnd(st moment) (end time.Time, ok bool, err error) {
	save := p.i
	p.spaces()
	if p.eat(rangeSeps...) == "" {
		p.i = save
		return time.Time{}, false, nil
	}
	p.spaces()
	mark := p.i
	if d, err := p.date(); err == nil && d.kind != noDate && d.kind != later {
		if m, err := p.moment2(d); err == nil {
			if !m.After(st.t) {
				return time.Time{}, false, endEarly(st.t, p.now)
			}
			return m, true, nil
		}
	}
	p.i = mark
	c, word, ok, err := p.periodClock(st.period)
	if err != nil || !ok {
		p.i = save
		return time.Time{}, false, nil
	}
	end, err = clockEnd(st.t, st.base, c, word == "" && st.period == "", p.now)
	return end, err == nil, err
}

// periodClock reads an optional period word, then a clock under it (under
// implied when no word is written). It returns the word read.
func (p *scanner) periodClock(implied string) (c clock, word string, ok bool, err error) {
	period := implied
	if word = p.eat(periods...); word != "" {
		period = word
		p.spaces()
	}
	c, ok, err = p.clock(period)
	return c, word, ok, err
}

// maxClockSpan is the longest range whose end is written as a clock alone:
// 22:00-01:00 crosses midnight, 14:00-12:00 is a mistake.
const maxClockSpan = 18 * time.Hour

// clockEnd is endAfter, refusing an end so far after start that the end
// was surely written before it by mistake.
func clockEnd(start, base time.Time, c clock, loose bool, now time.Time) (time.Time, error) {
	end := endAfter(start, base, c, loose)
	if end.Sub(start) > maxClockSpan {
		return time.Time{}, endEarly(start, now)
	}
	return end, nil
}

// moment2 reads the period and clock after a date already read, for the
// end of a range; an ambiguous clock takes its first reading.
func (p *scanner) moment2(d dateResult) (time.Time, error) {
	p.spaces()
	c, _, ok, err := p.periodClock(d.period)
	if err != nil || !ok {
		return time.Time{}, errNoClock
	}
	return p.place(d, c).t, nil
}

// endAfter is the first reading of clock c after start, on start's day or
// the next: with loose (no period word anywhere) 9点 may be 21:00 and 12点
// midnight; a two-digit 24-hour clock (09:00) is read as written.
func endAfter(start, base time.Time, c clock, loose bool) time.Time {
	cands := []clock{c}
	if c.alt != nil {
		cands = append(cands, *c.alt)
	}
	var best time.Time
	for _, k := range cands {
		for _, t := range []time.Time{at(base, k), at(base, k).Add(12 * time.Hour)} {
			if !(loose && k.short) && !t.Equal(at(base, k)) {
				continue
			}
			for !t.After(start) {
				t = t.AddDate(0, 0, 1)
			}
			if best.IsZero() || t.Before(best) {
				best = t
			}
		}
	}
	return best
}
