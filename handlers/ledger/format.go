package ledger

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// kinds in the order reports list them, with their Chinese names.
var kinds = []struct{ Kind, Name string }{
	{"tip", "每日一学"}, {"notice", "通知公告"}, {"event", "活动通知"}, {"reminder", "活动提醒"}, {"quiz", "知识竞答"},
}

func kindName(k string) string {
	for _, x := range kinds {
		if x.Kind == k {
			return x.Name
		}
	}
	return k
}

func kindOrder(k string) int {
	for i, x := range kinds {
		if x.Kind == k {
			return i
		}
	}
	return len(kinds)
}

// Count formats a count the way Chinese summaries write it: 3,150 below
// ten thousand, 12.4万 from there, 1.2亿 from a hundred million (one
// decimal, dropped when zero).
func Count(n int64) string {
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	switch {
	case n >= 100_000_000:
		return neg + oneDecimal(float64(n)/1e8) + "亿"
	case n >= 10_000:
		return neg + oneDecimal(float64(n)/1e4) + "万"
	}
	return neg + thousands(n)
}

func oneDecimal(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// thousands writes n with commas: 3150 → 3,150.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Hours formats hours: 12, 12.5, 1,234.5.
func Hours(h float64) string {
	whole := math.Floor(h)
	frac := math.Round((h-whole)*10) / 10
	if frac >= 1 {
		whole, frac = whole+1, 0
	}
	s := thousands(int64(whole))
	if frac > 0 {
		s += strconv.FormatFloat(frac, 'f', -1, 64)[1:]
	}
	return s
}

// Percent formats a rate 0..1 as a whole percent: 86%.
func Percent(r float64) string { return strconv.Itoa(int(math.Round(r*100))) + "%" }

// StarText returns n stars, or 暂无 for none.
func StarText(n int) string {
	if n <= 0 {
		return "暂无"
	}
	return strings.Repeat("★", n)
}

// paragraph is the ready sentence for a work summary; a grid report's
// names its grids.
func paragraph(p Period, s Summary, scope []string) string {
	var parts []string
	if s.PushTotal > 0 {
		var ks []string
		for _, k := range kinds {
			if n := s.Pushes[k.Kind]; n > 0 && k.Kind != "quiz" {
				ks = append(ks, fmt.Sprintf("%s%s条", k.Name, Count(int64(n))))
			}
		}
		if len(ks) > 0 {
			parts = append(parts, fmt.Sprintf("通过网格群推送%s，各类推送共覆盖群众%s人次", strings.Join(ks, "、"), Count(s.Reach)))
		} else {
			parts = append(parts, fmt.Sprintf("通过网格群推送各类消息，覆盖群众%s人次", Count(s.Reach)))
		}
	}
	if s.Activities > 0 {
		a := fmt.Sprintf("开展活动%d次，报名%s人次，签到%s人次", s.Activities, Count(int64(s.Signups-s.PlannedSignups)), Count(s.CheckIns))
		if s.VolunteerHours > 0 {
			a += fmt.Sprintf("，累计志愿服务%s小时", Hours(s.VolunteerHours))
		}
		if s.Planned > 0 {
			a += fmt.Sprintf("，另有计划活动%d次", s.Planned) + plannedSignups(s)
		}
		parts = append(parts, a)
	} else if s.Planned > 0 {
		parts = append(parts, fmt.Sprintf("计划开展活动%d次", s.Planned)+plannedSignups(s))
	}
	if s.QuizRounds > 0 {
		q := fmt.Sprintf("举办知识竞答%d期，参与%s人次", s.QuizRounds, Count(int64(s.QuizPlayers)))
		if len(scope) > 0 {
			q = fmt.Sprintf("知识竞答%d期，居民参与%s人次", s.QuizRounds, Count(int64(s.QuizPlayers)))
		}
		if s.QuizAnswered > 0 {
			q += "，平均正确率" + Percent(s.QuizRate)
		}
		parts = append(parts, q)
	}
	subject := p.Label
	if len(scope) > 0 {
		subject += "，" + strings.Join(scope, "、")
	}
	if len(parts) == 0 {
		return subject + "暂无可统计的推送、活动和竞答记录。"
	}
	if len(scope) > 0 {
		return subject + strings.Join(parts, "；") + "。"
	}
	return subject + "，" + strings.Join(parts, "；") + "。"
}

// plannedSignups is "（已报名N人）" for the sign-ups to activities still to
// come, or nothing.
func plannedSignups(s Summary) string {
	if s.PlannedSignups == 0 {
		return ""
	}
	return fmt.Sprintf("（已报名%s人）", Count(int64(s.PlannedSignups)))
}
