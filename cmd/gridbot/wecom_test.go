package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridbot/bot/wecom"
	"gridbot/bot/wecom/wecomfake"
)

const testAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type wecomWorld struct {
	t      *testing.T
	fake   *wecomfake.Server
	client *wecomfake.Client
	url    string
	n      int
}

// say posts text as userID (in chatID, or privately when chatID is "") and
// returns the bot's passive reply.
func (w *wecomWorld) say(chatID, userID, text string) string {
	w.t.Helper()
	w.n++
	return w.sayTo(w.url, w.n, chatID, userID, text)
}

// sayTo posts message n (msgid "m<n>") to the callback at url, the way
// WeChat Work posts it and, when no answer came in time, posts it again.
func (w *wecomWorld) sayTo(url string, n int, chatID, userID, text string) string {
	w.t.Helper()
	req, err := w.client.TextRequest(url, wecomfake.Text{MsgID: fmt.Sprintf("m%d", n), ChatID: chatID,
		UserID: userID, Content: "@网格助手 " + text, ResponseURL: w.fake.ResponseURL(fmt.Sprint(n))})
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("%q: status %d %s", text, resp.StatusCode, body)
	}
	plain, err := w.client.OpenReply(body)
	if err != nil {
		w.t.Fatalf("%q: open reply: %v", text, err)
	}
	if plain == nil {
		if rs := w.fake.Responses(fmt.Sprint(n)); len(rs) > 0 {
			return rs[0].Content
		}
		return ""
	}
	content, _, err := wecomfake.StreamContent(plain)
	if err != nil {
		w.t.Fatalf("%q: %v", text, err)
	}
	return content
}

func (w *wecomWorld) waitPushed(key, want string) string {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range w.fake.Messages(key) {
			if strings.Contains(m.Content, want) {
				return m.Content
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.t.Fatalf("no push to %s containing %q; got %+v", key, want, w.fake.Messages(key))
	return ""
}

// TestWeComGroupUsesEveryFeatureByText runs the whole bot with a WeChat Work
// group (group robot for pushes, smart robot callback for @-messages) and
// checks that residents and staff reach every feature by typing Chinese.
func TestWeComGroupUsesEveryFeatureByText(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole bot")
	}
	fake := wecomfake.New()
	defer fake.Close()
	fake.AddRobot("hook3")
	p := make([]byte, 4)
	_, _ = rand.Read(p)
	cfg := defaultConfig()
	cfg.Redis.Addr = redisAddr(t)
	useTestCluster(&cfg.Redis)
	cfg.Redis.Prefix = "wc" + hex.EncodeToString(p)
	cfg.HTTP.Listen = freeAddr(t)
	cfg.Log.Level = "error"
	cfg.Wecom.APIBase = fake.URL
	cfg.Wecom.Groups = []wecom.Group{{Grid: "3网格", WebhookKey: "hook3", ChatID: "wrkgroup3", Name: "三网格居民群"}}
	cfg.Wecom.Callback.Token, cfg.Wecom.Callback.AESKey, cfg.Wecom.Callback.BotName = "gridtoken", testAESKey, "网格助手"
	cfg.Staff.Wecom = []string{"wangshuji"}
	cfg.Outbox.QuietStart, cfg.Outbox.QuietEnd = "00:00", "00:00"
	cfg.Limits.Limits["wecom:hook"] = cfg.Limits.Limits["tg:global"]
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, strings.NewReader(""), io.Discard, io.Discard) }()
	defer func() { cancel(); <-done }()
	base := "http://" + cfg.HTTP.Listen
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatal("bot did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	client, err := wecomfake.NewClient("gridtoken", testAESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	w := &wecomWorld{t: t, fake: fake, client: client, url: base + "/wecom/callback"}
	const group = "wrkgroup3"

	steps := []struct {
		chat, user, text, want string
	}{
		{group, "zhangayi", "帮助", "报名"},
		{group, "zhangayi", "我的名字是 张阿姨", "张阿姨"},
		{group, "zhangayi", "/newevent 义诊 | 2099-03-01 09:00 | 社区卫生站 | 5 | 3网格", "只有社区工作人员"},
		{group, "wangshuji", "发布活动\n活动：义诊\n时间：2099-03-01 09:00\n地点：社区卫生站\n名额：5\n网格：3网格", "活动已发布"},
		{group, "zhangayi", "活动", "义诊"},
		{group, "zhangayi", "我要报名1 两个人", "张阿姨，报名成功"},
		{group, "zhangayi", "报名 1", "已经报过名"},
		{group, "lidaye", "報名１", "报名成功"},
		{group, "zhangayi", "我的报名", "义诊"},
		{group, "lidaye", "我不去了，取消报名1", "取消"},
		{group, "wangshuji", "开始竞答", "竞答"},
		{"", "zhangayi", "答题", "第 1 题"},
	}
	for _, s := range steps {
		if got := w.say(s.chat, s.user, s.text); !strings.Contains(got, s.want) {
			t.Fatalf("%s says %q in %q: reply %q, want it to contain %q", s.user, s.text, s.chat, got, s.want)
		}
	}
	w.waitPushed("hook3", "义诊")
	for i := range 5 {
		got := w.say("", "zhangayi", "A")
		if !strings.Contains(got, "答对") && !strings.Contains(got, "答错") {
			t.Fatalf("answer %d: reply %q", i+1, got)
		}
	}
	if got := w.say("", "zhangayi", "答题"); !strings.Contains(got, "已经") {
		t.Errorf("second attempt: %q", got)
	}
	if got := w.say(group, "zhangayi", "我的"); !strings.Contains(got, "分") {
		t.Errorf("我的: %q", got)
	}
	if got := w.say(group, "zhangayi", "排行"); !strings.Contains(got, "排第 1 名") || !strings.Contains(got, "张**") {
		t.Errorf("排行: %q", got)
	}
	if got := w.say(group, "wangshuji", "通知 全部 明早9点停水，请提前储水"); !strings.Contains(got, "预览") {
		t.Fatalf("notice preview: %q", got)
	}
	if got := w.say(group, "wangshuji", "确认"); !strings.Contains(got, "已确认") {
		t.Fatalf("notice confirm: %q", got)
	}
	w.waitPushed("hook3", "明早9点停水")
	w.waitPushed("hook3", "知识竞答")
	checkKeyspace(t, cfg.Redis)
}
