package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"strings"
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

func at(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, bottest.Shanghai) }

type fixture struct {
	rdb  redis.UniversalClient
	keys bot.Keys
	mr   *miniredis.Miniredis
	clk  *bottest.Clock
}

func newFixture(t *testing.T, now time.Time) *fixture {
	rdb, keys, mr := redistest.New(t)
	return &fixture{rdb: rdb, keys: keys, mr: mr, clk: bottest.NewClock(now)}
}

func (f *fixture) scheduler(id string) *Scheduler { return f.schedulerOn(f.rdb, id) }

// process returns a scheduler on a Redis connection of its own, which the
// test can freeze (a replica that hangs) or cut (one that dies).
func (f *fixture) process(t *testing.T, id string) (*Scheduler, *redistest.Stallable) {
	rdb, st := redistest.NewStallable(t, f.rdb)
	return f.schedulerOn(rdb, id), st
}

func (f *fixture) schedulerOn(rdb redis.UniversalClient, id string) *Scheduler {
	return New(rdb, f.keys, bottest.Shanghai, slog.New(slog.DiscardHandler), Options{
		Config: Config{Lease: 300 * time.Millisecond, Scan: 10 * time.Millisecond, MaxAttempts: 3,
			RetryBackoff: 20 * time.Millisecond, JobLease: 400 * time.Millisecond},
		Now: f.clk.Now, ID: id})
}

// expire makes Redis forget a lease that is no longer renewed.
func (f *fixture) expire(d time.Duration) {
	if f.mr != nil {
		f.mr.FastForward(d)
		return
	}
	time.Sleep(d)
}

func start(t *testing.T, s *Scheduler) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBadSpecNamesJob(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	s := f.scheduler("a")
	err := s.Add("tips", "30 25 * * *", func(context.Context) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `"tips"`) {
		t.Errorf("Add with a bad spec: err = %v, want an error naming the job", err)
	}
	s = New(f.rdb, f.keys, bottest.Shanghai, nil, Options{Config: Config{Jobs: map[string]string{"tips": "0 9 * * *"}}})
	if err := s.Add("tips", "30 8 * * *", func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := s.jobs[0].spec; got != "0 9 * * *" {
		t.Errorf("spec = %q, want the override", got)
	}
}

func TestSlot(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	s := f.scheduler("a")
	_ = s.Add("tips", "30 8 * * *", func(context.Context) error { return nil })
	_ = s.Add("hourly", "0 * * * *", func(context.Context) error { return nil })
	for _, tc := range []struct {
		job  int
		now  time.Time
		want time.Time
		ok   bool
	}{
		{0, at(22, 8, 29), time.Time{}, false},
		{0, at(22, 8, 30), at(22, 8, 30), true},
		{0, at(22, 23, 59), at(22, 8, 30), true},
		{1, at(22, 0, 0), at(22, 0, 0), true},
		{1, at(22, 13, 59), at(22, 13, 0), true},
	} {
		got, ok := s.jobs[tc.job].slot(tc.now, bottest.Shanghai)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("%s slot at %v = %v %v, want %v %v", s.jobs[tc.job].name, tc.now, got, ok, tc.want, tc.ok)
		}
	}
}

// TestCatchUp: the bot is down over the 08:30 slot and back at 10:00 the
// same day: the job runs once; more restarts that day do not run it again;
// down over the next day's slot and back the day after: no catch-up.
func TestCatchUp(t *testing.T) {
	f := newFixture(t, at(21, 8, 0))
	var runs atomic.Int32
	job := func(context.Context) error { runs.Add(1); return nil }
	boot := func() *Scheduler {
		s := f.scheduler("a")
		if err := s.Add("tips", "30 8 * * *", job); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := boot()
	stop := start(t, s)
	eventually(t, "leader", s.Leader)
	time.Sleep(50 * time.Millisecond)
	if got := runs.Load(); got != 0 {
		t.Fatalf("first start at 08:00 ran the job %d times, want 0", got)
	}
	f.clk.Set(at(21, 8, 30))
	s.jobs[0].wrapped.Run() // cron firing at 08:30
	if got := runs.Load(); got != 1 {
		t.Fatalf("08:30 run: %d runs, want 1", got)
	}
	stop()

	f.clk.Set(at(22, 10, 0)) // down over the 22nd's 08:30
	for range 3 {
		s := boot()
		stop := start(t, s)
		eventually(t, "leader", s.Leader)
		time.Sleep(120 * time.Millisecond) // a few lease renewals, each a catch-up chance
		stop()
	}
	if got := runs.Load(); got != 2 {
		t.Fatalf("after restarts at 10:00: %d runs, want 2 (one catch-up, never twice)", got)
	}

	f.clk.Set(at(24, 0, 10)) // down over the 23rd's 08:30
	s = boot()
	stop = start(t, s)
	eventually(t, "leader", s.Leader)
	time.Sleep(120 * time.Millisecond)
	stop()
	if got := runs.Load(); got != 2 {
		t.Errorf("back the next day: %d runs, want still 2 (no catch-up of an earlier day)", got)
	}
}

// TestPanicThenRunsAgain: a job that panics is retried like a failing one,
// and still runs at its next slot.
func TestPanicThenRunsAgain(t *testing.T) {
	f := newFixture(t, at(21, 8, 0))
	s := f.scheduler("a")
	var runs atomic.Int32
	if err := s.Add("tips", "30 8 * * *", func(context.Context) error {
		if runs.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	eventually(t, "leader", s.Leader)
	f.clk.Set(at(21, 8, 30))
	s.jobs[0].wrapped.Run()
	f.clk.Set(at(22, 8, 30))
	s.jobs[0].wrapped.Run()
	if got := runs.Load(); got != 3 {
		t.Errorf("runs = %d, want 3 (a panic, its retry, the next day's run)", got)
	}
}

// TestLease: of two schedulers only one leads and runs the job; when the
// leader stops renewing, the other takes over.
func TestLease(t *testing.T) {
	f := newFixture(t, at(22, 8, 0))
	var runs atomic.Int32
	a, aConn := f.process(t, "a")
	b := f.scheduler("b")
	for _, s := range []*Scheduler{a, b} {
		if err := s.Add("tips", "30 8 * * *", func(context.Context) error { runs.Add(1); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	start(t, a)
	eventually(t, "a leads", a.Leader)
	start(t, b)
	time.Sleep(150 * time.Millisecond)
	if b.Leader() {
		t.Fatal("both lead")
	}
	f.clk.Set(at(22, 8, 30))
	a.jobs[0].wrapped.Run()
	b.jobs[0].wrapped.Run()
	if got := runs.Load(); got != 1 {
		t.Errorf("08:30 fired on both: %d runs, want 1", got)
	}
	aConn.Freeze() // a hangs: its lease lapses
	f.expire(400 * time.Millisecond)
	eventually(t, "b takes over", b.Leader)
	eventually(t, "a steps down", func() bool { return !a.Leader() })
	aConn.Thaw()
	time.Sleep(150 * time.Millisecond)
	if a.Leader() || !b.Leader() {
		t.Errorf("after a woke: a leads %v, b leads %v; want b alone", a.Leader(), b.Leader())
	}
}

// TestDueFiresOnce schedules items on two schedulers: each fires exactly
// once, only when due, and failures are retried then dropped.
func TestDueFiresOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, at(22, 8, 0))
	var mu sync.Mutex
	fired := map[string]int{}
	failures := 0
	a, b := f.scheduler("a"), f.scheduler("b")
	for _, s := range []*Scheduler{a, b} {
		s.OnDue("remind", func(_ context.Context, key string) error {
			mu.Lock()
			defer mu.Unlock()
			fired[key]++
			return nil
		})
		s.OnDue("flaky", func(_ context.Context, key string) error {
			mu.Lock()
			defer mu.Unlock()
			failures++
			if key == "flaky:once" && failures == 1 {
				return errors.New("first try fails")
			}
			if key == "flaky:always" {
				return errors.New("always fails")
			}
			fired[key]++
			return nil
		})
	}
	keys := []string{}
	for i := range 30 {
		k := "remind:" + string(rune('a'+i%26)) + string(rune('0'+i/26))
		keys = append(keys, k)
		if err := a.Schedule(ctx, k, at(22, 7, 59)); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Schedule(ctx, "remind:later", at(22, 9, 0))
	_ = b.Schedule(ctx, "remind:cancelled", at(22, 7, 0))
	_ = b.Cancel(ctx, "remind:cancelled")
	_ = a.Schedule(ctx, "flaky:once", at(22, 7, 0))
	if err := a.Schedule(ctx, "nokind", at(22, 7, 0)); err == nil {
		t.Error("Schedule accepted a key without kind")
	}
	start(t, a)
	start(t, b)
	count := func(k string) int { mu.Lock(); defer mu.Unlock(); return fired[k] }
	eventually(t, "due items fired", func() bool { return count(keys[29]) > 0 && count(keys[0]) > 0 })
	time.Sleep(100 * time.Millisecond)
	for _, k := range keys {
		if got := count(k); got != 1 {
			t.Errorf("%s fired %d times, want 1", k, got)
		}
	}
	if count("remind:later") != 0 || count("remind:cancelled") != 0 {
		t.Error("an item fired before its time or after being cancelled")
	}
	f.clk.Set(at(22, 9, 0))
	eventually(t, "later item fired", func() bool { return count("remind:later") == 1 })
	eventually(t, "flaky item fired after a retry", func() bool { return count("flaky:once") == 1 })

	_ = a.Schedule(ctx, "flaky:always", at(22, 9, 0))
	for i := range 5 {
		f.clk.Set(at(22, 9, 1+i))
		time.Sleep(60 * time.Millisecond)
	}
	mu.Lock()
	tries := failures
	mu.Unlock()
	if tries != 2+3 {
		t.Errorf("handler calls = %d, want 2 for flaky:once and 3 (MaxAttempts) for flaky:always", tries)
	}
	if n, _ := f.rdb.ZCard(ctx, a.key("due")).Result(); n != 0 {
		t.Errorf("due items left = %d, want 0 (the failing one dropped)", n)
	}
}

// TestAddAfterRunAndRemove: a job added while running waits for its slot;
// removing and re-adding it does not run a slot twice.
func TestAddAfterRunAndRemove(t *testing.T) {
	f := newFixture(t, at(22, 9, 0))
	s := f.scheduler("a")
	start(t, s)
	eventually(t, "leader", s.Leader)
	var runs atomic.Int32
	job := func(context.Context) error { runs.Add(1); return nil }
	if err := s.Add("quiz", "30 8 * * *", job); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if got := runs.Load(); got != 0 {
		t.Fatalf("job added at 09:00 ran %d times for the 08:30 slot, want 0", got)
	}
	f.clk.Set(at(23, 8, 30))
	eventually(t, "catch-up on renewal", func() bool { return runs.Load() == 1 })
	s.Remove("quiz")
	if err := s.Add("quiz", "30 8 * * *", job); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if got := runs.Load(); got != 1 {
		t.Errorf("re-added job: %d runs, want 1", got)
	}
}

// TestDueRefiresAfterLeaderDies: an item claimed by a leader that died
// mid-handler fires again once its firing lease is over.
func TestDueRefiresAfterLeaderDies(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, at(22, 8, 0))
	s := f.scheduler("b")
	var fired atomic.Int32
	s.OnDue("remind", func(context.Context, string) error { fired.Add(1); return nil })
	dead := float64(at(22, 8, 0).Add(firingLease).UnixMilli())
	if err := f.rdb.ZAdd(ctx, s.key("firing"), redis.Z{Score: dead, Member: "remind:1"}).Err(); err != nil {
		t.Fatal(err)
	}
	start(t, s)
	eventually(t, "leader", s.Leader)
	time.Sleep(60 * time.Millisecond)
	if got := fired.Load(); got != 0 {
		t.Fatalf("fired %d times during the dead leader's lease, want 0", got)
	}
	f.clk.Set(at(22, 8, 6))
	eventually(t, "fired again", func() bool { return fired.Load() == 1 })
	time.Sleep(60 * time.Millisecond)
	if got := fired.Load(); got != 1 {
		t.Errorf("fired %d times, want 1", got)
	}
}
