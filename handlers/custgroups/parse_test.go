package custgroups

import (
	"testing"
	"unicode/utf8"
)

func TestParseRequest(t *testing.T) {
	for in, want := range map[string]request{
		"":             {op: opList},
		"列表":           {op: opList},
		"群发":           {op: opSends},
		"谁没点发送？":       {op: opSends},
		"同步":           {op: opSync},
		"2 绑定 3网格":     {op: opBind, ref: "2", grid: "3网格"},
		"２号 绑到 ３":      {op: opBind, ref: "2", grid: "3"},
		"把幸福里1群绑定到3网格": {op: opBind, ref: "幸福里1群", grid: "3网格"},
		"第3 归 5网格":     {op: opBind, ref: "3", grid: "5网格"},
		"幸福里1群 解绑":     {op: opUnbind, ref: "幸福里1群"},
		"解绑 2":         {op: opUnbind, ref: "2"},
		"2 取消绑定":       {op: opUnbind, ref: "2"},
		"绑定 3网格":       {op: opUsage},
		"你好":           {op: opUsage},
	} {
		if got := parseRequest(in); got != want {
			t.Errorf("parseRequest(%q) = %+v, want %+v", in, got, want)
		}
	}
	for in, want := range map[string]string{"3网格": "3网格", "3": "3网格", "第３网格": "3网格", "3|网格": "", "": ""} {
		if got := gridName(in); got != want {
			t.Errorf("gridName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"", "列表", "2 绑定 3网格", "把幸福里1群绑定到3网格", "解绑 2", "2 取消绑定", "绑", "解绑", "把", "第号绑定", "１２号　绑到　３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := parseRequest(s)
		switch r.op {
		case opList, opSends, opSync, opUsage:
			if r.ref != "" || r.grid != "" {
				t.Errorf("%q: %+v carries a group or grid", s, r)
			}
		case opBind, opUnbind:
			if r.ref == "" || !utf8.ValidString(r.ref) && utf8.ValidString(s) || utf8.RuneCountInString(r.ref) > 60 {
				t.Errorf("%q: bad reference in %+v", s, r)
			}
		default:
			t.Errorf("%q: unknown op %q", s, r.op)
		}
		_ = gridName(r.grid)
	})
}
