package main

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the zone database for machines without one

	"gridbot/bot/config"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/replies"
	"gridbot/bot/telegram"
	"gridbot/bot/wecom"
	"gridbot/bot/wxoa"
	"gridbot/handlers/custgroups"
	"gridbot/handlers/events"
	"gridbot/handlers/ledger"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/residents"
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
	Replies  replies.Config   `yaml:"replies"`
	Console  workbench.Config `yaml:"console"`
	// CustGroup reaches WeChat Work customer groups through the
	// customer-contact API; on when custgroup.corp_id is set.
	CustGroup custgroups.Config `yaml:"custgroup"`
	// Residents are the resident pages (居民页); Wxoa the Official Account
	// that recognises residents on them inside WeChat (optional).
	Residents residents.Config `yaml:"residents"`
	Wxoa      wxoa.Config      `yaml:"wxoa"`
	Replica   ReplicaConfig    `yaml:"replica"`
}

// ReplicaConfig names this process among several replicas on one Redis.
type ReplicaConfig struct {
	// Name shows in every log line (replica=...) and, with a random suffix
	// per start, in the leases and claims it holds; default the host name.
	Name string `yaml:"name"`
}

// ScheduleConfig holds the cron specs of the scheduled work (in the
// configured zone) and the scheduler's own settings.
type ScheduleConfig struct {
	scheduler.Config `yaml:",inline"`
	Tips             string `yaml:"tips"`
	Quiz             string `yaml:"quiz"`
	Digest           string `yaml:"digest"`
}

// RedisConfig says where state lives: one node (Addr), a Redis Cluster
// (Addrs, its seed nodes) or a master watched by Sentinel; none of them
// means the in-process store of the local trial.
type RedisConfig struct {
	Addr     string         `yaml:"addr"`
	Addrs    []string       `yaml:"addrs"`
	Sentinel SentinelConfig `yaml:"sentinel"`
	DB       int            `yaml:"db"`
	Password string         `yaml:"password"`
	Prefix   string         `yaml:"prefix"`
	// WaitReplicas is how many replicas must have each write before the bot
	// answers (-1: one whenever the master has a replica; 0: never wait).
	WaitReplicas int           `yaml:"wait_replicas"`
	WaitTimeout  time.Duration `yaml:"wait_timeout"`
}

// SentinelConfig names the master Redis Sentinel watches and the Sentinels.
type SentinelConfig struct {
	Master   string   `yaml:"master"`
	Addrs    []string `yaml:"addrs"`
	Password string   `yaml:"password"`
}

// configured reports whether a real Redis is configured in any shape.
func (r RedisConfig) configured() bool { return r.shape() != "" }

// shape names the key that configures Redis ("redis.addr"), "" if none.
func (r RedisConfig) shape() string {
	switch {
	case r.Addr != "":
		return "redis.addr"
	case len(r.Addrs) > 0:
		return "redis.addrs"
	case r.Sentinel.Master != "" || len(r.Sentinel.Addrs) > 0:
		return "redis.sentinel"
	}
	return ""
}

// validate checks the shape of the Redis settings, naming the key at fault.
func (r RedisConfig) validate() error {
	shapes := []string{}
	for _, set := range []RedisConfig{{Addr: r.Addr}, {Addrs: r.Addrs}, {Sentinel: r.Sentinel}} {
		if k := set.shape(); k != "" {
			shapes = append(shapes, k)
		}
	}
	if len(shapes) > 1 {
		return keyErr(shapes[1], "want only one of redis.addr (one node), redis.addrs (Redis Cluster) and redis.sentinel (Sentinel); %s is set too", shapes[0])
	}
	hostPorts := func(key string, addrs []string) error {
		for i, a := range addrs {
			if _, _, err := net.SplitHostPort(a); err != nil || a == "" {
				return keyErr(fmt.Sprintf("%s[%d]", key, i), "want host:port, got %q", a)
			}
		}
		return nil
	}
	if r.Addr != "" {
		if _, _, err := net.SplitHostPort(r.Addr); err != nil {
			return keyErr("redis.addr", "want host:port, got %q", r.Addr)
		}
	}
	if err := hostPorts("redis.addrs", r.Addrs); err != nil {
		return err
	}
	if len(r.Addrs) > 0 && r.DB != 0 {
		return keyErr("redis.db", "want 0: Redis Cluster has database 0 only, got %d", r.DB)
	}
	if err := hostPorts("redis.sentinel.addrs", r.Sentinel.Addrs); err != nil {
		return err
	}
	if r.Sentinel.Master != "" && len(r.Sentinel.Addrs) == 0 {
		return keyErr("redis.sentinel.addrs", "required with redis.sentinel.master; want the Sentinels' addresses, host:port each")
	}
	if r.Sentinel.Master == "" && len(r.Sentinel.Addrs) > 0 {
		return keyErr("redis.sentinel.master", "required with redis.sentinel.addrs; want the master name the Sentinels watch, e.g. mymaster")
	}
	if r.WaitReplicas < -1 || r.WaitReplicas > 16 {
		return keyErr("redis.wait_replicas", "want -1 (auto), 0 (off) or 1 to 16, got %d", r.WaitReplicas)
	}
	if r.WaitTimeout < 10*time.Millisecond || r.WaitTimeout > 2*time.Second {
		return keyErr("redis.wait_timeout", "want 10ms to 2s, got %s", r.WaitTimeout)
	}
	return nil
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
	// ClaimTTL: see bot.RouterOptions.ClaimTTL.
	ClaimTTL time.Duration `yaml:"claim_ttl"`
	// FloodBurst and FloodEvery limit one person's updates (see
	// bot.FloodLimit); FloodBurst 0 turns the limit off.
	FloodBurst int           `yaml:"flood_burst"`
	FloodEvery time.Duration `yaml:"flood_every"`
}

func defaultConfig() Config {
	return Config{
		Timezone:  "Asia/Shanghai",
		Redis:     RedisConfig{Prefix: "gb", WaitReplicas: -1, WaitTimeout: time.Second},
		Telegram:  telegram.DefaultConfig(),
		Wecom:     wecom.DefaultConfig(),
		HTTP:      HTTPConfig{Listen: "127.0.0.1:8080"},
		Log:       LogConfig{Level: "info", Format: "text"},
		Updates:   UpdatesConfig{Workers: 16, HandlerTimeout: 30 * time.Second, ClaimTTL: 6 * time.Second, FloodBurst: 20, FloodEvery: 2 * time.Second},
		Schedule:  ScheduleConfig{Config: scheduler.DefaultConfig(), Tips: "30 8 * * *", Quiz: "0 19 * * 5", Digest: ledger.DefaultDigestSpec},
		Limits:    ratelimit.DefaultConfig(),
		Outbox:    outbox.DefaultConfig(),
		Events:    events.DefaultConfig(),
		Tips:      tips.DefaultConfig(),
		Notices:   notices.DefaultConfig(),
		Quiz:      quiz.DefaultConfig(),
		Ledger:    ledger.DefaultConfig(),
		Replies:   replies.DefaultConfig(),
		CustGroup: custgroups.DefaultConfig(),
		Residents: residents.DefaultConfig(),
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
	if err := secretFromEnv("custgroup.secret", !cfg.CustGroup.Secret.IsZero(), environ); err != nil {
		return cfg, err
	}
	if cfg.Wxoa.CallbackURL == "" && cfg.Residents.Enabled() {
		cfg.Wxoa.CallbackURL = strings.TrimRight(strings.TrimSpace(cfg.Residents.BaseURL), "/") + residents.OAuthPath()
	}
	return cfg, cfg.validate()
}

// secretFromEnv refuses a secret that came from the config file: set is
// whether the key has a value, which must then be the environment's.
func secretFromEnv(key string, set bool, environ []string) error {
	name := config.EnvName(key) + "="
	if !set || slices.ContainsFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, name) }) {
		return nil
	}
	return keyErr(key, "want it only in the environment (%s), never in the config file", strings.TrimSuffix(name, "="))
}

// validateCustGroup checks the customer-group section when a corp is set.
func (c Config) validateCustGroup() error {
	if !c.CustGroup.Enabled() {
		return nil
	}
	if err := c.CustGroup.Validate(); err != nil {
		return fmt.Errorf("config key %w", err)
	}
	for _, sp := range [][2]string{{"custgroup.sync", c.CustGroup.Sync}, {"custgroup.track", c.CustGroup.Track}} {
		if err := scheduler.CheckSpec(sp[1]); err != nil {
			return keyErr(sp[0], "%v", err)
		}
	}
	if !c.Redis.configured() {
		return keyErr("redis.addr", "required when custgroup.corp_id is set; want host:port of a Redis")
	}
	return nil
}

// recordsKept is how long records that reports read must live.
const recordsKept = 3 * 365 * 24 * time.Hour

func keyErr(key, format string, a ...any) error {
	return &config.KeyError{Key: key, Err: fmt.Errorf(format, a...)}
}

func (c Config) validate() error {
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		return keyErr("timezone", "want a time zone name like Asia/Shanghai, got %q", c.Timezone)
	}
	if err := c.Redis.validate(); err != nil {
		return err
	}
	if c.Redis.DB < 0 || c.Redis.DB > 15 {
		return keyErr("redis.db", "want 0 to 15, got %d", c.Redis.DB)
	}
	if c.Redis.Prefix == "" || strings.ContainsAny(c.Redis.Prefix, " {}:") {
		return keyErr("redis.prefix", "want a short word without spaces, braces or colons, got %q", c.Redis.Prefix)
	}
	if c.trial() && c.Redis.configured() {
		return keyErr("telegram.token", "missing (GRIDBOT_TELEGRAM_TOKEN): Redis is configured (%s), so gridbot runs for real and needs a platform: "+
			"want telegram.token, or wecom.groups / wecom.callback for WeChat Work. The local trial never uses a configured Redis: "+
			"to try it, leave redis.* empty (unset GRIDBOT_REDIS_ADDR)", c.Redis.shape())
	}
	if c.Telegram.Token != "" {
		if err := c.Telegram.Validate(); err != nil {
			return fmt.Errorf("config key %w", err)
		}
		if !c.Redis.configured() {
			return keyErr("redis.addr", "required when telegram.token is set; want host:port of a Redis (the in-process store is for the local trial only)")
		}
	}
	if c.wecomOn() {
		if err := c.Wecom.Validate(); err != nil {
			return fmt.Errorf("config key %w", err)
		}
		if !c.Redis.configured() {
			return keyErr("redis.addr", "required when WeChat Work is configured; want host:port of a Redis (the in-process store is for the local trial only)")
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
	if err := c.validateBeforeFeatures(); err != nil {
		return err
	}
	for _, v := range []interface{ Validate() error }{c.Schedule.Config, c.Limits, c.Outbox, c.Tips, c.Ledger, c.Replies} {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config key %w", err)
		}
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
	if c.Updates.ClaimTTL < time.Second || c.Updates.ClaimTTL > time.Minute {
		return keyErr("updates.claim_ttl", "want 1s to 1m, got %s", c.Updates.ClaimTTL)
	}
	if c.Updates.FloodBurst != 0 {
		if err := firstErr(intIn("updates.flood_burst", c.Updates.FloodBurst, 3, 100),
			durIn("updates.flood_every", c.Updates.FloodEvery, 100*time.Millisecond, time.Minute)); err != nil {
			return err
		}
	}
	if strings.ContainsAny(c.Replica.Name, " \t\n{}") {
		return keyErr("replica.name", "want a name without spaces or braces, got %q", c.Replica.Name)
	}
	if err := c.validateStaff(); err != nil {
		return err
	}
	if err := c.validateCustGroup(); err != nil {
		return err
	}
	if err := c.validateFeatures(); err != nil {
		return err
	}
	if err := c.validatePages(); err != nil {
		return err
	}
	return c.validateConsole()
}

// validatePages checks the resident pages and the Official Account when
// they are on; the Official Account's callback defaults to the pages'
// own (residents.base_url + /r/oauth).
func (c Config) validatePages() error {
	if err := c.Residents.Validate(); err != nil {
		return err
	}
	if c.Residents.Enabled() && c.HTTP.Listen == "" {
		return keyErr("http.listen", "want host:port: the resident pages (residents.base_url) need the HTTP server")
	}
	if !c.Wxoa.Enabled() {
		if !c.Wxoa.AppSecret.IsZero() {
			return keyErr("wxoa.app_id", "want the Official Account's AppID (wx…) when wxoa.app_secret is set")
		}
		return nil
	}
	if !c.Residents.Enabled() {
		return keyErr("residents.base_url", "want the public address of the resident pages: the Official Account (wxoa.app_id) recognises residents on them")
	}
	if c.Wxoa.AppSecret.IsZero() {
		return keyErr("wxoa.app_secret", "want the AppSecret (公众平台 → 基本配置) in GRIDBOT_WXOA_APP_SECRET, never in the file")
	}
	if c.Wxoa.Timeout < 0 || c.Wxoa.Timeout > time.Minute {
		return keyErr("wxoa.timeout", "want 1s to 1m (0: the default 5s), got %s", c.Wxoa.Timeout)
	}
	if err := c.Wxoa.Validate(); err != nil {
		return fmt.Errorf("config key %w", err)
	}
	if !strings.HasSuffix(c.Wxoa.CallbackURL, residents.OAuthPath()) {
		return keyErr("wxoa.callback_url", "want the resident pages' callback, ending in %s (leave it empty for residents.base_url%s)", residents.OAuthPath(), residents.OAuthPath())
	}
	return nil
}

// validateBeforeFeatures checks, by key and saying what each accepts, what
// the features' own checks report less precisely or only at start: every
// cron spec, the bank files, each rating weight, the console session.
func (c Config) validateBeforeFeatures() error {
	specs := [][2]string{{"schedule.tips", c.Schedule.Tips}, {"schedule.quiz", c.Schedule.Quiz},
		{"schedule.digest", c.Schedule.Digest}, {"tips.tick", c.Tips.Tick}}
	for _, g := range slices.Sorted(maps.Keys(c.Tips.GridSchedules)) {
		specs = append(specs, [2]string{"tips.grid_schedules." + g, c.Tips.GridSchedules[g]})
	}
	for _, sp := range specs {
		if err := scheduler.CheckSpec(sp[1]); err != nil {
			return keyErr(sp[0], "%v", err)
		}
	}
	if err := readable("tips.bank", c.Tips.Bank); err != nil {
		return err
	}
	if c.Tips.ReplaceDefault && len(c.Tips.Bank) == 0 {
		return keyErr("tips.replace_default", "want false unless tips.bank lists at least one file")
	}
	if err := readable("quiz.banks", c.Quiz.Banks); err != nil {
		return err
	}
	w := c.Ledger.Weights
	for _, kw := range []struct {
		key string
		w   float64
	}{{"reach", w.Reach}, {"signups", w.Signups}, {"attendance", w.Attendance}, {"quiz", w.Quiz}, {"score", w.Score}} {
		if kw.w < 0 {
			return keyErr("ledger.weights."+kw.key, "want a weight of zero or more, got %g", kw.w)
		}
	}
	if c.Console.Session != 0 {
		return durIn("console.session", c.Console.Session, 5*time.Minute, 30*24*time.Hour)
	}
	return nil
}

// readable checks that every file a list key names can be read.
func readable(key string, paths []string) error {
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return keyErr(fmt.Sprintf("%s[%d]", key, i), "want a file gridbot can read, got %q (%v)", p, errors.Unwrap(err))
		}
		_ = f.Close()
	}
	return nil
}

// validateStaff checks the staff user ids.
func (c Config) validateStaff() error {
	for i, id := range c.Staff.Telegram {
		if id <= 0 {
			return keyErr(fmt.Sprintf("staff.telegram[%d]", i), "want a Telegram user id (a positive number; the person sends 我是谁 to the bot to see it), got %d", id)
		}
	}
	for i, id := range c.Staff.Wecom {
		if id == "" || strings.ContainsAny(id, " \t\n:") {
			return keyErr(fmt.Sprintf("staff.wecom[%d]", i), "want a WeChat Work userid (the 账号 in the address book, no spaces), got %q", id)
		}
	}
	return nil
}

// validateFeatures checks the keys of the features whose packages fill in
// defaults silently, so that a value out of range stops start-up instead.
func (c Config) validateFeatures() error {
	e, n, q := c.Events, c.Notices, c.Quiz
	day := 24 * time.Hour
	keepDays := int(recordsKept / day)
	return firstErr(
		intIn("events.refresh_seconds", e.RefreshSeconds, 1, 600),
		intIn("events.max_headcount", e.MaxHeadcount, 1, 10),
		intIn("events.remark_max", e.RemarkMax, 1, 500),
		intIn("events.checkin_before_minutes", e.CheckinBeforeMinutes, 1, 24*60),
		intIn("events.default_length_minutes", e.DefaultLengthMinutes, 10, 7*24*60),
		intIn("events.record_days", e.RecordDays, keepDays, 100*365),
		durIn("notices.draft_ttl", n.DraftTTL, time.Minute, day),
		durIn("notices.max_ahead", n.MaxAhead, day, 2*366*day),
		intIn("notices.max_runes", n.MaxRunes, 50, 4000),
		intIn("notices.list_size", n.ListSize, 1, 50),
		intIn("quiz.questions", q.Questions, 1, 20),
		durIn("quiz.window", q.Window, time.Hour, 14*day),
		intIn("quiz.recent_rounds", q.RecentRounds, 0, 100),
		oneOf("quiz.season", q.Season, "quarter", "month", "year"),
		pollSeconds(q.PollSeconds),
	)
}

// pollSeconds checks quiz.poll_seconds: 0 (polls stay open) or what
// Telegram allows for a poll's open period.
func pollSeconds(n int) error {
	if n == 0 {
		return nil
	}
	return intIn("quiz.poll_seconds", n, 5, 600)
}

func intIn(key string, got, lo, hi int) error {
	if got < lo || got > hi {
		return keyErr(key, "want a whole number from %d to %d, got %d", lo, hi, got)
	}
	return nil
}

func durIn(key string, got, lo, hi time.Duration) error {
	if got < lo || got > hi {
		return keyErr(key, "want a duration from %s to %s, got %s", lo, hi, got)
	}
	return nil
}

func oneOf(key, got string, allowed ...string) error {
	if !slices.Contains(allowed, got) {
		return keyErr(key, "want %s, got %q", strings.Join(allowed, ", "), got)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// validateConsole checks the web console's keys when it is on.
func (c Config) validateConsole() error {
	if err := c.Console.Validate(); err != nil {
		return err
	}
	if c.Console.Enabled && c.HTTP.Listen == "" {
		return keyErr("http.listen", "want host:port: the web console (console.enabled) needs the HTTP server")
	}
	return nil
}

// wecomOn reports whether any WeChat Work group robot or callback is set.
func (c Config) wecomOn() bool { return len(c.Wecom.Groups) > 0 || c.Wecom.Callback.Enabled() }

// trial reports whether no platform is configured, so the console runs.
func (c Config) trial() bool { return c.Telegram.Token == "" && !c.wecomOn() }
