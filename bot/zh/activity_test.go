package zh

import "testing"

func TestHeadcount(t *testing.T) {
	cases := []struct {
		in     string
		n      int
		ok     bool
		remark string
	}{
		{"两个人", 2, true, ""},
		{"2人 带孙子", 2, true, "带孙子"},
		{"2人带孙子", 2, true, "带孙子"},
		{"三位", 3, true, ""},
		{"共4口", 4, true, ""},
		{"共 2人", 2, true, ""},
		{"一家三口", 3, true, ""},
		{"我们一家三口都参加", 3, true, ""},
		{"我们家三口人", 3, true, ""},
		{"我和老伴", 2, true, ""},
		{"我和老伴两个人", 2, true, ""},
		{"我跟老伴还有孙子", 3, true, ""},
		{"我和我老伴都去", 2, true, ""},
		{"老两口", 2, true, ""},
		{"我们俩", 2, true, ""},
		{"我们两个", 2, true, ""},
		{"两个大人一个小孩", 3, true, ""},
		{"2大1小", 3, true, ""},
		{"两位老人", 2, true, ""},
		{"给我爸妈", 2, true, "给我爸妈"},
		{"0人", 0, true, ""},
		{"帮我妈", 0, false, "帮我妈"},
		{"带孙子", 2, true, "带孙子"},
		{"老伴腿脚不好", 0, false, "老伴腿脚不好"},
		{"我", 0, false, "我"},
		{"我们", 0, false, "我们"},
		{"住3号楼", 0, false, "住3号楼"},
		{"电话13812345678", 0, false, "电话13812345678"},
		{"下午3点到", 0, false, "下午3点到"},
		{"2人 另外3人", 2, true, "另外3人"},
	}
	for _, c := range cases {
		n, remark, ok := Headcount(c.in)
		if n != c.n || ok != c.ok || remark != c.remark {
			t.Errorf("Headcount(%q) = %d %q %v, want %d %q %v", c.in, n, remark, ok, c.n, c.remark, c.ok)
		}
	}
}

func TestActivityNumber(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		rest string
		ok   bool
	}{
		{"3", 3, "", true}, {"3号", 3, "", true}, {"#3", 3, "", true}, {"第3个活动", 3, "", true},
		{"三号活动", 3, "", true}, {"十二号", 12, "", true}, {"3号 2人", 3, " 2人", true}, {"3带孙子", 3, "带孙子", true},
		{"3号的报名", 3, "的报名", true}, {"3我和老伴", 3, "我和老伴", true},
		{"3人", 0, "3人", false}, {"3点", 0, "3点", false}, {"3号楼", 0, "3号楼", false}, {"3号那天", 0, "3号那天", false},
		{"一下", 0, "一下", false}, {"一家三口", 0, "一家三口", false}, {"两个人", 0, "两个人", false}, {"号", 0, "号", false},
	}
	for _, c := range cases {
		n, rest, ok := ActivityNumber(c.in)
		if n != c.n || rest != c.rest || ok != c.ok {
			t.Errorf("ActivityNumber(%q) = %d %q %v, want %d %q %v", c.in, n, rest, ok, c.n, c.rest, c.ok)
		}
	}
}

func TestHeadcountAcrossAGoVerb(t *testing.T) {
	for in, want := range map[string]int{"我们家来三个人": 3, "我们去两个": 2, "带孙子": 2} {
		if n, _, _ := Headcount(in); n != want {
			t.Errorf("Headcount(%q) = %d, want %d", in, n, want)
		}
	}
}
