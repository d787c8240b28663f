package zh

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// byLength orders words longest first, so the longest word is cut.
func byLength(a, b string) int { return cmp.Compare(len(b), len(a)) }

func longestFirst(words []string) []string {
	slices.SortStableFunc(words, byLength)
	return words
}

// Polite words before a request. PolitePrefixes may stand before any
// command (我要报名3, 网格员你好，报名3, 请问有什么活动); ActPrefixes only
// before one that acts (好，报名3 signs up, but 好活动 praises and does not
// ask for the list); Leads only before a request to be shown something
// (看看活动, 查一下我的报名, 发一下每日一学).
var (
	PolitePrefixes = longestFirst([]string{"我想要", "我要", "我想", "想要", "帮我们", "给我们", "帮我", "帮忙", "麻烦您", "麻烦你",
		"麻烦", "劳驾", "请帮我", "请给我", "请问", "请", "给我", "替我", "为我", "我来", "要", "你好", "您好", "网格员你好",
		"网格员您好", "网格员", "小助手", "助手", "对不起", "不好意思", "抱歉", "最近有什么", "最近有哪些", "有什么", "有哪些", "最近", "近期",
		"机器人", "小管家", "老师好", "你好呀", "您好呀", "在吗", "在不在", "哈喽", "嗨", "早上好", "上午好", "下午好", "晚上好", "大家好"})
	ActPrefixes = longestFirst([]string{"想", "拜托", "我准备", "准备", "我打算", "打算", "我决定", "决定", "那我", "那就", "那个",
		"那", "我就", "我还是", "还是", "好的", "好", "嗯", "行", "可以", "我先", "先", "我再", "再", "老师", "突然有事", "临时有事",
		"家里有事", "有事", "临时", "家里临时有事", "身体不舒服", "身体不好", "不好意思啊", "抱歉啊", "我看", "那麻烦", "我到了",
		"到了"})
	Leads = longestFirst([]string{"看看", "看一下", "看下", "看一看", "瞧瞧", "查一下", "查下", "查查", "查一查", "查看", "查询", "查",
		"想看看", "想看", "想查查", "想查", "想问问", "想知道", "知道", "发一下", "发下", "发个", "发来", "发给我", "告诉我", "说一下",
		"说说", "讲讲", "问一下", "问下", "问问", "打开", "显示", "能不能", "能否", "可不可以", "可以", "能", "再发一下", "重新发一下",
		"我看看", "我看一下", "我查一下", "我想看", "我想查", "我想知道", "让我看看", "给看看", "看", "发"})
)

// Courtesy is said around a request and is no part of it: 报名3，谢谢！
var Courtesy = longestFirst([]string{"谢谢网格员", "谢谢小助手", "谢谢您了", "谢谢你了", "谢谢您", "谢谢你", "谢谢啦", "谢谢了", "谢谢",
	"谢啦", "谢了", "多谢", "感谢", "麻烦您了", "麻烦你了", "麻烦了", "辛苦您了", "辛苦你了", "辛苦了", "辛苦啦", "拜托了", "好的",
	"感谢感谢", "谢谢谢谢", "多谢了", "麻烦啦", "拜托啦", "哈哈", "呵呵", "嘿嘿", "辛苦网格员了", "辛苦网格员", "谢谢网格员了",
	"辛苦小助手了", "麻烦网格员了", "谢谢你们", "谢谢你们了"})

// Tails may follow a request to be shown something: 活动发一下, 排行榜呢,
// 每日一学给我看看, 有什么活动可以报名.
var Tails = longestFirst([]string{"发一下", "发下", "发我", "发给我", "发给我看看", "发来看看", "发出来", "给我看看", "给我看一下",
	"看看", "看一下", "看下", "查一下", "查查", "是什么", "是啥", "是哪些", "有哪些", "有什么", "有啥", "都有啥", "都有什么",
	"都有哪些", "有吗", "有没有", "有么", "在哪看", "在哪里看", "怎么看", "怎么查", "在哪查", "说一下", "讲一下", "可以", "能",
	"能不能", "可不可以", "呢", "发一个", "来一个", "来一下", "给一下", "看", "查", "来着", "发", "多少", "有多少", "是多少",
	"还没发", "怎么还没发", "咋还没发", "还没发出来", "查询", "还有", "还有吗"})

// Particles and punctuation that may close any request (活动呢？ 排行吧);
// SoftParticles may close one that acts (报名3号哦). 了 and 啦 may not: 报名了
// tells, it does not ask.
const (
	Particles     = "吗呢吧呀啊哈嘛了一下哦喔噢哟嗯?？!！。.~～ "
	SoftParticles = "吧呀啊哈哦喔噢哟嗯呗"
	// ClauseSeps separate clauses inside one line: 我不去了，取消报名3.
	ClauseSeps = "，。！？；,!?;…"
	// TailSeps are trimmed from the end of a command's arguments.
	TailSeps = " ，。！,.!;；…、~～" + SoftParticles
)

// TrimCourtesy drops thanks, soft particles and punctuation from the end
// of s.
func TrimCourtesy(s string) string {
	for {
		t := strings.TrimRight(s, TailSeps)
		for _, c := range Courtesy {
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

// TrimTails drops from the end of s, again and again, particles,
// punctuation, thanks, and the longest of the Tails and the extra words of
// one request that ends it.
func TrimTails(s string, extra []string) string {
	for {
		t := TrimCourtesy(strings.TrimRight(s, " "+ClauseSeps))
		u, _, ok := cutSuffix(t, extra)
		if v, _, ok2 := cutSuffix(t, Tails); ok2 && (!ok || len(v) < len(u)) {
			u, ok = v, true
		}
		if ok {
			t = u
		} else {
			t = strings.TrimRight(t, Particles+ClauseSeps)
		}
		if t == s {
			return s
		}
		s = t
	}
}

func cutSuffix(s string, words []string) (string, string, bool) {
	for _, w := range words {
		if u, ok := strings.CutSuffix(s, w); ok {
			return u, w, true
		}
	}
	return s, "", false
}

// acks are what people say to acknowledge: the bot answers them warmly
// when they are said to it, and never takes them for a request.
var acks = longestFirst([]string{"好的", "好", "收到", "嗯", "嗯嗯", "哦", "噢", "知道了", "明白了", "明白", "了解", "懂了", "可以",
	"行", "ok", "OK", "Ok", "okay", "好滴", "好嘞", "好哒", "没问题", "不客气", "晚安", "再见", "拜拜", "+1"})

// greetings open a conversation: 你好, 在吗, 早上好.
var greetings = longestFirst([]string{"你好", "您好", "你好呀", "您好呀", "在吗", "在不在", "哈喽", "嗨", "早上好", "上午好",
	"下午好", "晚上好", "早", "早安", "大家好", "网格员你好", "网格员您好", "小助手你好", "小助手", "网格助手", "hello", "hi", "Hi", "Hello"})

// OnlyGreeting reports whether s says nothing but hello ("你好", "在吗？",
// "小助手你好👋").
func OnlyGreeting(s string) bool {
	return onlyWords(s, greetings, nil)
}

// OnlyCourtesy reports whether s says nothing but thanks,
// acknowledgements, particles and emoji ("谢谢！", "好的👍", "收到[抱拳]").
func OnlyCourtesy(s string) bool {
	return onlyWords(s, acks, Courtesy)
}

// onlyWords reports whether s is made of words from a and b only, with
// particles, punctuation and emoji around them.
func onlyWords(s string, a, b []string) bool {
	t := strings.TrimSpace(Blank(Simplify(Normalize(s))))
	if t == "" {
		return false
	}
	for range 16 {
		_, r, ok := CutWord(t, a)
		if !ok {
			_, r, ok = CutWord(t, b)
		}
		if !ok {
			r = strings.TrimLeft(t, Particles+ClauseSeps+"，,。.!！~～")
			if r == t {
				return false
			}
		}
		t = strings.TrimLeft(r, " ，,。.!！~～")
		if t == "" {
			return true
		}
	}
	return false
}

// questionWords make a message a question wherever they stand.
var questionWords = []string{"吗", "么", "?", "？", "啥", "怎", "咋", "哪", "几点", "几号", "几个", "几位", "几时", "多少",
	"多久", "谁", "是否", "请问", "问一下", "问下", "想问", "第几", "几星", "几颗"}

// IsQuestion reports whether s asks rather than tells: a question mark or
// word (吗, 什么, 几点, 哪, 谁 …), a final 呢, or an "A不A" pair (去不去,
// 有没有).
func IsQuestion(s string) bool {
	for _, w := range questionWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	t := strings.TrimRight(s, TailSeps)
	if strings.HasSuffix(t, "呢") || strings.HasSuffix(t, "嘛") || strings.HasSuffix(t, "没") {
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

// baVerbs undo something in the 把 word order: 把3号取消了, 把我的报名退掉.
var baVerbs = longestFirst([]string{"取消掉", "取消", "退掉", "退了", "撤销", "撤掉", "删掉", "删除", "去掉", "退"})

// baObjects trail the thing undone: 3号的, 3号活动的报名.
var baObjects = longestFirst([]string{"的报名", "的活动", "报名", "的", "那个", "这个", "给我", "帮我"})

// CutBa reads the 把 word order of undoing something, "把(我的)3号(的报名)
// 取消(了/吧)", and returns the verb and what it undoes ("取消", "3号"). A
// closing 了 is part of the order here and does not make it a statement
// (the 把 already asks for the deed). ok is false for anything else.
func CutBa(s string) (verb, object string, ok bool) {
	t, ok := strings.CutPrefix(strings.TrimSpace(s), "把")
	if !ok {
		return "", "", false
	}
	_, t, _ = CutWord(t, []string{"我们的", "我的", "我们", "我"})
	end := TrimCourtesy(strings.TrimRight(t, Particles+ClauseSeps))
	end = strings.TrimSuffix(end, "掉")
	for _, v := range baVerbs {
		if obj, ok := strings.CutSuffix(end, v); ok && obj != "" {
			for {
				o, _, cut := cutSuffix(obj, baObjects)
				if !cut || o == "" {
					break
				}
				obj = o
			}
			return strings.TrimSuffix(v, "掉"), strings.TrimSpace(obj), true
		}
	}
	return "", "", false
}
