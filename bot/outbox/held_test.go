package outbox

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot/bottest"
)

func TestHeldSaysWhenItGoesOut(t *testing.T) {
	clk := bottest.NewClock(time.Date(2026, 11, 22, 22, 0, 0, 0, bottest.Shanghai))
	cfg := testConfig()
	cfg.QuietStart, cfg.QuietEnd = "21:30", "07:30"
	o := newFixture(t, newFakeSender(), clk, nil).outbox(cfg)
	morning := time.Date(2026, 11, 23, 7, 30, 0, 0, bottest.Shanghai)
	at9 := time.Date(2026, 11, 23, 9, 0, 0, 0, bottest.Shanghai)
	at23 := time.Date(2026, 11, 22, 23, 0, 0, 0, bottest.Shanghai)
	for _, c := range []struct {
		name      string
		notBefore time.Time
		urgent    bool
		at        time.Time
		held      bool
		says      string
	}{
		{"now, at night", time.Time{}, false, morning, true, "明天 07:30"},
		{"urgent, at night", time.Time{}, true, clk.Now(), false, "今天 22:00"},
		{"scheduled for 09:00", at9, false, at9, false, "明天 09:00"},
		{"scheduled for 23:00", at23, false, morning, true, "明天 07:30"},
		{"urgent, scheduled for 23:00", at23, true, at23, false, "今天 23:00"},
	} {
		at, held := Held(o, clk.Now(), c.notBefore, c.urgent)
		if !at.Equal(c.at) || held != c.held {
			t.Errorf("%s: Held = %v, %v; want %v, %v", c.name, at, held, c.at, c.held)
		}
		if got := When(at, clk.Now(), bottest.Shanghai); got != c.says {
			t.Errorf("%s: When = %q, want %q", c.name, got, c.says)
		}
	}
	if got := When(time.Date(2026, 12, 5, 19, 0, 0, 0, bottest.Shanghai), clk.Now(), bottest.Shanghai); got != "12月5日（周六）19:00" {
		t.Errorf("When a week later = %q", got)
	}
}

func TestReportTextSaysWhatWasCancelledOrRecalled(t *testing.T) {
	got := ReportText(Report{Title: "停水通知", Sent: 1, Members: 40, Cancelled: 2, State: "recalled"})
	for _, want := range []string{"已送达 1 个群", "已取消 2 个群，没有发出", "已撤回"} {
		if !strings.Contains(got, want) {
			t.Errorf("report %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "全部送达") {
		t.Errorf("report %q says everything arrived", got)
	}
	if got := ReportText(Report{Title: "停水通知", Sent: 3, Members: 90}); !strings.Contains(got, "全部送达") {
		t.Errorf("report of a full delivery %q", got)
	}
}
