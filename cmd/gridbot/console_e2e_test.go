package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gridbot/bot/telegram/tgfake"
)

// chromium returns the Chromium binary, or skips the test without one
// (.ci/run installs the Debian package, so CI always runs it).
func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("CHROMIUM_PATH"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium installed (apt-get install chromium)")
	return ""
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

var consoleLinkRe = regexp.MustCompile(`http://127\.0\.0\.1:\d+/console/login\?t=[A-Za-z0-9_\-.]+`)

// TestConsoleInBrowser drives the real binary with headless Chromium: staff
// ask for 工作台 through the fake Bot API, sign in by the link, publish an
// activity on the page, residents sign up in their groups, the sign-ups
// show in the roster page, and a notice sent from the page has its
// delivery report. With CONSOLE_SCREENSHOTS=dir it saves a screenshot of
// every page there (docs/console in the repository).
func TestConsoleInBrowser(t *testing.T) {
	chrome := chromium(t)
	fake := tgfake.New()
	defer fake.Close()
	fake.SetMe("grid_e2e_bot", true)
	fake.SetMembers(-100, 86)
	fake.SetMembers(-200, 134)
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	raddr := redisAddr(t)
	env := append(botEnv(t, fake, raddr),
		"GRIDBOT_HTTP_LISTEN=127.0.0.1:"+port,
		"GRIDBOT_CONSOLE_ENABLED=true",
		"GRIDBOT_CONSOLE_BASE_URL="+base,
		"GRIDBOT_CONSOLE_SECRET=browser-test-secret-0123456789abcdef",
		"GRIDBOT_LOG_LEVEL=info",
		"GRIDBOT_OUTBOX_QUIET_START=00:00", "GRIDBOT_OUTBOX_QUIET_END=00:00",
	)
	p := start(t, env)

	fake.PushText(1, 1, "我的名字是 李主任")
	fake.PushText(-100, 1, "/bind 3网格")
	fake.PushText(-200, 1, "/bind 5网格")
	if _, ok := fake.WaitCount(-200, 1, 15*time.Second); !ok {
		t.Fatalf("bind: %v\n%s", fake.Texts(-100), p.log())
	}
	fake.PushText(1, 1, "工作台")
	var link string
	if _, ok := fake.WaitSent(10*time.Second, func(s []tgfake.Sent) bool {
		for _, m := range s {
			if m.ChatID == 1 {
				if l := consoleLinkRe.FindString(m.Text); l != "" {
					link = l
					return true
				}
			}
		}
		return false
	}); !ok {
		t.Fatalf("no sign-in link: %v\n%s", fake.Texts(1), p.log())
	}

	shots := os.Getenv("CONSOLE_SCREENSHOTS")
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
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 768), chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"), chromedp.Env("LANG=zh_CN.UTF-8", "LANGUAGE=zh_CN:zh"),
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
	shot := func(name string, width, height int64) {
		t.Helper()
		if shots == "" {
			return
		}
		var png []byte
		capture := chromedp.FullScreenshot(&png, 100)
		if strings.HasSuffix(name, "-top") {
			capture = chromedp.CaptureScreenshot(&png)
		}
		run("screenshot "+name,
			chromedp.EmulateViewport(width, height),
			chromedp.Sleep(150*time.Millisecond),
			capture)
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		run("viewport", chromedp.EmulateViewport(1366, 768))
	}
	var body, url string
	run("open the link", chromedp.Navigate(link), chromedp.WaitVisible("#enter", chromedp.ByID))
	shot("01-login", 1366, 768)
	run("sign in", chromedp.Click("#enter", chromedp.ByID), chromedp.WaitVisible("main h1"),
		chromedp.Location(&url), chromedp.Text("body", &body))
	if url != base+"/console/" || !strings.Contains(body, "李主任 · 社区工作人员") {
		t.Fatalf("after sign-in at %s: %s", url, body)
	}

	run("new activity", chromedp.Navigate(base+"/console/events/new"), chromedp.WaitVisible("#create", chromedp.ByID),
		chromedp.SendKeys(`input[name=title]`, "元宵节猜灯谜"),
		chromedp.SetValue(`input[name=start]`, time.Now().AddDate(0, 0, 3).Format("2006-01-02")+"T19:00"),
		chromedp.SendKeys(`input[name=place]`, "社区活动中心二楼"),
		chromedp.SetValue(`input[name=seats]`, "30"),
		chromedp.SendKeys(`textarea[name=desc]`, "猜中有小奖品，请带好老花镜"))
	shot("03-event-new", 1366, 900)
	run("publish", chromedp.Click("#create", chromedp.ByID), chromedp.WaitVisible(".flash"),
		chromedp.Location(&url), chromedp.Text(".flash", &body))
	if !strings.HasSuffix(url, "/console/events/1") || !strings.Contains(body, "活动已发布") {
		t.Fatalf("after publish at %s: %s", url, body)
	}
	if _, ok := fake.WaitSent(10*time.Second, func(s []tgfake.Sent) bool {
		n := 0
		for _, m := range s {
			if (m.ChatID == -100 || m.ChatID == -200) && strings.Contains(m.Text, "元宵节猜灯谜") {
				n++
			}
		}
		return n >= 2
	}); !ok {
		t.Fatalf("activity notice not in both groups: %v %v", fake.Texts(-100), fake.Texts(-200))
	}

	residents := []struct {
		chat, user int64
		name, text string
	}{{-100, 31, "张阿姨", "报名 1 2人 带孙子"}, {-100, 32, "刘大爷", "我要报名1"}, {-200, 51, "陈奶奶", "報名１"}}
	for _, r := range residents {
		fake.PushText(r.user, r.user, "我的名字是 "+r.name)
	}
	for _, r := range residents {
		if _, ok := fake.WaitCount(r.user, 1, 10*time.Second); !ok {
			t.Fatalf("%s did not get a reply to setting the name", r.name)
		}
		fake.PushText(r.chat, r.user, r.text)
	}
	if _, ok := fake.WaitSent(15*time.Second, func(s []tgfake.Sent) bool {
		confirmed := 0
		for _, r := range residents {
			for _, m := range s {
				if (m.ChatID == r.chat || m.ChatID == r.user) && strings.Contains(m.Text, "报名成功") && strings.Contains(m.Text, r.name) {
					confirmed++
					break
				}
			}
		}
		return confirmed == len(residents)
	}); !ok {
		t.Fatalf("sign-ups not confirmed: %v %v\n%s", fake.Texts(-100), fake.Texts(-200), p.log())
	}
	run("roster", chromedp.Navigate(base+"/console/events/1"), chromedp.WaitVisible("#roster", chromedp.ByID),
		chromedp.Text("#roster", &body))
	for _, r := range residents {
		if !strings.Contains(body, r.name) {
			t.Errorf("roster lacks %s: %s", r.name, body)
		}
	}
	if !strings.Contains(body, "带孙子") {
		t.Errorf("roster lacks the remark: %s", body)
	}
	shot("04-event-roster", 1366, 768)
	shot("04-event-roster-phone", 390, 844)
	run("activities", chromedp.Navigate(base+"/console/events"), chromedp.WaitVisible("main table"))
	shot("02-events", 1366, 768)

	run("compose notice", chromedp.Navigate(base+"/console/notices"), chromedp.WaitVisible("#preview", chromedp.ByID),
		chromedp.SendKeys(`textarea[name=body]`, "明早 9 点到 12 点停水，请大家提前储水。"))
	shot("05-notices", 1366, 768)
	run("preview", chromedp.Click("#preview", chromedp.ByID), chromedp.WaitVisible("#confirm", chromedp.ByID),
		chromedp.Text(".reach", &body))
	if !strings.Contains(body, "2 个群") || !strings.Contains(body, "220") {
		t.Errorf("preview reach: %s", body)
	}
	shot("06-notice-preview", 1366, 768)
	run("confirm", chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible("#delivery", chromedp.ByID), chromedp.Location(&url))
	if !strings.HasSuffix(url, "/console/notices/1") {
		t.Fatalf("after confirm at %s", url)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		run("delivery report", chromedp.Reload(), chromedp.WaitVisible("#delivery", chromedp.ByID), chromedp.Text("#delivery", &body))
		if strings.Count(body, "已送达") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery report never showed both groups: %s\n%s", body, p.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(body, "3网格") || !strings.Contains(body, "5网格") {
		t.Errorf("delivery report per group: %s", body)
	}
	for _, chat := range []int64{-100, -200} {
		if !slicesContain(fake.Texts(chat), "停水") {
			t.Errorf("group %d did not get the notice: %v", chat, fake.Texts(chat))
		}
	}
	shot("07-notice-report", 1366, 768)

	for _, pg := range []struct{ path, name, wait string }{
		{"/console/", "00-overview", "main h1"},
		{"/console/tips", "08-tips-top", "main table"},
		{"/console/quiz", "09-quiz-top", "main table"},
		{"/console/grids", "10-grids", "main table"},
		{"/console/ledger", "11-ledger", "#paragraph"},
	} {
		run(pg.path, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(pg.wait))
		shot(pg.name, 1366, 768)
	}
	shot("11-ledger-phone", 390, 844)
	run("overview", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible("main h1"))
	shot("00-overview-phone", 390, 844)
	prefix := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GRIDBOT_REDIS_PREFIX="); ok {
			prefix = v
		}
	}
	checkKeyspace(t, RedisConfig{Addr: raddr, Prefix: prefix})
	if strings.Contains(p.log(), "browser-test-secret") || strings.Contains(p.log(), "/console/login?t=") {
		t.Errorf("the console secret or a sign-in link reached the log:\n%s", p.log())
	}
}

func slicesContain(texts []string, sub string) bool {
	for _, s := range texts {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
