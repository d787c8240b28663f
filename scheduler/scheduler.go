// Package scheduler runs the bot's timed work: cron jobs (robfig/cron v3 in
// the bot's zone) and a due queue of one-off items (bot.DueQueue). Every
// replica runs a Scheduler; a Redis lease makes one of them the leader, and
// only the leader runs jobs and fires due items.
//
// Jobs: each run is for a slot (the time the spec named). Before a job
// runs, its slot is claimed in Redis with a short running lease (JobLease,
// renewed while the job runs), and the slot is recorded done only when the
// job succeeds; so no replica starts a slot another is running, and a slot
// that succeeded never runs again, whichever replica leads and across
// restarts. A failing job is retried with backoff (RetryBackoff, doubling)
// up to MaxAttempts while it is still the slot's day, then given up until
// its next slot. A slot missed while the bot was down, or whose runner died
// mid-job (its running lease lapses), is run once when a leader comes back,
// if it is still the same day in the zone; earlier days are not caught up.
// A run that succeeded just before its replica died, before it was
// recorded, may run a second time.
//
// Fencing: leadership counts locally until a tenth of Lease before the
// lease would lapse, but a replica's local belief is not enough to act on.
// Claiming a slot and claiming due items are scripts that first check, in
// the same slot of Redis, that the leader key still names this replica;
// a replica that stalled past its lease and wakes believing it leads is
// refused and steps down. (A job or due handler already running when its
// replica stalls is not stopped: its side effects may repeat once, as after
// a kill -9.)
//
// Redis being down never stops Run: it keeps retrying, with backoff, and
// carries on by itself when Redis is back.
//
// Due items fire at least once and, barring a leader dying mid-handler,
// exactly once: an item is claimed (moved to a firing set with a lease)
// before its handler runs; a failing handler is retried with backoff and
// dropped, with an error log, after MaxAttempts.
//
// Redis keys (hash tag {sched}): <prefix>:sched:{sched}:leader (lease
// holder id), :last (HASH job -> last slot done, Unix s), :run:<job>
// (running lease: "<replica>:<slot>", with a TTL), :due (ZSET key ->
// Unix ms), :firing (ZSET key -> lease deadline, Unix ms), :attempts (HASH
// key -> failed attempts).
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"

	"gridbot/bot"
)

// Config is the scheduler's part of the bot's configuration.
type Config struct {
	// Lease is how long the leader's lease lasts without renewal; it is
	// renewed every Lease/3, and another replica takes over at most Lease
	// after the leader dies.
	Lease time.Duration `yaml:"lease"`
	// Scan is how often the leader looks for due items.
	Scan time.Duration `yaml:"scan"`
	// MaxAttempts is how many times a failing due handler, or a failing
	// job for one slot, is tried.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBackoff is the wait after a due handler's or a job's first
	// failure; it doubles with each further failure.
	RetryBackoff time.Duration `yaml:"retry_backoff"`
	// JobLease is how long a running job holds its slot without renewal
	// (renewed every JobLease/3 while it runs); a slot whose runner died is
	// caught up at most JobLease later.
	JobLease time.Duration `yaml:"job_lease"`
	// Jobs overrides job specs by job name ("tips": "0 9 * * *").
	Jobs map[string]string `yaml:"jobs"`
}

// DefaultConfig returns a 15 s lease, scans every 2 s, 5 attempts starting
// 10 s apart, and a 2 min job lease.
func DefaultConfig() Config {
	return Config{Lease: 15 * time.Second, Scan: 2 * time.Second, MaxAttempts: 5, RetryBackoff: 10 * time.Second,
		JobLease: 2 * time.Minute}
}

// Validate reports the first bad setting, naming its key.
func (c Config) Validate() error {
	switch {
	case c.Lease < time.Second:
		return fmt.Errorf("schedule.lease: want at least 1s, got %s", c.Lease)
	case c.Scan <= 0:
		return fmt.Errorf("schedule.scan: want a positive duration (default 2s), got %s", c.Scan)
	case c.MaxAttempts < 1:
		return fmt.Errorf("schedule.max_attempts: want at least 1, got %d", c.MaxAttempts)
	case c.RetryBackoff <= 0:
		return fmt.Errorf("schedule.retry_backoff: want a positive duration (default 10s), got %s", c.RetryBackoff)
	case c.JobLease < time.Second:
		return fmt.Errorf("schedule.job_lease: want at least 1s, got %s", c.JobLease)
	}
	for name, spec := range c.Jobs {
		if _, err := cron.ParseStandard(spec); err != nil {
			return fmt.Errorf("schedule.jobs.%s: %w", name, CheckSpec(spec))
		}
	}
	return nil
}

// CheckSpec reports whether spec is a cron spec Add accepts: standard five
// fields (minute hour day month weekday) or a descriptor such as @daily.
func CheckSpec(spec string) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return fmt.Errorf("want five fields (minute hour day month weekday), e.g. \"30 8 * * *\", got %q: %w", spec, err)
	}
	return nil
}

// Options are Config plus what tests and main may set.
type Options struct {
	Config
	// Now is the clock for slots and due times (default time.Now). The
	// lease itself runs on real time, as Redis expires it.
	Now func() time.Time
	// ID names this replica in the lease (default host-pid-random).
	ID string
}

type job struct {
	name    string
	spec    string
	sched   cron.Schedule
	fn      func(ctx context.Context) error
	wrapped cron.Job
	id      cron.EntryID
	// seedAt is when the job was added; seeded is set once its record
	// exists in Redis, and until then it does not run.
	seedAt time.Time
	seeded atomic.Bool
}

// Scheduler runs cron jobs and due items on the replica holding the lease.
// It implements bot.DueQueue.
type Scheduler struct {
	rdb  redis.UniversalClient
	k    bot.Keys
	loc  *time.Location
	log  *slog.Logger
	opts Options
	now  func() time.Time
	cron *cron.Cron

	mu       sync.Mutex
	jobs     []*job
	handlers map[string]func(ctx context.Context, key string) error
	running  bool
	wg       sync.WaitGroup // catch-up runs and the due scan

	runCtx      atomic.Pointer[context.Context]
	leaderUntil atomic.Int64 // Unix ns, real time
	scanDown    atomic.Bool  // the last due scan failed (logged once)
}

var _ bot.DueQueue = (*Scheduler)(nil)

// New returns a Scheduler; zero fields of opts take DefaultConfig's values.
func New(rdb redis.UniversalClient, k bot.Keys, loc *time.Location, log *slog.Logger, opts Options) *Scheduler {
	def := DefaultConfig()
	if opts.Lease <= 0 {
		opts.Lease = def.Lease
	}
	if opts.Scan <= 0 {
		opts.Scan = def.Scan
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = def.MaxAttempts
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = def.RetryBackoff
	}
	if opts.JobLease <= 0 {
		opts.JobLease = def.JobLease
	}
	if opts.ID == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		opts.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if loc == nil {
		loc = time.Local
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Scheduler{rdb: rdb, k: k, loc: loc, log: log, opts: opts, now: opts.Now,
		handlers: map[string]func(context.Context, string) error{}}
	if s.now == nil {
		s.now = time.Now
	}
	cl := cronLogger{log}
	// SkipIfStillRunning must be outside Recover: a panic that escaped
	// SkipIfStillRunning would keep its token and block the job forever.
	s.cron = cron.New(cron.WithLocation(loc), cron.WithLogger(cl),
		cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)))
	return s
}

func (s *Scheduler) key(part string) string { return s.k.Key("sched", "{sched}", part) }

// Add registers a job under a cron spec (5 fields, or @daily and the like,
// in the scheduler's zone); a spec in Config.Jobs for name replaces spec.
// A bad spec or a name added twice is an error naming the job. A job added
// for the first time waits for its next slot after now; one that ran before
// catches up a slot missed today. Jobs may be added before or after Run;
// Add does not fail when Redis is down (the job's record is written once
// Redis is back).
func (s *Scheduler) Add(name, spec string, fn func(ctx context.Context) error) error {
	if o, ok := s.opts.Jobs[name]; ok && strings.TrimSpace(o) != "" {
		spec = o
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("scheduler: job %q: bad cron spec %q: %w", name, spec, err)
	}
	s.mu.Lock()
	for _, j := range s.jobs {
		if j.name == name {
			s.mu.Unlock()
			return fmt.Errorf("scheduler: job %q added twice", name)
		}
	}
	j := &job{name: name, spec: spec, sched: sched, fn: fn, seedAt: s.now()}
	j.id = s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(j) }))
	j.wrapped = s.cron.Entry(j.id).WrappedJob
	s.jobs = append(s.jobs, j)
	running := s.running
	s.mu.Unlock()
	if running {
		if ctx := s.ctx(); s.seed(ctx, j) != nil && ctx.Err() == nil {
			s.log.Warn("scheduler: job record not written yet, will retry", "job", name)
		}
	}
	return nil
}

// Remove stops a job (to Add it again with another spec); its record of
// the last slot run stays, so re-adding it does not run a slot twice.
func (s *Scheduler) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, j := range s.jobs {
		if j.name == name {
			s.cron.Remove(j.id)
			s.jobs = append(s.jobs[:i], s.jobs[i+1:]...)
			return
		}
	}
}

// Leader reports whether this replica holds the lease.
func (s *Scheduler) Leader() bool { return time.Now().UnixNano() < s.leaderUntil.Load() }

func (s *Scheduler) ctx() context.Context {
	if p := s.runCtx.Load(); p != nil {
		return *p
	}
	return context.Background()
}

// Run takes part in the leader election and, while leader, runs jobs and
// fires due items, until ctx ends; then it waits for running jobs, gives
// up the lease and returns nil. Redis errors never end it: it retries with
// backoff and resumes by itself when Redis is back. Its only error is a
// second call.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("scheduler: Run called twice")
	}
	s.running = true
	s.runCtx.Store(&ctx)
	s.mu.Unlock()
	s.cron.Start()
	defer func() {
		<-s.cron.Stop().Done()
		s.wg.Wait()
		s.release(context.WithoutCancel(ctx))
	}()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		scan := time.NewTicker(s.opts.Scan)
		defer scan.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-scan.C:
				if s.Leader() {
					s.scan(ctx)
				}
			}
		}
	}()
	every := s.opts.Lease / 3
	backoff := time.Duration(0)
	down := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		err := errors.Join(s.seedPending(ctx), s.renew(ctx))
		wait := every
		switch {
		case err == nil:
			if down {
				s.log.Info("scheduler: redis reachable again")
			}
			down, backoff = false, 0
		case ctx.Err() != nil:
			return nil
		default:
			if !down {
				s.log.Error("scheduler: redis unavailable, retrying", "err", err)
			}
			down = true
			backoff = min(max(2*backoff, minRetry), every)
			wait = backoff
		}
		timer.Reset(wait)
	}
}

// minRetry is the first wait before retrying Redis after an error.
const minRetry = 100 * time.Millisecond

type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	c.l.Debug("cron "+msg, kv...)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron "+msg, append([]any{"err", err}, kv...)...)
}
