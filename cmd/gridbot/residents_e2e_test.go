package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/secret"
	"gridbot/bot/telegram/tgfake"
	"gridbot/handlers/residents"
)

// wechatUA is WeChat's in-app browser on an Android phone.
const wechatUA = "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) " +
	"Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"

// TestResidentPageInWeChat drives the real binary with headless Chromium
// as WeChat's browser on a phone: a resident opens an activity's link,
// says who they are, signs up two people, sees the seats drop and their
// household on the list; the Telegram group's 接龙 list shows the same
// household, and the staff roster export has the row, marked 页面. With
// PAGES_SCREENSHOTS=dir it saves the identity page and the activity page
// before and after there (docs/screenshots in the repository).
func TestResidentPageInWeChat(t *testing.T) {
	chrome := chromium(t)
	fake := tgfake.New()
	defer fake.Close()
	fake.SetMe("grid_e2e_bot", true)
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	raddr := redisAddr(t)
	env := append(botEnv(t, fake, raddr),
		"GRIDBOT_HTTP_LISTEN=127.0.0.1:"+port,
		"GRIDBOT_RESIDENTS_BASE_URL="+base,
		"GRIDBOT_RESIDENTS_SECRET=pages-test-secret-0123456789abcdef",
		"GRIDBOT_OUTBOX_QUIET_START=00:00", "GRIDBOT_OUTBOX_QUIET_END=00:00",
	)
	p := start(t, env)
	waitHTTP(t, base+"/r/static/style.css")

	inGroup := func(chat, user int64, text string) {
		u := tgfake.User(user)
		fake.PushMessage(tgbotapi.Message{From: &u, Chat: &tgbotapi.Chat{ID: chat, Type: "supergroup", Title: "幸福里3网格居民群"}, Text: text})
	}
	inGroup(-100, 1, "/bind 3网格")
	if _, ok := fake.WaitCount(-100, 1, 15*time.Second); !ok {
		t.Fatalf("bind: %v\n%s", fake.Texts(-100), p.log())
	}
	day := time.Now().In(shanghai(t)).AddDate(0, 0, 3)
	fake.PushText(1, 1, "发布活动\n活动：元宵节猜灯谜\n时间："+day.Format("2006-01-02")+" 19:00-21:00\n地点：社区活动中心二楼\n名额：30\n网格：全部\n说明：猜中有小奖品，请带好老花镜\n接龙：开")
	listed := func(sub ...string) func([]tgfake.Sent) bool {
		return func(s []tgfake.Sent) bool {
			for _, m := range s {
				if m.ChatID == -100 && strings.Contains(m.Text, "报名接龙") && containsAll(m.Text, sub...) {
					return true
				}
			}
			return false
		}
	}
	if _, ok := fake.WaitSent(15*time.Second, listed()); !ok {
		t.Fatalf("no 接龙 list in the group: %v\n%s", fake.Texts(-100), p.log())
	}
	fake.PushText(31, 31, "我的名字是 张阿姨")
	if _, ok := fake.WaitCount(31, 1, 10*time.Second); !ok {
		t.Fatal("张阿姨 did not get a reply to setting the name")
	}
	inGroup(-100, 31, "报名 1")
	if _, ok := fake.WaitSent(15*time.Second, listed("张阿姨")); !ok {
		t.Fatalf("the chat sign-up is not on the list: %v\n%s", fake.Texts(-100), p.log())
	}

	page := activityLink(t, raddr, env, base)
	shots := os.Getenv("PAGES_SCREENSHOTS")
	profile, err := os.MkdirTemp("", "gridbot-chromium")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(profile),
		chromedp.UserAgent(wechatUA), chromedp.WindowSize(390, 844),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"), chromedp.Env("LANG=zh_CN.UTF-8", "LANGUAGE=zh_CN:zh"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	run := func(what string, acts ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, acts...); err != nil {
			t.Fatalf("%s: %v\nbot log:\n%s", what, err, p.log())
		}
	}
	shot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		var png []byte
		run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var left, list, body, ua string
	run("open the link", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(page+"?g=3网格"),
		chromedp.WaitVisible("#left", chromedp.ByID), chromedp.Text("#left", &left), chromedp.Text("#seated", &list),
		chromedp.Evaluate(`navigator.userAgent`, &ua))
	if left != "29" || !strings.Contains(list, "1. 张**") || !strings.Contains(ua, "MicroMessenger") {
		t.Fatalf("activity page before: left %q, list %q, UA %q", left, list, ua)
	}
	checkPhoneWidth(t, ctx, "activity page")
	shot("resident-activity-before")
	run("identity", chromedp.Click("a.btn.go", chromedp.ByQuery), chromedp.WaitVisible(`input[name=door]`, chromedp.ByQuery))
	var grid string
	run("grid chosen by the link", chromedp.Value(`select[name=grid]`, &grid, chromedp.ByQuery))
	if grid != "3网格" {
		t.Errorf("the link's grid is not chosen on the identity page: %q", grid)
	}
	run("fill in", chromedp.SendKeys(`input[name=name]`, "王阿姨", chromedp.ByQuery),
		chromedp.SendKeys(`input[name=door]`, "3号楼2单元501室", chromedp.ByQuery),
		chromedp.SendKeys(`input[name=phone]`, "13812345678", chromedp.ByQuery))
	checkPhoneWidth(t, ctx, "identity page")
	shot("resident-identity")
	run("save", chromedp.Click("button.go", chromedp.ByQuery), chromedp.WaitVisible(`select[name=n]`, chromedp.ByQuery),
		chromedp.SetValue(`select[name=n]`, "2", chromedp.ByQuery),
		chromedp.SendKeys(`input[name=remark]`, "带孙子一起来", chromedp.ByQuery),
		chromedp.Click(`button[value=join]`, chromedp.ByQuery), chromedp.WaitVisible("p.mine.ok", chromedp.ByQuery),
		chromedp.Text(".flash", &body), chromedp.Text("#left", &left), chromedp.Text("#seated", &list))
	if !strings.Contains(body, "王阿姨，报名成功") || left != "27" || !strings.Contains(list, "2. 王** 2人") || !strings.Contains(list, "您家") {
		t.Fatalf("after signing up: flash %q, left %q, list %q", body, left, list)
	}
	run("whole page", chromedp.Text("body", &body))
	if strings.Contains(body, "13812345678") || strings.Contains(body, "王阿姨 2人") {
		t.Errorf("the public page shows a phone or a full name: %q", body)
	}
	checkPhoneWidth(t, ctx, "activity page after")
	shot("resident-activity-after")

	if _, ok := fake.WaitSent(15*time.Second, listed("张阿姨", "王** 2人")); !ok {
		t.Fatalf("the Telegram 接龙 list does not show the page household: %v\n%s", fake.Texts(-100), p.log())
	}
	fake.PushText(1, 1, "名单 1")
	sent, ok := fake.WaitSent(15*time.Second, func(s []tgfake.Sent) bool {
		for _, m := range s {
			if m.ChatID == 1 && strings.HasSuffix(m.FileName, ".csv") {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no roster file for staff: %v\n%s", fake.Texts(1), p.log())
	}
	for _, m := range sent {
		if m.ChatID == 1 && strings.HasSuffix(m.FileName, ".csv") {
			csv := string(m.FileData)
			if !containsAll(csv, "来源", "王阿姨,2,带孙子一起来", "web:3网格/3-2-501,页面", "张阿姨", "群聊") || strings.Contains(csv, "13812345678") {
				t.Errorf("roster export: %s", csv)
			}
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// activityLink is the page of activity 1, as staff's 链接 would give it:
// a Site on the bot's Redis and key prefix makes the same token.
func activityLink(t *testing.T, raddr string, env []string, base string) string {
	t.Helper()
	prefix := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "GRIDBOT_REDIS_PREFIX="); ok {
			prefix = v
		}
	}
	rdb := redis.NewClient(&redis.Options{Addr: raddr})
	defer rdb.Close()
	site, err := residents.New(feature.Env{Redis: rdb, Keys: bot.Keys(prefix)}, residents.Config{BaseURL: base, Secret: secret.New("unused-here-0123456789abcdef-0123")}, residents.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := site.URL(context.Background(), residents.KindActivity, "1", "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// checkPhoneWidth fails when the page is wider than the phone, or its
// body text smaller than 20 px.
func checkPhoneWidth(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	var width, screen int64
	var font string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.scrollWidth`, &width),
		chromedp.Evaluate(`document.documentElement.clientWidth`, &screen),
		chromedp.Evaluate(`getComputedStyle(document.body).fontSize`, &font)); err != nil {
		t.Fatal(err)
	}
	if width > screen {
		t.Errorf("%s is %d px wide on a phone %d px wide", what, width, screen)
	}
	if font < "20px" && len(font) <= 4 {
		t.Errorf("%s body text is %s, want at least 20px", what, font)
	}
}
