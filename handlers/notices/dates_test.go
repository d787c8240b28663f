package notices

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot/bottest"
)

// TestPassedDateOnFourthDecemberAsks: 通知 12月1日 09:00 全部 … (the README's
// example before it became 下周一 9:00)
// typed on 4 December is asked about, not scheduled for next year; with the
// year written it is scheduled for that day.
func TestPassedDateOnFourthDecemberAsks(t *testing.T) {
	fx := newFixture(t, 2)
	fx.clock.Set(time.Date(2026, 12, 4, 10, 0, 0, 0, bottest.Shanghai))
	got := fx.say(staff, "", "通知 12月1日 09:00 全部 12月份燃气安全检查")
	for _, want := range []string{"12月1日已经过去了", "明年（2027年）", "2027年12月1日 09:00"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply %q, want it to contain %q", got, want)
		}
	}
	if got := fx.say(staff, "", "确认"); strings.Contains(got, "已确认") {
		t.Errorf("确认 after the question: %q", got)
	}
	if n := len(fx.out.All()); n != 0 {
		t.Fatalf("the question enqueued %d broadcasts", n)
	}
	fx.say(staff, "", "通知 2027年12月1日 09:00 全部 12月份燃气安全检查")
	fx.say(staff, "", "确认")
	got2 := fx.out.All()
	if want := time.Date(2027, 12, 1, 9, 0, 0, 0, bottest.Shanghai); len(got2) != 1 || !got2[0].NotBefore.Equal(want) {
		t.Fatalf("with the year written: %d broadcasts, want one not before %v", len(got2), want)
	}
}
