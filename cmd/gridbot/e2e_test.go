package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"gridbot/bot/redistest"
	"gridbot/bot/telegram/tgfake"
)

const testToken = "123456:AAE2eTESTtokenNEVERinLOGS"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the real gridbot once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gridbot-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gridbot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// redisAddr returns the real Redis of GRIDBOT_TEST_REDIS, or a miniredis
// listening on loopback (the binary is a separate process either way) whose
// keys expire on the wall clock, as the bot's claims and leases need.
func redisAddr(t testing.TB) string {
	if a := os.Getenv("GRIDBOT_TEST_REDIS"); a != "" {
		host, _, _ := strings.Cut(a, "/")
		return host
	}
	mr := miniredis.RunT(t)
	redistest.ExpireOnWallClock(t, mr)
	return mr.Addr()
}

type proc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	out    *lockedWriter
	done   chan error
}

// log returns what the process wrote so far (safe while it runs).
func (p *proc) log() string {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return p.stderr.String()
}

func start(t *testing.T, env []string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	out := &lockedWriter{w: &stderr}
	cmd.Stderr = out
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &stderr, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func botEnv(t *testing.T, fake *tgfake.Server, redis string) []string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return []string{
		"GRIDBOT_TELEGRAM_TOKEN=" + testToken,
		"GRIDBOT_TELEGRAM_API_ENDPOINT=" + fake.Endpoint(),
		"GRIDBOT_TELEGRAM_POLL_TIMEOUT=1s",
		"GRIDBOT_REDIS_ADDR=" + redis,
		"GRIDBOT_REDIS_PREFIX=e2e" + hex.EncodeToString(b),
		"GRIDBOT_STAFF_TELEGRAM=1",
		"GRIDBOT_HTTP_LISTEN=127.0.0.1:0",
		"GRIDBOT_LOG_LEVEL=debug",
	}
}

func TestEndToEndBindAndReply(t *testing.T) {
	fake := tgfake.New()
	defer fake.Close()
	fake.SetMe("grid_e2e_bot", false)
	fake.SetMembers(-100, 42)
	p := start(t, botEnv(t, fake, redisAddr(t)))

	fake.PushText(-100, 5, "绑定网格 3网格")
	fake.PushText(-100, 1, "/bind@grid_e2e_bot 3网格")
	fake.PushText(-100, 1, "/bind@other_bot 9网格")
	fake.PushText(-100, 5, "帮助")
	// Replies made while the group's budget is spent come merged (see
	// bot/replies), so the three answers may share messages: look for them
	// in order across what the group got.
	want := []string{"只有社区工作人员", "已绑定为「<b>3网格</b>」", "我能帮您做这些"}
	joined := func(ms []tgfake.Sent) string {
		var b strings.Builder
		for _, m := range ms {
			if m.ChatID == -100 {
				b.WriteString(m.Text + "\n")
			}
		}
		return b.String()
	}
	msgs, ok := fake.WaitSent(15*time.Second, func(ms []tgfake.Sent) bool { return strings.Contains(joined(ms), want[2]) })
	if !ok {
		t.Fatalf("group replies: %+v", msgs)
	}
	all := joined(msgs)
	at := 0
	for _, w := range want {
		i := strings.Index(all[at:], w)
		if i < 0 {
			t.Errorf("replies %q lack %q after the answers before it", all, w)
			continue
		}
		at += i
	}
	for _, m := range msgs {
		if m.ChatID == -100 && m.ParseMode != "HTML" {
			t.Errorf("reply %q parse mode %q", m.Text, m.ParseMode)
		}
	}
	if !strings.Contains(all, "/setprivacy") {
		t.Errorf("bind did not warn that privacy mode hides keywords: %q", all)
	}
	fake.PushText(1, 1, "网格列表")
	priv, ok := fake.WaitCount(1, 1, 10*time.Second)
	if !ok || !strings.Contains(priv[0].Text, "3网格") || !strings.Contains(priv[0].Text, "42 人") {
		t.Fatalf("grid list: %+v", priv)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, p.log())
		}
	case <-time.After(8 * time.Second):
		t.Fatalf("still running 8s after SIGTERM")
	}
	if strings.Contains(p.log(), testToken) || strings.Contains(p.log(), "TESTtoken") {
		t.Errorf("token in logs:\n%s", p.log())
	}
}

// TestKillMidStreamLosesNothing kills the bot with SIGKILL while it works
// through a stream of updates, restarts it, and checks that every update was
// answered, that the state is what handling each update once gives, and
// that only updates in flight at the moment of the kill (at most one per
// chat) were answered again: those were handled and answered but not yet
// marked done, and their redo finds the work done ("already bound").
func TestKillMidStreamLosesNothing(t *testing.T) {
	fake := tgfake.New()
	defer fake.Close()
	addr := redisAddr(t)
	// This test counts one reply per update: replies are sent one by one.
	// Coalesced replies' crash safety is tested in bot/replies.
	env := append(botEnv(t, fake, addr), "GRIDBOT_REPLIES_COALESCE=false")
	const n, chats = 240, 6
	for i := range n {
		fake.PushText(-int64(100+i%chats), 1, fmt.Sprintf("/bind 网格%d", i))
	}
	p := start(t, env)
	if _, ok := fake.WaitSent(20*time.Second, func(s []tgfake.Sent) bool { return len(s) >= n/3 }); !ok {
		t.Fatalf("bot did not get going:\n%s", p.log())
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p.done <- nil
	killedAt := len(fake.Sent())

	p2 := start(t, env)
	all, ok := fake.WaitSent(30*time.Second, func(s []tgfake.Sent) bool { return answered(s, n) == n })
	if !ok {
		var missing []int
		for i := range n {
			if countReplies(all, i) == 0 {
				missing = append(missing, i)
			}
		}
		t.Fatalf("after restart %d of %d updates answered; missing %v\nfirst run:\n%s\nsecond run:\n%s", answered(all, n), n, missing, p.log(), p2.log())
	}
	time.Sleep(300 * time.Millisecond)
	dups := 0
	for i := range n {
		if c := countReplies(fake.Sent(), i); c > 1 {
			dups += c - 1
		}
	}
	t.Logf("killed after %d replies; %d updates, %d duplicate replies", killedAt, n, dups)
	if dups > chats {
		t.Errorf("%d duplicate replies after kill -9; only the %d updates in flight may repeat", dups, chats)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	prefix := strings.TrimPrefix(env[4], "GRIDBOT_REDIS_PREFIX=")
	for c := range chats {
		last := n - chats + c
		key := fmt.Sprintf("%s:dir:{dir}:chat:tg:-%d", prefix, 100+c)
		if got, err := rdb.HGet(context.Background(), key, "grid").Result(); err != nil || got != fmt.Sprintf("网格%d", last) {
			t.Errorf("chat %d bound to %q (%v), want 网格%d: the last update for it", c, got, err, last)
		}
	}
	if killedAt >= n {
		t.Logf("the bot finished before the kill; the restart path was not exercised")
	}
}

// countReplies counts the answers to update i: "bound to 网格i", or, when
// the bot died after binding but before answering, "already 网格i" on redo.
func countReplies(sent []tgfake.Sent, i int) int {
	bound := fmt.Sprintf("「<b>网格%d</b>」", i)
	already := fmt.Sprintf("「网格%d」的网格群", i)
	c := 0
	for _, s := range sent {
		if strings.Contains(s.Text, bound) || strings.Contains(s.Text, already) {
			c++
		}
	}
	return c
}

func answered(sent []tgfake.Sent, n int) int {
	c := 0
	for i := range n {
		if countReplies(sent, i) > 0 {
			c++
		}
	}
	return c
}

func TestCheckConfigNamesBadKey(t *testing.T) {
	bin := binary(t)
	cases := []struct {
		env  []string
		want string
		code int
	}{
		{[]string{"GRIDBOT_REDIS_DB=x"}, "redis.db", 2},
		{[]string{"GRIDBOT_TIMEZONE=Mars/Base"}, "timezone", 2},
		{[]string{"GRIDBOT_TELEGRAM_TOKEN=" + testToken}, "redis.addr", 2},
		{[]string{"GRIDBOT_NO_SUCH_KEY=1"}, "GRIDBOT_NO_SUCH_KEY", 2},
		{[]string{"GRIDBOT_OUTBOX_RETENTION=720h"}, "outbox.retention", 2},
		{[]string{"GRIDBOT_QUIZ_KEEP_DAYS=30"}, "quiz.keep_days", 2},
		{nil, "config ok", 0},
	}
	for _, c := range cases {
		cmd := exec.Command(bin, "-check-config")
		cmd.Env = append(cleanEnv(), c.env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != c.code || !strings.Contains(string(out), c.want) {
			t.Errorf("env %v: exit %d output %q, want exit %d naming %q", c.env, code, out, c.code, c.want)
		}
		if strings.Contains(string(out), testToken) {
			t.Errorf("token printed: %q", out)
		}
	}
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GRIDBOT_") {
			out = append(out, kv)
		}
	}
	return out
}

func TestTrialScriptedInput(t *testing.T) {
	bin := binary(t)
	cmd := exec.Command(bin)
	cmd.Env = append(cleanEnv(), "GRIDBOT_HTTP_LISTEN=127.0.0.1:0")
	cmd.Stdin = strings.NewReader("帮助\n/as staff\n网格列表\n")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("trial did not exit at end of input:\n%s", buf.String())
	}
	out := buf.Bytes()
	if err != nil {
		t.Fatalf("trial exited with %v:\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"本地试用", "nothing is kept", "我能帮您做这些", "网格列表（共 3 个网格"} {
		if !strings.Contains(strings.ToLower(s), strings.ToLower(want)) {
			t.Errorf("trial output lacks %q:\n%s", want, s)
		}
	}
}
