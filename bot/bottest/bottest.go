// Package bottest holds the fakes that feature tests share: a recording
// Sender, Outbox, DueQueue, Keeper and Limiter, a bot.Delivery over them
// (Delivery), a settable Clock, and the Shanghai zone.
// Every fake is safe for concurrent use. It is for tests only.
package bottest

import (
	"sync"
	"time"
	_ "time/tzdata" // Shanghai loads even on machines without zoneinfo
)

// Shanghai is the Asia/Shanghai zone, the bot's default env.Loc.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// Clock is a settable clock: Now returns the time last Set (or moved by
// Add). Pass its Now as env.Now. The zero Clock reads the zero time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
