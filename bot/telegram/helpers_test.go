package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/telegram/tgfake"
)

const testToken = "123456789:AAFakeSecretTokenForTests_xyz"

// syncBuf is a goroutine-safe log sink.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTest starts a fake and a client on it; logs go to the returned buffer.
func newTest(t testing.TB, edit func(*Config)) (*Client, *tgfake.Server, *syncBuf) {
	t.Helper()
	f := tgfake.New()
	t.Cleanup(f.Close)
	cfg := DefaultConfig()
	cfg.Token = testToken
	cfg.APIEndpoint = f.Endpoint()
	cfg.PollTimeout = time.Second
	cfg.Timeout = 5 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := New(ctx, cfg, log, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, f, logs
}

// recorder is a Submit that handles updates at once, recording them.
type recorder struct {
	mu   sync.Mutex
	ups  []*bot.Update
	seen chan struct{}
	// delay, when set, is how long each update takes to be "handled" after
	// it was recorded.
	delay time.Duration
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 1000)} }

func (r *recorder) submit(_ context.Context, u *bot.Update) <-chan struct{} {
	r.mu.Lock()
	r.ups = append(r.ups, u)
	r.mu.Unlock()
	r.seen <- struct{}{}
	done := make(chan struct{})
	if r.delay > 0 {
		time.AfterFunc(r.delay, func() { close(done) })
	} else {
		close(done)
	}
	return done
}

func (r *recorder) wait(t *testing.T, n int) []*bot.Update {
	t.Helper()
	for range n {
		select {
		case <-r.seen:
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out waiting for %d updates", n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*bot.Update(nil), r.ups...)
}

// memStore is an OffsetStore in memory that can be made to fail.
type memStore struct {
	mu     sync.Mutex
	off    int
	fail   bool
	saves  int
	failed int
}

func (m *memStore) Load(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		m.failed++
		return 0, errDown
	}
	return m.off, nil
}

func (m *memStore) Save(_ context.Context, off int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		m.failed++
		return errDown
	}
	m.saves++
	m.off = off
	return nil
}

func (m *memStore) get() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.off
}

// failures counts the calls that failed because the store was down.
func (m *memStore) failures() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failed
}

func (m *memStore) setFail(v bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = v
}

type downErr struct{}

func (downErr) Error() string { return "redis: connection refused" }

var errDown = downErr{}

// runPoll runs Poll in the background; the returned stop cancels it and
// waits for it to return.
func runPoll(t *testing.T, c *Client, store OffsetStore, submit Submit) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Poll(ctx, store, submit) }()
	return func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("Poll: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Poll did not return after cancel")
		}
	}
}

// waitFor polls cond every 10ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func itoa(i int) string { return strconv.Itoa(i) }
