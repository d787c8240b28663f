package when

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot"
)

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}

// now is Wednesday 2027-02-10 10:00 in Shanghai.
var now = time.Date(2027, 2, 10, 10, 0, 0, 0, shanghai)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want string // 2006-01-02 15:04 in Shanghai
		rest string
	}{
		{"2027-02-12 19:00", "2027-02-12 19:00", ""},
		{"2027/2/12 19:00 社区活动中心", "2027-02-12 19:00", "社区活动中心"},
		{"2027年2月12日 19:00", "2027-02-12 19:00", ""},
		{"2027-02-12T19:00", "2027-02-12 19:00", ""},
		{"2月12日 19:00", "2027-02-12 19:00", ""},
		{"2月12号晚上7点", "2027-02-12 19:00", ""},
		{"２月１２日　１９：００", "2027-02-12 19:00", ""},
		{"2/12 19:00", "2027-02-12 19:00", ""},
		{"12月1日 09:00", "2027-12-01 09:00", ""},
		{"1月5日 9点", "2028-01-05 09:00", ""},
		{"2月10日 8:00", "2027-02-10 08:00", ""},
		{"12号 19:00", "2027-02-12 19:00", ""},
		{"5号 19:00", "2027-03-05 19:00", ""},
		{"明天 9点", "2027-02-11 09:00", ""},
		{"明天9点半 带凳子", "2027-02-11 09:30", "带凳子"},
		{"明早9点", "2027-02-11 09:00", ""},
		{"后天下午3点半", "2027-02-12 15:30", ""},
		{"大后天上午十点", "2027-02-13 10:00", ""},
		{"今晚8点", "2027-02-10 20:00", ""},
		{"今天 19:00", "2027-02-10 19:00", ""},
		{"周六 14:00", "2027-02-13 14:00", ""},
		{"星期六下午2点", "2027-02-13 14:00", ""},
		{"星期天 上午9点", "2027-02-14 09:00", ""},
		{"周三 9:00", "2027-02-17 09:00", ""},
		{"周三 11:00", "2027-02-10 11:00", ""},
		{"下周一 9:00", "2027-02-15 09:00", ""},
		{"下星期三晚上7点", "2027-02-17 19:00", ""},
		{"本周五 19:00", "2027-02-12 19:00", ""},
		{"19:00", "2027-02-10 19:00", ""},
		{"9:00", "2027-02-11 09:00", ""},
		{"晚上7点", "2027-02-10 19:00", ""},
		{"中午12点", "2027-02-10 12:00", ""},
		{"下午1点15分", "2027-02-10 13:15", ""},
		{"七点一刻", "2027-02-11 07:15", ""},
		{"明天 19:00 | 活动中心", "2027-02-11 19:00", "| 活动中心"},
		{"明天晚上8點", "2027-02-11 20:00", ""},
		{"2月29日 9:00", "2028-02-29 09:00", ""},
	}
	for _, c := range cases {
		got, rest, err := Parse(c.in, now, shanghai)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if g := got.In(shanghai).Format("2006-01-02 15:04"); g != c.want || rest != c.rest {
			t.Errorf("Parse(%q) = %s, %q; want %s, %q", c.in, g, rest, c.want, c.rest)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "没看懂时间"},
		{"下个月", "没看懂时间"},
		{"晚上好", "没看懂时间"},
		{"2月12日", "请写上几点"},
		{"明天", "请写上几点"},
		{"2月30日 19:00", "不存在"},
		{"13月1日 9:00", "不存在"},
		{"2027-02-30 9:00", "不存在"},
		{"25:00", "钟点"},
		{"19:7", "钟点"},
		{"<b>", "没看懂时间「&lt;b&gt;」"},
	}
	for _, c := range cases {
		_, _, err := Parse(c.in, now, shanghai)
		msg, ok := bot.UserMessage(err)
		if !ok || !strings.Contains(msg, c.want) {
			t.Errorf("Parse(%q) error = %v; want a user error containing %q", c.in, err, c.want)
		}
	}
}

func TestParseClock(t *testing.T) {
	day := time.Date(2027, 2, 12, 19, 0, 0, 0, shanghai)
	for _, c := range []struct{ in, want, rest string }{
		{"21:00", "2027-02-12 21:00", ""},
		{"晚上9点半 散场", "2027-02-12 21:30", "散场"},
		{"９点", "2027-02-12 09:00", ""},
	} {
		got, rest, err := ParseClock(c.in, day)
		if err != nil {
			t.Errorf("ParseClock(%q): %v", c.in, err)
			continue
		}
		if g := got.Format("2006-01-02 15:04"); g != c.want || rest != c.rest {
			t.Errorf("ParseClock(%q) = %s, %q; want %s, %q", c.in, g, rest, c.want, c.rest)
		}
	}
	if _, _, err := ParseClock("活动中心", day); err == nil {
		t.Error("ParseClock(活动中心) accepted text without a time")
	}
}

func TestFormat(t *testing.T) {
	got := Format(time.Date(2027, 2, 12, 19, 0, 0, 0, shanghai), now, shanghai)
	if want := "2月12日（周五）19:00"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = Format(time.Date(2028, 1, 2, 9, 5, 0, 0, time.UTC), now, shanghai)
	if want := "2028年1月2日（周日）17:05"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2027-02-12 19:00", "2月12号晚上7点", "明早9点", "后天下午3点半", "周六 14:00",
		"下周一 9:00", "19:00", "12号 9点", "2/12 19:00", "七点一刻", "2027年", "周", "下周", "99月99日 99:99", "T", "2027-1-1T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, rest, err := Parse(s, now, shanghai)
		if err != nil {
			if _, ok := bot.UserMessage(err); !ok {
				t.Fatalf("Parse(%q) error %v is not a UserError", s, err)
			}
			return
		}
		if !strings.HasSuffix(Fold(s), rest) {
			t.Fatalf("Parse(%q) rest %q is not a suffix of the input", s, rest)
		}
		if got.Year() < 2000 || got.Year() > 2300 {
			t.Fatalf("Parse(%q) = %v, out of range", s, got)
		}
		_, _, _ = ParseClock(s, now)
	})
}
