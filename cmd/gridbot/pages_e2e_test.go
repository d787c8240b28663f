package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"gridbot/bot/telegram/tgfake"
)

var shortLinkRe = regexp.MustCompile(`http://127\.0\.0\.1:\d+/s/[a-z0-9]{12}`)

// TestResidentPagesFromLinks drives the real binary on real Redis: staff
// publish an activity, send a notice and open a quiz round in chat, ask
// 链接 for each and for today's 每日一学, and headless Chromium with a
// phone viewport and WeChat's user agent opens every short link: the
// notice, tip and quiz pages and the board (16:9), each showing what was
// published, and the A4 poster. On the quiz page a resident fills in who
// they are, answers every question on the sheet and sees the result; the
// group's leaderboard then has them. With RESIDENT_SCREENSHOTS=dir it
// saves a screenshot of each there (docs/screenshots in the repository).
func TestResidentPagesFromLinks(t *testing.T) {
	chrome := chromium(t)
	fake := tgfake.New()
	defer fake.Close()
	fake.SetMe("grid_pages_bot", true)
	fake.SetMembers(-100, 86)
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	p := start(t, append(botEnv(t, fake, redisAddr(t)),
		"GRIDBOT_HTTP_LISTEN=127.0.0.1:"+port,
		"GRIDBOT_RESIDENTS_BASE_URL="+base,
		"GRIDBOT_RESIDENTS_SECRET=pages-test-secret-0123456789abcdefgh",
		"GRIDBOT_OUTBOX_QUIET_START=00:00", "GRIDBOT_OUTBOX_QUIET_END=00:00",
	))
	u := tgfake.User(1)
	fake.PushMessage(tgbotapi.Message{From: &u, Chat: &tgbotapi.Chat{ID: -100, Type: "supergroup", Title: "幸福里3网格居民群"}, Text: "/bind 3网格"})
	if _, ok := fake.WaitCount(-100, 1, 15*time.Second); !ok {
		t.Fatalf("bind: %v\n%s", fake.Texts(-100), p.log())
	}
	day := time.Now().In(shanghai(t)).AddDate(0, 0, 3).Format("2006-01-02")
	ask := func(text string, done func(string) bool) string {
		t.Helper()
		n := len(fake.SentTo(1))
		fake.PushText(1, 1, text)
		var got string
		if _, ok := fake.WaitSent(15*time.Second, func(s []tgfake.Sent) bool {
			for _, m := range fake.SentTo(1)[n:] {
				if done(m.Text) {
					got = m.Text
					return true
				}
			}
			return false
		}); !ok {
			t.Fatalf("%q: no answer: %v\n%s", text, fake.Texts(1)[n:], p.log())
		}
		return got
	}
	has := func(s string) func(string) bool { return func(t string) bool { return strings.Contains(t, s) } }
	ask("发布活动 元宵节猜灯谜 | "+day+" 19:00 | 社区活动中心二楼 | 30 | 全部", has("活动已发布"))
	ask("通知 全部 明天上午9点至下午5点停水检修\n请各位居民提前储水，给您带来不便敬请谅解。", has("通知预览"))
	ask("确认", has("1 号"))
	ask("开始竞答", has("竞答"))
	links := map[string]string{}
	for _, l := range [][3]string{{"activity", "链接 1", "活动 · "}, {"notice", "链接 通知 1", "通知 · "}, {"quiz", "链接 竞答", "知识竞答 · "}, {"tip", "链接 每日一学", "每日一学 · "}} {
		links[l[0]] = shortLinkRe.FindString(ask(l[1], func(s string) bool { return strings.Contains(s, l[2]) && shortLinkRe.MatchString(s) }))
	}

	shots := os.Getenv("RESIDENT_SCREENSHOTS")
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chrome), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile), chromedp.UserAgent(wechatUA), chromedp.WindowSize(390, 844),
		chromedp.Flag("lang", "zh-CN"), chromedp.Env("LANG=zh_CN.UTF-8"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 540*time.Second)
	defer cancelT()
	snap := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		var png []byte
		if err := chromedp.Run(ctx, chromedp.Sleep(200*time.Millisecond), chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bodyHas := func(name string, wants ...string) {
		t.Helper()
		var body string
		if err := chromedp.Run(ctx, chromedp.Text("body", &body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, body)
			}
		}
	}
	open := func(name, url string, w, h int64, wants ...string) {
		t.Helper()
		var body, at string
		began := time.Now()
		defer func() { t.Logf("%s took %v", name, time.Since(began)) }()
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(url), chromedp.WaitVisible("body"),
			chromedp.Location(&at), chromedp.Text("body", &body)); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, p.log())
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s (%s) lacks %q:\n%s", name, at, want, body)
			}
		}
		snap(name)
	}
	poster := getBody(t, links["activity"]+"/poster")
	for _, want := range []string{"元宵节猜灯谜（1号）", "社区活动中心二楼", "剩余 30 个", links["activity"], "size:A4"} {
		if !strings.Contains(poster, want) {
			t.Errorf("poster lacks %q", want)
		}
	}
	open("board-tip", base+"/r/board?s=0", 1920, 1080, "每日一学")
	open("board-activities", base+"/r/board?s=1", 1920, 1080, "元宵节猜灯谜", "剩余 30 个名额", "社区活动中心二楼")
	open("resident-notice", links["notice"], 390, 844, "明天上午9点至下午5点停水检修", "请各位居民提前储水")
	open("resident-tip", links["tip"], 390, 844, "每日一学")
	open("resident-tips", base+"/r/tips", 390, 844, "每日一学", "往期")
	open("resident-quiz", links["quiz"], 390, 844, "第1期知识竞答", "网格排行", "发「答题」", "填写信息，去答题")
	if err := chromedp.Run(ctx, chromedp.Click(`a.btn.go`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=name]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=name]`, "王阿姨", chromedp.ByQuery), chromedp.SetValue(`select[name=grid]`, "3网格", chromedp.ByQuery),
		chromedp.SendKeys(`input[name=door]`, "3栋2单元501", chromedp.ByQuery), chromedp.Click(`form.form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`form.sheet`, chromedp.ByQuery)); err != nil {
		t.Fatalf("identity form on the way to the quiz: %v\n%s", err, p.log())
	}
	var questions int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("form.sheet fieldset").length`, &questions)); err != nil || questions == 0 {
		t.Fatalf("quiz sheet has %d questions (%v)", questions, err)
	}
	for i := 1; i <= questions; i++ {
		if err := chromedp.Run(ctx, chromedp.Click(fmt.Sprintf(`form.sheet fieldset:nth-of-type(%d) label.opt:nth-of-type(%d)`, i, 1+i%2), chromedp.ByQuery)); err != nil {
			t.Fatalf("choose an answer to question %d: %v", i, err)
		}
	}
	bodyHas("resident-quiz-sheet", "已记下您的信息：王阿姨", "第 1 题（共", "交卷")
	snap("resident-quiz-sheet")
	if err := chromedp.Run(ctx, chromedp.Click(`form.sheet button`, chromedp.ByQuery), chromedp.WaitVisible(`#result`, chromedp.ByQuery)); err != nil {
		t.Fatalf("hand in the quiz sheet: %v\n%s", err, p.log())
	}
	bodyHas("resident-quiz-result", "全部答完了！", "您的成绩", "您选的是：", "解析：", "网格排行", "3网格　参与 1/86 人", "（您的网格）")
	snap("resident-quiz-result")
	fake.PushMessage(tgbotapi.Message{From: &u, Chat: &tgbotapi.Chat{ID: -100, Type: "supergroup", Title: "幸福里3网格居民群"}, Text: "排行"})
	// A group busy with the bot's own messages may get the leaderboard in
	// the asker's private chat instead ("已私信回复您"); either shows it.
	if _, ok := fake.WaitSent(15*time.Second, func([]tgfake.Sent) bool {
		for _, m := range append(fake.Texts(-100), fake.Texts(u.ID)...) {
			if strings.Contains(m, "积分榜") && strings.Contains(m, "王**") {
				return true
			}
		}
		return false
	}); !ok {
		t.Errorf("the leaderboard lacks the page answer: group %v, private %v", fake.Texts(-100), fake.Texts(u.ID))
	}
	open("board-quiz", base+"/r/board?s=2", 1920, 1080, "第1期知识竞答")
	var refresh string
	if err := chromedp.Run(ctx, chromedp.AttributeValue(`meta[http-equiv=refresh]`, "content", &refresh, nil)); err != nil || !strings.Contains(refresh, "s=0") {
		t.Errorf("board's last screen refreshes to %q (%v), want the first screen again", refresh, err)
	}
	posterShot(t, ctx, links["activity"]+"/poster", snap, bodyHas)
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	return string(b)
}

// posterShot opens the A4 poster at about A4's width and waits for its QR
// code to be drawn. It does not wait for the page's load event: in this
// Chromium a navigation to the poster never reported it (the page and its
// QR image had long arrived), so it polls for the image instead, within a
// minute.
func posterShot(t *testing.T, ctx context.Context, url string, snap func(string), bodyHas func(string, ...string)) {
	t.Helper()
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	began := time.Now()
	err := chromedp.Run(pctx, chromedp.EmulateViewport(860, 1220),
		chromedp.Evaluate(fmt.Sprintf("location.href = %q", url), nil),
		chromedp.WaitVisible(`main.sheet`, chromedp.ByQuery),
		chromedp.Poll(`(() => { const i = document.querySelector("img.qr"); return i && i.complete && i.naturalWidth > 0 })()`, nil))
	t.Logf("poster took %v", time.Since(began))
	if err != nil {
		t.Fatalf("poster: %v", err)
	}
	bodyHas("poster", "元宵节猜灯谜（1号）", "剩余 30 个", "微信扫一扫，查看详情、在线报名")
	snap("poster")
}
