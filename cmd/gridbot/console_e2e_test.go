package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

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

	titles := map[int64]string{-100: "幸福里3网格居民群", -200: "幸福里5网格居民群"}
	inGroup := func(chat, user int64, text string) {
		u := tgfake.User(user)
		fake.PushMessage(tgbotapi.Message{From: &u, Chat: &tgbotapi.Chat{ID: chat, Type: "supergroup", Title: titles[chat]}, Text: text})
	}
	fake.PushText(1, 1, "我的名字是 李主任")
	inGroup(-100, 1, "/bind 3网格")
	inGroup(-200, 1, "/bind 5网格")
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
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(profile),
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

	day := time.Now().In(shanghai(t)).AddDate(0, 0, 3)
	run("new activity", chromedp.Navigate(base+"/console/events/new"), chromedp.WaitVisible("#create", chromedp.ByID),
		chromedp.SendKeys(`input[name=title]`, "元宵节猜灯谜"),
		chromedp.SetValue(`select[name=start_y]`, strconv.Itoa(day.Year())),
		chromedp.SetValue(`select[name=start_m]`, strconv.Itoa(int(day.Month()))),
		chromedp.SetValue(`select[name=start_d]`, strconv.Itoa(day.Day())),
		chromedp.SetValue(`select[name=start_h]`, "19"),
		chromedp.SetValue(`select[name=start_i]`, "0"),
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
		inGroup(r.chat, r.user, r.text)
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
		{"/console/tips", "08-tips-top", "main table"},
		{"/console/quiz", "09-quiz-top", "main table"},
		{"/console/grids", "10-grids", "main table"},
		{"/console/ledger", "11-ledger", "#paragraph"},
	} {
		run(pg.path, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(pg.wait))
		shot(pg.name, 1366, 768)
	}
	csvFile := filepath.Join(t.TempDir(), "tips.csv")
	if err := os.WriteFile(csvFile, []byte("编号,分类,标题,内容\nsq-001,生活服务,反诈提醒,陌生来电要警惕。\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var noneShown, pickerShown string
	run("file picker", chromedp.Navigate(base+"/console/tips"), chromedp.WaitVisible("label.file"),
		chromedp.Text("label.file", &body),
		chromedp.SetUploadFiles(`input[type=file]`, []string{csvFile}, chromedp.ByQuery),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("label.file .none")).display`, &noneShown),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("input[type=file]"), "::file-selector-button").display`, &pickerShown))
	if !strings.Contains(body, "选择文件") || noneShown != "none" || pickerShown != "none" {
		t.Errorf("file picker: label %q, 还没有选文件 display %q after choosing, native button display %q", body, noneShown, pickerShown)
	}
	run("ledger", chromedp.Navigate(base+"/console/ledger"), chromedp.WaitVisible("#figures", chromedp.ByID), chromedp.Text("#figures", &body))
	if !regexp.MustCompile(`(^|\s)4\s*报名（人）`).MatchString(body) {
		t.Errorf("ledger figures do not count the 4 signed up: %q", body)
	}
	shot("11-ledger-phone", 390, 844)

	// At night: the bot restarts with quiet hours on now; a notice sent
	// from the page is held, and every page says so.
	stopProc(t, p)
	quiet := quietNow(shanghai(t))
	p = start(t, append(env, "GRIDBOT_OUTBOX_QUIET_START="+quiet[0], "GRIDBOT_OUTBOX_QUIET_END="+quiet[1]))
	waitHTTP(t, base+"/console/static/style.css")
	run("compose at night", chromedp.Navigate(base+"/console/notices"), chromedp.WaitVisible("#preview", chromedp.ByID),
		chromedp.SendKeys(`textarea[name=body]`, "明天上午 9 点在社区活动中心开展义诊，请需要的居民带好医保卡。"),
		chromedp.Click("#preview", chromedp.ByID), chromedp.WaitVisible("#held", chromedp.ByID), chromedp.Text("#held", &body))
	if !strings.Contains(body, "夜间免打扰") || !strings.Contains(body, quiet[1]) {
		t.Errorf("preview at night: %q", body)
	}
	run("confirm at night", chromedp.Click("#confirm", chromedp.ByID), chromedp.WaitVisible("#delivery", chromedp.ByID),
		chromedp.Text("main", &body))
	if !strings.Contains(body, "待发 ") || !strings.Contains(body, quiet[1]) || !strings.Contains(body, "还没有发出") {
		t.Errorf("notice page at night: %s", body)
	}
	shot("12-notice-held", 1366, 768)
	shot("12-notice-held-phone", 390, 844)
	run("notices at night", chromedp.Navigate(base+"/console/notices"), chromedp.WaitVisible("main table"))
	shot("05-notices", 1366, 900)
	run("overview", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible("#pushes", chromedp.ByID), chromedp.Text("#pushes", &body))
	if !strings.Contains(body, "待发 ") {
		t.Errorf("overview at night: %s", body)
	}
	shot("00-overview", 1366, 768)
	shot("00-overview-phone", 390, 844)
	for _, path := range []string{"/console/", "/console/events", "/console/events/1", "/console/notices", "/console/notices/1",
		"/console/tips", "/console/quiz", "/console/grids", "/console/ledger"} {
		var width, screen, height int64
		var wide []string
		run("phone "+path, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+path), chromedp.WaitVisible("main h1"),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &width),
			chromedp.Evaluate(`document.documentElement.clientWidth`, &screen),
			chromedp.Evaluate(`document.documentElement.scrollHeight`, &height),
			chromedp.Evaluate(`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`, &wide))
		if width > screen {
			t.Errorf("%s is %d px wide on a phone %d px wide: %v", path, width, screen, wide)
		}
		if path == "/console/events/1" && height > 1100 {
			t.Errorf("the roster of 3 households is %d px tall on a phone", height)
		}
	}
	run("viewport", chromedp.EmulateViewport(1366, 768))
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

// stopProc stops p with SIGINT and waits for it, leaving its exit for
// the cleanup start registered.
func stopProc(t *testing.T, p *proc) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(20 * time.Second):
		t.Fatalf("the bot did not stop:\n%s", p.log())
	}
}

// waitHTTP waits until url answers.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// quietNow returns quiet hours (start, end as "15:04") that hold now and
// for the rest of the test: from an hour ago until 07:30, or until two
// hours on when 07:30 is not at least a quarter of an hour away.
func quietNow(loc *time.Location) [2]string {
	now := time.Now().In(loc)
	start := now.Add(-time.Hour)
	mins := func(t time.Time) int { return t.Hour()*60 + t.Minute() }
	left := (7*60 + 30 - mins(now) + 24*60) % (24 * 60)
	end := "07:30"
	if left < 15 || left >= 24*60-60 {
		end = now.Add(2 * time.Hour).Format("15:04")
	}
	return [2]string{start.Format("15:04"), end}
}
