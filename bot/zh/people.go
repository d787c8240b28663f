package zh

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// People phrases are how residents say who is coming: "两个人", "三位",
// "俩人", "我和老伴", "一家三口", "我们老两口", "老伴也去", "带孙子一起",
// "大人2个小孩1个". A parser peels them off around a sign-up word, and a
// sign-up handler turns them into a headcount with Headcount.

// kinWords name one person each; pairWords name two or three.
var (
	kinWords = longestFirst([]string{
		"老伴儿", "老伴", "爱人", "老公", "老婆", "媳妇", "丈夫", "妻子", "对象", "老头子", "老头", "老太婆", "老太太",
		"孩子", "小孩", "小朋友", "宝宝", "儿子", "女儿", "闺女", "孙子", "孙女", "外孙子", "外孙女", "外孙", "重孙",
		"儿媳妇", "儿媳", "女婿", "妈妈", "老妈", "母亲", "妈", "爸爸", "老爸", "父亲", "爸", "奶奶", "爷爷",
		"外婆", "外公", "姥姥", "姥爷", "婆婆", "公公", "岳母", "岳父", "丈母娘", "老丈人", "哥哥", "姐姐",
		"弟弟", "妹妹", "朋友", "老邻居", "邻居", "亲戚", "家属", "老人", "大人", "老母亲", "老父亲", "娃娃", "娃",
		"小孙子", "小孙女", "孙儿", "小外孙", "老姐妹", "姐妹", "同事", "家里人", "家人", "婆婆", "老婆子", "学生",
	})
	pairWords = map[string]int{
		"爸妈": 2, "父母": 2, "公婆": 2, "爷爷奶奶": 2, "姥姥姥爷": 2, "外公外婆": 2, "老两口": 2, "两口子": 2,
		"夫妻俩": 2, "夫妻": 2, "我俩": 2, "我们俩": 2, "咱俩": 2, "咱们俩": 2, "俺俩": 2, "娘俩": 2, "爷俩": 2,
		"母女俩": 2, "父子俩": 2, "母子俩": 2, "父女俩": 2, "祖孙俩": 2, "我们仨": 3, "咱仨": 3, "娘仨": 3,
		"我们两个": 2, "我们两": 2, "我们三个": 3, "孙子孙女": 2, "两口": 2, "公母俩": 2,
	}
	// selfWords name the speaker (count 1) or the household (count unknown).
	selfWords = map[string]int{
		"我们全家": 0, "我们一家": 0, "我们家": 0, "咱们家": 0, "咱家": 0, "俺家": 0, "我家": 0, "全家": 0,
		"一家人": 0, "一家子": 0, "我们": 0, "咱们": 0, "俺们": 0, "我自己": 1, "自己": 1, "本人": 1, "我": 1, "咱": 1, "俺": 1,
		"家里": 0, "我们一家人": 0, "全家人": 0,
	}
	possessives = longestFirst([]string{"我们家", "咱们家", "我家", "咱家", "俺家", "家里", "我的", "我"})
	joiners     = []string{"还有", "加上", "以及", "和", "跟", "同", "与", "加", "、", " "}
	proxyVerbs  = []string{"帮", "给", "替", "为", "代"}
	// withVerbs bring someone along: the speaker and those brought come.
	withVerbs  = []string{"带着", "带上", "带"}
	adverbs    = []string{"一块儿", "一块", "一起", "一同", "都", "也", "全", "就", "还"}
	goVerbs    = []string{"报名", "参加", "过去", "去", "来"}
	countUnits = []string{"口人", "个人", "人", "位", "口", "名", "个"}
	// honorifics after a surname name a neighbour: 王姐, 张阿姨, 李叔.
	honorifics = longestFirst([]string{"阿姨", "叔叔", "大爷", "大妈", "大娘", "奶奶", "爷爷", "姐", "哥", "叔", "婶", "姨",
		"老师", "师傅", "大姐", "大哥", "嫂子", "嫂"})
	// places say where a neighbour lives: 隔壁王阿姨, 楼上的李叔.
	places   = longestFirst([]string{"隔壁的", "隔壁", "对门的", "对门", "楼上的", "楼上", "楼下的", "楼下"})
	surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢" +
		"姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
	// kinds are kin words that take a count after them: 大人2个, 小孩1个.
	kinds    = []string{"大人", "小孩", "孩子", "老人", "娃", "娃娃", "小朋友", "宝宝", "学生"}
	pairList = sortedKeys(pairWords)
	selfList = sortedKeys(selfWords)
)

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(byLength(a, b), cmp.Compare(a, b)) })
	return out
}

// cutCount reads an explicit count: "两个人", "3人", "三位", "共4口",
// "一家三口", "俩人", "一共仨".
func cutCount(s string) (int, string, bool) {
	_, t, _ := CutWord(s, []string{"一共是", "一共", "总共", "共计", "共", "总计"})
	if r, ok := strings.CutPrefix(t, "一家"); ok {
		if n, rest, ok := LeadingNumber(r); ok && rest != r {
			if rest, ok := strings.CutPrefix(rest, "口"); ok {
				return n, strings.TrimPrefix(rest, "人"), true
			}
		}
	}
	n, rest, ok := CountNumber(t)
	if !ok || rest == t {
		return 0, s, false
	}
	u, after, ok := CutWord(rest, countUnits)
	if !ok {
		if strings.HasPrefix(t, "俩") || strings.HasPrefix(t, "仨") {
			return n, rest, true
		}
		return 0, s, false
	}
	if u != "个人" && u != "人" && u != "口人" {
		if _, _, ok := CutWord(after, kinWords); ok {
			return 0, s, false
		}
	}
	return n, strings.TrimPrefix(after, "之家"), true
}

// part is one person or group named in a people phrase.
type part struct {
	n        int  // how many it names, 0 when it does not say (我们)
	self     bool // it names the speaker
	numbered bool // it starts with a number: 两个孩子, 2大
}

// cutPart reads one person or group: "我", "老伴", "我老伴", "两个孩子",
// "2大", "大人2个", "老两口", "王姐".
func cutPart(s string) (part, string, bool) {
	if w, rest, ok := CutWord(s, pairList); ok {
		return part{n: pairWords[w], self: strings.HasPrefix(w, "我") || strings.HasPrefix(w, "咱") || strings.HasPrefix(w, "俺")}, rest, true
	}
	if num, r, ok := LeadingNumber(s); ok && num > 0 && r != s {
		_, r2, _ := CutWord(r, []string{"个", "位", "名"})
		if _, after, ok := CutWord(r2, kinWords); ok {
			return part{n: num, numbered: true}, after, true
		}
		if r2 == r {
			if _, after, ok := CutWord(r, []string{"大", "小"}); ok {
				return part{n: num, numbered: true}, after, true
			}
		}
	}
	if _, r, ok := CutWord(s, possessives); ok {
		if w, after, ok := CutWord(r, pairList); ok {
			return part{n: pairWords[w]}, after, true
		}
		if _, after, ok := CutWord(r, kinWords); ok {
			return part{n: 1}, after, true
		}
	}
	if w, after, ok := CutWord(s, kinWords); ok {
		if n, r, ok := LeadingNumber(after); ok && n > 0 && r != after && slices.Contains(kinds, w) {
			if _, r2, ok := CutWord(r, []string{"个", "位", "名"}); ok && !strings.HasPrefix(r2, "人") {
				return part{n: n}, r2, true
			}
		}
		return part{n: 1}, after, true
	}
	if w, after, ok := CutWord(s, selfList); ok {
		return part{n: selfWords[w], self: true}, after, true
	}
	if after, ok := cutNeighbour(s); ok {
		return part{n: 1}, after, true
	}
	return part{}, s, false
}

// cutNeighbour reads a neighbour named by surname: 王姐, 张阿姨, 老李.
func cutNeighbour(s string) (string, bool) {
	if _, r, ok := CutWord(s, places); ok && r != s {
		if after, ok := cutNeighbour(r); ok {
			return after, true
		}
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == '老' || r == '小' {
		if r2, n2 := utf8.DecodeRuneInString(s[size:]); n2 > 0 && strings.ContainsRune(surnames, r2) {
			return s[size+n2:], true
		}
		return s, false
	}
	if size == 0 || !strings.ContainsRune(surnames, r) {
		return s, false
	}
	if _, after, ok := CutWord(s[size:], honorifics); ok {
		return after, true
	}
	return s, false
}

// parts is what a run of parts says.
type parts struct {
	total   int
	count   int // parts read
	unknown bool
	self    bool
	rest    string
}

// cutParts reads parts joined by 和, 跟, 、 or standing side by side
// ("孙子孙女", "我们老两口", "大人2个小孩1个", "2大1小"). A part that gives
// no count (我们) followed by one that does is the same people, and so is a
// counted part right after named ones that names as many ("孙子孙女两个娃"
// is two).
func cutParts(s string) parts {
	t := s
	var ps parts
	pending, named, adjacent := false, false, false
	for {
		p, r, ok := cutPart(t)
		if !ok {
			break
		}
		if pending && p.n > 0 {
			pending = false
		} else if pending {
			ps.unknown = true
		}
		pending = p.n == 0
		if adjacent && named && p.numbered && ps.total == p.n {
			ps.total = 0
		}
		named = named || !p.numbered && !p.self
		ps.total += p.n
		ps.self = ps.self || p.self
		ps.count++
		t = r
		adjacent = false
		if _, r, ok := CutWord(t, joiners); ok {
			if _, _, next := cutPart(r); next {
				if pending {
					ps.unknown, pending = true, false
				}
				t = r
				continue
			}
		}
		adjacent = true
		if _, _, next := cutPart(t); !next {
			break
		}
		if _, _, self := CutWord(t, selfList); self {
			break
		}
	}
	ps.unknown = ps.unknown || pending
	ps.rest = t
	return ps
}

// People is a people phrase read by ReadPeople.
type People struct {
	// N is the headcount it gives, when Counted.
	N int
	// Counted is true when it says how many (explicitly, by naming each
	// person, or by bringing someone along).
	Counted bool
	// Proxy is true when it names others the speaker acts for or brings
	// (帮我妈, 带孙子): that part is worth keeping as a remark.
	Proxy bool
	// Rest is the text after the phrase and its adverbs (都, 也, 一起).
	Rest string
	// Self is true when the speaker is among them (我, 我们老两口); a
	// phrase neither Self, Counted nor Proxy names someone else alone
	// (老张, 我老伴), whose deeds are not the speaker's.
	Self bool
}

// ReadPeople reads a people phrase at the start of s ("我和老伴都",
// "一家三口", "我们家三口人", "两个人", "帮我妈", "带孙子一起", "老伴也")
// with the adverbs after it. "帮我", "给我" alone are not a phrase: they ask
// for the speaker. A single "我" or "老伴" is a phrase that does not count;
// others followed by 也 ("老伴也去") come with the speaker.
func ReadPeople(s string) (People, bool) {
	if _, r, ok := CutWord(s, withVerbs); ok {
		return bring(r)
	}
	t := s
	var p People
	if _, r, ok := CutWord(t, proxyVerbs); ok {
		ps := cutParts(r)
		if ps.count == 0 || ps.self {
			return People{}, false
		}
		t, p.Proxy = r, true
	}
	ps := cutParts(t)
	t = ps.rest
	if c, r, ok := cutCount(strings.TrimLeft(t, " ")); ok {
		p.N, p.Counted, p.Rest = c, true, cutAdverbs(r)
		return p, true
	}
	if ps.count == 0 {
		return People{}, false
	}
	if !ps.self && !p.Proxy && !ps.unknown {
		if r, ok := strings.CutPrefix(strings.TrimPrefix(t, "都"), "也"); ok {
			return People{N: ps.total + 1, Counted: true, Rest: cutAdverbs(r)}, true
		}
	}
	if _, r, ok := CutWord(t, withVerbs); ok && !p.Proxy {
		if b, ok := bring(r); ok {
			n := b.N
			if ps.self && ps.total > 1 && !ps.unknown {
				n += ps.total - 1
			}
			return People{N: n, Counted: true, Proxy: true, Rest: b.Rest}, true
		}
	}
	p.Rest, p.Self = cutAdverbs(t), ps.self
	if ps.total > 1 && !ps.unknown {
		p.N, p.Counted = ps.total, true
	}
	return p, true
}

// bring reads who is brought along after 带: the speaker and them come
// ("孙子" is 2, "孙子孙女两个娃" is 3, "两个孩子" is 3).
func bring(r string) (People, bool) {
	ps := cutParts(r)
	if ps.count == 0 || ps.self {
		return People{}, false
	}
	n, after := ps.total, ps.rest
	if c, r2, ok := cutCount(strings.TrimLeft(after, " ")); ok {
		n, after = c, r2
	}
	if n == 0 {
		n = 1
	}
	return People{N: n + 1, Counted: true, Proxy: true, Rest: cutAdverbs(after)}, true
}

// CutOthers reads a phrase naming only people other than the speaker at
// the start of s ("我妈", "我老伴也", "张阿姨", "我家孩子") and returns it and
// the rest. It is false for a phrase naming the speaker ("我", "我和老伴")
// or someone they act for ("帮我妈").
func CutOthers(s string) (who, rest string, ok bool) {
	if _, _, proxy := CutWord(s, proxyVerbs); proxy {
		return "", s, false
	}
	if _, _, with := CutWord(s, withVerbs); with {
		return "", s, false
	}
	ps := cutParts(s)
	if ps.count == 0 || ps.self || ps.rest == s {
		return "", s, false
	}
	r := cutAdverbs(ps.rest)
	return strings.TrimSpace(s[:len(s)-len(r)]), r, true
}

// goVerbAfter drops a 来 or 去 that stands between who and how many in a
// remark: 我们家来三个人.
func goVerbAfter(s string) string {
	_, r, _ := CutWord(s, []string{"来", "去"})
	return r
}

func cutAdverbs(s string) string {
	for {
		_, r, ok := CutWord(s, adverbs)
		if !ok {
			return s
		}
		s = r
	}
}

// keptPhrase is the part of a people phrase worth a remark: whom the
// speaker brings or acts for, without 我 before 带 and adverbs after.
func keptPhrase(s string) string {
	s = strings.TrimSpace(s)
	if _, r, ok := CutWord(s, []string{"我们", "我"}); ok && strings.HasPrefix(r, "带") {
		s = r
	}
	return trimAdverbsRight(s)
}

func trimAdverbsRight(s string) string {
	for {
		t, _, ok := cutSuffix(s, adverbs)
		if !ok || t == "" {
			return s
		}
		s = t
	}
}

// CutAdverbs drops 都, 也, 一起 and their like from the start of s.
func CutAdverbs(s string) string { return cutAdverbs(s) }

// GlueUnits joins a number and its unit split by a space: "2 人" → "2人".
func GlueUnits(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			if _, _, ok := CutWord(s[i+1:], countUnits); ok {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Headcount finds how many people a sign-up remark says are coming and
// returns the remark without the phrase that said it: "我和老伴两个人" gives
// 2 and "", "2人 带孙子" gives 2 and "带孙子", "两个大人一个小孩" 3, "一家三口"
// 3, "俩人" 2, "老伴也去" 2, "带孙子一起" 2 and "带孙子". ok is false when
// nothing gives a count; then remark is s re-spaced. A phrase naming people
// without a number ("老伴腿脚不好") and one naming whom the speaker signs up
// ("帮我妈") stay in the remark.
func Headcount(s string) (n int, remark string, ok bool) {
	var kept []string
	s = strings.NewReplacer("共 ", "共", "一家 ", "一家").Replace(GlueUnits(s))
	for _, seg := range fields(s) {
		for seg != "" {
			p, read := ReadPeople(seg)
			if read && !p.Counted && !p.Proxy {
				if c, r, counted := cutCount(goVerbAfter(p.Rest)); counted {
					p.N, p.Counted, p.Rest = c, true, r
				}
			}
			if !read || !p.Counted || ok {
				kept = append(kept, seg)
				break
			}
			n, ok = p.N, true
			if p.Proxy {
				kept = append(kept, keptPhrase(seg[:len(seg)-len(p.Rest)]))
			}
			_, rest, _ := CutWord(p.Rest, goVerbs)
			seg = strings.TrimLeft(rest, " :：,，、.。;；")
		}
	}
	return n, strings.Join(kept, " "), ok
}

// fields splits on spaces and Chinese separators (，、；).
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '，' || r == ',' || r == '、' || r == '；' || r == ';'
	})
}
