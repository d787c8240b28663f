// Package zh is the shared Chinese layer every feature's understanding
// stands on. It folds what phone input methods produce into one form
// (Normalize), traditional characters into simplified ones (Simplify),
// emoji and WeChat's [抱拳] codes into blanks (Blank) and @mentions of the
// bot into spaces (StripMentions); it reads numbers in digits and in words
// (LeadingNumber, BadNumberAt), people phrases and headcounts (ReadPeople,
// Headcount, CutOthers), and the politeness around a request (Leads, Tails,
// TrimCourtesy, IsQuestion, OnlyCourtesy), the 把 word order (CutBa), the
// synonyms people use for the words features know (Fold: 竞赛 is 竞答, 如何
// is 怎么) and a question's plain 吗 form with the words that open one
// (AskForm, AskLeads: 有没有每日一学 is 有每日一学吗).
//
// Nothing here reads state or knows a feature: the router's parser uses it
// for every command, so a feature that declares its words gets all of it.
package zh

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize folds what phone input methods produce into one form a parser
// can match, without changing what a person would read: full-width digits,
// letters and / @ # - become half-width, the ideographic space and other
// spaces become ' ', runs of spaces collapse, invisible characters go, and
// each line is trimmed. Chinese punctuation is kept. The result is valid
// UTF-8 and Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A,
			r == 0xFF0F, r == 0xFF20, r == 0xFF03, r == 0xFF0D:
			r -= 0xFEE0
		case r == '\r':
			continue
		case r == '\n':
		case unicode.IsSpace(r) || r == 0x3000:
			r = ' '
		case unicode.IsControl(r) || r == 0x200B || r == 0xFEFF:
			continue
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		out = append(out, strings.TrimSpace(l))
	}
	return strings.Trim(strings.Join(out, "\n"), " \n")
}

//go:embed opencc/TSCharacters.txt
var tsCharacters string

// t2s maps traditional characters to simplified ones, from OpenCC's table.
var t2s = loadT2S(tsCharacters)

// loadT2S reads OpenCC's "trad<TAB>simp [simp...]" lines, keeping the first
// simplified form of each character whose UTF-8 length it shares (so byte
// offsets survive) and leaving out characters that are simplified forms too
// (乾, 於, 瞭: ambiguous, and common in simplified text).
func loadT2S(data string) map[rune]rune {
	m := make(map[rune]rune, 4096)
	for line := range strings.SplitSeq(data, "\n") {
		trad, simps, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok {
			continue
		}
		tr, n := utf8.DecodeRuneInString(trad)
		if n != len(trad) || strings.ContainsRune(simps, tr) {
			continue
		}
		first, _, _ := strings.Cut(simps, " ")
		sr, m2 := utf8.DecodeRuneInString(first)
		if m2 != len(first) || m2 != n {
			continue
		}
		m[tr] = sr
	}
	m['麽'] = '么'
	return m
}

// Simplify maps traditional characters to simplified ones (報名 → 报名,
// 積分 → 积分). Every mapped character keeps its UTF-8 length, so byte
// offsets in the result are offsets in s.
func Simplify(s string) string {
	for i, r := range s {
		if _, ok := t2s[r]; ok {
			return s[:i] + strings.Map(simp, s[i:])
		}
	}
	return s
}

func simp(r rune) rune {
	if t, ok := t2s[r]; ok {
		return t
	}
	return r
}

// Blank turns emoji and WeChat's emoticon codes ([抱拳], [强]) into spaces
// of the same byte length, so offsets into the text stay valid. ❓ becomes
// ？ (the same length), because it asks.
func Blank(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '❓' || r == '❔':
			b = ensure(b, s, i)
			b = append(b, "？"...)
		case isSymbol(r):
			b = ensure(b, s, i)
			b = append(b, "    "[:size]...)
		case r == '[':
			if n := emoticonLen(s[i:]); n > 0 {
				b = ensure(b, s, i)
				b = append(b, strings.Repeat(" ", n)...)
				i += n
				continue
			}
			fallthrough
		default:
			if b != nil {
				b = append(b, s[i:i+size]...)
			}
		}
		i += size
	}
	if b == nil {
		return s
	}
	return string(b)
}

func ensure(b []byte, s string, i int) []byte {
	if b == nil {
		b = append(make([]byte, 0, len(s)), s[:i]...)
	}
	return b
}

func isSymbol(r rune) bool {
	return r >= 0x2000 && (unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r)) ||
		r == 0xFE0F || r == 0xFE0E || r == 0x200D || r == 0x20E3
}

// emoticonLen is the length of a WeChat emoticon code ("[抱拳]", "[OK]") at
// the start of s, or 0.
func emoticonLen(s string) int {
	n := 0
	for i, r := range s[1:] {
		switch {
		case r == ']':
			if n == 0 {
				return 0
			}
			return i + 2
		case n >= 4, !unicode.Is(unicode.Han, r) && !unicode.IsLetter(r) && r != '!':
			return 0
		}
		n++
	}
	return 0
}

// StripMentions replaces "@name" for each of names, wherever it stands and
// in any letter case, with a space, and reports whether it found one. A
// name is matched only whole: "@gridbot" is not found in "@gridbot_x".
func StripMentions(t string, names ...string) (string, bool) {
	if !strings.Contains(t, "@") {
		return t, false
	}
	found := false
	for _, name := range names {
		if name == "" {
			continue
		}
		for i := 0; i+1+len(name) <= len(t); {
			j := strings.IndexByte(t[i:], '@')
			if j < 0 || i+j+1+len(name) > len(t) {
				break
			}
			at := i + j
			end := at + 1 + len(name)
			if strings.EqualFold(t[at+1:end], name) && (end == len(t) || !isNameByte(t[end])) {
				t = t[:at] + " " + t[end:]
				found = true
				continue
			}
			i = at + 1
		}
	}
	return t, found
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// CutWord cuts the first of words that starts s, returning it and the rest.
// Give words longest first.
func CutWord(s string, words []string) (word, rest string, ok bool) {
	for _, w := range words {
		if rest, ok := strings.CutPrefix(s, w); ok {
			return w, rest, true
		}
	}
	return "", s, false
}

// StartsAny reports whether s starts with one of prefixes.
func StartsAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
