package notices

import (
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
