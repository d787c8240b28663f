package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// TestTrialNeverTouchesConfiguredRedis: with a Redis address configured and
// no platform, gridbot refuses to start, naming the missing token, and
// writes nothing into that Redis; and run, should it ever get such a
// configuration, keeps the trial's demo groups in its in-process store.
func TestTrialNeverTouchesConfiguredRedis(t *testing.T) {
	mr := miniredis.RunT(t)
	t.Setenv("GRIDBOT_REDIS_ADDR", mr.Addr())
	t.Setenv("GRIDBOT_HTTP_LISTEN", "127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	code := cli(nil, strings.NewReader("帮助\n/as staff\n网格列表\n"), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "config key telegram.token") || !strings.Contains(stderr.String(), "GRIDBOT_TELEGRAM_TOKEN") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming telegram.token and GRIDBOT_TELEGRAM_TOKEN", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "本地试用") {
		t.Errorf("the trial started:\n%s", stdout.String())
	}
	if keys := mr.Keys(); len(keys) != 0 {
		t.Errorf("refused start wrote %d keys into the configured Redis: %v", len(keys), keys)
	}

	cfg := defaultConfig()
	cfg.Redis.Addr = mr.Addr()
	cfg.HTTP.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stdout.Reset()
	if err := run(ctx, cfg, strings.NewReader("/as staff\n网格列表\n"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "网格列表（共 3 个网格") {
		t.Errorf("trial output:\n%s", stdout.String())
	}
	if keys := mr.Keys(); len(keys) != 0 {
		t.Errorf("the trial wrote %d keys into the configured Redis, e.g. %v", len(keys), keys[:min(5, len(keys))])
	}
}

// TestTrialTranscriptAnswersEachLineBeforeTheNext: a piped trial prints
// the bot's answers to a line (group answers go through the reply
// coalescer, which sends on its own goroutine) before it echoes the next
// line, so a transcript reads in order.
func TestTrialTranscriptAnswersEachLineBeforeTheNext(t *testing.T) {
	s := trial(t, "帮助\n活动\n/as staff\n网格列表\n/to 私聊\n我是谁\n")
	order := []string{
		"张阿姨：帮助", "我能帮您做这些",
		"张阿姨：活动", "近期没有活动",
		"王书记：网格列表", "网格列表（共 3 个网格",
		"王书记：我是谁", "身份：社区工作人员",
	}
	at := -1
	for _, want := range order {
		i := strings.Index(s, want)
		if i < 0 {
			t.Fatalf("transcript lacks %q:\n%s", want, s)
		}
		if i < at {
			t.Errorf("%q comes before what precedes it in the script; transcript:\n%s", want, s)
		}
		at = i
	}
}

// TestTrialGridWorkerIsOneInPrivateToo: the banner offers /as 网格员; such
// a speaker is a grid worker of the trial's grids in their private chat
// too (我是谁 says so, and 网格列表, a grid worker's command, works there).
func TestTrialGridWorkerIsOneInPrivateToo(t *testing.T) {
	s := trial(t, "/as 网格员 小刘\n/to 私聊\n我是谁\n网格列表\n")
	for _, want := range []string{"身份：网格员", "负责网格：1网格、2网格、3网格", "网格列表（共 3 个网格"} {
		if !strings.Contains(s, want) {
			t.Errorf("transcript lacks %q:\n%s", want, s)
		}
	}
}

// trial runs the local trial on script and returns what it printed.
func trial(t *testing.T, script string) string {
	t.Helper()
	cfg := defaultConfig()
	cfg.HTTP.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	if err := run(ctx, cfg, strings.NewReader(script), &out, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	return out.String()
}
