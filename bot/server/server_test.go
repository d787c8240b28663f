package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
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

func serve(t *testing.T, rdb redis.UniversalClient, reg prometheus.Gatherer) string {
	s, err := server.New("127.0.0.1:0", rdb, slog.Default(), reg)
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
	base := serve(t, rdb, prometheus.NewRegistry())
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz with redis = %d %q", code, body)
	}
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer down.Close()
	base2 := serve(t, down, prometheus.NewRegistry())
	if code, _ := get(t, base2+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("healthz without redis = %d, want 503", code)
	}
}

// TestMetricsExposed serves the registry it is given: the Go runtime's
// collectors and the bot's own counters registered there.
func TestMetricsExposed(t *testing.T) {
	rdb, _, _ := redistest.New(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	m := bot.NewMetrics(reg)
	m.Update("text", "ok")
	base := serve(t, rdb, reg)
	code, body := get(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics = %d, %d bytes, want the Go collector's go_goroutines", code, len(body))
	}
	if !strings.Contains(body, `gridbot_updates_total{kind="text",outcome="ok"} 1`) {
		t.Errorf("metrics do not show the update counted on the registry served:\n%s", body)
	}
}
