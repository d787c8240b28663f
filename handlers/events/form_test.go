package events

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestParseJoinArgs(t *testing.T) {
	cases := []struct {
		in     string
		id     int64
		hasID  bool
		n      int
		remark string
	}{
		{"", 0, false, 1, ""},
		{"7", 7, true, 1, ""},
		{"7号", 7, true, 1, ""},
		{"第7号活动", 7, true, 1, ""},
		{"7 2人 带孙子", 7, true, 2, "带孙子"},
		{"7 两个人", 7, true, 2, ""},
		{"7 三位 和老伴一起", 7, true, 3, "和老伴一起"},
		{"7，2人", 7, true, 2, ""},
		{"7 3", 7, true, 3, ""},
		{"7 共2人", 7, true, 2, ""},
		{"2人", 0, false, 2, ""},
		{"两个人 带孙子", 0, false, 2, "带孙子"},
		{"7 带孙子", 7, true, 2, "带孙子"},
		{"7 一家三口", 7, true, 3, ""},
		{"7 我和老伴两个人", 7, true, 2, ""},
		{"7 我和老伴都", 7, true, 2, ""},
		{"7 我们家三口人", 7, true, 3, ""},
		{"7 两个大人一个小孩", 7, true, 3, ""},
		{"7 2大1小", 7, true, 3, ""},
		{"7 老两口", 7, true, 2, ""},
		{"7 两位老人", 7, true, 2, ""},
		{"7 两个", 7, true, 2, ""},
		{"7 帮我妈", 7, true, 1, "帮我妈"},
		{"7 老伴腿脚不好", 7, true, 1, "老伴腿脚不好"},
		{"7 住3号楼", 7, true, 1, "住3号楼"},
		{"7 共 2人", 7, true, 2, ""},
		{"第3个活动", 3, true, 1, ""},
		{"我和老伴", 0, false, 2, ""},
		{"7 2人 " + strings.Repeat("很", 100), 7, true, 2, strings.Repeat("很", 60)},
	}
	for _, c := range cases {
		a, err := parseJoinArgs(c.in, 10, 60)
		if err != nil {
			t.Errorf("parseJoinArgs(%q): %v", c.in, err)
			continue
		}
		if a.ID != c.id || a.HasID != c.hasID || a.N != c.n || a.Remark != c.remark || a.HasN != (c.n != 1) {
			t.Errorf("parseJoinArgs(%q) = %+v, want id %d/%v n %d remark %q", c.in, a, c.id, c.hasID, c.n, c.remark)
		}
	}
	for _, in := range []string{"7 0人", "7 11人", "7 20"} {
		if _, err := parseJoinArgs(in, 10, 60); err == nil {
			t.Errorf("parseJoinArgs(%q) accepted a bad headcount", in)
		}
	}
}

func TestParseFormOneLineWithOptions(t *testing.T) {
	f, err := parseForm("元宵节猜灯谜 ｜ 2027-02-12 19:00 | 社区活动中心 | 30人 | 3网格,5网格 | 截止 2月11日 18:00 | 结束 21:00 | 每户最多 3 人 | 志愿服务 1.5小时", t0, bottest.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	want := form{Title: "元宵节猜灯谜", Place: "社区活动中心", Grids: "3网格,5网格", Seats: 30, HH: 3, Hours: 1.5,
		Start:    time.Date(2027, 2, 12, 19, 0, 0, 0, bottest.Shanghai),
		End:      time.Date(2027, 2, 12, 21, 0, 0, 0, bottest.Shanghai),
		Deadline: time.Date(2027, 2, 11, 18, 0, 0, 0, bottest.Shanghai)}
	if !f.Start.Equal(want.Start) || !f.End.Equal(want.End) || !f.Deadline.Equal(want.Deadline) {
		t.Errorf("times = %v %v %v", f.Start, f.End, f.Deadline)
	}
	f.Start, f.End, f.Deadline = want.Start, want.End, want.Deadline
	if *f != want {
		t.Errorf("got %+v, want %+v", *f, want)
	}
}

func TestParseFormMultiLine(t *testing.T) {
	f, err := parseForm("元宵节猜灯谜\n时间：后天晚上7点\n地点：社区活动中心\n名额：三十\n说明：请自带手电\n猜中有奖", t0, bottest.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "元宵节猜灯谜" || f.Seats != 30 || f.Desc != "请自带手电\n猜中有奖" || f.Start.In(bottest.Shanghai).Hour() != 19 {
		t.Errorf("got %+v", *f)
	}
}

func FuzzParseJoinArgs(f *testing.F) {
	for _, s := range []string{"7", "7号 2人 带孙子", "两个人", "7 3", "第7号活动 三位", "7 0人", "九十九", "7\x1f2人", "7 共 2人"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseJoinArgs(s, 10, 60)
		if err != nil {
			if _, ok := bot.UserMessage(err); !ok {
				t.Fatalf("parseJoinArgs(%q) error %v is not a UserError", s, err)
			}
			return
		}
		if a.N < 1 || a.N > 10 {
			t.Fatalf("parseJoinArgs(%q) headcount %d", s, a.N)
		}
		if utf8.RuneCountInString(a.Remark) > 60 || strings.Contains(a.Remark, sep) || !utf8.ValidString(a.Remark) {
			t.Fatalf("parseJoinArgs(%q) remark %q", s, a.Remark)
		}
	})
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"元宵节猜灯谜 | 2027-02-12 19:00 | 社区活动中心 | 30 | 全部",
		"a|明天9点|b|3|全部|截止 明天8点|结束 11:00|每户最多 2 人|志愿服务 半小时",
		"发布活动\n活动：义诊\n时间：明天9点\n地点：站\n名额：20\n网格：全部",
		"活动：x\n时间：周六 14:00\n地点：y\n名额：1\n截止：周五 9点\n结束：周六 18:00",
		"||||||", "\n\n:", "名额：99999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := parseForm(s, t0, bottest.Shanghai)
		if err != nil {
			if _, ok := bot.UserMessage(err); !ok {
				t.Fatalf("parseForm(%q) error %v is not a UserError", s, err)
			}
			return
		}
		if fm.Title == "" || fm.Place == "" || fm.Seats < 1 || fm.Seats > maxSeats || !fm.Start.After(t0) ||
			fm.Deadline.After(fm.Start) || (!fm.End.IsZero() && !fm.End.After(fm.Start)) || fm.HH > maxHeadcount || fm.Hours < 0 {
			t.Fatalf("parseForm(%q) accepted %+v", s, *fm)
		}
	})
}
