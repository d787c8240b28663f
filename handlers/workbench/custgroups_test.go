package workbench

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/handlers/custgroups"
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
