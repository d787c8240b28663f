package replies

import (
	"fmt"
	"time"
)

// Config tunes group reply coalescing (the replies section).
type Config struct {
	// Coalesce turns coalescing on (the default). Off, every reply is sent
	// on its own as soon as it is made, and waits for Telegram's limits.
	Coalesce bool `yaml:"coalesce"`
	// PrivateAfter is how long an answer may wait for the group: one the
	// group cannot show sooner goes to the person privately at once (when
	// they have started the bot), and the group gets a short line later.
	PrivateAfter time.Duration `yaml:"private_after"`
	// Workers is how many groups one replica sends to at once.
	Workers int `yaml:"workers"`
	// Lease is how long a replica holds a group it is sending to; a replica
	// that dies is replaced after this.
	Lease time.Duration `yaml:"lease"`
	// Poll is how often an idle replica looks for answers other replicas
	// queued (its own wake it at once).
	Poll time.Duration `yaml:"poll"`
	// SendTimeout bounds one send; keep it well below Lease.
	SendTimeout time.Duration `yaml:"send_timeout"`
	// MaxText is the most bytes of one merged message.
	MaxText int `yaml:"max_text"`
	// Repost is how many group messages may follow a live list before it
	// is posted again at the bottom rather than edited in place.
	Repost int `yaml:"repost_after"`
}

// DefaultConfig returns the defaults: on, private after 4 s.
func DefaultConfig() Config {
	return Config{Coalesce: true, PrivateAfter: 4 * time.Second, Workers: 8, Lease: 10 * time.Second,
		Poll: 250 * time.Millisecond, SendTimeout: 4 * time.Second, MaxText: 3500, Repost: 15}
}

// Validate reports the first bad setting, naming its key.
func (c Config) Validate() error {
	switch {
	case c.PrivateAfter < 0:
		return fmt.Errorf("replies.private_after: want a duration of 0 or more (default 4s), got %s", c.PrivateAfter)
	case c.Workers < 1:
		return fmt.Errorf("replies.workers: want at least 1, got %d", c.Workers)
	case c.SendTimeout <= 0:
		return fmt.Errorf("replies.send_timeout: want a positive duration (default 4s), got %s", c.SendTimeout)
	case c.Lease <= 2*c.SendTimeout:
		return fmt.Errorf("replies.lease: want more than twice replies.send_timeout (%s), got %s", c.SendTimeout, c.Lease)
	case c.Poll <= 0:
		return fmt.Errorf("replies.poll: want a positive duration (default 250ms), got %s", c.Poll)
	case c.MaxText < 500 || c.MaxText > 4000:
		return fmt.Errorf("replies.max_text: want 500 to 4000, got %d", c.MaxText)
	case c.Repost < 1:
		return fmt.Errorf("replies.repost_after: want at least 1, got %d", c.Repost)
	}
	return nil
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.PrivateAfter <= 0 {
		c.PrivateAfter = d.PrivateAfter
	}
	if c.Workers < 1 {
		c.Workers = d.Workers
	}
	if c.Lease <= 0 {
		c.Lease = d.Lease
	}
	if c.Poll <= 0 {
		c.Poll = d.Poll
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = d.SendTimeout
	}
	if c.MaxText <= 0 {
		c.MaxText = d.MaxText
	}
	if c.Repost <= 0 {
		c.Repost = d.Repost
	}
	return c
}
