package workbench

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/handlers/tips"
)

var weekdays = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// longTime shows a time the way people read dates on a notice board:
// "2026年12月5日（周六）19:00".
func longTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	return fmt.Sprintf("%d年%d月%d日（%s）%02d:%02d", t.Year(), t.Month(), t.Day(), weekdays[t.Weekday()], t.Hour(), t.Minute())
}

func (f *Feature) funcs() template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string { return longTime(t, f.env.Loc) },
		"short": func(t time.Time) string {
			if t.IsZero() || t.Unix() <= 0 {
				return ""
			}
			return t.In(f.env.Loc).Format("01-02 15:04")
		},
		"plain":    bot.PlainText,
		"langName": tips.LanguageName,
		"has":      func(list []string, s string) bool { return slices.Contains(list, s) },
		"join":     strings.Join,
		"list":     func(s ...string) []string { return s },
		"platform": func(c bot.ChatRef) string {
			switch c.Platform() {
			case "tg":
				return "Telegram"
			case "wecom":
				return "企业微信"
			case "console":
				return "本地试用"
			case "wxc":
				return "企业微信客户群"
			}
			return c.Platform()
		},
		"letter": func(i int) string {
			return string(rune('A' + i))
		},
	}
}

// datetimeLocal turns the value of <input type=datetime-local>
// ("2026-12-05T19:00") into what the chat forms read ("2026-12-05 19:00").
func datetimeLocal(s string) string {
	return strings.Replace(strings.TrimSpace(s), "T", " ", 1)
}

// oneLine keeps a form value on one line, so it cannot add lines (fields)
// to the chat form it is written into.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
