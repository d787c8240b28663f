package custgroups

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/redistest"
	"gridbot/bot/secret"
	"gridbot/bot/wecom/custgroup"
	"gridbot/bot/wecom/custgroup/custgroupfake"
	"gridbot/handlers/notices"
)

const (
	staff    = bot.UserRef("tg:1")
	worker   = bot.UserRef("tg:2")
	resident = bot.UserRef("tg:9")
	corpID   = "ww0123456789"
	appKey   = "app-secret-value-9f8e7d"
)

// fixture is the feature on a test Redis against custgroupfake, with a
// real outbox (customer groups as its "wxc" channel, Telegram as a
// recording sender) and the notices feature using it.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	f      *Feature
	fake   *custgroupfake.Server
	clock  *bottest.Clock
	send   *bottest.Sender
	dir    *grid.Directory
	ob     *outbox.Outbox
	nt     *notices.Feature
	router *bot.Router
	env    feature.Env
	n      int
}

// groups of the fake: 张三 (zhangsan) owns two, 李四 (lisi) one.
var fakeGroups = []custgroupfake.Group{
	{ChatID: "wrA1", Name: "幸福里1群", Owner: "zhangsan", Externals: []string{"wm1", "wm2", "wm3"}},
	{ChatID: "wrA2", Name: "幸福里2群", Owner: "zhangsan", Externals: []string{"wm4", "wm5"}},
	{ChatID: "wrB1", Name: "阳光苑居民群", Owner: "lisi", Externals: []string{"wm6", "wm7", "wm8", "wm9"}, Staff: []string{"wangwu"}},
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	fx := &fixture{t: t, ctx: context.Background(), fake: custgroupfake.New(corpID, appKey),
		clock: bottest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, bottest.Shanghai)), send: &bottest.Sender{}}
	t.Cleanup(fx.fake.Close)
	fx.fake.SetClock(fx.clock.Now)
	fx.fake.SetRule(cfg.Cap)
	for i, g := range fakeGroups {
		g.Created = fx.clock.Now().Add(time.Duration(i-10) * time.Hour)
		fx.fake.AddGroup(g)
	}
	client, err := custgroup.New(custgroup.Config{CorpID: corpID, Secret: secret.New(appKey), APIBase: fx.fake.URL},
		custgroup.WithClock(fx.clock.Now), custgroup.WithBackoff())
	if err != nil {
		t.Fatal(err)
	}
	fx.dir = grid.NewDirectory(rdb, keys, []bot.UserRef{staff})
	mux := bot.Mux{"tg": fx.send}
	fx.env = feature.Env{Redis: rdb, Keys: keys, Dir: fx.dir, Send: mux, Log: slog.New(slog.DiscardHandler),
		Now: fx.clock.Now, Loc: bottest.Shanghai}
	cfg.Config = custgroup.Config{CorpID: corpID, Secret: secret.New(appKey), APIBase: fx.fake.URL}
	fx.f = New(fx.env, cfg, client)
	ch := fx.f.Channel()
	mux[Platform] = ch
	ocfg := outbox.DefaultConfig()
	ocfg.Poll, ocfg.QuietStart, ocfg.QuietEnd = 10*time.Millisecond, "00:00", "00:00"
	fx.ob = outbox.New(fx.env, nil, ocfg)
	fx.ob.AddChannel(Platform, ch)
	fx.env.Outbox = fx.ob
	fx.nt = notices.New(fx.env, notices.DefaultConfig(), notices.Ops{Recaller: fx.ob, Canceller: fx.ob, Caps: fx.f})
	fx.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: fx.dir})
	fx.f.Register(fx.router)
	fx.nt.Register(fx.router)
	if _, err := fx.dir.AddWorker(fx.ctx, "3网格", worker); err != nil {
		t.Fatal(err)
	}
	return fx
}

func testConfig() Config {
	c := DefaultConfig()
	return c
}

// say sends text as user privately and returns the bot's last message.
func (fx *fixture) say(user bot.UserRef, text string) string {
	fx.t.Helper()
	fx.n++
	before := fx.send.Len()
	u := &bot.Update{ID: fmt.Sprintf("u%d", fx.n), Chat: user.PrivateChat(), ChatKind: bot.Private, User: user,
		UserName: "测试", MessageID: fmt.Sprint(fx.n), Text: text}
	fx.router.Handle(fx.ctx, fx.send, u)
	got := fx.send.Since(before)
	if len(got) == 0 {
		fx.t.Fatalf("%s: no reply", text)
	}
	return got[len(got)-1].Msg.Text
}

// sync runs 同步客户群 as staff and maps the fake's groups: the two of
// 张三 to 3网格, 李四's to 4网格.
func (fx *fixture) syncAndMap() {
	fx.t.Helper()
	if got := fx.say(staff, "同步客户群"); !strings.Contains(got, "共 3 个") {
		fx.t.Fatalf("sync: %q", got)
	}
	for _, line := range []string{"客户群 1 绑定 3网格", "客户群 幸福里2群 绑到 3", "客户群 阳光苑 绑定到 4网格"} {
		if got := fx.say(staff, line); !strings.Contains(got, "已绑定到") {
			fx.t.Fatalf("%s: %q", line, got)
		}
	}
}

// runOutbox drains the outbox until every delivery is out and staff have
// one more delivery report.
func (fx *fixture) runOutbox() {
	fx.t.Helper()
	reports := fx.reports()
	ctx, cancel := context.WithCancel(fx.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = fx.ob.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		idle, err := fx.ob.Idle(fx.ctx)
		if err != nil {
			fx.t.Fatal(err)
		}
		if idle && fx.reports() > reports {
			return
		}
		if time.Now().After(deadline) {
			fx.t.Fatal("outbox not idle after 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// notice composes and confirms a notice as staff and returns the preview.
func (fx *fixture) notice(text string) string {
	fx.t.Helper()
	preview := fx.say(staff, text)
	if !strings.Contains(preview, "通知预览") {
		fx.t.Fatalf("%s: %q", text, preview)
	}
	if got := fx.say(staff, "确认"); !strings.Contains(got, "已确认") {
		fx.t.Fatalf("confirm: %q", got)
	}
	return preview
}

func (fx *fixture) reports() int {
	n := 0
	for _, s := range fx.send.To(staff.PrivateChat()) {
		if strings.Contains(s.Msg.Text, "送达报告") {
			n++
		}
	}
	return n
}

// report returns the last delivery report staff got.
func (fx *fixture) report() string {
	fx.t.Helper()
	sent := fx.send.To(staff.PrivateChat())
	for i := len(sent) - 1; i >= 0; i-- {
		if strings.Contains(sent[i].Msg.Text, "送达报告") {
			return sent[i].Msg.Text
		}
	}
	fx.t.Fatal("no delivery report")
	return ""
}

func fmtAny(v any) string { return fmt.Sprintf("%v %+v %#v", v, v, v) }
