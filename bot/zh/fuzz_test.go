package zh_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"gridbot/bot/bottest"
	"gridbot/bot/zh"
)

// FuzzShared feeds the shared layer arbitrary text, seeded with the
// residents' corpus: Normalize is idempotent and keeps UTF-8, Simplify and
// Blank keep byte offsets, headcounts are never negative, and nothing
// panics.
func FuzzShared(f *testing.F) {
	for _, c := range bottest.ReadCorpus(f) {
		f.Add(c.Text)
	}
	for _, s := range []string{"\xff\xfe", "[抱拳", "[]", "把", "把了", "带", "带带带", "俩俩俩", "一家", "-", "负", "((", "(|)", "大人99999999999个", "是不是",
		"有没有", "没没没", "不", "我有没", "报没报", "A没A", "隔壁隔壁"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := zh.Normalize(s)
		if !utf8.ValidString(n) || zh.Normalize(n) != n {
			t.Fatalf("Normalize(%q) = %q, not stable UTF-8", s, n)
		}
		if len(zh.Simplify(n)) != len(n) || len(zh.Blank(n)) != len(n) || len(zh.Fold(n)) != len(n) {
			t.Fatalf("Simplify, Blank or Fold moved offsets in %q", n)
		}
		if q, ok := zh.AskForm(n); ok && (!utf8.ValidString(q) || len(q) > len(n)+len("吗")) {
			t.Fatalf("AskForm(%q) = %q", n, q)
		} else if !ok && q != n {
			t.Fatalf("AskForm(%q) changed it to %q but said no", n, q)
		}
		if k, remark, ok := zh.Headcount(n); k < 0 || ok && !utf8.ValidString(remark) {
			t.Fatalf("Headcount(%q) = %d %q %v", n, k, remark, ok)
		}
		if p, ok := zh.ReadPeople(n); ok && (p.N < 0 || len(p.Rest) > len(n)) {
			t.Fatalf("ReadPeople(%q) = %+v", n, p)
		}
		if _, obj, ok := zh.CutBa(n); ok && len(obj) > len(n) {
			t.Fatalf("CutBa(%q) = %q", n, obj)
		}
		_ = zh.BadNumberAt(n)
		_ = zh.OnlyCourtesy(n)
		_ = zh.IsQuestion(n)
		if len(n) < 40 && strings.Count(n, "(") < 3 {
			if forms := zh.Expand(n); len(forms) == 0 {
				t.Fatalf("Expand(%q) is empty", n)
			}
		}
	})
}

// BenchmarkShared measures the shared layer on every corpus message.
func BenchmarkShared(b *testing.B) {
	lines := bottest.ReadCorpus(b)
	b.ResetTimer()
	for i := range b.N {
		s := zh.Blank(zh.Simplify(zh.Normalize(lines[i%len(lines)].Text)))
		zh.Headcount(s)
	}
}
