package zh

import (
	"slices"
	"testing"
)

// TestHeadcountAsPeopleSayIt checks the headcounts of issue 16 as residents
// write them, and that the phrases naming who comes stay out of the remark
// unless they say whom the speaker brings or acts for.
func TestHeadcountAsPeopleSayIt(t *testing.T) {
	cases := []struct {
		in     string
		n      int
		remark string
		ok     bool
	}{
		{"家里三口人", 3, "", true},
		{"俩人", 2, "", true},
		{"我们老两口", 2, "", true},
		{"一共俩人", 2, "", true},
		{"一共仨", 3, "", true},
		{"老伴也去", 2, "", true},
		{"我老伴也去", 2, "", true},
		{"孙子也来", 2, "", true},
		{"带孙子一起", 2, "带孙子", true},
		{"带孙子", 2, "带孙子", true},
		{"带着两个孩子", 3, "带着两个孩子", true},
		{"带孙子孙女两个娃", 3, "带孙子孙女两个娃", true},
		{"我带孙子", 2, "带孙子", true},
		{"我和老伴带孙子", 3, "我和老伴带孙子", true},
		{"大人2个小孩1个", 3, "", true},
		{"大人两个小孩一个", 3, "", true},
		{"2 人", 2, "", true},
		{"2 位", 2, "", true},
		{"我和老伴两个人", 2, "", true},
		{"我和老伴两个", 2, "", true},
		{"两个大人一个小孩", 3, "", true},
		{"2大1小", 3, "", true},
		{"我们一家三口", 3, "", true},
		{"我和王姐", 2, "", true},
		{"2人 带孙子", 2, "带孙子", true},
		{"老伴腿脚不好", 0, "老伴腿脚不好", false},
		{"帮我妈", 0, "帮我妈", false},
		{"我们", 0, "我们", false},
		{"住3号楼", 0, "住3号楼", false},
	}
	for _, c := range cases {
		n, remark, ok := Headcount(c.in)
		if n != c.n || remark != c.remark || ok != c.ok {
			t.Errorf("Headcount(%q) = %d %q %v, want %d %q %v", c.in, n, remark, ok, c.n, c.remark, c.ok)
		}
	}
}

func TestCutOthers(t *testing.T) {
	for in, want := range map[string]string{"我妈想报名": "想报名", "我老伴也想参加": "想参加", "张阿姨想去": "想去",
		"我家孩子想报名": "想报名", "孙子孙女都想去": "想去", "王姐你报了没": "你报了没"} {
		if _, rest, ok := CutOthers(in); !ok || rest != want {
			t.Errorf("CutOthers(%q) = %q %v, want %q", in, rest, ok, want)
		}
	}
	for _, in := range []string{"我想报名", "我和我妈想报名", "帮我妈报名", "带孙子报名", "报名", "我们想去", "大家想去"} {
		if who, _, ok := CutOthers(in); ok {
			t.Errorf("CutOthers(%q) = %q, want no one else", in, who)
		}
	}
}

func TestBadNumberAt(t *testing.T) {
	for in, want := range map[string]bool{"-3": true, " -5人": true, "负3": true, "－3": false, "99999999999999999999": true,
		"1234567890": true, "13812345678": false, "3": false, "3-5": false, "电话13812345678": false, "—3": false, "": false} {
		if got := BadNumberAt(in); got != want {
			t.Errorf("BadNumberAt(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestExpand(t *testing.T) {
	got := Expand("(近期|)活动(列表|)")
	want := []string{"近期活动列表", "活动列表", "近期活动", "活动"}
	if !slices.Equal(got, want) {
		t.Fatalf("Expand = %q, want %q", got, want)
	}
	if got := Expand("(我|我的)(报名|)"); !slices.Equal(got, []string{"我报名", "我的报名", "我", "我的"}) {
		t.Fatalf("Expand = %q", got)
	}
	if got := Expand("活动"); len(got) != 1 || got[0] != "活动" {
		t.Fatalf("Expand(活动) = %q", got)
	}
}

func TestSimplifyKeepsOffsets(t *testing.T) {
	for in, want := range map[string]string{"報名3號": "报名3号", "積分排行榜": "积分排行榜", "請問有什麼活動": "请问有什么活动",
		"志願時長": "志愿时长", "每日一學": "每日一学", "簽到": "签到", "幫助": "帮助", "於是": "於是", "乾淨": "乾净"} {
		got := Simplify(in)
		if got != want || len(got) != len(in) {
			t.Errorf("Simplify(%q) = %q, want %q (same length)", in, got, want)
		}
	}
}

func TestCutBa(t *testing.T) {
	for in, want := range map[string]string{"把我3号的取消了": "3号", "把3号活动的报名取消掉": "3号活动", "把我的报名退了": "报名",
		"把3号退掉吧": "3号"} {
		if _, obj, ok := CutBa(in); !ok || obj != want {
			t.Errorf("CutBa(%q) = %q %v, want %q", in, obj, ok, want)
		}
	}
	for _, in := range []string{"取消3号", "把门关上", "我把3号取消了吗"} {
		if _, obj, ok := CutBa(in); ok && in != "我把3号取消了吗" {
			t.Errorf("CutBa(%q) = %q, want no 把 order", in, obj)
		}
	}
}

func TestOnlyCourtesy(t *testing.T) {
	for in, want := range map[string]bool{"谢谢！": true, "好的👍": true, "收到[抱拳]": true, "谢谢网格员，辛苦了": true,
		"好的，报名3": false, "活动": false, "": false, "嗯嗯": true} {
		if got := OnlyCourtesy(in); got != want {
			t.Errorf("OnlyCourtesy(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOnlyGreeting(t *testing.T) {
	for in, want := range map[string]bool{"你好": true, "在吗？": true, "小助手你好👋": true, "你好，报名3": false, "谢谢": false} {
		if got := OnlyGreeting(in); got != want {
			t.Errorf("OnlyGreeting(%q) = %v, want %v", in, got, want)
		}
	}
}
