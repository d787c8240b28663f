package zh

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// synonyms are words people use for a word the features know, each as
// long in UTF-8 as the word it stands for, so Fold keeps byte offsets:
// 竞赛 is the 竞答, 如何 and 怎样 are 怎么, 俺 is 我.
var synonyms = []struct{ from, to string }{
	{"知识竞赛", "知识竞答"}, {"竞赛", "竞答"}, {"如何", "怎么"}, {"怎样", "怎么"}, {"哪儿", "哪里"}, {"啥子", "什么"},
	{"俺们", "我们"}, {"俺", "我"}, {"神马", "什么"},
}

// Fold replaces the synonyms people use for the words features know (竞赛
// → 竞答, 如何/怎样 → 怎么, 俺 → 我), so a keyword is declared once. Every
// replacement has the length of what it replaces: byte offsets in the
// result are offsets in s.
func Fold(s string) string {
	for _, w := range synonyms {
		if strings.Contains(s, w.from) {
			s = strings.ReplaceAll(s, w.from, w.to)
		}
	}
	return s
}

// AskLeads open a question that asks to be shown something: 有没有每日一学,
// 求活动列表, 今天有每日一学吗, 我现在几星了. They are peeled only before a
// command that shows (never one that acts), so 今天3号不去了 is not read
// through them.
var AskLeads = longestFirst([]string{"今天", "今日", "今儿", "最近", "近期", "这周", "本周", "下周", "这几天", "这个月", "本月",
	"这礼拜", "下礼拜", "这星期", "下星期", "本星期",
	"现在", "目前", "明天", "周末", "这周末", "有没有", "有木有", "求个", "求一下", "求一个", "求发", "求", "到底", "我现在", "我目前",
	"我到底", "我", "我的", "都", "还", "一共", "总共", "教教我", "教我", "请教一下", "请教", "有", "有多少", "多少", "社区", "小区",
	"咱们社区", "我们社区", "咱们小区"})

// Pointers point at something or someone without naming it (这个, 我的,
// 什么): words a request is made of, never what it is about.
var Pointers = []string{"这个", "那个", "这些", "那些", "哪个", "哪些", "什么", "我的", "我们", "咱们", "你的", "你们", "现在", "最近"}

// askFillers say nothing a request needs in a question: 我到底报上没,
// 我是不是已经报名了, 我一共报了几个.
var askFillers = []string{"到底", "已经", "一共", "总共", "究竟", "现在", "目前"}

// AskForm rewrites a question as its plain 吗 form, so that the few forms a
// feature declares cover the ways people ask: an A-not-A pair keeps its
// A (有没有每日一学 → 有每日一学吗, 我报没报上 → 我报上吗, 我是不是报名了 →
// 我报名了吗), a closing 没, 没有 or 不 becomes 吗 (最近有啥活动没 → 最近有
// 啥活动吗), and in a question fillers go (到底, 已经, 一共: 我已经报名了
// tells and stays as it is). ok is false when s is not
// asked in one of these shapes; the result is meant for matching only
// (its offsets are not those of s).
func AskForm(s string) (string, bool) {
	t := s
	filled := false
	for _, w := range askFillers {
		if strings.Contains(t, w) {
			t, filled = strings.ReplaceAll(t, w, ""), true
		}
	}
	t, paired := dropANotA(t)
	end := strings.TrimRight(t, TailSeps+"?？")
	for _, q := range []string{"没有", "没", "不"} {
		if u, ok := strings.CutSuffix(end, q); ok && u != "" && !strings.HasSuffix(u, "还") && !strings.HasSuffix(u, "好") {
			return u + "吗", true
		}
	}
	switch {
	case paired && !IsQuestion(t):
		return strings.TrimRight(t, TailSeps) + "吗", true
	case paired, filled && IsQuestion(t):
		return t, true
	}
	return s, false
}

// dropANotA drops the 不A or 没A of the first "A不A" or "A没A" pair in s
// (是不是 drops whole: it only asks, and so does 有没有 after 我, where a deed
// follows: 我有没有报上 → 我报上): 有没有 → 有, 报没报上 → 报上.
func dropANotA(s string) (string, bool) {
	for _, w := range []string{"是不是", "我有没有", "我们有没有", "我有没"} {
		if i := strings.Index(s, w); i >= 0 {
			subject, _ := strings.CutSuffix(w, "有没有")
			subject, _ = strings.CutSuffix(subject, "有没")
			subject, _ = strings.CutSuffix(subject, "是不是")
			return s[:i] + subject + s[i+len(w):], true
		}
	}
	for i := 0; i < len(s); {
		a, n := utf8.DecodeRuneInString(s[i:])
		if unicode.Is(unicode.Han, a) {
			neg, m := utf8.DecodeRuneInString(s[i+n:])
			if (neg == '不' || neg == '没') && strings.HasPrefix(s[i+n+m:], string(a)) {
				return s[:i+n] + s[i+n+m+n:], true
			}
		}
		i += n
	}
	return s, false
}
