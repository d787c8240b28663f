package redistest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redisx"
)

// ErrDown is what every command of a Stallable client returns after Fail.
var ErrDown = errors.New("redistest: this process's Redis connection is down")

// Stallable is one process's own connection to the test Redis, which a test
// can freeze (a process stopped by SIGSTOP, a long GC pause, a frozen VM) or
// cut (a process killed -9) while the other processes carry on. It is the
// go-redis hook on the client NewStallable returns.
type Stallable struct {
	tb   testing.TB
	mu   sync.Mutex
	down bool
	thaw chan struct{} // non-nil while frozen; closed by Thaw
	held sync.WaitGroup
}

// NewStallable opens another client on the Redis rdb (made by New) talks
// to, with its own connection pool as another process has, and returns it
// with its Stallable. The client is closed when the test ends.
func NewStallable(tb testing.TB, rdb redis.UniversalClient) (redis.UniversalClient, *Stallable) {
	tb.Helper()
	var c redis.UniversalClient
	switch r := rdb.(type) {
	case *redis.ClusterClient:
		var err error
		c, err = redisx.Open(redisx.Options{Addrs: ClusterSeeds(), PoolSize: 16, WaitReplicas: -1})
		if err != nil {
			tb.Fatalf("redistest: another cluster client: %v", err)
		}
	case *redis.Client:
		o := *r.Options()
		c = redis.NewClient(&o)
	default:
		tb.Fatalf("redistest: no second client for %T", rdb)
	}
	s := &Stallable{tb: tb}
	c.AddHook(s)
	tb.Cleanup(func() { s.Thaw(); _ = c.Close() })
	return c, s
}

// Freeze holds every command sent from now on until Thaw, or until the
// command's context ends (it then fails with the context's error).
// Commands already under way finish. A frozen client thaws when the test
// ends, before the cleanups registered before Freeze (a process's stop, say).
func (s *Stallable) Freeze() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.thaw == nil {
		s.thaw = make(chan struct{})
		s.tb.Cleanup(s.Thaw)
	}
}

// Thaw lets commands through again and returns once those Freeze held have
// been answered: the process wakes and finishes what it was doing. It also
// undoes Fail.
func (s *Stallable) Thaw() {
	s.mu.Lock()
	if s.thaw != nil {
		close(s.thaw)
		s.thaw = nil
	}
	s.down = false
	s.mu.Unlock()
	s.held.Wait()
}

// Fail makes every command sent from now on fail at once with ErrDown, as
// if the process had been killed: nothing more of it reaches Redis.
func (s *Stallable) Fail() {
	s.mu.Lock()
	s.down = true
	s.mu.Unlock()
}

// gate holds or fails a command as the state says; release must be called
// once the command (if let through) has been answered.
func (s *Stallable) gate(ctx context.Context) (release func(), err error) {
	s.mu.Lock()
	down, thaw := s.down, s.thaw
	if thaw != nil {
		s.held.Add(1)
	}
	s.mu.Unlock()
	if down {
		return func() {}, ErrDown
	}
	if thaw == nil {
		return func() {}, nil
	}
	select {
	case <-thaw:
		return s.held.Done, nil
	case <-ctx.Done():
		s.held.Done()
		return func() {}, ctx.Err()
	}
}

// DialHook implements redis.Hook.
func (s *Stallable) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (s *Stallable) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		release, err := s.gate(ctx)
		defer release()
		if err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (s *Stallable) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		release, err := s.gate(ctx)
		defer release()
		if err != nil {
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		return next(ctx, cmds)
	}
}
