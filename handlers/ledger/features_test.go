package ledger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

func TestReportInGroupGoesPrivately(t *testing.T) {
	y := simulate(t, 3, 4, 20)
	w := y.w
	out := w.say("tg:-1001", staffID, "王主任", "报表 本月", nil)
	var private, group bool
	for _, s := range out {
		if s.Chat == staffID.PrivateChat() && s.Msg.File != nil && strings.HasSuffix(s.Msg.File.Name, ".xlsx") {
			private = true
			if !strings.Contains(s.Msg.Text, "2026年1月工作报表") {
				t.Errorf("summary = %q, want the period in it", s.Msg.Text)
			}
		}
		if s.Chat == "tg:-1001" && strings.Contains(s.Msg.Text, "私信") {
			group = true
		}
	}
	if !private || !group {
		t.Errorf("report in group: private %v, group note %v:\n%s", private, group, texts(out))
	}
	if out = w.say("tg:-1001", "tg:1000", "居民", "报表做好了吗", nil); len(out) != 0 {
		t.Errorf("a resident's chat about 报表 in a group got %s; ordinary chat must stay unanswered", texts(out))
	}
	out = w.say("tg:-1001", "tg:1000", "居民", "/report 本月", nil)
	if len(out) != 1 || !strings.Contains(out[0].Msg.Text, "社区工作人员") {
		t.Errorf("resident asking for a report got %s, want a polite refusal", texts(out))
	}
	out = w.say(staffID.PrivateChat(), staffID, "王主任", "报表 明年春天", nil)
	today := w.clk.Now().In(bottest.Shanghai).Format(time.DateOnly)
	if len(out) != 1 || !strings.Contains(out[0].Msg.Text, "报表 2026-01、报表 2026-01-01 "+today+"。") || out[0].Msg.File != nil {
		t.Errorf("bad period got %s, want examples with this month and today (%s)", texts(out), today)
	}
}

func TestVolunteer(t *testing.T) {
	w := newWorld(t, time.Date(2027, 3, 1, 9, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	u := bot.UserRef("tg:77")
	w.rdb.HSet(ctx, volKey(w.keys, "2027"), string(u), 4.5)
	w.rdb.HSet(ctx, volKey(w.keys, "2026"), string(u), 30)
	out := w.say(u.PrivateChat(), u, "李阿姨", "志愿时长", nil)
	got := texts(out)
	for _, want := range []string{"今年：4.5 小时", "累计：34.5 小时", "★★", "再服务 65.5 小时", "★★★"} {
		if !strings.Contains(got, want) {
			t.Errorf("志愿时长 reply lacks %q:\n%s", want, got)
		}
	}
	w.rdb.HSet(ctx, volKey(w.keys, "2027"), "tg:79", 3)
	out = w.say(bot.UserRef("tg:79").PrivateChat(), "tg:79", "王大妈", "志愿时长", nil)
	if got := texts(out); !strings.Contains(got, "星级：暂无星级") || strings.Contains(got, "—") {
		t.Errorf("志愿时长 below the first star = %s, want 星级：暂无星级", got)
	}
	out = w.say(bot.UserRef("tg:78").PrivateChat(), "tg:78", "张大爷", "我的志愿时长", nil)
	if !strings.Contains(texts(out), "还没有志愿服务时长记录") {
		t.Errorf("no hours reply = %s", texts(out))
	}
}

func TestAPI(t *testing.T) {
	y := simulate(t, 3, 4, 40)
	w := y.w
	cfg := DefaultConfig()
	cfg.APIToken = "s3cret"
	f := New(w.env, cfg, w.quiz)
	srv := httptest.NewServer(f.API())
	defer srv.Close()
	get := func(path, tok string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}
	for _, tok := range []string{"", "wrong", "s3cret2"} {
		if resp, _ := get("/api/report?from=2026-01-01&to=2026-12-31", tok); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", tok, resp.StatusCode)
		}
	}
	resp, body := get("/api/report?from=2026-01-01&to=2026-12-31", "s3cret")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: %v", resp.StatusCode, body)
	}
	r, err := f.Build(context.Background(), RangePeriod(time.Date(2026, 1, 1, 0, 0, 0, 0, bottest.Shanghai), time.Date(2026, 12, 31, 0, 0, 0, 0, bottest.Shanghai), bottest.Shanghai))
	if err != nil {
		t.Fatal(err)
	}
	s := body["summary"].(map[string]any)
	if got := int64(s["reach"].(float64)); got != r.Summary.Reach || got == 0 {
		t.Errorf("api reach = %d, want %d", got, r.Summary.Reach)
	}
	if got := len(body["grids"].([]any)); got != 3 {
		t.Errorf("api grids = %d, want 3", got)
	}
	resp, body = get("/api/report?from=2026-01-01&to=2026-12-31&grid=2", "s3cret")
	if sc, _ := body["scope"].([]any); resp.StatusCode != http.StatusOK || len(sc) != 1 || sc[0] != "2网格" || len(body["grids"].([]any)) != 1 {
		t.Errorf("api grid=2: status %d, scope %v, grids %v; want 2网格 only", resp.StatusCode, body["scope"], body["grids"])
	}
	if s2 := body["summary"].(map[string]any); int64(s2["reach"].(float64)) >= r.Summary.Reach {
		t.Errorf("api grid=2 reach %v, want less than the community's %d", s2["reach"], r.Summary.Reach)
	}
	if resp, _ := get("/api/report?from=2026-13-01", "s3cret"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad date: status %d, want 400", resp.StatusCode)
	}
	if resp, body := get("/api/activities?period=2026", "s3cret"); resp.StatusCode != 200 || len(body["activities"].([]any)) != len(r.Activities) {
		t.Errorf("activities: status %d, %v", resp.StatusCode, body)
	}
	off := httptest.NewServer(New(w.env, DefaultConfig(), nil).API())
	defer off.Close()
	if resp, err := http.Get(off.URL + "/api/report"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("API without token: %v %v, want 404", resp, err)
	}
}

func TestDigest(t *testing.T) {
	y := simulate(t, 3, 6, 21)
	w := y.w
	ctx := context.Background()
	w.at(time.Date(2026, 1, 19, 9, 0, 0, 0, bottest.Shanghai))
	if _, err := w.dir.AddStaff(ctx, "tg:2"); err != nil {
		t.Fatal(err)
	}
	i := w.send.Len()
	if err := w.ledger.Digest(ctx); err != nil {
		t.Fatal(err)
	}
	out := w.send.Since(i)
	if len(out) != 2 {
		t.Fatalf("digest went to %d chats, want 2 staff:\n%s", len(out), texts(out))
	}
	last, _ := w.ledger.Build(ctx, WeekPeriod(time.Date(2026, 1, 12, 0, 0, 0, 0, bottest.Shanghai), bottest.Shanghai))
	prev, _ := w.ledger.Build(ctx, WeekPeriod(time.Date(2026, 1, 5, 0, 0, 0, 0, bottest.Shanghai), bottest.Shanghai))
	text := out[0].Msg.Text
	for _, want := range []string{"1月12日—1月18日", "覆盖 " + Count(last.Summary.Reach) + " 人次", "1网格：", "3网格："} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if d := last.Summary.Reach - prev.Summary.Reach; d > 0 && !strings.Contains(text, "↑"+Count(d)) {
		t.Errorf("digest lacks the change ↑%s:\n%s", Count(d), text)
	}
	i = w.send.Len()
	if err := w.ledger.Digest(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(w.send.Since(i)); n != 0 {
		t.Errorf("digest sent again the same week: %d messages", n)
	}
}
