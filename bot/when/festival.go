package when

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/6tail/lunar-go/calendar"

	"gridbot/bot"
)

type feastKind uint8

const (
	solarDay   feastKind = iota // the same month and day every year
	nthWeekday                  // the nth weekday of a month (母亲节)
	lunarDay                    // a lunar month and day; day 0 is the month's last (除夕)
	solarTerm                   // one of the 24 solar terms (清明, 冬至)
)

// feast is a holiday people name an activity by.
type feast struct {
	kind   feastKind
	m, d   int          // month and day; for nthWeekday d is n
	wd     time.Weekday // for nthWeekday
	term   string       // for solarTerm
	period string       // part of the day the name implies (平安夜: 晚上)
	numera bool         // a name in numerals (五一): not when a clock or date unit follows
}

func solar(m, d int) feast                { return feast{kind: solarDay, m: m, d: d} }
func lunar(m, d int) feast                { return feast{kind: lunarDay, m: m, d: d} }
func numeral(m, d int) feast              { return feast{kind: solarDay, m: m, d: d, numera: true} }
func term(name string) feast              { return feast{kind: solarTerm, term: name} }
func nth(m, n int, wd time.Weekday) feast { return feast{kind: nthWeekday, m: m, d: n, wd: wd} }

// feasts maps the names of holidays to their rule. 小年 is the northern
// 腊月二十三 (the south keeps 二十四).
var feasts = map[string]feast{
	"元旦": solar(1, 1), "元旦节": solar(1, 1), "情人节": solar(2, 14),
	"学雷锋日": solar(3, 5), "学雷锋纪念日": solar(3, 5), "雷锋日": solar(3, 5),
	"妇女节": solar(3, 8), "三八妇女节": solar(3, 8), "国际妇女节": solar(3, 8), "三八节": solar(3, 8), "三八": numeral(3, 8),
	"植树节": solar(3, 12), "消费者权益日": solar(3, 15), "国家安全教育日": solar(4, 15), "全民国家安全教育日": solar(4, 15),
	"世界读书日": solar(4, 23), "读书日": solar(4, 23),
	"劳动节": solar(5, 1), "五一劳动节": solar(5, 1), "国际劳动节": solar(5, 1), "五一节": solar(5, 1), "五一": numeral(5, 1),
	"青年节": solar(5, 4), "五四青年节": solar(5, 4), "五四": numeral(5, 4), "护士节": solar(5, 12),
	"儿童节": solar(6, 1), "六一儿童节": solar(6, 1), "国际儿童节": solar(6, 1), "六一": numeral(6, 1),
	"世界环境日": solar(6, 5), "禁毒日": solar(6, 26), "国际禁毒日": solar(6, 26),
	"建党节": solar(7, 1), "七一建党节": solar(7, 1), "七一": numeral(7, 1),
	"建军节": solar(8, 1), "八一建军节": solar(8, 1), "八一": numeral(8, 1),
	"教师节": solar(9, 10), "国庆节": solar(10, 1), "国庆": solar(10, 1),
	"国际残疾人日": solar(12, 3), "国家宪法日": solar(12, 4), "宪法日": solar(12, 4),
	"国际志愿者日": solar(12, 5), "志愿者日": solar(12, 5), "国家公祭日": solar(12, 13),
	"平安夜": {kind: solarDay, m: 12, d: 24, period: "晚上"}, "圣诞节": solar(12, 25), "圣诞": solar(12, 25),
	"母亲节": nth(5, 2, time.Sunday), "父亲节": nth(6, 3, time.Sunday), "全国助残日": nth(5, 3, time.Sunday),
	"助残日": nth(5, 3, time.Sunday), "全民国防教育日": nth(9, 3, time.Saturday),
	"春节": lunar(1, 1), "大年初一": lunar(1, 1), "元宵节": lunar(1, 15), "元宵": lunar(1, 15), "上元节": lunar(1, 15),
	"龙抬头": lunar(2, 2), "端午节": lunar(5, 5), "端午": lunar(5, 5), "端阳节": lunar(5, 5),
	"七夕节": lunar(7, 7), "七夕": lunar(7, 7), "乞巧节": lunar(7, 7), "中元节": lunar(7, 15),
	"中秋节": lunar(8, 15), "中秋": lunar(8, 15), "重阳节": lunar(9, 9), "重阳": lunar(9, 9),
	"老年节": lunar(9, 9), "敬老节": lunar(9, 9), "寒衣节": lunar(10, 1), "下元节": lunar(10, 15),
	"腊八节": lunar(12, 8), "腊八": lunar(12, 8), "小年": lunar(12, 23),
	"除夕": lunar(12, 0), "大年三十": lunar(12, 0), "年三十": lunar(12, 0),
	"大年夜": {kind: lunarDay, m: 12, period: "晚上"}, "清明节": term("清明"), "冬至节": term("冬至"),
	"农民丰收节": term("秋分"), "中国农民丰收节": term("秋分"),
}

// feastNames are the keys of feasts and the solar terms, longest first.
var feastNames = func() []string {
	for _, t := range calendar.JIE_QI {
		if _, ok := feasts[t]; !ok {
			feasts[t] = term(t)
		}
	}
	names := make([]string, 0, len(feasts))
	for n := range feasts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return names
}()

// feastName reads a holiday name at the cursor, with 当天 or 那天 after it.
func (p *scanner) feastName() (string, feast, bool) {
	start := p.i
	for _, n := range feastNames {
		if !strings.HasPrefix(p.rest(), n) {
			continue
		}
		p.i += len(n)
		f := feasts[n]
		if f.numera && p.unitFollows() {
			p.i = start
			continue
		}
		p.eat("当天", "那天", "当日")
		return n, f, true
	}
	return "", feast{}, false
}

// unitFollows reports whether a number or a date or clock unit is next.
func (p *scanner) unitFollows() bool {
	r := p.rest()
	if r == "" {
		return false
	}
	if isDigit(r[0]) || r[0] == ':' {
		return true
	}
	if n, _, _ := chineseNumber(r); n > 0 || strings.HasPrefix(r, "零") {
		return true
	}
	for _, u := range []string{"点", "时", "号", "日", "月", "分", "刻", "半"} {
		if strings.HasPrefix(r, u) {
			return true
		}
	}
	return false
}

// festivalDate reads a holiday: its next occurrence from today.
func (p *scanner) festivalDate() (dateResult, bool, error) {
	name, f, ok := p.feastName()
	if !ok {
		return dateResult{}, false, nil
	}
	y := p.today.Year()
	d, ok, err := p.pick(f.occurrences(y-1, y+2, p.today.Location()), rollYear, name)
	d.period = f.period
	return d, ok, err
}

// festivalIn reads a holiday or a lunar date after a year (2027年春节,
// 明年中秋, 2027年农历八月十五). A holiday is the one in that calendar year;
// a lunar date is in that lunar year.
func (p *scanner) festivalIn(y, yearStart int) (dateResult, bool, error) {
	start := p.i
	if m, d, ok := p.lunarMonthDay(); ok {
		t, ok := lunarToSolar(y, m, d, p.today.Location())
		if !ok || t.Year() > 2200 {
			return dateResult{}, false, noSuchDate(p.s[yearStart:p.i])
		}
		return dateResult{kind: fixed, day: t}, true, nil
	}
	p.i = start
	_, f, ok := p.feastName()
	if !ok {
		p.i = start
		return dateResult{}, false, nil
	}
	for _, t := range f.occurrences(y-1, y+1, p.today.Location()) {
		if t.Year() == y && y >= 2000 && y <= 2200 {
			return dateResult{kind: fixed, day: t, period: f.period}, true, nil
		}
	}
	return dateResult{}, false, noSuchDate(p.s[yearStart:p.i])
}

// lunarDate reads a lunar month and day (农历八月十五, 正月十五, 腊月廿三,
// 十月初一): its next occurrence from today.
func (p *scanner) lunarDate() (dateResult, bool, error) {
	start := p.i
	m, d, ok := p.lunarMonthDay()
	if !ok {
		return dateResult{}, false, nil
	}
	text := p.s[start:p.i]
	occs := lunarOccurrences(m, d, p.today.Year()-2, p.today.Year()+3, p.today.Location())
	i := sort.Search(len(occs), func(i int) bool { return !occs[i].Before(p.today) })
	switch {
	case i < len(occs) && occs[i].Sub(p.today) < 400*24*time.Hour:
		return p.pick(occs, rollYear, text)
	case d == 30 && m > 0:
		return dateResult{}, false, &dateError{msg: fmt.Sprintf(MsgLunarShort, lunarMonthNames[m-1], bot.Esc(text))}
	}
	return dateResult{}, false, &dateError{msg: fmt.Sprintf(MsgNoLunarDay, bot.Esc(text))}
}

var lunarMonthNames = [...]string{"正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊"}

// lunarMonthDay reads a lunar month and day: with 农历 (or 阴历) before it
// any month and day; without, only a named month (正月, 冬月, 腊月) or a day
// only the lunar calendar writes (初五, 廿三). A leap month (闰四月) is -4.
func (p *scanner) lunarMonthDay() (m, d int, ok bool) {
	start := p.i
	prefix := p.eat("农历", "阴历", "旧历") != ""
	leap := p.eat("闰") != ""
	named := true
	switch p.eat("正", "冬", "腊") {
	case "正":
		m = 1
	case "冬":
		m = 11
	case "腊":
		m = 12
	default:
		named = false
		n, ok := p.number()
		if !ok || n.digits > 0 && !prefix {
			p.i = start
			return 0, 0, false
		}
		m = n.n
	}
	if p.eat("月") == "" || m < 1 || m > 12 {
		p.i = start
		return 0, 0, false
	}
	lunarOnly := p.eat("初") != "" || strings.HasPrefix(p.rest(), "廿") || strings.HasPrefix(p.rest(), "卅")
	n, ok := p.number()
	if !ok || n.digits > 0 && !prefix || n.n < 1 || n.n > 30 || !(prefix || named || lunarOnly) {
		p.i = start
		return 0, 0, false
	}
	if prefix {
		p.eatSp("日", "号")
	}
	if leap {
		m = -m
	}
	return m, n.n, true
}

// lunarOrSolar asks whether 八月十五 (month and day in Chinese numerals,
// without 日) is lunar or solar.
func (p *scanner) lunarOrSolar(text string, m, d int) error {
	occs := lunarOccurrences(m, d, p.today.Year()-1, p.today.Year()+2, p.today.Location())
	_, solarOK := mkDate(2000, m, d, time.UTC)
	i := sort.Search(len(occs), func(i int) bool { return !occs[i].Before(p.today) })
	if i == len(occs) || !solarOK && !(m == 2 && d == 29) {
		return noSuchDate(text)
	}
	day := occs[i]
	return &dateError{msg: fmt.Sprintf(MsgLunarOrSolar, bot.Esc(text), bot.Esc(text), day.Year(), day.Month(), day.Day(), m, d)}
}

// occurrences lists the days of f in the years from..to, in order.
func (f feast) occurrences(from, to int, loc *time.Location) []time.Time {
	var out []time.Time
	switch f.kind {
	case lunarDay:
		return lunarOccurrences(f.m, f.d, from-1, to, loc)
	case solarTerm:
		return termOccurrences(f.term, from, to, loc)
	}
	for y := from; y <= to; y++ {
		if f.kind == nthWeekday {
			first := time.Date(y, time.Month(f.m), 1, 0, 0, 0, 0, loc)
			out = append(out, first.AddDate(0, 0, (int(f.wd)-int(first.Weekday())+7)%7+7*(f.d-1)))
		} else if t, ok := mkDate(y, f.m, f.d, loc); ok {
			out = append(out, t)
		}
	}
	return out
}

func lunarOccurrences(m, d, from, to int, loc *time.Location) []time.Time {
	var out []time.Time
	for ly := from; ly <= to; ly++ {
		if t, ok := lunarToSolar(ly, m, d, loc); ok {
			out = append(out, t)
		}
	}
	return out
}

// lunarMonth is a month of a lunar year: its first day and length.
type lunarMonth struct {
	first time.Time // midnight UTC of the first day's date
	days  int
}

var lunarYears sync.Map // lunar year → map[int]lunarMonth (leap months negative)

// lunarToSolar is the date of lunar year ly, month m (negative for a leap
// month), day d (0 for the month's last day), from 6tail/lunar-go.
func lunarToSolar(ly, m, d int, loc *time.Location) (time.Time, bool) {
	if ly < 1999 || ly > 2200 {
		return time.Time{}, false
	}
	lm, ok := lunarMonths(ly)[m]
	if !ok || d > lm.days || d < 0 {
		return time.Time{}, false
	}
	if d == 0 {
		d = lm.days
	}
	t := lm.first.AddDate(0, 0, d-1)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc), true
}

func lunarMonths(ly int) map[int]lunarMonth {
	if v, ok := lunarYears.Load(ly); ok {
		return v.(map[int]lunarMonth)
	}
	out := map[int]lunarMonth{}
	for e := calendar.NewLunarYear(ly).GetMonths().Front(); e != nil; e = e.Next() {
		lm := e.Value.(*calendar.LunarMonth)
		if lm.GetYear() != ly {
			continue
		}
		s := calendar.NewSolarFromJulianDay(lm.GetFirstJulianDay())
		out[lm.GetMonth()] = lunarMonth{first: time.Date(s.GetYear(), time.Month(s.GetMonth()), s.GetDay(), 0, 0, 0, 0, time.UTC), days: lm.GetDayCount()}
	}
	lunarYears.Store(ly, out)
	return out
}

var termDays sync.Map // lunar year → map[string][]time.Time (UTC dates)

// termOccurrences lists the days of a solar term in the years from..to.
// The library gives each term's moment in Beijing time; the day is that
// moment's date.
func termOccurrences(name string, from, to int, loc *time.Location) []time.Time {
	var out []time.Time
	for y := from; y <= to; y++ {
		for _, t := range termsOf(y)[name] {
			if t.Year() == y {
				out = append(out, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc))
			}
		}
	}
	return out
}

func termsOf(y int) map[string][]time.Time {
	if y < 2000 || y > 2200 {
		return nil
	}
	if v, ok := termDays.Load(y); ok {
		return v.(map[string][]time.Time)
	}
	out := map[string][]time.Time{}
	names := calendar.JIE_QI_IN_USE
	for i, jd := range calendar.NewLunarYear(y).GetJieQiJulianDays() {
		k := i
		switch {
		case k == 0:
			k = 24
		case k > 24:
			k -= 24
		}
		s := calendar.NewSolarFromJulianDay(jd)
		out[names[k]] = append(out[names[k]], time.Date(s.GetYear(), time.Month(s.GetMonth()), s.GetDay(), 0, 0, 0, 0, time.UTC))
	}
	termDays.Store(y, out)
	return out
}
