package tips

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot/bottest"
)

func TestParseScheduleReadsChineseTimes(t *testing.T) {
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, bottest.Shanghai)
	for in, want := range map[string]string{
		"9:00":        "0 9 * * *",
		"每天 9点":       "0 9 * * *",
		"每天早上8点半":     "30 8 * * *",
		"工作日 8:30":    "30 8 * * 1-5",
		"周一至周五 08:30": "30 8 * * 1-5",
		"每周一 19:00":   "0 19 * * 1",
		"周六、周日 10点":   "0 10 * * 6,0",
		"周末 10:00":    "0 10 * * 0,6",
		"星期三 晚上7点":    "0 19 * * 3",
		"0 9 * * *":   "0 9 * * *",
		"１０：１５":       "15 10 * * *",
	} {
		got, ok := parseSchedule(in, now)
		if !ok || got != want {
			t.Errorf("parseSchedule(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"每天早上", "明天", "周八 9点", "9:00 以后", "* * *", ""} {
		if got, ok := parseSchedule(in, now); ok {
			t.Errorf("parseSchedule(%q) = %q, want not understood", in, got)
		}
	}
}

func TestDescribeSpecInChinese(t *testing.T) {
	for spec, want := range map[string]string{
		"30 8 * * *":   "每天 08:30",
		"0 9 * * 1-5":  "工作日（周一至周五）09:00",
		"0 19 * * 1":   "每周一 19:00",
		"0 10 * * 6,0": "每周日、周六 10:00",
		"0 10 * * sat": "每周六 10:00",
		"*/5 * * * *":  "按自定义时间",
		"0 9 1 * *":    "按自定义时间",
		"@daily":       "每天 00:00",
	} {
		if got := DescribeSpec(spec); got != want {
			t.Errorf("DescribeSpec(%q) = %q, want %q", spec, got, want)
		}
	}
}

func TestScheduleAndLanguageRepliesInChinese(t *testing.T) {
	fx := newFixture(t, 2, DefaultConfig())
	for in, want := range map[string]string{
		"每日一学管理 时间 1网格 工作日 8:30":  "1网格的每日一学改为工作日（周一至周五）08:30 推送",
		"每日一学管理 时间 2网格 每周一 19:00": "2网格的每日一学改为每周一 19:00 推送",
		"每日一学管理 时间 2网格 默认":        "已恢复：2网格 按默认时间（每天 08:30）推送",
		"每日一学管理 语言 1网格 维吾尔文":      "双语网格（中文和维吾尔文）",
		"每日一学管理 语言 2网格 哈萨克语":      "双语网格（中文和哈萨克文）",
		"每日一学管理 语言 2网格 取消":        "2网格 只发中文",
		"每日一学管理 时间 1网格 明天":        "时间没看懂",
	} {
		got := fx.say(staff, "", in)
		if !strings.Contains(got, want) {
			t.Errorf("%q: reply %q, want %q", in, got, want)
		}
		if strings.Contains(got, "/tip") || strings.Contains(got, "* *") {
			t.Errorf("%q: reply %q has a slash command or a cron string", in, got)
		}
	}
}

func TestQuietHoursPushNowAndLateScheduleSayWhenTipsGoOut(t *testing.T) {
	fx := newFixture(t, 2, DefaultConfig())
	fx.clock.Set(time.Date(2026, 3, 2, 22, 0, 0, 0, bottest.Shanghai))
	fx.out.Hold = time.Date(2026, 3, 3, 7, 30, 0, 0, bottest.Shanghai)
	got := fx.say(staff, "", "推送每日一学 全部")
	if !strings.Contains(got, "还没有发出，将于 <b>明天 07:30</b> 推送到 2 个网格") {
		t.Errorf("push at 22:00: %q", got)
	}
	fx.clock.Set(time.Date(2026, 3, 2, 12, 0, 0, 0, bottest.Shanghai))
	got = fx.say(staff, "", "每日一学管理 时间 1网格 每天 22:30")
	if !strings.Contains(got, "每天 22:30 推送") || !strings.Contains(got, "夜间免打扰时段，每日一学要到 明天 07:30 才会发到群里") {
		t.Errorf("schedule at 22:30: %q", got)
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"9:00", "每天 9点", "工作日 8:30", "每周一 19:00", "周六、周日 10点", "0 9 * * *", "周周周", "每每天"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, bottest.Shanghai)
	f.Fuzz(func(t *testing.T, s string) {
		spec, ok := parseSchedule(s, now)
		if !ok {
			return
		}
		if _, err := ParseSpec(spec); err != nil {
			t.Fatalf("parseSchedule(%q) = %q, which does not parse: %v", s, spec, err)
		}
		if d := DescribeSpec(spec); d == "" || strings.Contains(d, "*") {
			t.Fatalf("DescribeSpec(%q) = %q", spec, d)
		}
	})
}
