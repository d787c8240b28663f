package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/redistest"
)

// records keeps the log records at Warn and above.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *records) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

var _ slog.Handler = (*records)(nil)

// errors returns the messages of the Error records, with their err attr.
func (r *records) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.recs {
		if rec.Level < slog.LevelError {
			continue
		}
		msg := rec.Message
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" {
				msg += ": " + a.Value.String()
			}
			return true
		})
		out = append(out, msg)
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestRunSurvivesRedisDown: Redis is down when the scheduler starts and
// again later; Run keeps going, and once Redis is back due items fire and
// jobs run, without a restart.
func TestRunSurvivesRedisDown(t *testing.T) {
	addr := freeAddr(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1,
		DialerRetries: 1, DialerRetryTimeout: 10 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	clk := bottest.NewClock(at(22, 8, 0))
	s := New(rdb, bot.Keys("t"), bottest.Shanghai, slog.New(slog.DiscardHandler), Options{
		Config: Config{Lease: 300 * time.Millisecond, Scan: 10 * time.Millisecond, MaxAttempts: 3, RetryBackoff: 20 * time.Millisecond},
		Now:    clk.Now, ID: "a"})
	var runs, fired atomic.Int32
	if err := s.Add("tips", "30 8 * * *", func(context.Context) error { runs.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	s.OnDue("remind", func(context.Context, string) error { fired.Add(1); return nil })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	time.Sleep(400 * time.Millisecond)
	select {
	case err := <-done:
		done <- err
		t.Fatalf("Run returned while Redis was down: %v, want it to keep trying", err)
	default:
	}

	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr(addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	eventually(t, "leader once Redis is up", s.Leader)
	if err := s.Schedule(ctx, "remind:1", at(22, 7, 59)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "due item fired", func() bool { return fired.Load() == 1 })
	if got := runs.Load(); got != 0 {
		t.Fatalf("job ran %d times at 08:00, before its 08:30 slot, want 0", got)
	}
	clk.Set(at(22, 8, 30))
	eventually(t, "08:30 job ran", func() bool { return runs.Load() == 1 })
	eventually(t, "08:30 run recorded", func() bool {
		last, _ := rdb.HGet(ctx, s.key("last"), "tips").Int64()
		return last == at(22, 8, 30).Unix()
	})

	mr.Close() // down again over the next day's slot, back the same day
	clk.Set(at(23, 8, 30))
	time.Sleep(400 * time.Millisecond)
	if err := mr.StartAddr(addr); err != nil {
		t.Fatal(err)
	}
	eventually(t, "next day's job ran after Redis came back", func() bool { return runs.Load() == 2 })
	time.Sleep(100 * time.Millisecond)
	if got := runs.Load(); got != 2 {
		t.Errorf("runs = %d, want 2 (one per day)", got)
	}
}

// TestJobRetriedUntilItSucceeds: a job failing twice runs a third time,
// after a backoff, the same day; once it succeeds it does not run again.
func TestJobRetriedUntilItSucceeds(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	s := f.scheduler("a")
	var calls atomic.Int32
	if err := s.Add("tips", "30 8 * * *", func(context.Context) error {
		if calls.Add(1) <= 2 {
			return errors.New("outbox unavailable")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	eventually(t, "leader", s.Leader)
	f.clk.Set(at(22, 8, 30))
	s.jobs[0].wrapped.Run()
	if got := calls.Load(); got != 3 {
		t.Fatalf("job calls = %d, want 3 (two failures, then success)", got)
	}
	time.Sleep(120 * time.Millisecond) // catch-up chances on renewal
	s.jobs[0].wrapped.Run()
	if got := calls.Load(); got != 3 {
		t.Errorf("job calls after success = %d, want still 3", got)
	}
}

// TestJobGivesUpAfterMaxAttempts: a job that always fails is tried
// MaxAttempts times for a slot, then left until its next slot.
func TestJobGivesUpAfterMaxAttempts(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	s := f.scheduler("a")
	var calls atomic.Int32
	if err := s.Add("tips", "30 8 * * *", func(context.Context) error {
		calls.Add(1)
		return errors.New("always fails")
	}); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	eventually(t, "leader", s.Leader)
	f.clk.Set(at(22, 8, 30))
	s.jobs[0].wrapped.Run()
	time.Sleep(120 * time.Millisecond)
	if got := calls.Load(); got != 3 {
		t.Fatalf("job calls = %d, want 3 (MaxAttempts) for the slot", got)
	}
	f.clk.Set(at(23, 8, 30))
	s.jobs[0].wrapped.Run()
	if got := calls.Load(); got != 6 {
		t.Errorf("job calls = %d, want 6 (the next day's slot tried again)", got)
	}
}

// TestCrashedRunCaughtUpSameDay: a leader claims the 08:30 slot and dies
// mid-job; after a restart at 09:00 the same day the job runs, once, and
// further restarts do not run it again.
func TestCrashedRunCaughtUpSameDay(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	var runs atomic.Int32
	hang := make(chan struct{})
	started := make(chan struct{}, 1)
	a, aConn := f.process(t, "a")
	if err := a.Add("tips", "30 8 * * *", func(ctx context.Context) error {
		started <- struct{}{}
		<-hang
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start(t, a)
	t.Cleanup(func() { close(hang) }) // runs before a is stopped
	eventually(t, "a leads", a.Leader)
	f.clk.Set(at(22, 8, 30))
	go a.jobs[0].wrapped.Run()
	<-started
	aConn.Fail() // a dies mid-job: nothing of it reaches Redis any more
	f.clk.Set(at(22, 9, 0))
	f.expire(500 * time.Millisecond)

	for range 2 {
		b := f.scheduler("b")
		if err := b.Add("tips", "30 8 * * *", func(context.Context) error { runs.Add(1); return nil }); err != nil {
			t.Fatal(err)
		}
		stop := start(t, b)
		eventually(t, "b leads", b.Leader)
		eventually(t, "crashed slot caught up", func() bool { return runs.Load() >= 1 })
		time.Sleep(120 * time.Millisecond)
		stop()
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("runs after restarts = %d, want 1", got)
	}
}

// TestTwoSchedulersRunSlotOnce: two replicas that both believe they lead
// (a lease hand-over, the old leader stalled) fire the 08:30 slot many
// times at once while its first try fails and is retried: it succeeds
// exactly once, is never run by both at the same time, and never by the
// one Redis does not name as leader (fencing), which steps down.
func TestTwoSchedulersRunSlotOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, at(22, 8, 0))
	var calls, ok, inside atomic.Int32
	overlap := atomic.Bool{}
	job := func(context.Context) error {
		if inside.Add(1) > 1 {
			overlap.Store(true)
		}
		defer inside.Add(-1)
		time.Sleep(5 * time.Millisecond)
		if calls.Add(1) == 1 {
			return errors.New("first try fails")
		}
		ok.Add(1)
		return nil
	}
	ss := []*Scheduler{f.scheduler("a"), f.scheduler("b")}
	var byB atomic.Int32
	for i, s := range ss {
		fn := job
		if i == 1 {
			fn = func(ctx context.Context) error { byB.Add(1); return job(ctx) }
		}
		if err := s.Add("tips", "30 8 * * *", fn); err != nil {
			t.Fatal(err)
		}
		if err := s.seed(ctx, s.jobs...); err != nil {
			t.Fatal(err)
		}
		s.leaderUntil.Store(time.Now().Add(time.Hour).UnixNano())
	}
	// Both believe they lead; Redis names a. b is a stalled ex-leader.
	if err := f.rdb.Set(ctx, ss[0].key("leader"), "a", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	f.clk.Set(at(22, 8, 30))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				ss[i%2].jobs[0].wrapped.Run()
				time.Sleep(3 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if got := ok.Load(); got != 1 {
		t.Errorf("successful runs = %d, want 1", got)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("job calls = %d, want 2 (one failure, one retry)", got)
	}
	if overlap.Load() {
		t.Error("the job ran on both replicas at once")
	}
	if n := byB.Load(); n != 0 {
		t.Errorf("the replica that only believed it led ran the job %d times; the lease check must refuse it", n)
	}
	if ss[1].Leader() {
		t.Error("the fenced replica did not step down")
	}
}

// TestShutdownLogsNoError: stopping the scheduler while a job runs, or
// while a slot is being claimed, logs no error.
func TestShutdownLogsNoError(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	rec := &records{}
	s := New(f.rdb, f.keys, bottest.Shanghai, slog.New(rec), Options{
		Config: Config{Lease: 300 * time.Millisecond, Scan: 10 * time.Millisecond, MaxAttempts: 3, RetryBackoff: 20 * time.Millisecond},
		Now:    f.clk.Now, ID: "a"})
	started := make(chan struct{}, 1)
	if err := s.Add("tips", "30 8 * * *", func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	stop := start(t, s)
	eventually(t, "leader", s.Leader)
	f.clk.Set(at(22, 8, 30))
	go s.jobs[0].wrapped.Run()
	<-started
	stop()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.runCtx.Store(&ctx) // a tick that starts as the scheduler stops
	s.leaderUntil.Store(time.Now().Add(time.Hour).UnixNano())
	f.clk.Set(at(23, 8, 30))
	s.jobs[0].wrapped.Run()
	if got := rec.errors(); len(got) != 0 {
		t.Errorf("error logs at shutdown = %q, want none", got)
	}
}

// TestDoneRecordedAfterRedisBlip: Redis goes down just as a job succeeds;
// the run is recorded once Redis is back and the slot does not run again,
// even after the running lease would have lapsed.
func TestDoneRecordedAfterRedisBlip(t *testing.T) {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	addr := mr.Addr()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1,
		DialerRetries: 1, DialerRetryTimeout: 10 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	clk := bottest.NewClock(at(22, 8, 0))
	s := New(rdb, bot.Keys("t"), bottest.Shanghai, slog.New(slog.DiscardHandler), Options{
		Config: Config{Lease: 300 * time.Millisecond, Scan: 10 * time.Millisecond, MaxAttempts: 3,
			RetryBackoff: 20 * time.Millisecond, JobLease: 3 * time.Second},
		Now: clk.Now, ID: "a"})
	var runs atomic.Int32
	if err := s.Add("tips", "30 8 * * *", func(context.Context) error {
		if runs.Add(1) == 1 {
			mr.Close()
			time.AfterFunc(300*time.Millisecond, func() { _ = mr.StartAddr(addr) })
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	eventually(t, "leader", s.Leader)
	clk.Set(at(22, 8, 30))
	s.jobs[0].wrapped.Run()
	eventually(t, "08:30 run recorded", func() bool {
		last, _ := rdb.HGet(context.Background(), s.key("last"), "tips").Int64()
		return last == at(22, 8, 30).Unix()
	})
	mr.FastForward(time.Minute)
	eventually(t, "leader again", s.Leader)
	time.Sleep(120 * time.Millisecond)
	s.jobs[0].wrapped.Run()
	if got := runs.Load(); got != 1 {
		t.Errorf("runs = %d, want 1", got)
	}
}

// TestThreeSchedulersEachSlotOnce runs three schedulers on one Redis, as
// three replicas would, through 12 slots of a job that cron fires on every
// replica at once (and the lease renewals fire as catch-ups). Midway the leader hangs (stops renewing yet goes on
// believing it leads, like a paused process) and another takes over. Every
// slot runs exactly once, and none on the hung one after it lost the lease.
func TestThreeSchedulersEachSlotOnce(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	var mu sync.Mutex
	ran := map[int64][]string{}
	ss := map[string]*Scheduler{}
	conns := map[*Scheduler]*redistest.Stallable{}
	for _, id := range []string{"a", "b", "c"} {
		s, conn := f.process(t, id)
		ss[id], conns[s] = s, conn
		if err := s.Add("tips", "*/5 * * * *", func(context.Context) error {
			mu.Lock()
			ran[f.clk.Now().Unix()] = append(ran[f.clk.Now().Unix()], id)
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		start(t, s)
	}
	leader := func() *Scheduler {
		v, _ := f.rdb.Get(context.Background(), ss["a"].key("leader")).Result()
		return ss[v]
	}
	eventually(t, "a leader", func() bool { return leader() != nil && leader().Leader() })
	fire := func(slot time.Time) {
		f.clk.Set(slot)
		var wg sync.WaitGroup
		for _, s := range ss {
			wg.Add(1)
			go func() { defer wg.Done(); s.jobs[0].wrapped.Run() }()
		}
		wg.Wait()
	}
	var hung *Scheduler
	for i := range 12 {
		slot := at(22, 8, 5*(i+1))
		if i == 6 {
			hung = leader()
			conns[hung].Freeze()
			f.expire(400 * time.Millisecond)
			eventually(t, "another leader", func() bool { l := leader(); return l != nil && l != hung && l.Leader() })
			conns[hung].Thaw()
			hung.leaderUntil.Store(time.Now().Add(time.Hour).UnixNano()) // it wakes believing it leads
		}
		fire(slot)
		eventually(t, "slot run", func() bool { mu.Lock(); defer mu.Unlock(); return len(ran[slot.Unix()]) > 0 })
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for i := range 12 {
		slot := at(22, 8, 5*(i+1)).Unix()
		if len(ran[slot]) != 1 {
			t.Errorf("slot %d ran %d times (%v), want once", i+1, len(ran[slot]), ran[slot])
			continue
		}
		if i >= 6 && ran[slot][0] == hung.opts.ID {
			t.Errorf("slot %d ran on the hung ex-leader %s", i+1, hung.opts.ID)
		}
	}
	if len(ran) != 12 {
		t.Errorf("%d slots ran, want 12: %v", len(ran), ran)
	}
}

// TestStaleLeaderFiresNoDueItem: a replica that believes it leads while
// Redis names another fires nothing and steps down; the item stays due for
// the real leader.
func TestStaleLeaderFiresNoDueItem(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, at(22, 8, 0))
	s := f.scheduler("stale")
	var fired atomic.Int32
	s.OnDue("remind", func(context.Context, string) error { fired.Add(1); return nil })
	if err := s.Schedule(ctx, "remind:7", at(22, 7, 59)); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.Set(ctx, s.key("leader"), "fresh", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	s.leaderUntil.Store(time.Now().Add(time.Hour).UnixNano())
	s.scan(ctx)
	if n := fired.Load(); n != 0 {
		t.Fatalf("the stale leader fired %d due items", n)
	}
	if s.Leader() {
		t.Error("the stale leader did not step down")
	}
	if n, _ := f.rdb.ZCard(ctx, s.key("due")).Result(); n != 1 {
		t.Errorf("due items left = %d, want the one for the real leader", n)
	}
}
