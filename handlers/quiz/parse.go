package quiz

import (
	"strings"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/zh"
)

// answerPunct is trimmed around a choice: 答：B。 （C）
const answerPunct = " .。,，!！?？:：;；、()（）[]【】\"'“”‘’~～-—"

// ordinal reads "第二个", "第2项", "第三个选项" as the option's number ("2").
func ordinal(s string) (string, bool) {
	t, ok := strings.CutPrefix(s, "第")
	if !ok {
		return s, false
	}
	n, rest, ok := zh.LeadingNumber(t)
	if !ok || n < 1 || n > 9 {
		return s, false
	}
	switch strings.TrimSpace(rest) {
	case "", "个", "项", "个选项", "个答案", "选项", "条":
		return string(rune('0' + n)), true
	}
	return s, false
}

// answerPrefixes are what residents put before their choice: 答 B, 答案：B,
// 我选C, 选择 1, 我觉得是C, 应该选B.
var answerPrefixes = []string{"我的答案是", "我的答案", "答案是", "答案", "我选择", "我选", "选择", "选项", "选", "答", "是",
	"我觉得是", "我觉得", "我认为是", "我认为", "应该是", "应该选", "应该", "我猜是", "我猜", "肯定是", "当然是", "就是", "那就", "我"}

// answerTails are said after the choice: B吧, C对吧, 选A，谢谢.
var answerTails = []string{"对不对", "对吧", "对吗", "是吧", "吧", "呀", "啊", "哦", "了", "嘛"}

// ParseAnswer reads a resident's choice among n options from text: a
// letter (A, b, full-width Ａ), a number (1, １, 一), or a circled number
// (①), alone or after 答/答案/我选, with punctuation around it ("答：B。",
// "（C）"). It returns the zero-based option and true, or false when the
// text is not a choice or is out of range.
func ParseAnswer(text string, n int) (int, bool) {
	s := bot.Simplify(bot.Normalize(text))
	if strings.Contains(s, "\n") || utf8.RuneCountInString(s) > 20 {
		return 0, false
	}
	s = strings.TrimSpace(zh.Blank(s))
	for {
		t := strings.Trim(s, answerPunct)
		for _, w := range answerTails {
			t = strings.TrimSuffix(t, w)
		}
		t = zh.TrimCourtesy(t)
		if t == s {
			break
		}
		s = t
	}
	if k, ok := ordinal(s); ok {
		s = k
	}
	s = strings.Trim(s, answerPunct)
	for changed := true; changed; {
		changed = false
		for _, p := range answerPrefixes {
			if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
				s = strings.Trim(rest, answerPunct)
				changed = true
			}
		}
	}
	if k, ok := ordinal(s); ok {
		s = k
	}
	s = strings.TrimSuffix(s, "选项")
	s = strings.TrimSuffix(s, "项")
	s = strings.TrimSpace(s)
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || size != len(s) {
		return 0, false
	}
	k := -1
	switch {
	case r >= 'A' && r <= 'Z':
		k = int(r - 'A')
	case r >= 'a' && r <= 'z':
		k = int(r - 'a')
	case r >= '1' && r <= '9':
		k = int(r - '1')
	case r >= '①' && r <= '⑨':
		k = int(r - '①')
	default:
		if d := strings.IndexRune("一二三四五六七八九", r); d >= 0 {
			k = d / len("一")
		}
	}
	if k < 0 || k >= n {
		return 0, false
	}
	return k, true
}
