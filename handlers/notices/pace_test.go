package notices

import (
	"strings"
	"testing"
)

// TestPreviewShowsPaidBroadcastCost: with paid broadcasts on, staff see in
// the preview, before they confirm, how many Telegram groups are paid for,
// at 0.1 Stars each, and the total; the console's draft carries the same
// line. With them off a small notice shows no cost and no pace.
func TestPreviewShowsPaidBroadcastCost(t *testing.T) {
	cfg := DefaultConfig()
	cfg.PaidBroadcast = true
	fx := newFixtureCfg(t, 3, cfg)
	reply := fx.say(staff, "", "通知 全部 明早9点停水，请提前储水")
	for _, want := range []string{"付费广播", "3 个 Telegram 群", "每条 0.1 星", "共 <b>0.3 星</b>", "约 1 秒发完", "确认"} {
		if !strings.Contains(reply, want) {
			t.Errorf("preview %q lacks %q", reply, want)
		}
	}
	d, err := fx.f.Compose(t.Context(), staff, "全部 明早9点停水", false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Pace, "共 0.3 星") || strings.Contains(d.Pace, "<b>") {
		t.Errorf("console draft pace %q, want the cost as plain text", d.Pace)
	}

	free := newFixture(t, 3)
	reply = free.say(staff, "", "通知 全部 明早9点停水，请提前储水")
	if strings.Contains(reply, "星") || strings.Contains(reply, "发完") {
		t.Errorf("free preview for 3 groups %q mentions a cost or a pace", reply)
	}
}

// TestPreviewShowsPaceOfBigFreeBroadcast: 300 Telegram groups at the free
// 30 a second take about 11 s, and the preview says so, with no cost.
func TestPreviewShowsPaceOfBigFreeBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("binds 300 grids")
	}
	fx := newFixture(t, 300)
	reply := fx.say(staff, "", "通知 全部 明早9点停水")
	if !strings.Contains(reply, "其中 300 个 Telegram 群：每秒约 30 条，约 11 秒发完") || strings.Contains(reply, "星") {
		t.Errorf("preview %q, want the pace of 300 groups and no cost", reply)
	}
}
