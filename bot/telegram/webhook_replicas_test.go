package telegram

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// TestWebhookAnyReplica serves Telegram's webhook from three replicas (each
// a client, router and dispatcher on one Redis) behind one URL. Each of 30
// updates is posted to every replica at once, as Telegram's redelivery of a
// slow answer would land on another replica: each is handled exactly once,
// and every replica answers 200 only once the update was finished (by it
// or by the one that had it).
func TestWebhookAnyReplica(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var mu sync.Mutex
	count := map[string]int{}
	finished := map[string]bool{}
	var hooks []http.Handler
	for i := range 3 {
		c, _, _ := newTest(t, func(c *Config) {
			c.WebhookURL = "https://bot.example.org/telegram/webhook"
			c.WebhookSecret = hookSecret
		})
		r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: grid.NewDirectory(rdb, keys, nil), Log: quiet,
			ClaimTTL: time.Second, Instance: fmt.Sprintf("w%d", i)})
		r.OnText(func(ctx context.Context, bc *bot.Context) error {
			time.Sleep(30 * time.Millisecond)
			mu.Lock()
			count[bc.Update.ID]++
			finished[bc.Update.ID] = true
			mu.Unlock()
			return nil
		})
		d := bot.NewDispatcher(4, r.Handle, nil)
		t.Cleanup(d.Close)
		hooks = append(hooks, c.WebhookHandler(func(ctx context.Context, u *bot.Update) <-chan struct{} { return d.Submit(ctx, c, u) }))
	}
	var wg sync.WaitGroup
	var early, bad atomic.Int32
	for n := range 30 {
		id := 700 + n
		body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1700000000,"chat":{"id":-100%d,"type":"supergroup","title":"网格群"},"from":{"id":7,"first_name":"张"},"text":"活动"}}`, id, id, n%4)
		for _, h := range hooks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", strings.NewReader(body))
				req.Header.Set(SecretHeader, hookSecret)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					bad.Add(1)
				}
				mu.Lock()
				if !finished[fmt.Sprintf("tg:%d", id)] {
					early.Add(1)
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for n := range 30 {
		if got := count[fmt.Sprintf("tg:%d", 700+n)]; got != 1 {
			t.Errorf("update %d handled %d times across three replicas, want 1", 700+n, got)
		}
	}
	if n := bad.Load(); n > 0 {
		t.Errorf("%d webhook posts not answered 200", n)
	}
	if n := early.Load(); n > 0 {
		t.Errorf("%d webhook posts answered before the update was finished", n)
	}
}
