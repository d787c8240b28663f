package bot

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"gridbot/bot/zh"
)

func testRouter() *Router {
	r := NewRouter(RouterOptions{})
	r.SetBotName("gridbot")
	noop := func(context.Context, *Context) error { return nil }
	r.Add(
		&Command{Name: "join", Keywords: []string{"报名", "参加", "报个名", "算我一个" + NumSlot, NumSlot + "算我一个", NumSlot + "去"}, Args: ArgsNumber, Handle: noop},
		&Command{Name: "leave", Keywords: []string{"取消报名", "取消" + NumSlot, NumSlot + "不去了", "不参加了" + NumSlot}, Args: ArgsNumber, Handle: noop},
		&Command{Name: "cancelevent", Keywords: []string{"取消活动"}, Args: ArgsNumber, Handle: noop},
		&Command{Name: "quiz", Keywords: []string{"参加竞答"}, Args: ArgsNone, Handle: noop},
		&Command{Name: "events", Keywords: []string{"活动", "活动列表"}, Args: ArgsNone, Handle: noop},
		&Command{Name: "notice", Aliases: []string{"notice!"}, Keywords: []string{"通知"}, Args: ArgsText, Role: Staff, Handle: noop},
		&Command{Name: "help", Keywords: []string{"帮助"}, Handle: noop},
	)
	return r
}

func TestParseResidentForms(t *testing.T) {
	r := testRouter()
	cases := []struct {
		in, cmd, args string
	}{
		{"报名3", "join", "3"},
		{"报名 3", "join", "3"},
		{"报名３", "join", "3"},
		{"报名　3", "join", "3"},
		{"报名：3", "join", "3"},
		{"报名，3。", "join", "3"},
		{"报名3号", "join", "3"},
		{"3号活动报名", "join", "3"},
		{"3号报名", "join", "3"},
		{"我要报名3", "join", "3"},
		{"我想报名 3 两个人", "join", "3 两个人"},
		{"帮我取消报名3", "leave", "3"},
		{"我不去了，取消报名3", "leave", "3"},
		{"報名3", "join", "3"},
		{"取消報名 ３", "leave", "3"},
		{"报名", "join", ""},
		{"报名 7 2人 带孙子", "join", "7 2人 带孙子"},
		{"/join 7", "join", "7"},
		{"/join@gridbot 7", "join", "7"},
		{"/JOIN 7", "join", "7"},
		{"活动", "events", ""},
		{"活动？", "events", ""},
		{"活动列表", "events", ""},
		{"帮助", "help", ""},
		{"/notice! 全部 停水", "notice", "全部 停水"},
		{"通知 全部 明早9点停水，请提前储水", "notice", "全部 明早9点停水，请提前储水"},
		{"报名三", "join", "3"},
		{"参加3", "join", "3"},
		{"参加3号活动", "join", "3"},
		{"取消 3", "leave", "3"},
		{"取消3号的报名", "leave", "3"},
		{"取消活动 3", "cancelevent", "3"},
		{"3号不去了", "leave", "3"},
		{"不参加了 3", "leave", "3"},
		{"我要参加3号", "join", "3"},
		{"报名3号，我和老伴两个人", "join", "3 我和老伴两个人"},
		{"报名，我和老伴两个人", "join", "我和老伴两个人"},
		{"我和老伴都报名3号", "join", "3 我和老伴都"},
		{"3号我和老伴都去", "join", "3 我和老伴都"},
		{"一家三口参加3号", "join", "3 一家三口"},
		{"帮我妈报个名 3", "join", "3 帮我妈"},
		{"给我报个名3", "join", "3"},
		{"算我一个 3", "join", "3"},
		{"3号算我一个", "join", "3"},
		{"3号我去", "join", "3"},
		{"🙏报名3号，谢谢！", "join", "3"},
		{"报名[抱拳]3号[强]", "join", "3"},
		{"报名3号哦", "join", "3"},
		{"@gridbot 报名3", "join", "3"},
		{"@GridBot报名3", "join", "3"},
		{"@网格助手 参加3号", "join", "3"},
		{"网格员你好 报名3号", "join", "3"},
		{"參加3號", "join", "3"},
		{"報個名 ３", "join", "3"},
		{"参加竞答", "quiz", ""},
		{"通知 全部 新年快乐🎉", "notice", "全部 新年快乐🎉"},
		{"🎉通知 全部 停水", "notice", "全部 停水"},
		{"通知 全部 請注意", "notice", "全部 請注意"},
		{"第3号活动报名", "join", "3"},
		{"请问有什么活动", "events", ""},
		{"请问活动？", "events", ""},
		{"最近有哪些活动", "events", ""},
	}
	for _, c := range cases {
		p, ok := r.Parse(c.in)
		if !ok {
			t.Errorf("Parse(%q): no match, want %s %q", c.in, c.cmd, c.args)
			continue
		}
		if p.Command.Name != c.cmd || p.Args != c.args {
			t.Errorf("Parse(%q) = %s %q, want %s %q", c.in, p.Command.Name, p.Args, c.cmd, c.args)
		}
	}
}

func TestParseIgnoresChat(t *testing.T) {
	r := testRouter()
	for _, in := range []string{
		"", "   ", "今天活动真热闹", "活动什么时候开始", "报名的人多吗", "大家好",
		"/join@otherbot 3", "/unknown", "我", "3号", "谢谢网格员",
		"报名了吗？", "报名了", "报名了么", "取消报名了吗", "好的，通知我一下",
		"3号活动还有名额吗", "参加的人多吗", "取消了吗", "我不去3号那边了", "取消", "不去了", "我去", "算我一个",
		"我和老伴都去", "报名一下", "报名3号了", "3号楼的人都去", "3点我去", "报名3号要带什么", "报名3去不去",
		"请问报名3号", "大家报名3号啊", "报名啦", "我报名了3号", "3号报名的人多不多", "参加3号楼的义诊",
		"报名3号❓", "@张阿姨 报名3", "/join@gridbot_x 3", "3号参加的人多吗", "我参加过3号活动", "参加一起",
	} {
		if p, ok := r.Parse(in); ok {
			t.Errorf("Parse(%q) matched %s %q; ordinary chat must not trigger commands", in, p.Command.Name, p.Args)
		}
	}
}

func TestParseMultiLine(t *testing.T) {
	r := testRouter()
	p, ok := r.Parse("通知 全部\n明天停水\n请储水")
	if !ok || p.Command.Name != "notice" || p.Args != "全部\n明天停水\n请储水" {
		t.Fatalf("got %v %q", ok, p.Args)
	}
}

func TestLeadingNumber(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		rest string
		ok   bool
	}{
		{"3", 3, "", true}, {"12号", 12, "号", true}, {"两个人", 2, "个人", true},
		{"三位", 3, "位", true}, {"十", 10, "", true}, {"十二", 12, "", true},
		{"二十三人", 23, "人", true}, {"abc", 0, "abc", false}, {"9999999999", 0, "9999999999", false},
	}
	for _, c := range cases {
		n, rest, ok := zh.LeadingNumber(c.in)
		if n != c.n || rest != c.rest || ok != c.ok {
			t.Errorf("LeadingNumber(%q) = %d %q %v, want %d %q %v", c.in, n, rest, ok, c.n, c.rest, c.ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"报名３":       "报名3",
		"  报名　　3  ": "报名 3",
		"ＡＢＣ１２３":    "ABC123",
		"報名\r\n3":   "報名\n3",
		"停水，请储水！":   "停水，请储水！",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"报名3", "报名　３号", "3号活动报名", "我不去了，取消报名3", "/join@gridbot 7",
		"通知 全部\n停水", "報名：三", "\xff\xfe", "二十三人", "十十十", "/", "@", "报名" + string(rune(0x3000)),
		"@gridbot", "@gridbot@gridbot 报名", "[抱拳", "[]", "[抱拳]", "🙏🏻👍🏽", "3号我和老伴都去", "报名3号，我和老伴两个人",
		"帮我妈报个名", "一家三口", "2大1小", "取消{n}", "{n}去", "3号不去了", "算我一个 3", "给给给给我", "我和和和",
		"最近有啥活动没", "我是不是报了3号", "3号我报上了吗", "帮我把3号退了", "我老伴想报3号", "志愿者星级", "有没有", "3号3号3号吗",
		"十号没", "把把把", "我的我的我的"} {
		f.Add(s)
	}
	r := testRouter()
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) not valid UTF-8", s)
		}
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		if p, ok := r.Parse(s); ok {
			if p.Command == nil {
				t.Fatalf("Parse(%q) ok with nil command", s)
			}
			if !utf8.ValidString(p.Args) {
				t.Fatalf("Parse(%q) args not UTF-8", s)
			}
		}
		if v, rest, ok := zh.LeadingNumber(s); ok && (v < 0 || len(rest) > len(s)) {
			t.Fatalf("LeadingNumber(%q) = %d %q", s, v, rest)
		}
		if v, rest, ok := zh.ActivityNumber(s); ok && (v < 0 || len(rest) > len(s) || !utf8.ValidString(rest) && utf8.ValidString(s)) {
			t.Fatalf("ActivityNumber(%q) = %d %q", s, v, rest)
		}
	})
}

func TestPlainTellsCommandsFromChat(t *testing.T) {
	r := testRouter()
	cases := map[string]bool{
		"/notice 全部 停水": true,
		"通知 全部 停水":      true,
		"通知：全部 停水":      true,
		"通知\n全部\n停水":    true,
		"通知收到了，谢谢":      false,
		"活动":            true,
		"报名 3":          true,
		"报名3":           true,
		"我要报名3":         false,
		"我不去了，取消报名3":    false,
		"通知呢":           false,
		"帮助一下":          true,
	}
	for in, want := range cases {
		p, ok := r.Parse(in)
		if !ok {
			t.Errorf("Parse(%q): no match", in)
			continue
		}
		if p.Plain != want {
			t.Errorf("Parse(%q).Plain = %v, want %v", in, p.Plain, want)
		}
	}
}

// BenchmarkParse measures the parser on typical resident messages and on a
// long line of clauses (Telegram allows 4096 characters).
func BenchmarkParse(b *testing.B) {
	r := testRouter()
	msgs := []string{"报名3", "🙏@网格助手 我和老伴都报名3号，谢谢！", "3号我们家三口人都去", "今天活动真热闹，大家辛苦了",
		"报名3号要带什么吗？", "通知 全部 明早9点停水，请提前储水"}
	long := strings.Repeat("我和老伴，", 800)
	b.Run("typical", func(b *testing.B) {
		for i := range b.N {
			r.Parse(msgs[i%len(msgs)])
		}
	})
	b.Run("long", func(b *testing.B) {
		for range b.N {
			r.Parse(long)
		}
	})
}
