package ledger

import (
	"fmt"
	"time"

	"gridbot/bot/outbox"
)

// Config tunes ledgers and reports. The lead embeds it in the main config
// under "ledger"; the digest's cron spec lives with the other schedules as
// schedule.digest (default DefaultDigestSpec).
type Config struct {
	// Retention is how long the ledger keeps its monthly rollups (default
	// 3 years and a month, like the records they are built from).
	Retention time.Duration `yaml:"retention"`
	// APIToken is the bearer token of the JSON endpoints; empty turns the
	// endpoints off (every request gets 404).
	APIToken string `yaml:"api_token"`
	// Stars are the volunteer hours at which a person earns ★, ★★, ★★★…
	// (default 10, 30, 100), ascending.
	Stars []float64 `yaml:"stars"`
	// Weights of the grid rating (网格评比); each measure is scaled so the
	// best grid has 100, then weighted.
	Weights Weights `yaml:"weights"`
	// Settle is how long after a month ends its figures are taken as final
	// and rolled up (default 48h: late deliveries and retries are done).
	Settle time.Duration `yaml:"settle"`
	// Channels is set by main, not read from the file: the outbox channels
	// whose requests are confirmed after the send, by platform (customer
	// groups under "wxc"). Their chats count as reached (送达, 覆盖) only
	// once confirmed; a push still waiting shows as awaiting. Nil: every
	// chat the outbox sent to counts.
	Channels map[string]outbox.Confirmer `yaml:"-"`
}

// Weights of the grid rating's measures.
type Weights struct {
	Reach      float64 `yaml:"reach"`      // 推送覆盖人次
	Signups    float64 `yaml:"signups"`    // 活动报名人次
	Attendance float64 `yaml:"attendance"` // 签到人次
	Quiz       float64 `yaml:"quiz"`       // 竞答参与人次
	Score      float64 `yaml:"score"`      // 竞答平均得分
}

func (w Weights) sum() float64 { return w.Reach + w.Signups + w.Attendance + w.Quiz + w.Score }

// DefaultDigestSpec is the default cron spec of the weekly digest: Monday
// 09:00 in the bot's zone.
const DefaultDigestSpec = "0 9 * * 1"

// DefaultConfig returns the defaults: records kept 3 years and a month,
// stars at 10, 30 and 100 hours, weights 20/20/30/15/15, API off.
func DefaultConfig() Config {
	return Config{
		Retention: (3*365 + 31) * 24 * time.Hour,
		Stars:     []float64{10, 30, 100},
		Weights:   Weights{Reach: 20, Signups: 20, Attendance: 30, Quiz: 15, Score: 15},
		Settle:    48 * time.Hour,
	}
}

// Validate reports the first bad setting, naming its key.
func (c Config) Validate() error {
	if c.Retention < 3*365*24*time.Hour {
		return fmt.Errorf("ledger.retention: want at least 3 years (26280h), got %s", c.Retention)
	}
	for i, s := range c.Stars {
		if s <= 0 || i > 0 && s <= c.Stars[i-1] {
			return fmt.Errorf("ledger.stars: want positive hours in ascending order, got %v", c.Stars)
		}
	}
	w := c.Weights
	if w.Reach < 0 || w.Signups < 0 || w.Attendance < 0 || w.Quiz < 0 || w.Score < 0 || w.sum() == 0 {
		return fmt.Errorf("ledger.weights: want non-negative weights, not all zero")
	}
	if c.Settle < 0 {
		return fmt.Errorf("ledger.settle: want a duration of zero or more")
	}
	return nil
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Retention <= 0 {
		c.Retention = d.Retention
	}
	if len(c.Stars) == 0 {
		c.Stars = d.Stars
	}
	if c.Weights.sum() <= 0 {
		c.Weights = d.Weights
	}
	if c.Settle <= 0 {
		c.Settle = d.Settle
	}
	return c
}
