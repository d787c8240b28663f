package outbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridbot/bot"
)

// countSender is a Sender that keeps nothing but a count and the last
// message to chat watch, so a long run measures the outbox's memory, not
// the fake's. The member-count look-ups that follow the sends go at the
// platform's pace (about 30 a second), so the report of 10,000 groups
// comes about six minutes after the last send.
type countSender struct {
	n     atomic.Int64
	watch bot.ChatRef
	mu    sync.Mutex
	last  string
}

func (s *countSender) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	if chat == s.watch {
		s.mu.Lock()
		s.last = m.Text
		s.mu.Unlock()
	}
	return strconv.FormatInt(s.n.Add(1), 10), nil
}

// procStatus returns the fields of /proc/self/status in kB (VmRSS, VmHWM).
func procStatus(t testing.TB) map[string]int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			out[k], _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	return out
}

// A 10,000-group broadcast and its delivery report go out with the process
// under 100 MB RSS at its peak (VmHWM). Run with GRIDBOT_SOAK=1 (and
// GRIDBOT_TEST_REDIS for a real Redis: with miniredis the store's data is
// in the process too) and -v for the figures.
func TestSoakBroadcastRSS(t *testing.T) {
	if os.Getenv("GRIDBOT_SOAK") != "1" {
		t.Skip("set GRIDBOT_SOAK=1")
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("GRIDBOT_SOAK_GROUPS")); err == nil {
		n = v
	}
	s := &countSender{watch: "tg:9"}
	f := newFixture(t, s, nil, nil)
	o := f.outbox(testConfig())
	run(t, o)
	ctx := context.Background()
	cs := chats("tg:-100", n)
	gm := map[bot.ChatRef]string{}
	for i, c := range cs {
		gm[c] = fmt.Sprintf("幸福里社区第%d网格", i+1)
	}
	start := procStatus(t)
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Ref: "1", Title: "停水通知", Chats: cs, Grids: gm, ReportTo: "tg:9",
		Message: bot.Message{Text: strings.Repeat("明天上午九点到下午五点停水，请提前储水。", 10)}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Minute)
	for s.n.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	sentAt := procStatus(t)
	t.Logf("%d groups sent: RSS %d → %d kB, peak (VmHWM) %d kB; goroutines %d", n, start["VmRSS"], sentAt["VmRSS"], sentAt["VmHWM"], runtime.NumGoroutine())
	for {
		s.mu.Lock()
		got := s.last
		s.mu.Unlock()
		if got != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery report after 15 minutes; %d sent, %+v", s.n.Load(), status(t, o, id))
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := status(t, o, id)
	end := procStatus(t)
	t.Logf("%d groups: %d sent, report sent; RSS %d → %d kB, peak (VmHWM) %d kB; goroutines %d",
		n, r.Sent, start["VmRSS"], end["VmRSS"], end["VmHWM"], runtime.NumGoroutine())
	if r.Sent != n {
		t.Errorf("sent %d, want %d", r.Sent, n)
	}
	if end["VmHWM"] > 100*1024 {
		t.Errorf("peak RSS %d kB, want under 100 MB", end["VmHWM"])
	}
}
