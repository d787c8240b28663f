package when

import (
	"errors"
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
		{"3点", "2027-02-12 03:00", ""},
		{"晚上12点", "2027-02-13 00:00", ""},
		{"24:00", "2027-02-13 00:00", ""},
		{"夜里1点半", "2027-02-13 01:30", ""},
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

// dec4 is Friday 2026-12-04 10:00 in Shanghai, the day of the README's
// 通知 12月1日 09:00 example.
var dec4 = time.Date(2026, 12, 4, 10, 0, 0, 0, shanghai)

// TestQuestionsAreWordedForPeople pins the exact wording of the questions
// the reader asks, as staff will read them.
func TestQuestionsAreWordedForPeople(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"12月5日上午12点", "您是说 12月5日（周六）00:00 还是 12:00？写成「0点」或「中午12点」就行。"},
		{"明天3点", "您是说 12月5日（周六）03:00 还是 15:00？写上「上午」或「下午」就行，例如「下午3点」。"},
		{"周末上午10点", "您是说 12月5日（周六）10:00 还是 12月6日（周日）10:00？写上「周六」或「周日」就行。"},
		{"12月5日周日上午10点", "12月5日是周六，不是周日。您是说 12月5日（周六） 还是 12月6日（周日）？请改好再发。"},
		{"八月十五晚上7点", "「八月十五」是农历还是公历？农历请写「农历八月十五」（那天是2027年9月15日），公历请写「8月15日」。"},
	} {
		_, err := Read(c.in, dec4, shanghai)
		if msg, ok := bot.UserMessage(err); !ok || msg != c.want {
			t.Errorf("Read(%q) error %v;\nwant %s", c.in, err, c.want)
		}
		if !Recognized(err) {
			t.Errorf("Read(%q): the question is not Recognized", c.in)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"12月1日 09:00", "12月1日已经过去了，您是说明年（2027年）12月1日吗？写上年份就行：2027年12月1日 09:00"},
		{"12月1日 9:00-11:00", "12月1日已经过去了，您是说明年（2027年）12月1日吗？写上年份就行：2027年12月1日 09:00-11:00"},
		{"3号 9:00", "3号已经过去了，您是说1月3号吗？写上月份就行：1月3日 09:00"},
		{"国庆节上午9点", "国庆节已经过去了，您是说明年（2027年）国庆节吗？写上年份就行：2027年10月1日 09:00"},
	} {
		r, err := Read(c.in, dec4, shanghai)
		if err != nil || !r.Rolled {
			t.Errorf("Read(%q) = %+v, %v; want a rolled reading", c.in, r, err)
			continue
		}
		if msg, _ := bot.UserMessage(r.Check()); msg != c.want {
			t.Errorf("Read(%q).Check() = %q;\nwant %q", c.in, msg, c.want)
		}
		if _, _, err := Parse(c.in, dec4, shanghai); !Recognized(err) {
			t.Errorf("Parse(%q) = %v, want the question", c.in, err)
		}
	}
}

func TestParseTakesOneMoment(t *testing.T) {
	if _, _, err := Parse("明天14:00-16:00", dec4, shanghai); !Recognized(err) || !strings.Contains(err.Error(), "只要写一个时间") {
		t.Errorf("Parse of a range: %v", err)
	}
	got, rest, err := Parse("明天 9点 全部 停水", dec4, shanghai)
	if err != nil || !got.Equal(time.Date(2026, 12, 5, 9, 0, 0, 0, shanghai)) || rest != "全部 停水" {
		t.Errorf("Parse = %v, %q, %v", got, rest, err)
	}
	if _, err := Read("国庆节放假安排", dec4, shanghai); err == nil || Recognized(err) {
		t.Errorf("a holiday word with no clock is refused but not Recognized as a time: %v", err)
	}
}

func TestReadEnd(t *testing.T) {
	start := time.Date(2026, 12, 5, 14, 0, 0, 0, shanghai)
	night := time.Date(2026, 12, 5, 20, 0, 0, 0, shanghai)
	for _, c := range []struct {
		in    string
		start time.Time
		want  string
	}{
		{"16:00", start, "2026-12-05 16:00"},
		{"4点", start, "2026-12-05 16:00"},
		{"下午5点半", start, "2026-12-05 17:30"},
		{"9点", start, "2026-12-05 21:00"},
		{"12点", night, "2026-12-06 00:00"},
		{"晚上12点", night, "2026-12-06 00:00"},
		{"24:00", night, "2026-12-06 00:00"},
		{"01:00", night, "2026-12-06 01:00"},
		{"12月6日 17:00", night, "2026-12-06 17:00"},
	} {
		got, rest, err := ReadEnd(c.in, c.start, dec4, shanghai)
		if err != nil || rest != "" || got.Format("2006-01-02 15:04") != c.want {
			t.Errorf("ReadEnd(%q after %s) = %v, %q, %v; want %s", c.in, c.start.Format("15:04"), got, rest, err, c.want)
		}
	}
	for _, in := range []string{"12:00", "12月5日 9:00", "13:59"} {
		if _, _, err := ReadEnd(in, start, dec4, shanghai); !errors.Is(err, ErrEndEarly) {
			t.Errorf("ReadEnd(%q after 14:00) = %v, want ErrEndEarly", in, err)
		}
	}
}

func TestFormatRange(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, shanghai) }
	for _, c := range []struct {
		start, end time.Time
		want       string
	}{
		{at(5, 14, 0), at(5, 16, 30), "12月5日（周六）14:00–16:30"},
		{at(5, 20, 0), at(6, 0, 0), "12月5日（周六）20:00–24:00"},
		{at(5, 22, 0), at(6, 1, 0), "12月5日（周六）22:00–12月6日（周日）01:00"},
	} {
		if got := FormatRange(c.start, c.end, dec4, shanghai); got != c.want {
			t.Errorf("FormatRange = %q, want %q", got, c.want)
		}
	}
}
