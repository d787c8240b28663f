package events

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/when"
	"gridbot/bot/zh"
)

// form is an event as staff typed it, before grids are resolved.
type form struct {
	Title, Place, Desc, Grids string
	Start, End, Deadline      time.Time
	Seats, HH                 int
	Hours                     float64
}

type field struct {
	name, example string
	aliases       []string
}

var (
	fTitle    = &field{"活动", "活动：元宵节猜灯谜", []string{"活动名称", "活动", "名称", "标题", "主题"}}
	fStart    = &field{"时间", "时间：2月12日 19:00", []string{"开始时间", "活动时间", "时间", "开始"}}
	fPlace    = &field{"地点", "地点：社区活动中心", []string{"活动地点", "地点", "地址"}}
	fSeats    = &field{"名额", "名额：30", []string{"名额", "人数", "限额", "限报"}}
	fGrids    = &field{"网格", "网格：全部", []string{"网格", "范围", "发给", "对象"}}
	fDeadline = &field{"截止", "截止：2月11日 18:00", []string{"报名截止时间", "报名截止", "截止时间", "截止"}}
	fEnd      = &field{"结束", "结束：21:00", []string{"结束时间", "结束"}}
	fHH       = &field{"每户最多", "每户最多：3", []string{"每户最多", "每户限报", "每户"}}
	fHours    = &field{"志愿服务", "志愿服务：2小时", []string{"志愿服务时长", "志愿服务", "服务时长", "志愿时长", "时长"}}
	fDesc     = &field{"说明", "说明：请自带手电", []string{"活动说明", "说明", "备注", "内容", "详情"}}
	allFields = []*field{fTitle, fStart, fPlace, fSeats, fGrids, fDeadline, fEnd, fHH, fHours, fDesc}
	positions = []*field{fTitle, fStart, fPlace, fSeats, fGrids}
)

const (
	maxTitle = 40
	maxPlace = 60
	maxDesc  = 500
	maxSeats = 10000
)

// missing names every missing field at once, each with an example line.
func missing(fs ...*field) error {
	names := make([]string, len(fs))
	examples := make([]string, len(fs))
	for i, f := range fs {
		names[i] = "「" + f.name + "」"
		examples[i] = f.example
	}
	return bot.Userf(msgFieldMissing, strings.Join(names, ""), strings.Join(examples, "\n"))
}

func bad(f *field, why string) error {
	return bot.Userf(msgFieldBad, f.name, why, f.example)
}

// keyed splits "名额：30", "名额 30" or "每户最多3人" into its field and value.
func keyed(s string) (*field, string, bool) {
	best, bestLen := (*field)(nil), 0
	for _, f := range allFields {
		for _, a := range f.aliases {
			if strings.HasPrefix(s, a) && len(a) > bestLen {
				best, bestLen = f, len(a)
			}
		}
	}
	if best == nil {
		return nil, "", false
	}
	return best, strings.TrimSpace(strings.TrimLeft(s[bestLen:], " :：=")), true
}

// parseForm reads the one-line form (title | start | place | seats | grids
// [| 截止 … | 结束 … | 每户最多 … | 志愿服务 …]) or the multi-line form with
// one "项目：内容" per line. now and loc anchor the dates.
func parseForm(args string, now time.Time, loc *time.Location) (*form, error) {
	return readForm(args, now, loc, false)
}

// readForm is parseForm that, with needGrids, also counts 网格 among the
// missing fields (outside a group bound to a grid).
func readForm(args string, now time.Time, loc *time.Location, needGrids bool) (*form, error) {
	raw, err := parseRaw(args)
	if err != nil {
		return nil, err
	}
	return checkRaw(raw, now, loc, needGrids)
}

// parseRaw splits the chat form into its fields' values, as typed.
func parseRaw(args string) (map[*field]string, error) {
	args = strings.ReplaceAll(when.Fold(args), "｜", "|")
	if strings.TrimSpace(args) == "" {
		return nil, bot.Userf("%s%s", msgFormHelpHead, msgFormExample)
	}
	raw := map[*field]string{}
	if first, _, _ := strings.Cut(args, "\n"); strings.Contains(first, "|") {
		segs := strings.Split(strings.ReplaceAll(args, "\n", " "), "|")
		for i, seg := range segs {
			seg = strings.TrimSpace(seg)
			if i < len(positions) {
				raw[positions[i]] = seg
				continue
			}
			if seg == "" {
				continue
			}
			f, v, ok := keyed(seg)
			if !ok {
				return nil, bot.Userf(msgUnknownField, bot.Esc(bot.Truncate(seg, 10)))
			}
			raw[f] = v
		}
		return raw, nil
	}
	for i, line := range strings.Split(args, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f, v, ok := keyed(line)
		switch {
		case ok:
			if f == fDesc && raw[fDesc] != "" {
				v = raw[fDesc] + "\n" + v
			}
			raw[f] = v
		case i == 0 && !strings.ContainsAny(line, ":："):
			raw[fTitle] = line
		case raw[fDesc] != "" && !strings.ContainsAny(line, ":："):
			raw[fDesc] += "\n" + line
		default:
			k, _, _ := strings.Cut(strings.ReplaceAll(line, "：", ":"), ":")
			return nil, bot.Userf(msgUnknownField, bot.Esc(bot.Truncate(k, 10)))
		}
	}
	return raw, nil
}

// checkRaw names every missing required field at once (网格 only with
// needGrids), then reads the values.
func checkRaw(raw map[*field]string, now time.Time, loc *time.Location, needGrids bool) (*form, error) {
	var lack []*field
	for _, f := range []*field{fTitle, fStart, fPlace, fSeats, fGrids} {
		if raw[f] == "" && (f != fGrids || needGrids) {
			lack = append(lack, f)
		}
	}
	if len(lack) > 0 {
		return nil, missing(lack...)
	}
	return buildForm(raw, now, loc)
}

func buildForm(raw map[*field]string, now time.Time, loc *time.Location) (*form, error) {
	fm := &form{}
	var err error
	if fm.Title = raw[fTitle]; fm.Title == "" {
		return nil, missing(fTitle)
	}
	if utf8.RuneCountInString(fm.Title) > maxTitle {
		return nil, bad(fTitle, fmt.Sprintf(msgTitleLong, maxTitle))
	}
	if raw[fStart] == "" {
		return nil, missing(fStart)
	}
	if fm.Start, fm.End, err = parseSpan(fStart, raw[fStart], now, loc); err != nil {
		return nil, err
	}
	if !fm.Start.After(now) {
		return nil, bot.Userf(msgStartPast, when.Format(fm.Start, now, loc))
	}
	if fm.Place = raw[fPlace]; fm.Place == "" {
		return nil, missing(fPlace)
	}
	if utf8.RuneCountInString(fm.Place) > maxPlace {
		return nil, bad(fPlace, fmt.Sprintf(msgPlaceLong, maxPlace))
	}
	if raw[fSeats] == "" {
		return nil, missing(fSeats)
	}
	if fm.Seats, err = count(fSeats, raw[fSeats], maxSeats, "个", "人", "名", "位"); err != nil {
		return nil, err
	}
	fm.Grids = raw[fGrids]
	fm.Deadline = fm.Start
	if v := raw[fDeadline]; v != "" {
		if fm.Deadline, err = parseTime(fDeadline, v, now, loc); err != nil {
			return nil, err
		}
		if fm.Deadline.After(fm.Start) {
			return nil, bot.Userf(msgDeadlineLate, when.Format(fm.Start, now, loc))
		}
	}
	if v := raw[fEnd]; v != "" {
		t, err := parseEnd(v, fm.Start, now, loc)
		if err != nil {
			return nil, err
		}
		if !fm.End.IsZero() && !fm.End.Equal(t) {
			return nil, bot.Userf(msgEndTwice, when.FormatClock(fm.End, loc), when.FormatClock(t, loc))
		}
		fm.End = t
	}
	if v := raw[fHH]; v != "" {
		if fm.HH, err = count(fHH, strings.TrimPrefix(v, "最多"), maxHeadcount, "人", "位", "个人", "名"); err != nil {
			return nil, err
		}
	}
	if v := raw[fHours]; v != "" {
		if fm.Hours, err = hours(v); err != nil {
			return nil, err
		}
	}
	fm.Desc = raw[fDesc]
	if utf8.RuneCountInString(fm.Desc) > maxDesc {
		return nil, bad(fDesc, fmt.Sprintf(msgDescLong, maxDesc))
	}
	return fm, nil
}

// parseTime reads one moment for field f. A date without a year that has
// just passed is asked about, never moved to next year (when.Parse).
func parseTime(f *field, v string, now time.Time, loc *time.Location) (time.Time, error) {
	t, rest, err := when.Parse(v, now, loc)
	if err != nil {
		return time.Time{}, fieldErr(f, err)
	}
	return t, extra(f, rest)
}

// parseSpan reads the 时间 field: a moment, or a range (明天14:00-16:00,
// 下午2点到4点) whose end it returns too (zero when none was written).
func parseSpan(f *field, v string, now time.Time, loc *time.Location) (start, end time.Time, err error) {
	r, err := when.Read(v, now, loc)
	if err == nil {
		err = r.Check()
	}
	if err != nil {
		return time.Time{}, time.Time{}, fieldErr(f, err)
	}
	return r.Start, r.End, extra(f, r.Rest)
}

// parseEnd reads the 结束 field: a clock after start (21:00, 晚上12点) or
// a date and time.
func parseEnd(v string, start, now time.Time, loc *time.Location) (time.Time, error) {
	t, rest, err := when.ReadEnd(v, start, now, loc)
	switch {
	case errors.Is(err, when.ErrEndEarly):
		return time.Time{}, bot.Userf(msgEndEarly, when.Format(start, now, loc))
	case err != nil:
		return time.Time{}, fieldErr(fEnd, err)
	}
	return t, extra(fEnd, rest)
}

func fieldErr(f *field, err error) error {
	msg, _ := bot.UserMessage(err)
	return bot.Userf("「%s」%s", f.name, msg)
}

func extra(f *field, rest string) error {
	if rest != "" {
		return bad(f, fmt.Sprintf("时间后面多了「%s」。", bot.Esc(bot.Truncate(rest, 10))))
	}
	return nil
}

// count reads a whole number between 1 and limit, allowing a unit after it.
func count(f *field, v string, limit int, units ...string) (int, error) {
	n, rest, ok := zh.LeadingNumber(v)
	rest = strings.TrimSpace(rest)
	for _, u := range units {
		if r, ok := strings.CutPrefix(rest, u); ok {
			rest = strings.TrimSpace(r)
			break
		}
	}
	if !ok || rest != "" {
		return 0, bad(f, msgNumberOnly)
	}
	if n < 1 || n > limit {
		return 0, bad(f, fmt.Sprintf(msgNumberRange, limit))
	}
	return n, nil
}

func hours(v string) (float64, error) {
	v = strings.TrimSpace(v)
	num := strings.TrimRight(strings.TrimSuffix(strings.TrimSuffix(v, "小时"), "个"), " ")
	h, err := strconv.ParseFloat(num, 64)
	if err != nil {
		if v == "半小时" {
			h, err = 0.5, nil
		} else if n, rest, ok := zh.LeadingNumber(num); ok && rest == "" {
			h, err = float64(n), nil
		} else if n, rest, ok := zh.LeadingNumber(num); ok && rest == "个半" || ok && rest == "半" {
			h, err = float64(n)+0.5, nil
		}
	}
	if err != nil || h <= 0 || h > 24 || h != h {
		return 0, bad(fHours, msgHoursBad)
	}
	return h, nil
}

// joinArgs is what follows 报名: an activity number, a headcount and a
// remark, each optional.
type joinArgs struct {
	ID     int64
	HasID  bool
	N      int
	HasN   bool // the headcount was typed, not defaulted
	Remark string
}

func trimSeps(s string) string { return strings.TrimLeft(s, " :：,，、.。;；-—") }

// parseJoinArgs reads what follows 报名: an optional activity number ("7",
// "7号", "第7号活动"), then who is coming and a remark in any order ("7 2人
// 带孙子", "7 两个人", "7 3", "7 我和老伴", "7 一家三口", "两个大人一个小孩").
// Without a number the caller picks the activity. The headcount defaults
// to 1 and must be 1..limit; the remark keeps what is not a headcount and
// is cut to remarkMax characters.
func parseJoinArgs(s string, limit, remarkMax int) (joinArgs, error) {
	a := joinArgs{N: 1}
	s = strings.ReplaceAll(bot.Normalize(s), "\n", " ")
	if zh.BadNumberAt(s) {
		return a, bot.Userf(msgNumberBad, limit)
	}
	s = trimSeps(strings.TrimLeft(trimSeps(s), "#第"))
	if n, rest, ok := zh.ActivityNumber(s); ok {
		a.ID, a.HasID = int64(n), true
		if zh.BadNumberAt(rest) {
			return a, bot.Userf(msgNumberBad, limit)
		}
		s = trimSeps(rest)
		if d, after, ok := leadingDigits(s); ok && (after == "" || after[0] == ' ') {
			a.N, a.HasN, s = d, true, after
		}
	}
	if !a.HasN {
		if n, remark, ok := zh.Headcount(s); ok {
			a.N, a.HasN, s = n, true, remark
		}
	}
	if a.N < 1 {
		ex := "报名"
		if a.HasID {
			ex += " " + strconv.FormatInt(a.ID, 10)
		}
		return a, bot.Userf(msgHeadBad, limit, ex)
	}
	if a.N > limit {
		return a, bot.Userf(msgHeadLimit, limit)
	}
	a.Remark = cutRunes(strings.TrimSpace(trimSeps(s)), remarkMax)
	return a, nil
}

// leadingDigits reads Arabic digits at the start of s ("3 带孙子").
func leadingDigits(s string) (int, string, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, s, false
	}
	return zh.LeadingNumber(s)
}

// parseID reads an optional activity number ("7", "7号", "第7号活动").
func parseID(s string) (int64, bool) {
	s = strings.TrimLeft(trimSeps(bot.Normalize(s)), "#第")
	n, _, ok := zh.LeadingNumber(s)
	return int64(n), ok
}

func cutRunes(s string, n int) string {
	s = strings.ReplaceAll(s, sep, " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
