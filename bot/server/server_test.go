package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redistest"
	"gridbot/bot/server"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func serve(t *testing.T, rdb redis.UniversalClient) string {
	s, err := server.New("127.0.0.1:0", rdb, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + s.Addr()
}

func TestHealthzFollowsRedis(t *testing.T) {
	rdb, _, _ := redistest.New(t)
	base := serve(t, rdb)
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz with redis = %d %q", code, body)
	}
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer down.Close()
	base2 := serve(t, down)
	if code, _ := get(t, base2+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("healthz without redis = %d, want 503", code)
	}
}

func TestMetricsExposed(t *testing.T) {
	rdb, _, _ := redistest.New(t)
	base := serve(t, rdb)
	code, body := get(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics = %d, %d bytes", code, len(body))
	}
}
