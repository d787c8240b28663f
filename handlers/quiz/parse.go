package quiz

import (
	"strings"
	"unicode/utf8"

	"gridbot/bot"
)

// answerPrefixes are what residents put before their choice: 答 B, 答案：B,
// 我选C, 选择 1.
var answerPrefixes = []string{"我的答案是", "我的答案", "答案是", "答案", "我选择", "我选", "选择", "选项", "选", "答", "是"}

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
	s = strings.Trim(s, " .。,，!！?？:：;；、()（）[]【】\"'“”‘’~～-—")
	for changed := true; changed; {
		changed = false
		for _, p := range answerPrefixes {
			if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
				s = strings.Trim(rest, " .。,，!！?？:：;；、()（）[]【】\"'“”‘’~～-—")
				changed = true
			}
		}
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
