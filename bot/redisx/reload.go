package redisx

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// reloader is a node hook of a cluster client that reloads the slot map
// when a node stops answering. go-redis reloads it on MOVED and READONLY
// only, and otherwise every 10 s; after a master is killed its replica
// takes over within the cluster's node timeout, but without a reload the
// client would keep dialling the dead node for those 10 s.
type reloader struct {
	cc   atomic.Pointer[redis.ClusterClient]
	last atomic.Int64
}

// reloadEvery bounds reloads while a node is down.
const reloadEvery = 250 * time.Millisecond

func (r *reloader) note(err error) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	var re redis.Error
	if errors.As(err, &re) && !errors.Is(err, redis.ErrClosed) {
		return
	}
	cc := r.cc.Load()
	now, last := time.Now().UnixNano(), r.last.Load()
	if cc == nil || now-last < int64(reloadEvery) || !r.last.CompareAndSwap(last, now) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		cc.ReloadState(ctx)
	}()
}

func (r *reloader) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *reloader) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		r.note(err)
		return err
	}
}

func (r *reloader) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		r.note(err)
		return err
	}
}
