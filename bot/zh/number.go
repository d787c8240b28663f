package zh

import (
	"strings"
	"unicode/utf8"
)

var cnDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// maxDigits is the longest run of digits LeadingNumber reads.
const maxDigits = 9

// LeadingNumber reads a non-negative number at the start of s, in Arabic
// digits or Chinese numerals up to 九十九 (两 counts as 2), after optional
// spaces. It returns the number and the rest of s. Numbers over 999999999
// are refused.
func LeadingNumber(s string) (int, string, bool) {
	s = strings.TrimLeft(s, " ")
	i, n := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if i >= maxDigits {
			return 0, s, false
		}
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i > 0 {
		return n, s[i:], true
	}
	return leadingChinese(s)
}

func leadingChinese(s string) (int, string, bool) {
	total, cur, used := 0, -1, 0
	seenTen := false
	for used < len(s) {
		r, size := utf8.DecodeRuneInString(s[used:])
		if d, ok := cnDigits[r]; ok {
			if cur >= 0 {
				break
			}
			cur = d
		} else if r == '十' && !seenTen {
			if cur < 0 {
				cur = 1
			}
			total += cur * 10
			cur = -1
			seenTen = true
		} else {
			break
		}
		used += size
	}
	if used == 0 {
		return 0, s, false
	}
	if cur > 0 {
		total += cur
	}
	return total, s[used:], true
}

// CountNumber is LeadingNumber for a count of people, where 俩 is 2 and 仨
// is 3 ("俩人", "一共仨").
func CountNumber(s string) (int, string, bool) {
	t := strings.TrimLeft(s, " ")
	if r, ok := strings.CutPrefix(t, "俩"); ok {
		return 2, r, true
	}
	if r, ok := strings.CutPrefix(t, "仨"); ok {
		return 3, r, true
	}
	return LeadingNumber(s)
}

// negatives mark a number below zero: "-3", "负3".
var negatives = []string{"-", "负", "−", "﹣"}

// BadNumberAt reports whether s, after spaces and separators, starts with a
// number no activity number or headcount can be: a negative one ("-3",
// "负5人") or a run of ten or more digits that is not a mainland mobile
// number (a phone number in a remark is fine). Such a message is refused
// politely rather than guessed at.
func BadNumberAt(s string) bool {
	t := strings.TrimLeft(s, " :：,，、.。;；#第")
	if _, r, ok := CutWord(t, negatives); ok {
		r = strings.TrimLeft(r, " ")
		_, _, num := LeadingNumber(r)
		return num || digitRun(r) > 0
	}
	n := digitRun(t)
	return n > maxDigits && !isMobile(t[:n])
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func isMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// Expand spells out a keyword pattern: "(a|b)" stands for either branch,
// an empty branch makes the group optional ("(近期|)活动" is "近期活动" and
// "活动"). Groups do not nest. A pattern without groups is itself. The
// result has no duplicates.
func Expand(pattern string) []string {
	open := strings.IndexByte(pattern, '(')
	if open < 0 {
		return []string{pattern}
	}
	end := strings.IndexByte(pattern[open:], ')')
	if end < 0 {
		return []string{pattern}
	}
	head, alts, tail := pattern[:open], pattern[open+1:open+end], pattern[open+end+1:]
	var out []string
	seen := map[string]bool{}
	for _, rest := range Expand(tail) {
		for alt := range strings.SplitSeq(alts, "|") {
			w := head + alt + rest
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// IsNumeral reports whether r is a Chinese numeral LeadingNumber reads (一,
// 两, 十 …).
func IsNumeral(r rune) bool {
	_, ok := cnDigits[r]
	return ok || r == '十'
}
