package bot

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gridbot/bot/zh"
)

// ArgKind tells the parser what may follow a Chinese keyword, so that
// ordinary chat ("活动真热闹") is not taken for a command.
type ArgKind uint8

const (
	// ArgsNone: the keyword stands alone, with at most polite words around
	// it ("活动", "活动？", "看看活动", "活动发一下，谢谢") and the command's
	// Intent.After words ("有什么活动可以报名").
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

// KinSlot marks, at the start of a keyword phrase, where someone other than
// the speaker is named: "{kin}想报名" takes "我妈想报名", "张阿姨也想参加3号",
// never "我想报名" or "帮我妈报名" (zh.CutOthers reads the slot). It may
// follow NumSlot: "{n}{kin}想去" takes "3号我老伴想去".
const KinSlot = "{kin}"

// DefaultBotName is what residents call the bot; "@网格助手" anywhere in a
// message is dropped like "@<bot username>", and addresses the bot.
const DefaultBotName = "网格助手"

// maxClauses is how many clauses of a line may start a command; it bounds
// the work on a long message.
const maxClauses = 12

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
	// Mentioned is true when the text names the bot (@网格助手, @<bot
	// username>); Parse sets it whether or not a command matched.
	Mentioned bool
}

// entry is one spelled-out keyword of a command.
type entry struct {
	cmd  *Command
	word string // the literal words, slots removed
	kin  bool   // KinSlot before word
	// numBefore and numAfter mark NumSlot before ("{n}不去了") and after
	// ("取消{n}") the word.
	numBefore, numAfter bool
}

// lexicon holds every keyword of the router, spelled out, longest first,
// indexed by the first two characters of its word (the one of a word of
// one; KinSlot phrases apart, by their first), so a message is matched
// against the few keywords that can start it.
type lexicon struct {
	entries []entry
	seen    map[string]*Command
	first   map[string][]*entry
	kin     map[rune][]*entry
	// tails are, for each command that shows something (ArgsNone), the
	// words that may follow its keyword: its Intent.After and the words
	// its keywords are made of (志愿者 in "我几星志愿者"), longest first.
	tails map[*Command][]string
	// topics are those words by first character, with the commands whose
	// keywords they come from: "志愿者" may stand before 星级.
	topics map[rune][]topic
}

// topic is a word of some commands' keywords.
type topic struct {
	word string
	cmds []*Command
}

// vocabulary returns the words a keyword pattern is made of: each branch
// of its groups and the text between them, slots removed, of two
// characters or more ("(我的|)(志愿|志愿者)时长" gives 我的, 志愿, 志愿者,
// 时长).
func vocabulary(kw string) []string {
	var out []string
	for part := range strings.FieldsFuncSeq(kw, func(r rune) bool { return r == '(' || r == ')' || r == '|' }) {
		part = zh.Fold(strings.NewReplacer(NumSlot, "", KinSlot, "").Replace(part))
		if utf8.RuneCountInString(part) >= 2 && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

// addVocabulary records the words of c's keyword kw as its tails and
// topics; only commands that show something (ArgsNone) have them.
func (l *lexicon) addVocabulary(kw string, c *Command) {
	if c.Args != ArgsNone || c.Role != Resident {
		return
	}
	if l.tails == nil {
		l.tails, l.topics = map[*Command][]string{}, map[rune][]topic{}
	}
	if l.tails[c] == nil {
		l.tails[c] = append([]string{}, c.Intent.After...)
	}
	for _, w := range vocabulary(Normalize(kw)) {
		if !slices.Contains(l.tails[c], w) {
			l.tails[c] = append(l.tails[c], w)
		}
		r := firstRune(w)
		i := slices.IndexFunc(l.topics[r], func(t topic) bool { return t.word == w })
		if i < 0 {
			l.topics[r] = append(l.topics[r], topic{word: w})
			i = len(l.topics[r]) - 1
		}
		if !slices.Contains(l.topics[r][i].cmds, c) {
			l.topics[r][i].cmds = append(l.topics[r][i].cmds, c)
		}
		slices.SortStableFunc(l.topics[r], func(a, b topic) int { return cmp.Compare(len(b.word), len(a.word)) })
	}
	slices.SortStableFunc(l.tails[c], func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

// topicAt returns the longest topic word starting s that is not itself
// a keyword acting on its own (报名, 参加: 参加什么活动 asks a neighbour).
func (l *lexicon) topicAt(s string) (topic, bool) {
	for _, t := range l.topics[firstRune(s)] {
		if !strings.HasPrefix(s, t.word) {
			continue
		}
		if c := l.seen[t.word]; c == nil || c.Args == ArgsNone {
			return t, true
		}
	}
	return topic{}, false
}

// add spells out kw (see zh.Expand) and adds each form for c. A form
// registered for two commands panics: that is a programming error.
func (l *lexicon) add(kw string, c *Command) {
	if l.seen == nil {
		l.seen = map[string]*Command{}
	}
	for _, form := range zh.Expand(Normalize(kw)) {
		form = zh.Fold(form)
		if l.seen[form] == c {
			continue
		}
		if l.seen[form] != nil {
			panic("bot: duplicate keyword " + form)
		}
		l.seen[form] = c
		e := entry{cmd: c}
		w, before := strings.CutPrefix(form, NumSlot)
		w, e.kin = strings.CutPrefix(w, KinSlot)
		w, after := strings.CutSuffix(w, NumSlot)
		e.word, e.numBefore, e.numAfter = w, before, after
		if w == "" || strings.Contains(w, "{") {
			panic("bot: bad keyword " + form)
		}
		l.entries = append(l.entries, e)
	}
	l.addVocabulary(kw, c)
	slices.SortStableFunc(l.entries, func(a, b entry) int { return cmp.Compare(len(b.word), len(a.word)) })
	l.first, l.kin = map[string][]*entry{}, map[rune][]*entry{}
	for i := range l.entries {
		e := &l.entries[i]
		if e.kin {
			r := firstRune(e.word)
			l.kin[r] = append(l.kin[r], e)
			continue
		}
		k := lead(e.word)
		l.first[k] = append(l.first[k], e)
	}
}

// lead is the first two characters of s, or s when it is shorter.
func lead(s string) string {
	_, a := utf8.DecodeRuneInString(s)
	_, b := utf8.DecodeRuneInString(s[a:])
	return s[:a+b]
}

// match returns the entry covering the most of s's start that keep
// accepts, and how much of s it covers: a word at the start of s, or after
// the someone else a KinSlot phrase names.
func (l *lexicon) match(s string, keep func(*entry) bool) (*entry, int) {
	var best *entry
	n := 0
	two := lead(s)
	_, size := utf8.DecodeRuneInString(s)
	for _, k := range []string{two, s[:size]} {
		for _, e := range l.first[k] {
			if len(e.word) <= n {
				break
			}
			if keep(e) && strings.HasPrefix(s, e.word) {
				best, n = e, len(e.word)
			}
		}
		if k == s[:size] {
			break
		}
	}
	if len(l.kin) == 0 {
		return best, n
	}
	_, rest, ok := zh.CutOthers(s)
	if !ok {
		return best, n
	}
	skip := len(s) - len(rest)
	for _, e := range l.kin[firstRune(rest)] {
		if skip+len(e.word) > n && keep(e) && strings.HasPrefix(rest, e.word) {
			best, n = e, skip+len(e.word)
		}
	}
	return best, n
}

// Parse matches text against the router's commands. It accepts /cmd and
// /cmd@bot (other bots' commands are ignored), @mentions of the bot
// anywhere, and Chinese keywords at the start of any clause of the first
// line: after polite words and greetings (我要报名3, 网格员你好 报名3), after
// words asking to be shown (看看活动, 查一下我的报名), after who is coming
// (我和老伴都报名3号), after a number (3号活动报名), or in the 把 order
// (把我3号的取消了). Emoji, WeChat's [抱拳] codes, thanks and request tails
// around a command are ignored. An acting command (ArgsNumber) does not
// match a question (报名了吗？). ok is false when nothing matched. Parse is
// pure: it reads no state but the router's commands.
func (r *Router) Parse(text string) (p Parsed, ok bool) {
	t, mentioned := zh.StripMentions(Normalize(text), r.botName, DefaultBotName)
	if mentioned {
		t = Normalize(t)
	}
	t = strings.TrimLeft(t, "\n ")
	if t == "" {
		return Parsed{Mentioned: mentioned}, false
	}
	orig, rest, _ := strings.Cut(t, "\n")
	if strings.HasPrefix(orig, "/") {
		p, ok = r.parseSlash(orig, rest)
		p.Mentioned = mentioned
		return p, ok
	}
	first := zh.Fold(zh.Blank(zh.Simplify(orig)))
	for pos, n := 0, 0; pos < len(first) && n < maxClauses; n++ {
		if p, ok := r.parseClause(first[pos:], orig, rest, pos == 0); ok {
			p.Mentioned = mentioned
			return p, true
		}
		next := strings.IndexAny(first[pos:], zh.ClauseSeps)
		if next < 0 {
			break
		}
		pos += next
		_, size := utf8.DecodeRuneInString(first[pos:])
		pos += size
	}
	return Parsed{Mentioned: mentioned}, false
}

// moreLines is what the lines after an acting command add to its
// arguments: nothing when they only thank ("报名3号\n谢谢").
func moreLines(rest string) string {
	if zh.OnlyCourtesy(rest) {
		return ""
	}
	return rest
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

// peeled is how a clause was reached: which words were peeled off its
// start.
type peeled struct {
	loose bool // something only an acting keyword may follow (好, 我和老伴)
	lead  bool // a word asking to be shown (看看, 查一下)
	ask   bool // something only a keyword that shows may follow (今天, 有没有, 求)
	self  bool // the speaker (我, 我们): no free-text command follows
}

// fits reports whether a command with args may follow what was peeled.
func (h peeled) fits(args ArgKind) bool {
	switch args {
	case ArgsNone:
		return !h.loose
	case ArgsNumber:
		return !h.ask
	}
	return !h.loose && !h.ask && !h.self
}

// parseClause matches one clause cl, a suffix of the simplified first line
// running to its end; orig is the first line as typed, so that free text
// keeps its characters. Commands taking free text match only at the start
// of a message (first), so "好的，通知我一下" is chat, not a notice. A
// clause asked as a question (有没有…, …没, 是不是…) is read a second time
// in its plain 吗 form (zh.AskForm), where only a command that shows
// something may match.
func (r *Router) parseClause(cl, orig, rest string, first bool) (Parsed, bool) {
	cl = strings.TrimLeft(cl, " ")
	if p, ok := r.readClause(cl, orig, rest, first, false); ok {
		return p, true
	}
	// The second reading is of this clause alone, with the mark that
	// closes it (？ asks), so a long message costs no more per clause.
	if end := strings.IndexAny(cl, zh.ClauseSeps); end >= 0 {
		_, size := utf8.DecodeRuneInString(cl[end:])
		cl = cl[:end+size]
	}
	q, asked := zh.AskForm(cl)
	if d, ok := withoutNumber(q); ok && (asked || zh.IsQuestion(q)) {
		q, asked = d, true
	}
	if asked {
		return r.readClause(q, q, rest, false, true)
	}
	return Parsed{}, false
}

// withoutNumber drops the first activity number written with 号 or 活动
// from s ("3号我报上了吗" → "我报上了吗"): a question that shows something
// (my sign-ups, the list) needs none.
func withoutNumber(s string) (string, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= '0' && r <= '9' || zh.IsNumeral(r) {
			if _, rest, ok := zh.ActivityNumber(s[i:]); ok {
				if used := s[i : len(s)-len(rest)]; strings.Contains(used, "号") || strings.Contains(used, "活动") {
					return s[:i] + rest, true
				}
			}
			for i < len(s) && (s[i] >= '0' && s[i] <= '9') {
				i++
			}
			if r >= '0' && r <= '9' {
				continue
			}
		}
		i += size
	}
	return s, false
}

// readClause is parseClause on one reading of the clause; ask restricts it
// to the commands that show something.
func (r *Router) readClause(cl, orig, rest string, first, ask bool) (Parsed, bool) {
	asked, known := false, false
	question := func() bool {
		if !known {
			asked, known = zh.IsQuestion(cl) || zh.IsQuestion(rest), true
		}
		return asked
	}
	s, who, how := cl, []string(nil), peeled{ask: ask}
	for range 8 {
		if !how.loose && !how.lead && !how.ask && !how.self {
			if p, ok := r.parseBa(s, rest, question); ok {
				return p, true
			}
		}
		if p, ok := r.verbFirst(s, orig, rest, first, how.lead, question); ok && how.fits(p.Command.Args) {
			p.Plain = p.Plain && first && (s == cl || how.lead && p.Args == "" && p.Command.Role == Resident)
			if p.Command.Args == ArgsNumber {
				p.Args = joinLines(joinWords(append([]string{p.Args}, who...)...), moreLines(rest))
			}
			return p, true
		}
		if p, ok := r.topicFirst(s, question); ok && !how.loose {
			return p, true
		}
		if args, cmd, ok := r.numberFirst(s, question); ok && !how.ask {
			return Parsed{Command: cmd, Args: joinLines(joinWords(append([]string{args}, who...)...), moreLines(rest))}, true
		}
		next, kind, ok := peel(s, &who)
		if !ok {
			break
		}
		s = next
		how.loose = how.loose || kind == peelAct
		how.lead = how.lead || kind == peelLead
		how.ask = how.ask || kind == peelAsk
		how.self = how.self || kind == peelSelf
	}
	return Parsed{}, false
}

// topicFirst matches words of a command's keywords standing before one of
// its keywords: "志愿者星级", "我的志愿者星级" reach the volunteer hours by
// 星级. Only commands that show something are reached so, only one whose
// words every word before the keyword is, and only when one of those
// words names something (这个 alone does not: 这个怎么用 asks a
// neighbour).
func (r *Router) topicFirst(s string, question func() bool) (Parsed, bool) {
	var cmds []*Command
	named := false
	for range 3 {
		t, ok := r.lex.topicAt(s)
		if !ok {
			return Parsed{}, false
		}
		if cmds == nil {
			cmds = t.cmds
		} else {
			cmds = slices.DeleteFunc(slices.Clone(cmds), func(c *Command) bool { return !slices.Contains(t.cmds, c) })
		}
		if len(cmds) == 0 {
			return Parsed{}, false
		}
		s = s[len(t.word):]
		named = named || !slices.Contains(zh.Pointers, t.word)
		if !named {
			continue
		}
		if p, ok := r.verbFirst(s, s, "", false, false, question); ok && slices.Contains(cmds, p.Command) {
			return p, true
		}
	}
	return Parsed{}, false
}

// parseBa reads the 把 order of undoing ("把3号取消了", "把我的报名退掉") as
// 取消 before its object ("取消3号"); only an acting command may match.
func (r *Router) parseBa(cl, rest string, question func() bool) (Parsed, bool) {
	_, obj, ok := zh.CutBa(cl)
	if !ok || question() {
		return Parsed{}, false
	}
	s := "取消" + obj
	if _, _, num := readSlot(obj); !num {
		if obj != "" && obj != "报名" && obj != "活动" {
			return Parsed{}, false
		}
		s = "取消报名"
	}
	p, ok := r.verbFirst(s, s, rest, false, false, func() bool { return false })
	if !ok || p.Command.Args != ArgsNumber {
		return Parsed{}, false
	}
	p.Args, p.Plain = joinLines(p.Args, rest), false
	return p, true
}

// How a word was peeled off a clause's start.
const (
	peelPolite = iota // before any command
	peelAct           // only before an acting command
	peelLead          // before a request to be shown something
	peelAsk           // only before a request to be shown something
	peelSelf          // the speaker: before any command but free text
)

// peel removes one polite word, greeting, word asking to be shown, or
// people phrase from the start of s; a people phrase that says how many
// come or for whom is added to who. Someone else named alone (老张, 我老伴)
// is not peeled: what follows is their business, not the speaker's.
func peel(s string, who *[]string) (rest string, kind int, ok bool) {
	p, people := zh.ReadPeople(s)
	if people && p.Proxy {
		*who = append(*who, strings.TrimSpace(s[:len(s)-len(p.Rest)]))
		return strings.TrimLeft(p.Rest, " "), peelAct, true
	}
	for _, pre := range zh.PolitePrefixes {
		if rest, ok := strings.CutPrefix(s, pre); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimLeft(rest, " ，,"), peelPolite, true
		}
	}
	for _, pre := range zh.Leads {
		if rest, ok := strings.CutPrefix(s, pre); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimLeft(rest, " "), peelLead, true
		}
	}
	if people && p.Rest != s && p.Counted {
		phrase := strings.TrimSpace(s[:len(s)-len(p.Rest)])
		*who = append(*who, phrase)
		// 都 and 也 stay with what follows: 我们老两口都去3号.
		for _, a := range []string{"都", "也"} {
			if strings.HasSuffix(phrase, a) {
				return a + strings.TrimLeft(p.Rest, " "), peelAct, true
			}
		}
		return strings.TrimLeft(p.Rest, " "), peelAct, true
	}
	if people && p.Rest != s && p.Self {
		return strings.TrimLeft(p.Rest, " "), peelSelf, true
	}
	for _, pre := range zh.ActPrefixes {
		if rest, ok := strings.CutPrefix(s, pre); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimLeft(rest, " "), peelAct, true
		}
	}
	if r := zh.CutAdverbs(s); r != s && r != "" {
		return strings.TrimLeft(r, " "), peelAct, true
	}
	for _, pre := range zh.AskLeads {
		if rest, ok := strings.CutPrefix(s, pre); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimLeft(rest, " "), peelAsk, true
		}
	}
	return s, peelAct, false
}

// verbFirst matches a keyword at the start of s ("报名3号", "取消 3"). A
// 了 closing a refusal is part of it: 不参加3号了. A command taking free
// text matches only at the start of a message (first), and after a word
// asking to be shown (lead: 看看帮助) only with nothing after it.
func (r *Router) verbFirst(s, orig, rest string, first, lead bool, question func() bool) (Parsed, bool) {
	e, n := r.keywordAt(s)
	if e == nil || !first && e.cmd.Args == ArgsText {
		return Parsed{}, false
	}
	cmd, after := e.cmd, s[n:]
	switch cmd.Args {
	case ArgsNone:
		extra := cmd.Intent.After
		if t, ok := r.lex.tails[cmd]; ok {
			extra = t
		}
		if zh.TrimTails(after, extra) != "" {
			return Parsed{}, false
		}
		return Parsed{Command: cmd, Plain: true}, true
	case ArgsText:
		if cmd.Role == Resident && rest == "" && zh.TrimTails(after, nil) == "" {
			return Parsed{Command: cmd, Plain: true}, true
		}
		if lead {
			return Parsed{}, false
		}
		args := trimArgSeps(after)
		args = strings.TrimSpace(orig[len(orig)-len(args):])
		plain := after == "" || zh.StartsAny(after, " ", ":", "：")
		return Parsed{Command: cmd, Args: joinLines(args, rest), Plain: plain}, true
	}
	if !e.kin && question() {
		return Parsed{}, false
	}
	if zh.BadNumberAt(after) {
		return Parsed{Command: cmd, Args: strings.TrimSpace(trimArgSeps(after)), Plain: true}, true
	}
	if x, ok := strings.CutPrefix(after, "一下"); ok {
		if _, _, num := zh.ActivityNumber(trimArgSeps(x)); num {
			after = x
		}
	}
	if e.kin {
		num, _, ok := readSlot(trimArgSeps(after))
		if !ok && !wishDone(e.word, after) {
			return Parsed{}, false
		}
		return Parsed{Command: cmd, Args: num, Plain: true}, true
	}
	if strings.HasPrefix(e.word, "不") {
		after = strings.TrimSuffix(zh.TrimCourtesy(after), "了")
	}
	args, ok := numberArgs(after, e.numAfter)
	if !ok {
		return Parsed{}, false
	}
	return Parsed{Command: cmd, Args: args, Plain: true}, true
}

// numberFirst matches a number followed by a keyword: "3号活动报名",
// "3号我和老伴都去", "3号不去了". It returns the arguments.
func (r *Router) numberFirst(s string, question func() bool) (string, *Command, bool) {
	num, after, ok := readSlot(s)
	if !ok {
		num, after, ok = digitsBeforeKeyword(r, s)
	}
	if !ok || question() {
		return "", nil, false
	}
	t := trimArgSeps(after)
	var who []string
	for range 6 {
		if e, n := r.keywordAfterNumber(t); e != nil {
			if e.kin {
				return num, e.cmd, true
			}
			if extra, ok := tailArgs(t[n:]); ok {
				return joinWords(append([]string{num, extra}, who...)...), e.cmd, true
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

// wishDone reports whether a third person's wish ends with its keyword
// word: 我妈想报名, 我妈想去，怎么弄 — but not 我妈想去公园.
func wishDone(word, after string) bool {
	for _, v := range []string{"报名", "参加", "报个名"} {
		if strings.HasSuffix(word, v) {
			return true
		}
	}
	return zh.TrimTails(after, nil) == "" || zh.StartsAny(after, "，", ",", "。", "？", "?", "！", "!", " ")
}

// digitsBeforeKeyword reads Arabic digits standing right before an acting
// keyword: "4821签到", "3报名".
func digitsBeforeKeyword(r *Router, s string) (num, rest string, ok bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return "", s, false
	}
	n, rest, ok := zh.LeadingNumber(s)
	if !ok {
		return "", s, false
	}
	if e, _ := r.keywordAfterNumber(rest); e == nil {
		return "", s, false
	}
	return strconv.Itoa(n), rest, true
}

// keywordAt returns the keyword entry covering the most of s's start that
// does not need a number before it, and how much it covers.
func (r *Router) keywordAt(s string) (*entry, int) {
	return r.lex.match(s, func(e *entry) bool { return !e.numBefore })
}

// keywordAfterNumber returns the entry of an ArgsNumber command or "{n}word"
// phrase covering the most of s, the text after a number.
func (r *Router) keywordAfterNumber(s string) (*entry, int) {
	return r.lex.match(s, func(e *entry) bool {
		return !e.numAfter && (e.numBefore || !e.kin && e.cmd.Args == ArgsNumber)
	})
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
	if p, ok := zh.ReadPeople(a); ok && p.Counted {
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
	t := zh.TrimCourtesy(s)
	if told(t) {
		return "", false
	}
	if t == "" {
		return "", true
	}
	if _, r, ok := zh.CutWord(t, []string{"的报名", "的活动", "报名", "参加"}); ok {
		if r = strings.TrimLeft(r, " "); r == "" {
			return "", true
		}
		t = r
	}
	if secondActivity(t) {
		return "", false
	}
	switch {
	case zh.StartsAny(t, " ", ",", "，", "、", ":", "：", "。", "；", "带"),
		t[0] >= '0' && t[0] <= '9':
		return zh.GlueUnits(strings.TrimSpace(trimArgSeps(t))), true
	}
	if _, ok := zh.ReadPeople(zh.CutAdverbs(t)); ok {
		return t, true
	}
	return "", false
}

// told reports whether the tail after a number or keyword tells rather than
// asks: it ends in 了 or 啦 ("报名3号了"), unless a separator starts a remark
// that merely ends so ("取消3号，临时有事去不了").
func told(t string) bool {
	if !strings.HasSuffix(t, "了") && !strings.HasSuffix(t, "啦") {
		return false
	}
	remark := strings.TrimLeft(t, " ,，;；。")
	return remark == t || remark == "了" || remark == "啦"
}

// secondActivity reports whether s, the text after an activity number,
// names another one ("、5号", "和5号活动", "、5"): one message is one
// activity, so such a message is left to a person rather than half done.
func secondActivity(s string) bool {
	t := strings.TrimLeft(s, " ")
	_, t, listed := zh.CutWord(t, []string{"、", "还有", "以及", "和", "跟", "与"})
	t = strings.TrimLeft(strings.TrimLeft(t, " ,，;；"), "#第 ")
	_, r, ok := zh.LeadingNumber(t)
	if !ok || r == t {
		return false
	}
	if zh.NamesPlace(strings.TrimPrefix(r, "号")) {
		return false
	}
	if _, _, unit := zh.CutWord(r, countUnits); unit && !strings.HasPrefix(r, "个活动") {
		return false
	}
	return listed || zh.StartsAny(r, "号", "活动", "个活动")
}

var countUnits = []string{"口人", "个人", "人", "位", "口", "名", "个"}

func trimArgSeps(s string) string {
	return strings.TrimLeft(s, " :：,，、.。—")
}

// readSlot is ActivityNumber with the number in Arabic digits.
func readSlot(s string) (num, rest string, ok bool) {
	n, rest, ok := zh.ActivityNumber(s)
	if !ok {
		return "", s, false
	}
	return strconv.Itoa(n), rest, true
}

// Fields splits argument text on spaces and Chinese separators (，、；|).
func Fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '，' || r == ',' || r == '、' || r == '；' || r == ';'
	})
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
