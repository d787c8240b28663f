package bottest

import (
	"context"
	"maps"
	"sync"
	"time"

	"gridbot/bot"
)

// Due is a bot.DueQueue that remembers what is scheduled: Schedule sets
// (or moves) a key, Cancel forgets it. Nothing ever fires. The zero Due is
// ready to use.
type Due struct {
	mu    sync.Mutex
	at    map[string]time.Time
	calls int
}

var _ bot.DueQueue = (*Due)(nil)

// Schedule records that key fires at at.
func (d *Due) Schedule(_ context.Context, key string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.at == nil {
		d.at = map[string]time.Time{}
	}
	d.at[key] = at
	d.calls++
	return nil
}

// Cancel forgets key.
func (d *Due) Cancel(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.at, key)
	return nil
}

// Get returns when key is scheduled to fire and whether it is.
func (d *Due) Get(key string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.at[key]
	return t, ok
}

// All returns a copy of every scheduled key and its time.
func (d *Due) All() map[string]time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.at)
}

// Calls returns how many times Schedule was called.
func (d *Due) Calls() int { d.mu.Lock(); defer d.mu.Unlock(); return d.calls }
