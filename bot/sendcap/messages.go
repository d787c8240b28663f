package sendcap

import "fmt"

// Text for staff (Simplified Chinese). The window names follow the rule.
const (
	msgLeft = "%s已收到 %d 条群发%s（上限 %d 条），还能再发 %d 条。"
	msgFull = "%s已收到 %d 条群发%s，到了上限 %d 条，再发也收不到；%s起可以再发。"
	msgPend = "、另有 %d 条等群主确认"
)

func (s Status) windowName() string {
	switch s.Rule.Period {
	case Week:
		return "本周"
	case Day:
		return "今天"
	}
	return "本月"
}

func (s Status) nextName() string {
	switch s.Rule.Period {
	case Week:
		return fmt.Sprintf("下周一（%d月%d日）", int(s.End.Month()), s.End.Day())
	case Day:
		return fmt.Sprintf("明天（%d月%d日）", int(s.End.Month()), s.End.Day())
	}
	return fmt.Sprintf("%d月%d日", int(s.End.Month()), s.End.Day())
}

// Describe says the status to staff in one Chinese sentence, with the real
// numbers and the date the count starts again.
func (s Status) Describe() string {
	pend := ""
	if s.Pending > 0 {
		pend = fmt.Sprintf(msgPend, s.Pending)
	}
	if s.Full() {
		return fmt.Sprintf(msgFull, s.windowName(), s.Used, pend, s.Limit, s.nextName())
	}
	return fmt.Sprintf(msgLeft, s.windowName(), s.Used, pend, s.Limit, s.Left)
}
