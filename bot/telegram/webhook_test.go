package telegram

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"gridbot/bot"
	"gridbot/bot/telegram/tgfake"
)

const hookSecret = "hook_Secret-123"

func TestWebhookSecret(t *testing.T) {
	c, _, logs := newTest(t, func(c *Config) {
		c.WebhookURL = "https://bot.example.org/telegram/webhook"
		c.WebhookSecret = hookSecret
	})
	body := `{"update_id":501,"message":{"message_id":9,"date":1700000000,"chat":{"id":-1001,"type":"supergroup","title":"3网格"},"from":{"id":7,"first_name":"张","last_name":"阿姨"},"text":"报名 3"}}`
	for _, tc := range []struct {
		name    string
		header  string
		set     bool
		want    int
		handled bool
	}{
		{"good secret", hookSecret, true, 200, true},
		{"bad secret", "hook_Secret-124", true, 401, false},
		{"missing secret", "", false, 401, false},
		{"prefix of the secret", hookSecret[:5], true, 401, false},
	} {
		rec := newRecorder()
		h := c.WebhookHandler(rec.submit)
		req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", strings.NewReader(body))
		if tc.set {
			req.Header.Set(SecretHeader, tc.header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.want)
		}
		rec.mu.Lock()
		n := len(rec.ups)
		var u *bot.Update
		if n > 0 {
			u = rec.ups[0]
		}
		rec.mu.Unlock()
		if (n == 1) != tc.handled {
			t.Errorf("%s: %d updates submitted, want handled=%v", tc.name, n, tc.handled)
		}
		if u != nil && (u.ID != "tg:501" || u.Text != "报名 3" || u.Chat != "tg:-1001" || u.UserName != "张 阿姨") {
			t.Errorf("%s: update = %+v", tc.name, u)
		}
	}
	if strings.Contains(logs.String(), hookSecret[:8]) || strings.Contains(logs.String(), "hook_Secret-124") {
		t.Errorf("logs contain a secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "bad secret") {
		t.Errorf("rejections not logged")
	}
}

func TestWebhookAnswersAfterHandling(t *testing.T) {
	c, _, _ := newTest(t, func(c *Config) {
		c.WebhookURL = "https://bot.example.org/telegram/webhook"
		c.WebhookSecret = hookSecret
	})
	release := make(chan struct{})
	submit := func(_ context.Context, u *bot.Update) <-chan struct{} {
		done := make(chan struct{})
		go func() { <-release; close(done) }()
		return done
	}
	srv := httptest.NewServer(c.WebhookHandler(submit))
	defer srv.Close()
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"李"},"text":"帮助"}}`))
		req.Header.Set(SecretHeader, hookSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	select {
	case code := <-answered:
		t.Fatalf("answered %d before the update was handled", code)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if code := <-answered; code != 200 {
		t.Errorf("status after handling = %d, want 200", code)
	}
	for _, tc := range []struct {
		method, body string
		want         int
	}{
		{http.MethodGet, "", 405},
		{http.MethodPost, "not json", 400},
	} {
		req := httptest.NewRequest(tc.method, "/", strings.NewReader(tc.body))
		req.Header.Set(SecretHeader, hookSecret)
		w := httptest.NewRecorder()
		c.WebhookHandler(submit).ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("%s %q: status %d, want %d", tc.method, tc.body, w.Code, tc.want)
		}
	}
}

func TestWebhookEndToEndWithFake(t *testing.T) {
	c, f, _ := newTest(t, func(c *Config) {
		c.WebhookURL = "https://bot.example.org/telegram/webhook"
		c.WebhookSecret = hookSecret
	})
	rec := newRecorder()
	srv := httptest.NewServer(c.WebhookHandler(rec.submit))
	defer srv.Close()
	if code, err := f.PostToWebhook(tgbotapi.Update{}); err == nil {
		t.Fatalf("post without a webhook: %d, want an error", code)
	}
	if err := c.SetWebhook(context.Background(), srv.URL+"/telegram/webhook", hookSecret); err != nil {
		t.Fatal(err)
	}
	u := tgfake.User(7)
	code, err := f.PostToWebhook(tgbotapi.Update{Message: &tgbotapi.Message{MessageID: 3, Date: 1, From: &u, Chat: tgfake.Chat(-9), Text: "活动"}})
	if err != nil || code != 200 {
		t.Fatalf("post: %d, %v; want 200", code, err)
	}
	if ups := rec.wait(t, 1); ups[0].Text != "活动" || ups[0].Chat != "tg:-9" {
		t.Errorf("update = %+v", ups[0])
	}
	if err := c.SetWebhook(context.Background(), srv.URL+"/telegram/webhook", "other"); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.PostToWebhook(tgbotapi.Update{}); code != 401 {
		t.Errorf("with a secret mismatch: %d, want 401", code)
	}
}
