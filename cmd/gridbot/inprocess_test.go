package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/telegram/tgfake"
)

// fakeTelegramConfig is the default configuration pointed at fake's Bot
// API and the test Redis under a fresh prefix starting with prefix, with
// the HTTP server on a free port and only errors logged.
func fakeTelegramConfig(tb testing.TB, fake *tgfake.Server, prefix string) Config {
	tb.Helper()
	cfg := defaultConfig()
	cfg.Telegram.Token = testToken
	cfg.Telegram.APIEndpoint = fake.Endpoint()
	cfg.Telegram.PollTimeout = time.Second
	cfg.Redis.Addr = redisAddr(tb)
	p := make([]byte, 4)
	_, _ = rand.Read(p)
	cfg.Redis.Prefix = prefix + hex.EncodeToString(p)
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Log.Level = "error"
	return cfg
}

// inProcessBot runs the whole bot (run, as main does) against fake on the
// test Redis, with quiet hours off and staff user 1, until the test ends;
// tune changes the configuration first.
func inProcessBot(t testing.TB, fake *tgfake.Server, tune func(*Config)) {
	t.Helper()
	fake.SetMaxPollWait(50 * time.Millisecond)
	cfg := fakeTelegramConfig(t, fake, "ip")
	cfg.Staff.Telegram = []int64{1}
	cfg.Outbox.QuietStart, cfg.Outbox.QuietEnd = "00:00", "00:00"
	if tune != nil {
		tune(&cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, strings.NewReader(""), io.Discard, io.Discard) }()
	rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr})
	t.Cleanup(func() {
		cancel()
		<-done
		cleanPrefix(rdb, cfg.Redis.Prefix)
		_ = rdb.Close()
	})
}

// waitText waits until chat has been sent a message containing want.
func waitText(t *testing.T, fake *tgfake.Server, chat int64, want string, timeout time.Duration) {
	t.Helper()
	ok := func(s []tgfake.Sent) bool {
		for _, m := range s {
			if m.ChatID == chat && strings.Contains(m.Text, want) {
				return true
			}
		}
		return false
	}
	if _, found := fake.WaitSent(timeout, ok); !found {
		t.Fatalf("chat %d was never sent %q; it got %q", chat, want, fake.Texts(chat))
	}
}

// countText counts the messages sent to chat that contain want.
func countText(fake *tgfake.Server, chat int64, want string) int {
	n := 0
	for _, s := range fake.Texts(chat) {
		if strings.Contains(s, want) {
			n++
		}
	}
	return n
}
