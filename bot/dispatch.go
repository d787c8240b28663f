package bot

import (
	"context"
	"hash/fnv"
	"sync"
)

// Dispatcher runs updates of one chat in arrival order and updates of
// different chats in parallel, on a fixed number of workers (shards).
type Dispatcher struct {
	handle func(context.Context, Sender, *Update)
	queues []chan job
	wg     sync.WaitGroup
	mu     sync.RWMutex
	closed bool
}

type job struct {
	ctx  context.Context
	s    Sender
	u    *Update
	done chan struct{}
}

// NewDispatcher starts workers that call handle (usually Router.Handle).
func NewDispatcher(workers int, handle func(context.Context, Sender, *Update)) *Dispatcher {
	if workers < 1 {
		workers = 1
	}
	d := &Dispatcher{handle: handle, queues: make([]chan job, workers)}
	for i := range d.queues {
		q := make(chan job, 64)
		d.queues[i] = q
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for j := range q {
				MetricQueueDepth.WithLabelValues("updates").Dec()
				d.handle(j.ctx, j.s, j.u)
				close(j.done)
			}
		}()
	}
	return d
}

// Submit queues u behind earlier updates of the same chat and returns a
// channel closed when it has been handled. It blocks while that chat's
// worker is full, and returns an already-closed channel after Close.
func (d *Dispatcher) Submit(ctx context.Context, s Sender, u *Update) <-chan struct{} {
	done := make(chan struct{})
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		close(done)
		return done
	}
	h := fnv.New32a()
	key := u.Chat
	if key == "" {
		key = ChatRef(u.User)
	}
	h.Write([]byte(key))
	MetricQueueDepth.WithLabelValues("updates").Inc()
	d.queues[h.Sum32()%uint32(len(d.queues))] <- job{ctx: context.WithoutCancel(ctx), s: s, u: u, done: done}
	return done
}

// Close stops taking updates and waits until the queued ones are handled.
func (d *Dispatcher) Close() {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		for _, q := range d.queues {
			close(q)
		}
	}
	d.mu.Unlock()
	d.wg.Wait()
}
