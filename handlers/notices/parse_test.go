package notices

import (
	"gridbot/bot"
	"gridbot/bot/bottest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var parseNow = time.Date(2026, 3, 2, 10, 0, 0, 0, bottest.Shanghai)

func knownGrids(s string) bool { return s == "3网格" || s == "5网格" || s == "10网格" }

func TestParseNotice(t *testing.T) {
	cases := []struct {
		in, spec, body, at string
	}{
		{"全部 明早9点停水，请提前储水", "全部", "明早9点停水，请提前储水", ""},
		{"3网格,5网格 停水", "3网格,5网格", "停水", ""},
		{"3网格，5网格 停水", "3网格，5网格", "停水", ""},
		{"3 5 停水", "3,5", "停水", ""},
		{"标签:老旧小区 停水", "标签:老旧小区", "停水", ""},
		{"标签： 老旧小区 停水", "标签：老旧小区", "停水", ""},
		{"12月1日 09:00 全部 停水", "全部", "停水", "2026-12-01 09:00"},
		{"明天 9点 3网格 停水：请储水", "3网格", "停水：请储水", "2026-03-03 09:00"},
		{"全部\n第一行\n第二行", "全部", "第一行\n第二行", ""},
		{"全部 12月1日 09:00 开会", "全部", "12月1日 09:00 开会", ""},
		{"7网格 停水", "7网格", "停水", ""},
	}
	for _, c := range cases {
		r, err := parseNotice(c.in, parseNow, bottest.Shanghai, knownGrids, 366*24*time.Hour)
		if err != nil {
			t.Errorf("parseNotice(%q): %v", c.in, err)
			continue
		}
		at := ""
		if !r.At.IsZero() {
			at = r.At.In(bottest.Shanghai).Format("2006-01-02 15:04")
		}
		if r.Spec != c.spec || r.Body != c.body || at != c.at {
			t.Errorf("parseNotice(%q) = %q %q %q, want %q %q %q", c.in, r.Spec, r.Body, at, c.spec, c.body, c.at)
		}
	}
}

func FuzzParseNotice(f *testing.F) {
	for _, s := range []string{"全部 停水", "12月1日 09:00 全部 停水", "3网格,5网格 x", "标签:", "标签: a b",
		"明天 全部", "\xff", "全部\n\n", "3 5 10", "2026-13-01 09:00 全部 x", "今晚8点 3 停电\n请注意", "　全部　停水"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseNotice(s, parseNow, bottest.Shanghai, knownGrids, 366*24*time.Hour)
		if err != nil {
			return
		}
		if strings.TrimSpace(r.Body) == "" || r.Spec == "" {
			t.Fatalf("parseNotice(%q) ok with spec %q body %q", s, r.Spec, r.Body)
		}
		if !utf8.ValidString(r.Body) || !utf8.ValidString(r.Spec) {
			t.Fatalf("parseNotice(%q) gave invalid UTF-8", s)
		}
		if !r.At.IsZero() && (!r.At.After(parseNow) || r.At.Sub(parseNow) > 366*24*time.Hour) {
			t.Fatalf("parseNotice(%q) time %v out of range", s, r.At)
		}
	})
}

// TestParseNoticeDates: the time before the targets is read as 发布活动
// reads it; a date already past this year, a range or an ambiguous time is
// asked about, never scheduled.
func TestParseNoticeDates(t *testing.T) {
	dec4 := time.Date(2026, 12, 4, 10, 0, 0, 0, bottest.Shanghai)
	for _, c := range []struct{ in, at, err string }{
		{"12月1日 09:00 全部 停水", "", "12月1日已经过去了，您是说明年（2027年）12月1日吗？写上年份就行：2027年12月1日 09:00"},
		{"国庆节 9:00 全部 升旗", "", "国庆节已经过去了"},
		{"2027年12月1日 09:00 全部 停水", "2027-12-01 09:00", ""},
		{"今晚12点 全部 停水", "2026-12-05 00:00", ""},
		{"夜里12点 3网格 停电", "2026-12-05 00:00", ""},
		{"元旦上午9点 全部 新年好", "2027-01-01 09:00", ""},
		{"下周周六 上午9点 全部 义诊", "2026-12-12 09:00", ""},
		{"12月5日周六上午10点 全部 义诊", "2026-12-05 10:00", ""},
		{"明天14:00-16:00 全部 停水", "", "只要写一个时间"},
		{"明天3点 全部 停水", "", "您是说 12月5日（周六）03:00 还是 15:00？"},
		{"全部 国庆节放假安排", "", ""},
	} {
		r, err := parseNotice(c.in, dec4, bottest.Shanghai, knownGrids, 366*24*time.Hour)
		if c.err != "" {
			if msg, _ := bot.UserMessage(err); !strings.Contains(msg, c.err) {
				t.Errorf("parseNotice(%q) = %v, %v; want a reply containing %q", c.in, r.At, err, c.err)
			}
			continue
		}
		at := ""
		if !r.At.IsZero() {
			at = r.At.In(bottest.Shanghai).Format("2006-01-02 15:04")
		}
		if err != nil || at != c.at {
			t.Errorf("parseNotice(%q) = %q, %v; want %q", c.in, at, err, c.at)
		}
	}
}
