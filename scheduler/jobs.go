package scheduler

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// slot returns the latest time at or before now, on now's day in loc, that
// the job's schedule names; false if there is none yet today.
func (j *job) slot(now time.Time, loc *time.Location) (time.Time, bool) {
	now = now.In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	t := j.sched.Next(day.Add(-time.Second))
	if t.After(now) {
		return time.Time{}, false
	}
	for range 100000 {
		n := j.sched.Next(t)
		if n.After(now) || n.IsZero() {
			break
		}
		t = n
	}
	return t, true
}

// seed records, for jobs never run before, the slot current when they were
// added as done, so a new job waits for its next slot instead of running at
// start-up; it marks the jobs seeded, which lets them run.
func (s *Scheduler) seed(ctx context.Context, jobs ...*job) error {
	if len(jobs) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	for _, j := range jobs {
		t, ok := j.slot(j.seedAt, s.loc)
		if !ok {
			t = j.seedAt
		}
		pipe.HSetNX(ctx, s.key("last"), j.name, t.Unix())
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("scheduler: seed job records: %w", err)
	}
	for _, j := range jobs {
		j.seeded.Store(true)
	}
	return nil
}

// seedPending seeds the jobs not seeded yet.
func (s *Scheduler) seedPending(ctx context.Context) error {
	s.mu.Lock()
	var jobs []*job
	for _, j := range s.jobs {
		if !j.seeded.Load() {
			jobs = append(jobs, j)
		}
	}
	s.mu.Unlock()
	return s.seed(ctx, jobs...)
}

// claimSlotScript takes the job's running lease for a slot not yet done;
// 1 if taken, 0 if the slot is done or any run of the job holds the lease,
// -1 if the caller no longer holds the leader lease (fencing: a stalled
// leader that still believes it leads cannot start a slot).
var claimSlotScript = redis.NewScript(`
if redis.call('GET', KEYS[3]) ~= ARGV[5] then return -1 end
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if last >= tonumber(ARGV[2]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 1 end
return 0
`)

// doneSlotScript records the slot done and drops the running lease if it
// is still ours; it returns 1 if it was.
var doneSlotScript = redis.NewScript(`
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if last < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
`)

// tick runs the job for its latest slot today if this replica leads and
// the slot is neither done nor running elsewhere, retrying failures. It
// runs inside the cron chain (skip if still running, recover panics),
// whether cron or a catch-up called it.
func (s *Scheduler) tick(j *job) {
	if !s.Leader() || !j.seeded.Load() {
		return
	}
	ctx := s.ctx()
	slot, ok := j.slot(s.now(), s.loc)
	if !ok {
		return
	}
	token := fmt.Sprintf("%s:%d", s.opts.ID, slot.Unix())
	keys := []string{s.key("last"), s.key("run:" + j.name)}
	n, err := claimSlotScript.Run(ctx, s.rdb, append(keys, s.key("leader")), j.name, slot.Unix(), token,
		s.opts.JobLease.Milliseconds(), s.opts.ID).Int()
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("scheduler: claim slot", "job", j.name, "err", err)
		}
		return
	}
	if n < 0 {
		s.fenced("job " + j.name)
		return
	}
	if n == 0 {
		return
	}
	at := slot.Format(time.DateTime)
	wctx := context.WithoutCancel(ctx)
	stop := s.holdSlot(wctx, keys[1], token)
	defer stop()
	for attempt := 1; ; attempt++ {
		s.log.Info("scheduler: job start", "job", j.name, "slot", at, "attempt", attempt)
		start := time.Now()
		err := safeJob(ctx, j.fn)
		if err == nil {
			s.recordDone(ctx, j, slot, token)
			stop()
			s.log.Info("scheduler: job done", "job", j.name, "took", time.Since(start).Round(time.Millisecond))
			return
		}
		if ctx.Err() != nil {
			s.dropSlot(wctx, keys[1], token)
			return
		}
		if attempt >= s.opts.MaxAttempts {
			stop()
			s.log.Error("scheduler: job failed, giving up until its next slot", "job", j.name, "slot", at,
				"attempts", attempt, "err", err)
			if err := doneSlotScript.Run(wctx, s.rdb, keys, j.name, slot.Unix(), token).Err(); err != nil {
				s.log.Error("scheduler: record job given up", "job", j.name, "slot", at, "err", err)
			}
			return
		}
		wait := s.opts.RetryBackoff << min(attempt-1, 20)
		if wait <= 0 || wait > maxJobBackoff {
			wait = maxJobBackoff
		}
		s.log.Warn("scheduler: job failed, will retry", "job", j.name, "slot", at, "attempt", attempt,
			"in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.dropSlot(wctx, keys[1], token)
			return
		case <-t.C:
		}
		if now := s.now().In(s.loc); now.YearDay() != slot.YearDay() || now.Year() != slot.Year() {
			s.log.Error("scheduler: job failed and its day is over", "job", j.name, "slot", at, "err", err)
			s.dropSlot(wctx, keys[1], token)
			return
		}
		if !s.Leader() {
			s.dropSlot(wctx, keys[1], token)
			return
		}
	}
}

// recordDone records the slot done, retrying with backoff while Redis is
// unreachable (the running lease, still renewed, keeps other replicas off
// the slot meanwhile), until ctx ends or JobLease has passed.
func (s *Scheduler) recordDone(ctx context.Context, j *job, slot time.Time, token string) {
	keys := []string{s.key("last"), s.key("run:" + j.name)}
	deadline := time.Now().Add(s.opts.JobLease)
	wait := minRetry
	for {
		n, err := doneSlotScript.Run(context.WithoutCancel(ctx), s.rdb, keys, j.name, slot.Unix(), token).Int()
		if err == nil {
			if n == 0 {
				s.log.Warn("scheduler: job outlived its running lease", "job", j.name, "slot", slot.Format(time.DateTime))
			}
			return
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			s.log.Error("scheduler: record job done; it may run again", "job", j.name,
				"slot", slot.Format(time.DateTime), "err", err)
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait = min(2*wait, s.opts.JobLease/3)
	}
}

// maxJobBackoff caps the wait between tries of a failing job.
const maxJobBackoff = time.Hour

// holdSlot renews the running lease every JobLease/3 until stop is called
// (also while a job finishes after shutdown began, so no replica starts
// the slot meanwhile).
func (s *Scheduler) holdSlot(ctx context.Context, key, token string) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.opts.JobLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ok, err := bot.ExtendOwned(ctx, s.rdb, key, token, s.opts.JobLease)
				switch {
				case err != nil:
					s.log.Warn("scheduler: renew job lease", "key", key, "err", err)
				case !ok:
					s.log.Warn("scheduler: job lost its running lease", "key", key)
				}
			}
		}
	}()
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// dropSlot gives up the running lease, if still ours, so the slot can be
// run again (by a catch-up here or on another replica).
func (s *Scheduler) dropSlot(ctx context.Context, key, token string) {
	if _, err := bot.ReleaseOwned(ctx, s.rdb, key, token); err != nil {
		s.log.Warn("scheduler: release job lease", "key", key, "err", err)
	}
}

func safeJob(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(ctx)
}

// catchUp gives every job the chance to run a slot missed today; tick
// finds out whether there is one.
func (s *Scheduler) catchUp() {
	s.mu.Lock()
	jobs := append([]*job(nil), s.jobs...)
	s.mu.Unlock()
	for _, j := range jobs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			j.wrapped.Run()
		}()
	}
}
