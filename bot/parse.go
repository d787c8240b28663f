package bot

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ArgKind tells the parser what may follow a Chinese keyword, so that
// ordinary chat ("活动真热闹") is not taken for a command.
type ArgKind uint8

const (
	// ArgsNone: the keyword must stand alone ("活动", "活动？").
	ArgsNone ArgKind = iota
	// ArgsNumber: nothing, or text starting with a number ("报名 3 2人").
	ArgsNumber
	// ArgsText: anything may follow ("通知 全部 明天停水").
	ArgsText
)

// politePrefixes are stripped before a keyword: 我要报名3, 帮我取消报名3.
var politePrefixes = []string{"我想要", "我要", "我想", "想要", "帮我", "帮忙", "麻烦", "请帮我", "请问", "请", "给我", "我来", "要",
	"最近有什么", "最近有哪些", "有什么", "有哪些", "最近", "近期"}

// questionMarks end a message that asks rather than acts: 报名了吗？ must
// not sign anyone up.
const questionMarks = "吗呢?？了么"

// trailingParticles may end a keyword-only message: 活动呢？ 排行吧
var trailingParticles = "吗呢吧呀啊哈嘛了一下?？!！。.~～ "

// clauseSeps separate clauses inside one line: 我不去了，取消报名3
const clauseSeps = "，。！？；,!?;…"

// Parsed is a matched command with its argument text.
type Parsed struct {
	Command *Command
	// Args is the normalized text after the command word, without the
	// separators people put there (报名：3 → "3").
	Args string
	// Slash is true when the command was typed as /cmd.
	Slash bool
	// Plain is true when the message reads as a command, not as chat that
	// happens to contain a command word: slash commands, and keywords that
	// open the message and are followed by nothing, a space, a colon or a
	// line break ("通知 全部 停水", not "通知收到了").
	Plain bool
}

// Parse matches text against the router's commands. It accepts /cmd and
// /cmd@bot (other bots' commands are ignored), and Chinese keywords at the
// start of any clause of the first line after polite prefixes (我要报名3),
// or after a number (3号活动报名 means 报名 3). ok is false when nothing
// matched.
func (r *Router) Parse(text string) (p Parsed, ok bool) {
	t := Normalize(text)
	if t == "" {
		return Parsed{}, false
	}
	orig, rest, _ := strings.Cut(t, "\n")
	if strings.HasPrefix(orig, "/") {
		return r.parseSlash(orig, rest)
	}
	first := Simplify(orig)
	for pos := 0; pos < len(first); {
		if p, ok := r.parseClause(strings.TrimSpace(first[pos:]), orig, rest, pos == 0); ok {
			return p, true
		}
		next := strings.IndexAny(first[pos:], clauseSeps)
		if next < 0 {
			break
		}
		pos += next
		_, size := utf8.DecodeRuneInString(first[pos:])
		pos += size
	}
	return Parsed{}, false
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

func (r *Router) parseSlash(first, rest string) (Parsed, bool) {
	word, args, _ := strings.Cut(first[1:], " ")
	name, at, hasAt := strings.Cut(word, "@")
	if hasAt && r.botName != "" && !strings.EqualFold(at, r.botName) {
		return Parsed{}, false
	}
	cmd := r.slash[strings.ToLower(name)]
	if cmd == nil {
		return Parsed{}, false
	}
	return Parsed{Command: cmd, Args: joinLines(strings.TrimSpace(args), rest), Slash: true, Plain: true}, true
}

// parseClause matches one clause cl, a suffix of the simplified first line;
// orig is the first line as typed, so that free text keeps its characters.
// Commands taking free text match only at the start of a message (first),
// so "好的，通知我一下" is chat, not a notice.
func (r *Router) parseClause(cl, orig, rest string, first bool) (Parsed, bool) {
	s := stripPolite(cl)
	if cmd, kw := r.longestKeyword(s); cmd != nil && (first || cmd.Args != ArgsText) {
		after := s[len(kw):]
		args := trimArgSeps(after)
		if cmd.Args == ArgsText {
			args = orig[len(orig)-len(args):]
		}
		if p, ok := acceptArgs(cmd, args, rest); ok {
			p.Plain = first && s == cl && (after == "" || startsAny(after, " ", ":", "：", "\n") ||
				cmd.Args != ArgsText && strings.Trim(after, trailingParticles+clauseSeps) == args)
			return p, true
		}
	}
	if num, after, ok := leadingNumberWord(s); ok {
		after = strings.TrimPrefix(strings.TrimSpace(after), "活动")
		after = strings.TrimSpace(after)
		if cmd, kw := r.longestKeyword(after); cmd != nil && cmd.Args == ArgsNumber {
			extra := trimArgSeps(after[len(kw):])
			return Parsed{Command: cmd, Args: strings.TrimSpace(num + " " + extra)}, true
		}
	}
	return Parsed{}, false
}

func acceptArgs(cmd *Command, args, rest string) (Parsed, bool) {
	switch cmd.Args {
	case ArgsNone:
		if strings.Trim(args, trailingParticles) != "" {
			return Parsed{}, false
		}
		return Parsed{Command: cmd}, true
	case ArgsNumber:
		a := strings.TrimRight(args, trailingParticles+clauseSeps)
		if a == "" && strings.ContainsAny(args, questionMarks) {
			return Parsed{}, false
		}
		if a != "" {
			if _, _, ok := leadingNumberWord(a); !ok {
				return Parsed{}, false
			}
		}
		return Parsed{Command: cmd, Args: joinLines(a, rest)}, true
	}
	return Parsed{Command: cmd, Args: joinLines(args, rest)}, true
}

func startsAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func stripPolite(s string) string {
	for changed := true; changed; {
		changed = false
		for _, p := range politePrefixes {
			if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
				s = strings.TrimSpace(rest)
				changed = true
			}
		}
	}
	return s
}

func (r *Router) longestKeyword(s string) (*Command, string) {
	for _, kw := range r.keywords {
		if strings.HasPrefix(s, kw) {
			return r.keyword[kw], kw
		}
	}
	return nil, ""
}

func trimArgSeps(s string) string {
	return strings.TrimLeft(s, " :：,，、.。-—")
}

// leadingNumberWord reports whether s starts with a number (Arabic or
// Chinese, optionally followed by 号): "3", "3号", "十二号". It returns
// the number as Arabic digits and the text after it.
func leadingNumberWord(s string) (num, rest string, ok bool) {
	s = strings.TrimLeft(s, "#第")
	n, rest, ok := LeadingNumber(s)
	if !ok {
		return "", s, false
	}
	rest = strings.TrimPrefix(rest, "号")
	return strconv.Itoa(n), rest, true
}

var cnDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// LeadingNumber reads a non-negative number at the start of s, in Arabic
// digits or Chinese numerals up to 九十九 (两 counts as 2), after optional
// spaces. It returns the number and the rest of s. Numbers over 999999999
// are refused.
func LeadingNumber(s string) (int, string, bool) {
	s = strings.TrimLeft(s, " ")
	i, n := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if i >= 9 {
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

// Fields splits argument text on spaces and Chinese separators (，、；|).
func Fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '，' || r == ',' || r == '、' || r == '；' || r == ';'
	})
}
