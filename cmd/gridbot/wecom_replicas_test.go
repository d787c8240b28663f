package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot/wecom"
	"gridbot/bot/wecom/wecomfake"
)

// TestWeComCallbackAnyReplica runs two replicas of the whole bot on one
// Redis behind one WeChat Work callback URL (a load balancer in front):
// a conversation whose steps land on alternating replicas works as on one
// (a notice previewed on one is confirmed on the other; a sign-up on one is
// known to the other), and a message that WeChat Work posts to both at
// once (its retry landing on the other replica) is handled once: one
// replica answers, the other answers nothing.
func TestWeComCallbackAnyReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole bot twice")
	}
	fake := wecomfake.New()
	defer fake.Close()
	fake.AddRobot("hook3")
	p := make([]byte, 4)
	_, _ = rand.Read(p)
	addr := redisAddr(t)
	prefix := "wr" + hex.EncodeToString(p)
	var urls []string
	for i := range 2 {
		cfg := defaultConfig()
		cfg.Redis.Addr = addr
		cfg.Redis.Prefix = prefix
		cfg.HTTP.Listen = freeAddr(t)
		cfg.Log.Level = "error"
		cfg.Replica.Name = []string{"wa", "wb"}[i]
		cfg.Wecom.APIBase = fake.URL
		cfg.Wecom.Groups = []wecom.Group{{Grid: "3网格", WebhookKey: "hook3", ChatID: "wrkgroup3", Name: "三网格居民群"}}
		cfg.Wecom.Callback.Token, cfg.Wecom.Callback.AESKey, cfg.Wecom.Callback.BotName = "gridtoken", testAESKey, "网格助手"
		cfg.Staff.Wecom = []string{"wangshuji"}
		cfg.Outbox.QuietStart, cfg.Outbox.QuietEnd = "00:00", "00:00"
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
		urls = append(urls, base+"/wecom/callback")
	}
	client, err := wecomfake.NewClient("gridtoken", testAESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	w := &wecomWorld{t: t, fake: fake, client: client}
	const group = "wrkgroup3"
	steps := []struct{ user, text, want string }{
		{"zhangayi", "我的名字是 张阿姨", "张阿姨"},
		{"wangshuji", "发布活动\n活动：义诊\n时间：2099-03-01 09:00\n地点：社区卫生站\n名额：5\n网格：3网格", "活动已发布"},
		{"zhangayi", "我要报名1 两个人", "张阿姨，报名成功"},
		{"zhangayi", "报名 1", "已经报过名"},
		{"wangshuji", "通知 全部 明早9点停水，请提前储水", "预览"},
		{"wangshuji", "确认", "已确认"},
	}
	for i, s := range steps {
		w.n++
		if got := w.sayTo(urls[i%2], w.n, group, s.user, s.text); !strings.Contains(got, s.want) {
			t.Fatalf("step %d on replica %d: %s says %q: reply %q, want it to contain %q", i+1, i%2, s.user, s.text, got, s.want)
		}
	}
	w.waitPushed("hook3", "明早9点停水")

	w.n++
	replies := make([]string, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = w.sayTo(urls[i], w.n, group, "lidaye", "報名１")
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range replies {
		switch {
		case strings.Contains(r, "报名成功"):
			ok++
		case strings.Contains(r, "已经报过名"):
			t.Errorf("the repeated message was handled a second time: %q", r)
		case r != "":
			t.Errorf("unexpected reply %q", r)
		}
	}
	if ok != 1 {
		t.Errorf("replies to one message posted to both replicas: %q, want exactly one 报名成功", replies)
	}
	if got := w.sayTo(urls[1], w.n+1, group, "lidaye", "我的报名"); !strings.Contains(got, "义诊") {
		t.Errorf("李大爷's sign-ups after the double post: %q", got)
	}
}
