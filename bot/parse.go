package bot

import (
	"slices"
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
	// ArgsNumber: nothing, or a number ("报名 3 2人"), or who is coming
	// ("报名，我和老伴两个人"). These commands act, so a question
	// ("报名3号了吗？", "参加的人多吗") never matches them.
	ArgsNumber
	// ArgsText: anything may follow ("通知 全部 明天停水").
	ArgsText
)

// NumSlot marks where the number goes in a keyword phrase of an ArgsNumber
// command: "取消{n}" and "{n}不去了" act only with a number there ("取消 3",
// "3号不去了"), never alone ("取消", "不去了").
const NumSlot = "{n}"

// DefaultBotName is what residents call the bot; "@网格助手" before a
// command is dropped like "@<bot username>".
const DefaultBotName = "网格助手"

// politePrefixes are stripped before a keyword: 我要报名3, 帮我取消报名3,
// 网格员你好，报名3. actPrefixes, and people phrases, are stripped only
// before a keyword that acts (报名, 取消): "好，报名3" signs up, but "好活动"
// praises and does not list the activities.
var (
	politePrefixes = byLen([]string{"我想要", "我要", "我想", "想要", "帮我们", "给我们", "帮我", "帮忙", "麻烦您", "麻烦你",
		"麻烦", "劳驾", "请帮我", "请给我", "请问", "请", "给我", "替我", "为我", "我来", "要", "你好", "您好", "网格员你好",
		"网格员您好", "网格员", "小助手", "助手", "对不起", "不好意思", "抱歉", "最近有什么", "最近有哪些", "有什么", "有哪些", "最近", "近期"})
	actPrefixes = byLen([]string{"想", "拜托", "我准备", "准备", "我打算", "打算", "我决定", "决定", "那我", "那就", "那个",
		"那", "我就", "我还是", "还是", "好的", "好", "嗯", "行", "可以", "我先", "先", "我再", "再", "老师", "突然有事", "临时有事", "家里有事", "有事", "临时"})
)

// courtesy is said around a command and is no part of it: 报名3，谢谢！
var courtesy = byLen([]string{"谢谢网格员", "谢谢小助手", "谢谢您了", "谢谢你了", "谢谢您", "谢谢你", "谢谢啦", "谢谢了", "谢谢",
	"谢啦", "谢了", "多谢", "感谢", "麻烦您了", "麻烦你了", "麻烦了", "辛苦您了", "辛苦你了", "辛苦了", "辛苦啦", "拜托了", "好的"})

// questionWords make a message a question wherever they stand.
var questionWords = []string{"吗", "么", "?", "？", "啥", "怎", "咋", "哪", "几点", "几号", "几个", "几位", "几时", "多少",
	"多久", "谁", "是否", "请问", "问一下", "问下", "想问"}

// trailingParticles may end a keyword-only message: 活动呢？ 排行吧
var trailingParticles = "吗呢吧呀啊哈嘛了一下哦喔噢哟嗯?？!！。.~～ "

// softParticles may end a command that acts: 报名3号哦. 了 and 啦 may not:
// 报名了 tells, it does not ask.
const softParticles = "吧呀啊哈哦喔噢哟嗯呗"

// clauseSeps separate clauses inside one line: 我不去了，取消报名3
const clauseSeps = "，。！？；,!?;…"

// maxClauses is how many clauses of a line may start a command; it bounds
// the work on a long message.
const maxClauses = 12

// tailSeps are trimmed from the end of a command's arguments.
const tailSeps = " ，。！,.!;；…、~～" + softParticles

func byLen(words []string) []string {
	slices.SortStableFunc(words, byLength)
	return words
}

// Parsed is a matched command with its argument text.
type Parsed struct {
	Command *Command
	// Args is the normalized text after the command word, without the
	// separators people put there (报名：3 → "3"). For ArgsNumber
	// commands a number comes first in Arabic digits ("报名三号" → "3"),
	// and who is coming follows ("我和老伴都报名3号" → "3 我和老伴都").
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
// /cmd@bot (other bots' commands are ignored), a leading @bot mention, and
// Chinese keywords at the start of any clause of the first line: after
// polite words and greetings (我要报名3, 网格员你好 报名3), after who is
// coming (我和老伴都报名3号), or after a number (3号活动报名, 3号我去).
// Emoji, WeChat's [抱拳] codes and thanks around a command are ignored. An
// acting command (ArgsNumber) does not match a question (报名了吗？). ok is
// false when nothing matched. Parse is pure: it reads no state but the
// router's commands.
func (r *Router) Parse(text string) (p Parsed, ok bool) {
	t := strings.TrimLeft(r.stripMentions(Normalize(text)), "\n ")
	if t == "" {
		return Parsed{}, false
	}
	orig, rest, _ := strings.Cut(t, "\n")
	if strings.HasPrefix(orig, "/") {
		return r.parseSlash(orig, rest)
	}
	first := blankSymbols(Simplify(orig))
	for pos, n := 0, 0; pos < len(first) && n < maxClauses; n++ {
		if p, ok := r.parseClause(first[pos:], orig, rest, pos == 0); ok {
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

func joinWords(ws ...string) string {
	out := ws[:0]
	for _, w := range ws {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
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

// stripMentions drops "@<bot username>" and "@网格助手" wherever they stand.
func (r *Router) stripMentions(t string) string {
	if !strings.Contains(t, "@") {
		return t
	}
	for _, name := range []string{r.botName, DefaultBotName} {
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
				continue
			}
			i = at + 1
		}
	}
	return Normalize(t)
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// blankSymbols turns emoji and WeChat's emoticon codes ([抱拳], [强]) into
// spaces of the same byte length, so offsets into the text stay valid. ❓
// becomes ？ (the same length), because it asks.
func blankSymbols(s string) string {
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

// parseClause matches one clause cl, a suffix of the simplified first line
// running to its end; orig is the first line as typed, so that free text
// keeps its characters. Commands taking free text match only at the start
// of a message (first), so "好的，通知我一下" is chat, not a notice.
func (r *Router) parseClause(cl, orig, rest string, first bool) (Parsed, bool) {
	cl = strings.TrimLeft(cl, " ")
	asked, known := false, false
	question := func() bool {
		if !known {
			asked, known = isQuestion(cl) || isQuestion(rest), true
		}
		return asked
	}
	s, who, loose := cl, []string(nil), false
	for range 8 {
		if p, ok := r.verbFirst(s, orig, rest, first, question); ok && (!loose || p.Command.Args == ArgsNumber) {
			p.Plain = p.Plain && first && s == cl
			if p.Command.Args == ArgsNumber {
				p.Args = joinLines(joinWords(append([]string{p.Args}, who...)...), rest)
			}
			return p, true
		}
		if args, cmd, ok := r.numberFirst(s, question); ok {
			return Parsed{Command: cmd, Args: joinLines(joinWords(append([]string{args}, who...)...), rest)}, true
		}
		next, polite, ok := peel(s, &who)
		if !ok {
			break
		}
		s, loose = next, loose || !polite
	}
	return Parsed{}, false
}

// peel removes one polite word, greeting or people phrase from the start of
// s; a people phrase that says how many come or for whom is added to who.
// polite is false for what may only precede an acting keyword (actPrefixes,
// people phrases, 都/也).
func peel(s string, who *[]string) (rest string, polite, ok bool) {
	p, people := readPeople(s)
	if people && p.proxy {
		*who = append(*who, strings.TrimSpace(s[:len(s)-len(p.rest)]))
		return strings.TrimLeft(p.rest, " "), false, true
	}
	for _, pre := range politePrefixes {
		if rest, ok := strings.CutPrefix(s, pre); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimLeft(rest, " "), true, true
		}
	}
	if people && p.rest != s {
		if p.counted {
			*who = append(*who, strings.TrimSpace(s[:len(s)-len(p.rest)]))
		}
		return strings.TrimLeft(p.rest, " "), false, true
	}
	for _, pre := range actPrefixes {
		if rest, ok := strings.CutPrefix(s, pre); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimLeft(rest, " "), false, true
		}
	}
	if _, r, ok := cutWord(s, adverbs); ok && r != "" {
		return strings.TrimLeft(r, " "), false, true
	}
	return s, false, false
}

// verbFirst matches a keyword at the start of s ("报名3号", "取消 3"). A
// 了 closing a refusal is part of it: 不参加3号了.
func (r *Router) verbFirst(s, orig, rest string, first bool, question func() bool) (Parsed, bool) {
	cmd, word, needNum := r.keywordAt(s)
	if cmd == nil || !first && cmd.Args == ArgsText {
		return Parsed{}, false
	}
	after := s[len(word):]
	switch cmd.Args {
	case ArgsNone:
		if trimCourtesy(strings.Trim(after, trailingParticles+clauseSeps)) != "" {
			return Parsed{}, false
		}
		return Parsed{Command: cmd, Plain: true}, true
	case ArgsText:
		args := trimArgSeps(after)
		args = strings.TrimSpace(orig[len(orig)-len(args):])
		plain := after == "" || startsAny(after, " ", ":", "：")
		return Parsed{Command: cmd, Args: joinLines(args, rest), Plain: plain}, true
	}
	if question() {
		return Parsed{}, false
	}
	if x, ok := strings.CutPrefix(after, "一下"); ok {
		if _, _, num := ActivityNumber(trimArgSeps(x)); num {
			after = x
		}
	}
	if strings.HasPrefix(word, "不") {
		after = strings.TrimSuffix(trimCourtesy(after), "了")
	}
	args, ok := numberArgs(after, needNum)
	if !ok {
		return Parsed{}, false
	}
	return Parsed{Command: cmd, Args: args, Plain: true}, true
}

// numberFirst matches a number followed by a keyword: "3号活动报名",
// "3号我和老伴都去", "3号不去了". It returns the arguments.
func (r *Router) numberFirst(s string, question func() bool) (string, *Command, bool) {
	num, after, ok := readSlot(s)
	if !ok || question() {
		return "", nil, false
	}
	t := trimArgSeps(after)
	var who []string
	for range 6 {
		if cmd, word := r.keywordAfterNumber(t); cmd != nil {
			if extra, ok := tailArgs(t[len(word):]); ok {
				return joinWords(append([]string{num, extra}, who...)...), cmd, true
			}
		}
		next, _, ok := peel(t, &who)
		if !ok {
			break
		}
		t = next
	}
	return "", nil, false
}

// keywordAt returns the longest keyword or "word{n}" phrase starting s;
// needNum is true for a phrase.
func (r *Router) keywordAt(s string) (cmd *Command, word string, needNum bool) {
	for _, kw := range r.keywords {
		w, phrase := strings.CutSuffix(kw, NumSlot)
		if len(w) > len(word) && !strings.Contains(w, NumSlot) && strings.HasPrefix(s, w) {
			cmd, word, needNum = r.keyword[kw], w, phrase
		}
	}
	return cmd, word, needNum
}

// keywordAfterNumber returns the longest keyword of an ArgsNumber command or
// "{n}word" phrase starting s, the text after a number.
func (r *Router) keywordAfterNumber(s string) (cmd *Command, word string) {
	for _, kw := range r.keywords {
		w, phrase := strings.CutPrefix(kw, NumSlot)
		if len(w) > len(word) && !strings.Contains(w, NumSlot) && (phrase || r.keyword[kw].Args == ArgsNumber) &&
			strings.HasPrefix(s, w) {
			cmd, word = r.keyword[kw], w
		}
	}
	return cmd, word
}

// numberArgs reads what follows an acting keyword: nothing (unless needNum),
// a number with what comes after it, or who is coming ("2人",
// "我和老伴两个人").
func numberArgs(after string, needNum bool) (string, bool) {
	a := trimArgSeps(after)
	if num, r, ok := readSlot(a); ok {
		tail, ok := tailArgs(r)
		return joinWords(num, tail), ok
	}
	if needNum {
		return "", false
	}
	a, ok := tailArgs(a)
	if !ok || a == "" {
		return "", ok
	}
	if p, ok := readPeople(a); ok && p.counted {
		return a, true
	}
	return "", false
}

// tailArgs checks what follows a number or a keyword and returns it
// trimmed: nothing, or text after a space or comma, or who is coming
// ("我和老伴两个人"), or a remark starting 带 ("带孙子"), or more digits (a
// check-in code). Thanks and soft particles at the end are dropped; a tail
// ending in 了 or 啦 tells rather than asks ("报名3号了") and is refused.
func tailArgs(s string) (string, bool) {
	t := trimCourtesy(s)
	if strings.HasSuffix(t, "了") || strings.HasSuffix(t, "啦") {
		return "", false
	}
	if t == "" {
		return "", true
	}
	if _, r, ok := cutWord(t, []string{"的报名", "的活动", "报名", "参加"}); ok {
		if r = strings.TrimLeft(r, " "); r == "" {
			return "", true
		}
		t = r
	}
	if secondActivity(t) {
		return "", false
	}
	switch {
	case startsAny(t, " ", ",", "，", "、", ":", "：", "。", "；", "带"),
		t[0] >= '0' && t[0] <= '9':
		return strings.TrimSpace(trimArgSeps(t)), true
	}
	if _, ok := readPeople(cutAdverbs(t)); ok {
		return t, true
	}
	return "", false
}

// secondActivity reports whether s, the text after an activity number,
// names another one ("、5号", "和5号活动", "、5"): one message is one
// activity, so such a message is left to a person rather than half done.
func secondActivity(s string) bool {
	t := strings.TrimLeft(s, " ")
	_, t, listed := cutWord(t, []string{"、", "还有", "以及", "和", "跟", "与"})
	t = strings.TrimLeft(strings.TrimLeft(t, " ,，;；"), "#第 ")
	_, r, ok := LeadingNumber(t)
	if !ok || r == t {
		return false
	}
	if _, _, place := cutWord(strings.TrimPrefix(r, "号"), placeWords); place {
		return false
	}
	if _, _, unit := cutWord(r, countUnits); unit && !strings.HasPrefix(r, "个活动") {
		return false
	}
	return listed || startsAny(r, "号", "活动", "个活动")
}

// trimCourtesy drops thanks, soft particles and punctuation from the end of s.
func trimCourtesy(s string) string {
	for {
		t := strings.TrimRight(s, tailSeps)
		for _, c := range courtesy {
			if u, ok := strings.CutSuffix(t, c); ok {
				t = u
				break
			}
		}
		if t == s {
			return s
		}
		s = t
	}
}

// isQuestion reports whether s asks rather than tells: a question mark or
// word (吗, 什么, 几点, 哪, 谁 …), a final 呢, or an "A不A" pair (去不去,
// 有没有).
func isQuestion(s string) bool {
	for _, w := range questionWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	t := strings.TrimRight(s, tailSeps)
	if strings.HasSuffix(t, "呢") || strings.HasSuffix(t, "嘛") {
		return true
	}
	rs := []rune(s)
	for i := 0; i+2 < len(rs); i++ {
		if (rs[i+1] == '不' || rs[i+1] == '没') && rs[i] == rs[i+2] && unicode.Is(unicode.Han, rs[i]) {
			return true
		}
	}
	return false
}

func startsAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func trimArgSeps(s string) string {
	return strings.TrimLeft(s, " :：,，、.。-—")
}

// placeWords after "3号" make it a building or a date, not an activity:
// 3号楼, 3号那天.
var placeWords = []string{"楼", "栋", "院", "单元", "门", "室", "房", "间", "路", "街", "巷", "村", "线", "床", "那天", "晚上",
	"上午", "下午", "早上", "中午"}

// readSlot is ActivityNumber with the number in Arabic digits.
func readSlot(s string) (num, rest string, ok bool) {
	n, rest, ok := ActivityNumber(s)
	if !ok {
		return "", s, false
	}
	return strconv.Itoa(n), rest, true
}

// ActivityNumber reads an activity number at the start of s as residents
// write it: "3", "3号", "#3", "第三个活动", "3号活动", "三号的活动". It
// returns the number and the text after it. A number followed by a unit
// ("3人", "3点", "3号楼") is not an activity number, and a Chinese numeral
// must be followed by 号, 活动 or a break ("一下", "一家三口" have none).
func ActivityNumber(s string) (n int, rest string, ok bool) {
	t := strings.TrimLeft(strings.TrimLeft(s, "#第"), " ")
	n, r, ok := LeadingNumber(t)
	if !ok || r == t {
		return 0, s, false
	}
	arabic := t[0] >= '0' && t[0] <= '9'
	hao := false
	if x, ok := strings.CutPrefix(r, "号"); ok {
		r, hao = x, true
	}
	if _, x, ok := cutWord(r, []string{"个活动", "的活动", "活动"}); ok {
		r, hao = x, true
	}
	if hao {
		if _, _, ok := cutWord(r, placeWords); ok {
			return 0, s, false
		}
	}
	switch {
	case hao, r == "", startsAny(r, " ", ",", "，", "、", ":", "：", "。", "；", "！", "!"):
	case strings.ContainsRune(softParticles, firstRune(r)):
	case arabic && startsAny(r, "带", "的报名", "报名", "参加"):
	case arabic && r[0] >= 0x80:
		if p, ok := readPeople(r); !ok || p.rest == r {
			if strings.TrimRight(trimCourtesy(r), tailSeps) != "" {
				return 0, s, false
			}
		}
	default:
		return 0, s, false
	}
	return n, r, true
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
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
