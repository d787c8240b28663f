package workbench

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/handlers/custgroups"
	"gridbot/handlers/notices"
)

// fakeCust is a recording fake of the customer-groups feature:
// two groups, one send waiting for its owner, and the calls made.
type fakeCust struct {
	mu     sync.Mutex
	maps   [][2]string
	synced int
}

var _ CustGroups = (*fakeCust)(nil)

func (f *fakeCust) Groups(context.Context) ([]custgroups.Group, error) {
	return []custgroups.Group{
		{N: 1, ChatID: "wrA1", Name: "幸福里1群", OwnerName: "张三", Residents: 120, Grid: "3网格", Cap: "本月已收到 2 条群发（上限 31 条），还能再发 29 条。"},
		{N: 2, ChatID: "wrB1", Name: "阳光苑居民群", OwnerName: "李四", Residents: 80, Cap: "本月已收到 29 条群发（上限 31 条），还能再发 2 条。", CapLow: true},
	}, nil
}

func (f *fakeCust) Sends(context.Context, int) ([]custgroups.Send, error) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return []custgroups.Send{
		{MsgID: "m1", Title: "【社区通知】", Grid: "3网格", Group: "幸福里1群", Owner: "张三", Created: at, State: "waiting", Text: "等群主点发送", Reminded: 1},
		{MsgID: "m2", Title: "【社区通知】", Grid: "4网格", Group: "阳光苑居民群", Owner: "李四", Created: at, State: "cap", Text: "没发出：这个群的群发已到企业微信上限"},
	}, nil
}

func (f *fakeCust) LastSync(context.Context) (time.Time, string, error) {
	return time.Date(2026, 3, 2, 6, 15, 0, 0, time.UTC), "", nil
}

func (f *fakeCust) SyncNow(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.synced++
	return "✅ 已同步客户群：共 2 个", nil
}

func (f *fakeCust) Map(_ context.Context, chatID, grid string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if grid == "3|网格" {
		return "", bot.Userf("网格名「3|网格」看不懂，请写成「3网格」这样。")
	}
	f.maps = append(f.maps, [2]string{chatID, grid})
	return "✅ 客户群已绑定到 " + grid, nil
}

// The 网格 page shows customer groups, their cap and who still has to
// press send; staff sync and map there, grid workers see their grids only
// and change nothing.
func TestGridPageCustomerGroups(t *testing.T) {
	h := newHarness(t, Config{})
	fc := &fakeCust{}
	h.wb.d.CustGroups = fc
	c := h.staff()
	page := text(c.get("/console/grids").Body)
	for _, want := range []string{"企业微信客户群", "还要群主点发送（1 条）", "张三 3网格 幸福里1群", "1 次", "阳光苑居民群", "⚠️ 本月已收到 29 条群发", "没发出：这个群的群发已到企业微信上限", "同步客户群"} {
		if !strings.Contains(page, want) {
			t.Errorf("staff grids page lacks %q: %.600s", want, page)
		}
	}
	if r := c.post("/console/grids/custgroups/sync", nil); r.Code != http.StatusSeeOther || fc.synced != 1 {
		t.Errorf("sync button: %d, synced %d", r.Code, fc.synced)
	}
	if r := c.post("/console/grids/custgroups/map", url.Values{"chat": {"wrB1"}, "grid": {"3网格"}, "new_grid": {"7网格"}}); r.Code != http.StatusSeeOther {
		t.Errorf("map: %d %s", r.Code, text(r.Body))
	}
	if r := c.post("/console/grids/custgroups/map", url.Values{"chat": {"wrA1"}, "grid": {"-"}}); r.Code != http.StatusSeeOther {
		t.Errorf("unmap: %d", r.Code)
	}
	if r := c.post("/console/grids/custgroups/map", url.Values{"chat": {"wrA1"}, "new_grid": {"3|网格"}}); !strings.Contains(r.Body, "看不懂") {
		t.Errorf("bad grid: %d %s", r.Code, text(r.Body))
	}
	if len(fc.maps) != 2 || fc.maps[0] != [2]string{"wrB1", "7网格"} || fc.maps[1] != [2]string{"wrA1", ""} {
		t.Errorf("map calls %v", fc.maps)
	}

	w := h.worker()
	raw := w.get("/console/grids").Body
	page = text(raw)
	if !strings.Contains(page, "幸福里1群") || strings.Contains(page, "阳光苑居民群") || strings.Contains(raw, `id="cust-sync"`) {
		t.Errorf("worker grids page shows other grids' customer groups: %.600s", page)
	}
	if r := w.post("/console/grids/custgroups/map", url.Values{"chat": {"wrB1"}, "grid": {"3网格"}}); r.Code != http.StatusForbidden {
		t.Errorf("worker map = %d, want 403", r.Code)
	}
	if len(fc.maps) != 2 {
		t.Errorf("a worker's post mapped a group: %v", fc.maps)
	}
}

// capWarner stands in for the customer groups' cap check: it warns of
// the one customer group when it is among the targets.
type capWarner struct{ asked [][]bot.ChatRef }

func (c *capWarner) CapWarnings(_ context.Context, chats []bot.ChatRef) ([]string, error) {
	c.asked = append(c.asked, chats)
	for _, ch := range chats {
		if ch.Platform() == "wxc" {
			return []string{"⚠️ 客户群的群发次数快到企业微信的上限了（确认前请看）：",
				"「幸福&lt;里&gt;1群」（5网格）本月已收到 31 条群发（上限 31 条），这次发不出去"}, nil
		}
	}
	return nil, nil
}

// The console's notice preview shows the customer groups' cap warnings
// the chat preview shows, before the confirm button, as text; a notice
// to no customer group shows none.
func TestNoticePreviewShowsCapWarnings(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	cust := bot.ChatRef("wxc:wrCust5")
	if _, err := h.env.Dir.Bind(ctx, cust, "5网格", "幸福<里>1群"); err != nil {
		t.Fatal(err)
	}
	caps := &capWarner{}
	h.wb.d.Notices = notices.New(h.env, notices.DefaultConfig(), notices.Ops{Recaller: h.ob, Canceller: h.ob, Caps: caps})
	c := h.staff()
	c.get("/console/notices")

	r := c.post("/console/notices", url.Values{"body": {"明早 9 点到 12 点停水，请提前储水。"}, "all": {"1"}})
	if r.Code != http.StatusOK {
		t.Fatalf("preview = %d %s", r.Code, text(r.Body))
	}
	page := text(r.Body)
	for _, want := range []string{"客户群的群发次数快到企业微信的上限了", "「幸福&lt;里&gt;1群」（5网格）本月已收到 31 条群发（上限 31 条），这次发不出去"} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %q: %.800s", want, page)
		}
	}
	warn, confirm := strings.Index(r.Body, `id="capwarn"`), strings.Index(r.Body, `id="confirm"`)
	if warn < 0 || confirm < 0 || warn > confirm {
		t.Errorf("cap warning at %d, confirm button at %d: want the warning first", warn, confirm)
	}
	if strings.Contains(r.Body, "幸福<里>") || strings.Contains(r.Body, "&amp;lt;") {
		t.Error("a group's name went into the page as markup, or escaped twice")
	}
	if len(caps.asked) != 1 || !slices.Contains(caps.asked[0], cust) {
		t.Errorf("cap check asked about %v, want the targets with the customer group", caps.asked)
	}

	r = c.post("/console/notices", url.Values{"body": {"3网格明天停水"}, "grid": {"3网格"}})
	if r.Code != http.StatusOK || strings.Contains(r.Body, `id="capwarn"`) || strings.Contains(r.Body, "上限") {
		t.Errorf("preview to 3网格 only = %d, shows a cap warning: %.600s", r.Code, text(r.Body))
	}
}
