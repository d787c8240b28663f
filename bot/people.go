package bot

import (
	"cmp"
	"slices"
	"strings"
)

// People phrases are how residents say who is coming: "两个人", "三位",
// "我和老伴", "一家三口", "老两口", "两个大人一个小孩", "2大1小". The parser
// peels them off around a sign-up word, and sign-up handlers turn them into a
// headcount with Headcount.

// kinWords name one person each; pairWords name two or three.
var (
	kinWords = []string{
		"老伴儿", "老伴", "爱人", "老公", "老婆", "媳妇", "丈夫", "妻子", "对象", "老头子", "老头", "老太婆", "老太太",
		"孩子", "小孩", "小朋友", "宝宝", "儿子", "女儿", "闺女", "孙子", "孙女", "外孙子", "外孙女", "外孙", "重孙",
		"儿媳妇", "儿媳", "女婿", "妈妈", "老妈", "母亲", "妈", "爸爸", "老爸", "父亲", "爸", "奶奶", "爷爷",
		"外婆", "外公", "姥姥", "姥爷", "婆婆", "公公", "岳母", "岳父", "丈母娘", "老丈人", "哥哥", "姐姐",
		"弟弟", "妹妹", "朋友", "老邻居", "邻居", "亲戚", "家属", "老人", "大人", "老母亲", "老父亲",
	}
	pairWords = map[string]int{
		"爸妈": 2, "父母": 2, "公婆": 2, "爷爷奶奶": 2, "姥姥姥爷": 2, "外公外婆": 2, "老两口": 2, "两口子": 2,
		"夫妻俩": 2, "夫妻": 2, "我俩": 2, "我们俩": 2, "咱俩": 2, "咱们俩": 2, "俺俩": 2, "娘俩": 2, "爷俩": 2,
		"母女俩": 2, "父子俩": 2, "母子俩": 2, "父女俩": 2, "祖孙俩": 2, "我们仨": 3, "咱仨": 3, "娘仨": 3,
	}
	// selfWords name the speaker (count 1) or the household (count unknown).
	selfWords = map[string]int{
		"我们全家": 0, "我们一家": 0, "我们家": 0, "咱们家": 0, "咱家": 0, "俺家": 0, "我家": 0, "全家": 0,
		"一家人": 0, "一家子": 0, "我们": 0, "咱们": 0, "俺们": 0, "我自己": 1, "自己": 1, "本人": 1, "我": 1, "咱": 1, "俺": 1,
	}
	possessives = []string{"我们家", "咱们家", "我家", "咱家", "俺家", "家里", "我的", "我"}
	joiners     = []string{"还有", "加上", "以及", "和", "跟", "同", "与", "加", "、", " "}
	proxyVerbs  = []string{"帮", "给", "替", "为", "代"}
	// withVerbs bring someone along: "带孙子" stays a remark and is not
	// counted (the resident says how many when it matters: 2人 带孙子).
	withVerbs  = []string{"带着", "带上", "带"}
	adverbs    = []string{"一块儿", "一块", "一起", "一同", "都", "也", "全", "就", "还"}
	goVerbs    = []string{"报名", "参加", "过去", "去", "来"}
	countUnits = []string{"口人", "个人", "人", "位", "口", "名", "个"}
	byLength   = func(a, b string) int { return cmp.Compare(len(b), len(a)) }
	pairList   = sortedKeys(pairWords)
	selfList   = sortedKeys(selfWords)
)

func init() {
	slices.SortFunc(kinWords, byLength)
	slices.SortFunc(possessives, byLength)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(byLength(a, b), cmp.Compare(a, b)) })
	return out
}

func cutWord(s string, words []string) (string, string, bool) {
	for _, w := range words {
		if rest, ok := strings.CutPrefix(s, w); ok {
			return w, rest, true
		}
	}
	return "", s, false
}

// cutCount reads an explicit count: "两个人", "3人", "三位", "共4口", "一家三口".
func cutCount(s string) (int, string, bool) {
	_, t, _ := cutWord(s, []string{"一共", "总共", "共计", "共"})
	if r, ok := strings.CutPrefix(t, "一家"); ok {
		if n, rest, ok := LeadingNumber(r); ok && rest != r {
			if rest, ok := strings.CutPrefix(rest, "口"); ok {
				return n, strings.TrimPrefix(rest, "人"), true
			}
		}
	}
	n, rest, ok := LeadingNumber(t)
	if !ok || rest == t {
		return 0, s, false
	}
	u, rest, ok := cutWord(rest, countUnits)
	if !ok {
		return 0, s, false
	}
	if u != "个人" && u != "人" && u != "口人" {
		if _, _, ok := cutWord(rest, kinWords); ok {
			return 0, s, false
		}
	}
	return n, strings.TrimPrefix(rest, "之家"), true
}

// cutPart reads one person or group: "我", "老伴", "我老伴", "两个孩子",
// "2大", "老两口". n is how many it names, 0 when it does not say (我们).
func cutPart(s string) (n int, rest string, ok bool) {
	if w, rest, ok := cutWord(s, pairList); ok {
		return pairWords[w], rest, true
	}
	if num, r, ok := LeadingNumber(s); ok && num > 0 && r != s {
		_, r2, _ := cutWord(r, []string{"个", "位", "名"})
		if _, after, ok := cutWord(r2, kinWords); ok {
			return num, after, true
		}
		if r2 == r {
			if _, after, ok := cutWord(r, []string{"大", "小"}); ok {
				return num, after, true
			}
		}
	}
	if _, r, ok := cutWord(s, possessives); ok {
		if w, after, ok := cutWord(r, pairList); ok {
			return pairWords[w], after, true
		}
		if _, after, ok := cutWord(r, kinWords); ok {
			return 1, after, true
		}
	}
	if _, after, ok := cutWord(s, kinWords); ok {
		return 1, after, true
	}
	if w, after, ok := cutWord(s, selfList); ok {
		return selfWords[w], after, true
	}
	return 0, s, false
}

// people is a people phrase read by readPeople.
type people struct {
	n       int  // the headcount it gives, when counted
	counted bool // it says how many (explicitly, or by naming each person)
	proxy   bool // it names others the speaker acts for: 帮我妈
	rest    string
}

// readPeople reads a people phrase at the start of s ("我和老伴都",
// "一家三口", "我们家三口人", "两个人", "帮我妈") with the adverbs after it
// (都, 也, 一起). "帮我", "给我" alone are not a phrase: they ask for the
// speaker. A single "我" or "老伴" is a phrase that does not count.
func readPeople(s string) (people, bool) {
	t := s
	var p people
	if _, r, ok := cutWord(t, withVerbs); ok {
		if _, after, ok := cutPart(r); ok {
			if _, self := selfWords[r[:len(r)-len(after)]]; !self {
				return people{proxy: true, rest: cutAdverbs(after)}, true
			}
		}
		return people{}, false
	}
	if _, r, ok := cutWord(t, proxyVerbs); ok {
		_, after, ok := cutPart(r)
		if !ok {
			return people{}, false
		}
		if _, self := selfWords[r[:len(r)-len(after)]]; self {
			return people{}, false
		}
		t, p.proxy = r, true
	}
	total, parts, unknown := 0, 0, false
	for {
		k, r, ok := cutPart(t)
		if !ok {
			break
		}
		unknown = unknown || k == 0
		total += k
		parts++
		t = r
		if _, r, ok := cutWord(t, joiners); ok {
			if _, _, next := cutPart(r); next {
				t = r
				continue
			}
		}
		if _, r, ok := LeadingNumber(t); !ok || r == t {
			break
		}
		if _, _, next := cutPart(t); !next {
			break
		}
	}
	if c, r, ok := cutCount(strings.TrimLeft(t, " ")); ok {
		p.n, p.counted, p.rest = c, true, cutAdverbs(r)
		return p, true
	}
	if parts == 0 {
		return people{}, false
	}
	p.rest = cutAdverbs(t)
	if total > 1 {
		p.n, p.counted = total, true
	}
	return p, true
}

// goVerbAfter drops a 来 or 去 that stands between who and how many in a
// remark: 我们家来三个人.
func goVerbAfter(s string) string {
	_, r, _ := cutWord(s, []string{"来", "去"})
	return r
}

func cutAdverbs(s string) string {
	for {
		_, r, ok := cutWord(s, adverbs)
		if !ok {
			return s
		}
		s = r
	}
}

// Headcount finds how many people a sign-up remark says are coming and
// returns the remark without the phrase that said it: "我和老伴两个人" gives
// 2 and "", "2人 带孙子" gives 2 and "带孙子", "两个大人一个小孩" gives 3,
// "一家三口" 3. ok is false when nothing gives a count; then remark is s
// re-spaced. A phrase naming people without a number ("老伴腿脚不好") and a
// phrase naming whom the speaker signs up ("帮我妈") stay in the remark.
func Headcount(s string) (n int, remark string, ok bool) {
	var kept []string
	s = strings.NewReplacer("共 ", "共", "一家 ", "一家").Replace(s)
	for _, seg := range Fields(s) {
		for seg != "" {
			p, read := readPeople(seg)
			if read && !p.counted && !p.proxy {
				if c, r, counted := cutCount(goVerbAfter(p.rest)); counted {
					p.n, p.counted, p.rest = c, true, r
				}
			}
			if !read || !p.counted || ok {
				kept = append(kept, seg)
				break
			}
			n, ok = p.n, true
			if p.proxy {
				kept = append(kept, strings.TrimSpace(seg[:len(seg)-len(p.rest)]))
			}
			_, rest, _ := cutWord(p.rest, goVerbs)
			seg = strings.TrimLeft(rest, " :：,，、.。;；")
		}
	}
	return n, strings.Join(kept, " "), ok
}
