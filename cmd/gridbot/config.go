package main

import (
	"fmt"
	"net"
	"strings"
	"time"
	_ "time/tzdata" // the zone database for machines without one

	"gridbot/bot/config"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/telegram"
	"gridbot/bot/wecom"
	"gridbot/handlers/events"
	"gridbot/handlers/ledger"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
	"gridbot/handlers/workbench"
	"gridbot/scheduler"
)

// Config is the whole configuration; config.example.yaml documents each key.
type Config struct {
	Timezone string           `yaml:"timezone"`
	Redis    RedisConfig      `yaml:"redis"`
	Telegram telegram.Config  `yaml:"telegram"`
	Wecom    wecom.Config     `yaml:"wecom"`
	Staff    StaffConfig      `yaml:"staff"`
	HTTP     HTTPConfig       `yaml:"http"`
	Log      LogConfig        `yaml:"log"`
	Updates  UpdatesConfig    `yaml:"updates"`
	Schedule ScheduleConfig   `yaml:"schedule"`
	Limits   ratelimit.Config `yaml:"ratelimit"`
	Outbox   outbox.Config    `yaml:"outbox"`
	Events   events.Config    `yaml:"events"`
	Tips     tips.Config      `yaml:"tips"`
	Notices  notices.Config   `yaml:"notices"`
	Quiz     quiz.Config      `yaml:"quiz"`
	Ledger   ledger.Config    `yaml:"ledger"`
	Console  workbench.Config `yaml:"console"`
}

// ScheduleConfig holds the cron specs of the scheduled work (in the
// configured zone) and the scheduler's own settings.
type ScheduleConfig struct {
	scheduler.Config `yaml:",inline"`
	Tips             string `yaml:"tips"`
	Quiz             string `yaml:"quiz"`
	Digest           string `yaml:"digest"`
}

// RedisConfig says where state lives; an empty Addr means the in-process
// store of the local trial.
type RedisConfig struct {
	Addr     string `yaml:"addr"`
	DB       int    `yaml:"db"`
	Password string `yaml:"password"`
	Prefix   string `yaml:"prefix"`
}

// StaffConfig lists community staff by platform user id.
type StaffConfig struct {
	Telegram []int64  `yaml:"telegram"`
	Wecom    []string `yaml:"wecom"`
}

// HTTPConfig is the bot's HTTP server.
type HTTPConfig struct {
	Listen string `yaml:"listen"`
}

// LogConfig sets logging.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// UpdatesConfig tunes update handling.
type UpdatesConfig struct {
	Workers        int           `yaml:"workers"`
	HandlerTimeout time.Duration `yaml:"handler_timeout"`
}

func defaultConfig() Config {
	return Config{
		Timezone: "Asia/Shanghai",
		Redis:    RedisConfig{Prefix: "gb"},
		Telegram: telegram.DefaultConfig(),
		Wecom:    wecom.DefaultConfig(),
		HTTP:     HTTPConfig{Listen: "127.0.0.1:8080"},
		Log:      LogConfig{Level: "info", Format: "text"},
		Updates:  UpdatesConfig{Workers: 16, HandlerTimeout: 30 * time.Second},
		Schedule: ScheduleConfig{Config: scheduler.DefaultConfig(), Tips: "30 8 * * *", Quiz: "0 19 * * 5", Digest: ledger.DefaultDigestSpec},
		Limits:   ratelimit.DefaultConfig(),
		Outbox:   outbox.DefaultConfig(),
		Events:   events.DefaultConfig(),
		Tips:     tips.DefaultConfig(),
		Notices:  notices.DefaultConfig(),
		Quiz:     quiz.DefaultConfig(),
		Ledger:   ledger.DefaultConfig(),
	}
}

// loadConfig reads defaults, then the file (if any), then GRIDBOT_*
// variables from environ, and validates the result.
func loadConfig(path string, environ []string) (Config, error) {
	cfg := defaultConfig()
	if err := config.Load(&cfg, path, environ); err != nil {
		return cfg, err
	}
	cfg.Tips.Schedule = cfg.Schedule.Tips
	return cfg, cfg.validate()
}

// recordsKept is how long records that reports read must live.
const recordsKept = 3 * 365 * 24 * time.Hour

func keyErr(key, format string, a ...any) error {
	return &config.KeyError{Key: key, Err: fmt.Errorf(format, a...)}
}

func (c Config) validate() error {
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		return keyErr("timezone", "unknown time zone %q (try Asia/Shanghai)", c.Timezone)
	}
	if c.Redis.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Redis.Addr); err != nil {
			return keyErr("redis.addr", "want host:port, got %q", c.Redis.Addr)
		}
	}
	if c.Redis.DB < 0 || c.Redis.DB > 15 {
		return keyErr("redis.db", "want 0 to 15, got %d", c.Redis.DB)
	}
	if c.Redis.Prefix == "" || strings.ContainsAny(c.Redis.Prefix, " {}:") {
		return keyErr("redis.prefix", "want a short word without spaces, braces or colons, got %q", c.Redis.Prefix)
	}
	if c.Telegram.Token != "" {
		if err := c.Telegram.Validate(); err != nil {
			return fmt.Errorf("config key %w", err)
		}
		if c.Redis.Addr == "" {
			return keyErr("redis.addr", "required when telegram.token is set (the in-process store is for the local trial only)")
		}
	}
	if c.wecomOn() {
		if err := c.Wecom.Validate(); err != nil {
			return fmt.Errorf("config key %w", err)
		}
		if c.Redis.Addr == "" {
			return keyErr("redis.addr", "required when WeChat Work is configured (the in-process store is for the local trial only)")
		}
	}
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			return keyErr("http.listen", "want host:port, got %q", c.HTTP.Listen)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return keyErr("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return keyErr("log.format", "want text or json, got %q", c.Log.Format)
	}
	if c.Updates.Workers < 1 || c.Updates.Workers > 1024 {
		return keyErr("updates.workers", "want 1 to 1024, got %d", c.Updates.Workers)
	}
	for _, v := range []interface{ Validate() error }{c.Schedule.Config, c.Limits, c.Outbox, c.Tips, c.Ledger} {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config key %w", err)
		}
	}
	if err := scheduler.CheckSpec(c.Schedule.Quiz); err != nil {
		return keyErr("schedule.quiz", "%v", err)
	}
	if err := scheduler.CheckSpec(c.Schedule.Digest); err != nil {
		return keyErr("schedule.digest", "%v", err)
	}
	if c.Outbox.Retention < recordsKept {
		return keyErr("outbox.retention", "want at least %s (3 years: year-end reports read push records), got %s", recordsKept, c.Outbox.Retention)
	}
	if c.Quiz.KeepDays < int(recordsKept/(24*time.Hour)) {
		return keyErr("quiz.keep_days", "want at least %d (3 years: year-end reports read quiz records), got %d", int(recordsKept/(24*time.Hour)), c.Quiz.KeepDays)
	}
	if c.Updates.HandlerTimeout < time.Second {
		return keyErr("updates.handler_timeout", "want at least 1s, got %s", c.Updates.HandlerTimeout)
	}
	return c.validateConsole()
}

// validateConsole checks the web console's keys when it is on.
func (c Config) validateConsole() error {
	if err := c.Console.Validate(); err != nil {
		return err
	}
	if c.Console.Enabled && c.HTTP.Listen == "" {
		return keyErr("http.listen", "the web console (console.enabled) needs the HTTP server")
	}
	return nil
}

// wecomOn reports whether any WeChat Work group robot or callback is set.
func (c Config) wecomOn() bool { return len(c.Wecom.Groups) > 0 || c.Wecom.Callback.Enabled() }

// trial reports whether no platform is configured, so the console runs.
func (c Config) trial() bool { return c.Telegram.Token == "" && !c.wecomOn() }
