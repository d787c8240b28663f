package wxapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridbot/bot/secret"
	"gridbot/bot/wxapi"
)

func TestRetry(t *testing.T) {
	busy := errors.New("busy")
	for _, c := range []struct {
		name  string
		fails int
		waits int
		again bool
		calls int
		err   error
	}{
		{"succeeds at once", 0, 2, true, 1, nil},
		{"succeeds on the last try", 2, 2, true, 3, nil},
		{"gives up after the waits", 5, 2, true, 3, busy},
		{"not retried when again says no", 5, 2, false, 1, busy},
		{"no waits, no retry", 5, 0, true, 1, busy},
	} {
		calls := 0
		err := wxapi.Retry(context.Background(), make([]time.Duration, c.waits), func() error {
			calls++
			if calls <= c.fails {
				return busy
			}
			return nil
		}, func(error) bool { return c.again })
		if calls != c.calls || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%s: %d calls, %v; want %d, %v", c.name, calls, err, c.calls, c.err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	wxapi.Retry(ctx, []time.Duration{time.Hour}, func() error { calls++; return errors.New("x") }, func(error) bool { return true })
	if calls != 1 {
		t.Errorf("a cancelled context still retried (%d calls)", calls)
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		code  int
		msg   string
		cause error
		want  string
	}{
		{40029, "invalid code", nil, "h: errcode 40029 invalid code"},
		{0, "HTTP 502", nil, "h: HTTP 502"},
		{0, "", errors.New("boom"), "h: boom"},
		{-1, "busy", errors.New("x"), "h: errcode -1 busy: x"},
	} {
		if got := wxapi.Describe("h", c.code, c.msg, c.cause); got != c.want {
			t.Errorf("Describe = %q, want %q", got, c.want)
		}
	}
}

func TestCleanAndNetError(t *testing.T) {
	sec := secret.New("p@ss/word")
	_, err := http.Get("http://127.0.0.1:1/x?secret=p%40ss%2Fword")
	got := wxapi.NetError(err, sec)
	if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") || strings.Contains(got, "127.0.0.1:1/x") {
		t.Fatalf("NetError = %q", got)
	}
	long := strings.Repeat("字", 200) + " p@ss/word"
	if got := wxapi.Clean(long, sec); len(got) > wxapi.MaxText || !strings.HasPrefix(got, "字") || strings.ContainsRune(got, '\uFFFD') {
		t.Fatalf("Clean = %q (%d bytes)", got, len(got))
	}
	if got := wxapi.Clean("key p@ss/word end", sec); got != "key *** end" {
		t.Fatalf("Clean = %q", got)
	}
}
