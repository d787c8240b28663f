package quiz

import (
	"context"
	"time"
)

// Config configures the quiz. The lead embeds it in the main config under
// "quiz"; the cron spec that opens rounds (schedule.quiz, default
// "0 19 * * 5" in env.Loc) lives with the other schedules.
type Config struct {
	// Questions is the number of questions in a round (default 5).
	Questions int `yaml:"questions"`
	// Window is how long a round stays open (default 48h).
	Window time.Duration `yaml:"window"`
	// RecentRounds: questions of this many previous rounds are not asked
	// again (default 8).
	RecentRounds int `yaml:"recent_rounds"`
	// PollSeconds is the open period of a Telegram quiz poll (default 60;
	// 0 keeps polls open until answered).
	PollSeconds int `yaml:"poll_seconds"`
	// Polls sends native quiz polls where the platform has them (default
	// true); false asks every question as text.
	Polls bool `yaml:"polls"`
	// Season is "quarter" (default), "month" or "year": the calendar period
	// in which points accumulate for /rank.
	Season string `yaml:"season"`
	// Banks are extra YAML bank files; their questions are added to the
	// embedded bank, replacing questions with the same id.
	Banks []string `yaml:"banks"`
	// NoDefaultBank drops the embedded bank (then Banks must hold enough
	// questions).
	NoDefaultBank bool `yaml:"no_default_bank"`
	// KeepDays is how long round records are kept for the ledgers
	// (default 1200 days, over three years; 0 keeps them forever).
	KeepDays int `yaml:"keep_days"`
	// Link is set by main, not read from the file: it returns the short
	// link of round id's resident page ("" when links are off). The
	// groups' announcement then carries it as a URL button (a link in the
	// text on WeChat Work, a link card in customer groups). Nil: no link.
	Link func(ctx context.Context, round int) (string, error) `yaml:"-"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Questions:    5,
		Window:       48 * time.Hour,
		RecentRounds: 8,
		PollSeconds:  60,
		Polls:        true,
		Season:       "quarter",
		KeepDays:     1200,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Questions <= 0 {
		c.Questions = d.Questions
	}
	if c.Window <= 0 {
		c.Window = d.Window
	}
	if c.RecentRounds < 0 {
		c.RecentRounds = 0
	}
	if c.PollSeconds < 0 {
		c.PollSeconds = 0
	}
	switch c.Season {
	case "quarter", "month", "year":
	default:
		c.Season = d.Season
	}
	if c.KeepDays < 0 {
		c.KeepDays = 0
	}
}

// SeasonOf names the season holding t (in loc): "2026Q4", "2026-11" or
// "2026".
func SeasonOf(kind string, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	switch kind {
	case "month":
		return t.Format("2006-01")
	case "year":
		return t.Format("2006")
	}
	return t.Format("2006") + "Q" + string(rune('0'+(int(t.Month())+2)/3))
}

// seasonLabel turns a season id into words: 2026年第4季度.
func seasonLabel(s string) string {
	switch {
	case len(s) == 6 && s[4] == 'Q':
		return s[:4] + "年第" + s[5:] + "季度"
	case len(s) == 7 && s[4] == '-':
		m := s[5:]
		if m[0] == '0' {
			m = m[1:]
		}
		return s[:4] + "年" + m + "月"
	case len(s) == 4:
		return s + "年"
	}
	return s
}
