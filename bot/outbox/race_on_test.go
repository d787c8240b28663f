//go:build race

package outbox

import "time"

// RaceSlack is how far the race detector moves a send: it slows every
// step several times over and stalls goroutines by tens of milliseconds,
// so tests against an exact platform give the limits that much more room.
const RaceSlack = 100 * time.Millisecond
