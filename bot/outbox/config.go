package outbox

import (
	"fmt"
	"slices"
	"time"
)

// Config tunes delivery. Rate limits live in ratelimit.Config; the buckets
// a delivery takes from are "<platform>:global" and "<platform>:chat:<id>"
// ("wecom:hook:<hash of the chat id>" on WeChat Work, where a group is
// reached through one robot webhook).
type Config struct {
	// Workers is how many sends one replica has in flight at once.
	Workers int `yaml:"workers"`
	// Batch is how many due deliveries one claim takes.
	Batch int `yaml:"batch"`
	// Lease is how long a claimed delivery stays with its worker unless the
	// worker renews it (every third of Lease while it lives); a lease not
	// renewed is taken for a dead worker and the delivery is tried again.
	Lease time.Duration `yaml:"lease"`
	// Replica is this process's replica name (replica.name, set by main).
	// A replica that starts again under its name takes back at once the
	// deliveries its previous run left in flight, rather than wait for
	// their leases; two live replicas must not share a name.
	Replica string `yaml:"-"`
	// Poll is how often an idle worker looks for due deliveries that other
	// replicas enqueued (its own wake it at once).
	Poll time.Duration `yaml:"poll"`
	// SendTimeout bounds one send (at most 2 minutes).
	SendTimeout time.Duration `yaml:"send_timeout"`
	// MaxTries is how many times a delivery that fails temporarily (5xx,
	// network) is tried before it counts as failed; rate-limited tries count
	// a third.
	MaxTries int `yaml:"max_tries"`
	// Backoff is the first wait after a temporary failure; it doubles each
	// try, with jitter, up to MaxBackoff.
	Backoff    time.Duration `yaml:"backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// MaxWait is the longest a worker sleeps for a rate-limit token; a longer
	// wait puts the delivery back in the queue for later.
	MaxWait time.Duration `yaml:"max_wait"`
	// QuietStart and QuietEnd ("21:30", "07:30", in the bot's zone) bound the
	// quiet hours, in which non-urgent deliveries are held until QuietEnd.
	// Equal values turn quiet hours off.
	QuietStart string `yaml:"quiet_start"`
	QuietEnd   string `yaml:"quiet_end"`
	// Retention keeps broadcasts and reach records (year-end reports need
	// three years).
	Retention time.Duration `yaml:"retention"`
	// Paid lists the platforms whose paid bulk channel the operator turned
	// on (main sets "tg" from telegram.paid_broadcast). A delivery to such
	// a platform takes its bot-wide token from "<platform>:paid" instead of
	// "<platform>:global" (the chat's own bucket still applies) and is sent
	// with Message.PaidBroadcast.
	Paid []string `yaml:"-"`
}

// DefaultConfig returns the defaults: 8 workers, a 15 s lease, quiet hours
// 21:30–07:30, records kept 3 years and a month.
func DefaultConfig() Config {
	return Config{
		Workers:     8,
		Batch:       16,
		Lease:       15 * time.Second,
		Poll:        time.Second,
		SendTimeout: 30 * time.Second,
		MaxTries:    6,
		Backoff:     5 * time.Second,
		MaxBackoff:  10 * time.Minute,
		MaxWait:     500 * time.Millisecond,
		QuietStart:  "21:30",
		QuietEnd:    "07:30",
		Retention:   (3*365 + 31) * 24 * time.Hour,
	}
}

// Paid broadcasts go at up to 1,000 a second, so a replica needs more sends
// in flight than the free 30 a second do.
const (
	paidWorkers = 32
	paidBatch   = 64
)

// WithPaid returns c with the paid bulk channel of platforms turned on (see
// Paid), and at least 32 workers and batches of 64, which 1,000 sends a
// second need.
func (c Config) WithPaid(platforms ...string) Config {
	c.Paid = append(slices.Clip(c.Paid), platforms...)
	c.Workers = max(c.Workers, paidWorkers)
	c.Batch = max(c.Batch, paidBatch)
	return c
}

// Validate reports the first bad setting, naming its key.
func (c Config) Validate() error {
	switch {
	case c.Workers < 1:
		return fmt.Errorf("outbox.workers: want at least 1, got %d", c.Workers)
	case c.Batch < 1:
		return fmt.Errorf("outbox.batch: want at least 1, got %d", c.Batch)
	case c.SendTimeout <= 0 || c.SendTimeout > 2*time.Minute:
		return fmt.Errorf("outbox.send_timeout: want a positive duration up to 2m (default 30s), got %s", c.SendTimeout)
	case c.Lease < 3*time.Second:
		return fmt.Errorf("outbox.lease: want at least 3s (default 15s; renewed every third of it while a send lasts), got %s", c.Lease)
	case c.Poll <= 0:
		return fmt.Errorf("outbox.poll: want a positive duration (default 1s), got %s", c.Poll)
	case c.MaxTries < 1:
		return fmt.Errorf("outbox.max_tries: want at least 1, got %d", c.MaxTries)
	case c.Backoff <= 0:
		return fmt.Errorf("outbox.backoff: want a positive duration (default 5s), got %s", c.Backoff)
	case c.MaxBackoff < c.Backoff:
		return fmt.Errorf("outbox.max_backoff: want at least outbox.backoff (%s), got %s", c.Backoff, c.MaxBackoff)
	case c.MaxWait < 0:
		return fmt.Errorf("outbox.max_wait: want a duration of 0 or more (default 500ms), got %s", c.MaxWait)
	case c.Retention < 24*time.Hour:
		return fmt.Errorf("outbox.retention: want at least a day, got %s", c.Retention)
	}
	if _, err := parseClock(c.QuietStart); err != nil {
		return fmt.Errorf("outbox.quiet_start: %w", err)
	}
	if _, err := parseClock(c.QuietEnd); err != nil {
		return fmt.Errorf("outbox.quiet_end: %w", err)
	}
	return nil
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("want a time of day like 21:30, got %q", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// quiet is a daily span of quiet hours in a zone; start == end is none.
type quiet struct {
	start, end int
	loc        *time.Location
}

func (q quiet) in(t time.Time) bool {
	if q.start == q.end {
		return false
	}
	t = t.In(q.loc)
	m := t.Hour()*60 + t.Minute()
	if q.start < q.end {
		return m >= q.start && m < q.end
	}
	return m >= q.start || m < q.end
}

// hold returns t, or the end of the quiet hours t falls in.
func (q quiet) hold(t time.Time) time.Time {
	if !q.in(t) {
		return t
	}
	l := t.In(q.loc)
	end := time.Date(l.Year(), l.Month(), l.Day(), q.end/60, q.end%60, 0, 0, q.loc)
	if !end.After(l) {
		end = time.Date(l.Year(), l.Month(), l.Day()+1, q.end/60, q.end%60, 0, 0, q.loc)
	}
	return end
}

// withDefaults fills zero fields with DefaultConfig's values.
func withDefaults(c Config) Config {
	d := DefaultConfig()
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&c.Lease, d.Lease)
	set(&c.Poll, d.Poll)
	set(&c.SendTimeout, d.SendTimeout)
	set(&c.Backoff, d.Backoff)
	set(&c.MaxBackoff, d.MaxBackoff)
	set(&c.MaxWait, d.MaxWait)
	set(&c.Retention, d.Retention)
	if c.Workers < 1 {
		c.Workers = d.Workers
	}
	if c.Batch < 1 {
		c.Batch = d.Batch
	}
	if c.MaxTries < 1 {
		c.MaxTries = d.MaxTries
	}
	if c.QuietStart == "" && c.QuietEnd == "" {
		c.QuietStart, c.QuietEnd = d.QuietStart, d.QuietEnd
	}
	return c
}
