package tips

import (
	"context"
	"strings"
	"testing"
)

// A tip saved on one replica is pushed by another: every replica reloads
// the console's tips when their version moves.
func TestSavedTipsReachEveryReplica(t *testing.T) {
	fx := newFixture(t, 1, Config{})
	other, err := New(fx.env, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n0 := other.Bank().Len()
	tip := Tip{ID: "local-1", Category: "生活服务", Title: "社区食堂开业", Body: "每天 11 点开饭。"}
	if probs, err := fx.f.SaveTips(ctx, []Tip{tip}); err != nil || len(probs) > 0 {
		t.Fatalf("save: %v %v", probs, err)
	}
	grids, _ := fx.env.Dir.Grids(ctx)
	if _, err := other.Preview(ctx, grids); err != nil {
		t.Fatal(err)
	}
	if got, ok := other.Bank().Get("local-1"); !ok || got.Title != tip.Title || other.Bank().Len() != n0+1 {
		t.Errorf("the other replica's bank: %v %d tips", ok, other.Bank().Len())
	}
	es, err := other.Tips(ctx)
	if err != nil {
		t.Fatal(err)
	}
	custom := 0
	for _, e := range es {
		if e.Custom {
			custom++
		}
	}
	if custom != 1 || len(es) != n0+1 {
		t.Errorf("Tips: %d entries, %d custom", len(es), custom)
	}

	edited := tip
	edited.Title = "社区食堂开业啦"
	_, _ = fx.f.SaveTips(ctx, []Tip{edited})
	if e, _, _ := other.Tip(ctx, "local-1"); e.Title != edited.Title {
		t.Errorf("edit not seen by the other replica: %q", e.Title)
	}
	if other.Bank().Len() != n0+1 {
		t.Errorf("an edit added a tip: %d", other.Bank().Len())
	}
}

func TestSaveTipsRefusesAllOnAnyProblem(t *testing.T) {
	fx := newFixture(t, 1, Config{})
	n0 := fx.f.Bank().Len()
	probs, err := fx.f.SaveTips(context.Background(), []Tip{
		{ID: "ok", Category: "生活服务", Title: "好", Body: "好"},
		{ID: "bad id", Category: "生活服务", Title: strings.Repeat("长", MaxTitle+1), Body: "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || len(probs[1]) != 2 || fx.f.Bank().Len() != n0 {
		t.Errorf("problems %v; bank %d → %d", probs, n0, fx.f.Bank().Len())
	}
}

func TestParseTableLines(t *testing.T) {
	rows := [][]string{
		{"\uFEFF编号", "分类", "标题", "内容", "来源"},
		{"a", "生活服务", "标题一", "内容一", ""},
		{"", "", "", "", ""},
		{"b", "生活服务", "", "内容", ""},
		{"a", "生活服务", "标题", "内容", ""},
	}
	tips, probs := ParseTable(rows)
	if tips != nil {
		t.Errorf("tips returned despite problems: %v", tips)
	}
	lines := map[int]bool{}
	for _, p := range probs {
		lines[p.Line] = true
	}
	if !lines[4] || !lines[5] || lines[2] || lines[3] {
		t.Errorf("problems at %v, want lines 4 (no title) and 5 (duplicate id): %v", lines, probs)
	}
	if _, probs := ParseTable([][]string{{"标题", "内容"}}); len(probs) != 2 || probs[0].Line != 1 {
		t.Errorf("missing columns: %v", probs)
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add("编号,分类,标题,内容\na,生活服务,标题,内容\n")
	f.Add("id,category,title,body,source\n,,,,\n")
	f.Add("\"")
	f.Fuzz(func(t *testing.T, csvText string) {
		rows, err := ReadCSV(strings.NewReader(csvText))
		if err != nil {
			return
		}
		tips, probs := ParseTable(rows)
		for _, p := range probs {
			if p.Line < 1 || p.Line > len(rows)+1 {
				t.Errorf("problem at line %d of %d rows: %v", p.Line, len(rows), p)
			}
		}
		if len(probs) == 0 {
			for _, tip := range tips {
				if c := Check(tip); len(c) > 0 {
					t.Errorf("accepted a tip with problems %v: %+v", c, tip)
				}
			}
		} else if tips != nil {
			t.Error("tips returned with problems")
		}
	})
}
