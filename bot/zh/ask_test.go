package zh_test

import (
	"testing"

	"gridbot/bot/zh"
)

func TestAskForm(t *testing.T) {
	for in, want := range map[string]string{
		"最近有啥活动没":    "最近有啥活动吗",
		"有活动不":       "有活动吗",
		"下周有活动没有":    "下周有活动吗",
		"有没有每日一学":    "有每日一学吗",
		"今天有没有每日一学？": "今天有每日一学？",
		"我有没有报上":     "我报上吗",
		"我是不是报名了":    "我报名了吗",
		"我报没报名":      "我报名吗",
		"我到底报没报上":    "我报上吗",
		"我一共报了几个":    "我报了几个",
		"我现在几星了":     "我几星了",
		"每日一学发了没":    "每日一学发了吗",
	} {
		if got, ok := zh.AskForm(in); !ok || got != want {
			t.Errorf("AskForm(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	// Statements and plain requests are left as they are: 我已经报名了
	// tells, and must not become 我报名了吗.
	for _, in := range []string{"我已经报名了", "我已经报上了", "报名3号", "活动", "我现在报名3号", "好不", "还没"} {
		if got, ok := zh.AskForm(in); ok {
			t.Errorf("AskForm(%q) = %q, want it left alone", in, got)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"知识竞赛排名": "知识竞答排名", "竞赛在哪": "竞答在哪", "如何报名": "怎么报名", "怎样答题": "怎么答题", "俺们老两口": "我们老两口",
		"报名3号": "报名3号",
	} {
		if got := zh.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
