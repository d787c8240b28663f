package telegram

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// A leader that stalls past its lease and wakes up finds it cannot store
// an offset, while the replica that took over can; its token is lower.
func TestStaleLeaderCannotStoreOffset(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rdbA, aConn := redistest.NewStallable(t, rdb)
	a := NewPollLease(rdbA, keys, "a", time.Second, log)
	b := NewPollLease(rdb, keys, "b", time.Second, log)
	ta, err := a.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.Save(ctx, 1001); err != nil {
		t.Fatalf("leader's save: %v", err)
	}
	aConn.Freeze()
	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	tb, err := b.acquire(bctx)
	if err != nil {
		t.Fatalf("second replica never took the lease: %v", err)
	}
	defer tb.end()
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("takeover took %s with a 1s lease", took)
	}
	if tb.token <= ta.token {
		t.Errorf("new token %d not above the stale leader's %d", tb.token, ta.token)
	}
	if ta.Valid() {
		t.Error("the stale leader still thinks it holds the lease")
	}
	aConn.Thaw()
	if err := ta.Save(ctx, 999); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale leader's save = %v, want ErrLeaseLost", err)
	}
	if err := tb.Save(ctx, 1005); err != nil {
		t.Fatalf("new leader's save: %v", err)
	}
	if err := ta.Save(ctx, 1002); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("stale leader's save after the new leader's = %v, want ErrLeaseLost", err)
	}
	if got, _ := tb.Load(ctx); got != 1005 {
		t.Errorf("offset = %d, want the new leader's 1005", got)
	}
	if ta.check(ctx) {
		t.Error("the stale leader's check in Redis says it still leads")
	}
}

// The offset stored before the lease existed is where the first leader
// starts.
func TestLeaseReadsLegacyOffset(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	if err := NewRedisOffsetStore(rdb, keys).Save(ctx, 4242); err != nil {
		t.Fatal(err)
	}
	tm, err := NewPollLease(rdb, keys, "a", time.Second, nil).acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.end()
	if got, err := tm.Load(ctx); err != nil || got != 4242 {
		t.Errorf("Load = %d, %v; want the legacy 4242", got, err)
	}
}

// pollReplica is one gridbot process in miniature: a client, a router and
// dispatcher on the shared Redis, and PollLeader.
type pollReplica struct {
	c     *Client
	lease *PollLease
	conn  *redistest.Stallable // its own Redis connection
	stall atomic.Bool          // the next update stalls the process before handing over
	wake  chan struct{}        // closes to end the stall
	stuck chan struct{}        // closed when it stalled
	once  sync.Once
}

// Three replicas poll one Bot API under the lease while updates keep
// coming. The leader stalls right after fetching a batch (like a process
// frozen by SIGSTOP or killed -9 before handling anything) and its lease
// lapses; another replica takes over within the lease's time, gets the
// stalled batch again and handles it. When the stalled leader wakes it
// hands nothing more to its router and cannot store its offset. Every
// update is handled exactly once and no two replicas ever poll at once.
func TestPollLeaderFailoverWithStalledLeader(t *testing.T) {
	c0, f, logs := newTest(t, nil)
	rdb, keys, _ := redistest.New(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	const ttl = time.Second
	var mu sync.Mutex
	count := map[string]int{}
	by := map[string]string{}
	var reps []*pollReplica
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, name := range []string{"a", "b", "c"} {
		c := c0
		if i > 0 {
			var err error
			if c, err = New(context.Background(), c0.cfg, c0.log, nil); err != nil {
				t.Fatal(err)
			}
		}
		own, conn := redistest.NewStallable(t, rdb)
		r := bot.NewRouter(bot.RouterOptions{Redis: own, Keys: keys, Roles: grid.NewDirectory(own, keys, nil), Log: quiet,
			ClaimTTL: 500 * time.Millisecond, Instance: name})
		r.OnText(func(ctx context.Context, bc *bot.Context) error {
			mu.Lock()
			count[bc.Update.Text]++
			by[bc.Update.Text] = name
			mu.Unlock()
			return nil
		})
		d := bot.NewDispatcher(4, r.Handle, nil)
		rep := &pollReplica{c: c, lease: NewPollLease(own, keys, name, ttl, c0.log), conn: conn,
			wake: make(chan struct{}), stuck: make(chan struct{})}
		reps = append(reps, rep)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.PollLeader(ctx, rep.lease, func(ctx context.Context, u *bot.Update) <-chan struct{} {
				if rep.stall.Load() {
					rep.once.Do(func() { rep.conn.Freeze(); close(rep.stuck) })
					<-rep.wake
					rep.conn.Thaw()
				}
				return d.Submit(ctx, c, u)
			})
			d.Close()
		}()
	}
	defer func() {
		cancel()
		for _, r := range reps {
			r.once.Do(func() {})
			select {
			case <-r.wake:
			default:
				close(r.wake)
			}
		}
		wg.Wait()
	}()
	var texts []string
	push := func(n int) {
		for range n {
			text := "消息" + itoa(len(texts))
			texts = append(texts, text)
			f.PushText(-1-int64(len(texts)%5), 7, text)
		}
	}
	handledAll := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(count) == len(texts)
	}
	push(20)
	if !waitFor(10*time.Second, handledAll) {
		t.Fatalf("first updates not all handled: %v", count)
	}
	leader := func() *pollReplica {
		v, _ := rdb.Get(context.Background(), keys.Key("tg", "{tgpoll}", "lease")).Result()
		for _, r := range reps {
			if strings.HasSuffix(v, " "+r.lease.id) {
				return r
			}
		}
		return nil
	}
	old := leader()
	if old == nil {
		t.Fatal("no replica holds the lease")
	}
	old.stall.Store(true)
	push(10)
	select {
	case <-old.stuck:
	case <-time.After(5 * time.Second):
		t.Fatal("the leader never fetched the new batch")
	}
	stalledAt := time.Now()
	if !waitFor(10*time.Second, handledAll) {
		t.Fatalf("after the leader stalled, %d of %d updates handled", len(count), len(texts))
	}
	took := time.Since(stalledAt)
	t.Logf("another replica handled the stalled batch %s after the stall (lease %s)", took.Round(time.Millisecond), ttl)
	if took > ttl+ttl/3+time.Second {
		t.Errorf("takeover took %s, want within the lease TTL and a renewal period", took)
	}
	push(10)
	if !waitFor(10*time.Second, handledAll) {
		t.Fatalf("the new leader stopped after taking over")
	}
	next := leader()
	if next == nil || next == old {
		t.Fatalf("lease holder after the stall: %v", next)
	}
	off, _ := rdb.Get(context.Background(), keys.Key("tg", "{tgpoll}", "offset")).Int()
	close(old.wake)
	if !waitFor(5*time.Second, func() bool {
		return strings.Contains(logs.String(), "another replica reads getUpdates now") ||
			strings.Contains(logs.String(), "lost mid-batch")
	}) {
		t.Errorf("the woken leader did not notice it lost the lease:\n%s", logs)
	}
	push(5)
	if !waitFor(10*time.Second, handledAll) {
		t.Fatal("updates after the old leader woke were not handled")
	}
	time.Sleep(300 * time.Millisecond)
	if got, _ := rdb.Get(context.Background(), keys.Key("tg", "{tgpoll}", "offset")).Int(); got < off {
		t.Errorf("offset went back from %d to %d after the stale leader woke", off, got)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, text := range texts {
		if count[text] != 1 {
			t.Errorf("%s handled %d times, want 1", text, count[text])
		}
	}
	for _, text := range texts[20:] {
		if by[text] == old.lease.id {
			t.Errorf("%s was handled by the stalled leader", text)
		}
	}
	if n := f.Conflicts(); n != 0 {
		t.Errorf("%d getUpdates overlapped another: two readers at once", n)
	}
}

// TestParseAcquire: the lease's acquire reply gives the token or the
// holder's remaining time; another shape is an error, not a panic.
func TestParseAcquire(t *testing.T) {
	if r, err := parseAcquire([]any{int64(0), int64(700)}); err != nil || r.token != 0 || r.left != 700*time.Millisecond {
		t.Errorf("parseAcquire = %+v, %v", r, err)
	}
	for _, bad := range []any{nil, int64(1), []any{int64(3)}, []any{"a", int64(0)}} {
		if _, err := parseAcquire(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseAcquire(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
