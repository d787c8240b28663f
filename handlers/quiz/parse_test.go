package quiz

import (
	"testing"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want int
		ok   bool
	}{
		{"A", 4, 0, true},
		{"b", 4, 1, true},
		{"Ｃ", 4, 2, true},
		{"ｄ", 4, 3, true},
		{"1", 4, 0, true},
		{"４", 4, 3, true},
		{"答 B", 4, 1, true},
		{"答：B。", 4, 1, true},
		{"答案是C", 4, 2, true},
		{"我选 a", 4, 0, true},
		{"选项D", 4, 3, true},
		{"（B）", 4, 1, true},
		{"B项", 4, 1, true},
		{"二", 4, 1, true},
		{"②", 4, 1, true},
		{" c ", 4, 2, true},
		{"E", 4, 0, false},
		{"5", 4, 0, false},
		{"0", 4, 0, false},
		{"AB", 4, 0, false},
		{"答题", 4, 0, false},
		{"好的", 4, 0, false},
		{"", 4, 0, false},
		{"我觉得应该是A吧因为书上是这么写的我记得", 4, 0, false},
		{"选B吧", 4, 1, true},
		{"B吧", 4, 1, true},
		{"应该是C", 4, 2, true},
		{"我觉得是D", 4, 3, true},
		{"第二个", 4, 1, true},
		{"我选第三个", 4, 2, true},
		{"答案B，谢谢", 4, 1, true},
		{"b[抱拳]", 4, 1, true},
		{"👍A", 4, 0, true},
		{"选b对吧", 4, 1, true},
		{"第五个", 4, 0, false},
		{"我觉得都对", 4, 0, false},
		{"ABC", 4, 0, false},
	} {
		got, ok := ParseAnswer(tc.in, tc.n)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("ParseAnswer(%q, %d) = %d, %v; want %d, %v", tc.in, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseAnswer feeds ParseAnswer arbitrary text, seeded with the
// residents' corpus (its quiz answers and everything else they type).
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{"A", "答 B", "Ｃ", "1", "答案：d。", "（二）", "③", "\xff", "答答答答", "选项", "第九个", "第十个"} {
		f.Add(s, 4)
	}
	for _, c := range bottest.ReadCorpus(f) {
		f.Add(c.Text, 4)
	}
	f.Fuzz(func(t *testing.T, in string, n int) {
		n = n%8 + 1
		if n < 1 {
			n += 8
		}
		k, ok := ParseAnswer(in, n)
		if ok && (k < 0 || k >= n) {
			t.Fatalf("ParseAnswer(%q, %d) = %d out of range", in, n, k)
		}
		if ok && utf8.RuneCountInString(bot.Normalize(in)) > 20 {
			t.Fatalf("ParseAnswer(%q) accepted a long message", in)
		}
	})
}

// TestCorpusAnswers reads every quiz answer of the residents' corpus as the
// option it names, and takes nothing said in a group for an answer there
// (the bot reads answers only in private chats).
func TestCorpusAnswers(t *testing.T) {
	n := 0
	for _, c := range bottest.ReadCorpus(t) {
		if c.Intent != "answer" {
			continue
		}
		n++
		got, ok := ParseAnswer(c.Text, 4)
		if !ok || string(rune('A'+got)) != c.Option {
			t.Errorf("%s: read as %d/%v, want %s", c, got, ok, c.Option)
		}
	}
	if n < 40 {
		t.Fatalf("only %d quiz answers in the corpus", n)
	}
}
