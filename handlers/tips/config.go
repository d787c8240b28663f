package tips

import (
	"context"
	"fmt"

	"github.com/robfig/cron/v3"
)

// Config configures daily tips. The lead maps the main config's
// schedule.tips onto Schedule.
type Config struct {
	// Bank lists YAML bank files that add to the built-in bank (a tip
	// with an id already present replaces it).
	Bank []string `yaml:"bank"`
	// ReplaceDefault drops the built-in bank, so only Bank files count.
	ReplaceDefault bool `yaml:"replace_default"`
	// Schedule is the standard 5-field cron spec of the daily push, in the
	// configured zone (default "30 8 * * *"). It is the main config's
	// schedule.tips, hence no key here.
	Schedule string `yaml:"-"`
	// GridSchedules overrides Schedule per grid name ("3网格": "0 9 * * *");
	// staff overrides set with /tip schedule win over these.
	GridSchedules map[string]string `yaml:"grid_schedules"`
	// Tick is the cron spec of the job that checks which grids are due
	// (default every minute). A grid's push happens at the first tick at or
	// after its own time.
	Tick string `yaml:"tick"`
	// Link is set by main, not read from the file: it returns the short
	// link of the resident page of the tip with id ("" when links are
	// off). A pushed tip then carries it as a URL button (a link in the
	// text on WeChat Work, a link card in customer groups). Nil: no link.
	Link func(ctx context.Context, tipID string) (string, error) `yaml:"-"`
}

// DefaultConfig returns the defaults: built-in bank, 08:30 every day,
// checked every minute.
func DefaultConfig() Config {
	return Config{Schedule: "30 8 * * *", Tick: "* * * * *"}
}

// ParseSpec parses a standard 5-field cron spec (or @daily and the like),
// as the scheduler does.
func ParseSpec(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	return s, nil
}

// Validate reports the first bad value, naming its key.
func (c Config) Validate() error {
	if _, err := ParseSpec(c.Schedule); err != nil {
		return fmt.Errorf("schedule.tips: %w", err)
	}
	if _, err := ParseSpec(c.Tick); err != nil {
		return fmt.Errorf("tips.tick: %w", err)
	}
	for g, s := range c.GridSchedules {
		if _, err := ParseSpec(s); err != nil {
			return fmt.Errorf("tips.grid_schedules[%s]: %w", g, err)
		}
	}
	if c.ReplaceDefault && len(c.Bank) == 0 {
		return fmt.Errorf("tips.replace_default: true needs at least one file in tips.bank")
	}
	return nil
}
