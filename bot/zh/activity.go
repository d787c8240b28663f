package zh

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// placeWords after "3号" make it a building or a date, not an activity:
// 3号楼, 3号那天.
var placeWords = []string{"楼", "栋", "院", "单元", "门", "室", "房", "间", "路", "街", "巷", "村", "线", "床", "那天", "晚上",
	"上午", "下午", "早上", "中午"}

// homophoneHao is what a phone input method gives for 号 by mistake after a
// digit: 报名3好, 3好不去了.
const homophoneHao = "好"

// ActivityNumber reads an activity number at the start of s as residents
// write it: "3", "3号", "#3", "第三个活动", "3号活动", "三号的活动", and the
// input slip "3好" for 3号. It returns the number and the text after it. A
// number followed by a unit ("3人", "3点", "3号楼") is not an activity
// number, and a Chinese numeral must be followed by 号, 活动 or a break
// ("一下", "一家三口" have none).
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
	} else if x, ok := strings.CutPrefix(r, homophoneHao); ok && arabic && slipAfter(x) {
		r, hao = x, true
	}
	if _, x, ok := CutWord(r, []string{"个活动", "的活动", "活动"}); ok {
		r, hao = x, true
	}
	if hao && NamesPlace(r) {
		return 0, s, false
	}
	switch {
	case hao, r == "", StartsAny(r, " ", ",", "，", "、", ":", "：", "。", "；", "！", "!"):
	case strings.ContainsRune(SoftParticles, firstRune(r)):
	case arabic && StartsAny(r, "带", "的报名", "报名", "参加"):
	case arabic && r[0] >= 0x80:
		if p, ok := ReadPeople(r); !ok || p.Rest == r {
			if strings.TrimRight(TrimCourtesy(r), TailSeps) != "" {
				return 0, s, false
			}
		}
	default:
		return 0, s, false
	}
	return n, r, true
}

// slipAfter reports whether what follows "3好" lets it be read as 3号: the
// end, a break, or words that go with an activity number.
func slipAfter(s string) bool {
	r := firstRune(s)
	return s == "" || !unicode.Is(unicode.Han, r) ||
		StartsAny(s, "活动", "的", "报名", "参加", "不去", "去不了", "不参加", "取消", "退出", "我", "算我", "谢谢")
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// NamesPlace reports whether s, the text after "3号", makes the number a
// building, a room or a day rather than an activity: 楼, 单元, 那天, 下午.
func NamesPlace(s string) bool {
	_, _, ok := CutWord(s, placeWords)
	return ok
}
