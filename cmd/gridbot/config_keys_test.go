package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gridbot/bot/config"
)

// liveEnv turns every section on (Telegram, WeChat Work with a callback,
// the web console) so that each key's check runs.
var liveEnv = []string{
	"GRIDBOT_TELEGRAM_TOKEN=123456:ABCdef", "GRIDBOT_REDIS_ADDR=127.0.0.1:6379",
	`GRIDBOT_WECOM_GROUPS=[{"grid": "3网格", "webhook_key": "k3"}]`,
	"GRIDBOT_WECOM_CALLBACK_TOKEN=tok", "GRIDBOT_WECOM_CALLBACK_AES_KEY=" + testAESKey,
	"GRIDBOT_CONSOLE_ENABLED=true", "GRIDBOT_CONSOLE_BASE_URL=https://bot.example.org",
	"GRIDBOT_CONSOLE_SECRET=0123456789abcdef0123456789abcdef",
	"GRIDBOT_CUSTGROUP_CORP_ID=ww0123456789", "GRIDBOT_CUSTGROUP_SECRET=s3cr3t",
}

// badValues holds, for every key whose value can be wrong, one wrong value
// (set through its environment variable) and any further variables the
// check needs. freeText lists the keys that take any text.
var badValues = map[string][]string{
	"timezone":                      {"Mars/Base"},
	"redis.addr":                    {"localhost"},
	"redis.addrs":                   {"10.0.0.1:7001,nonsense", "GRIDBOT_REDIS_ADDR="},
	"redis.sentinel.master":         {"mymaster", "GRIDBOT_REDIS_ADDR="},
	"redis.sentinel.addrs":          {"10.0.0.1", "GRIDBOT_REDIS_ADDR=", "GRIDBOT_REDIS_SENTINEL_MASTER=m"},
	"redis.db":                      {"16"},
	"redis.prefix":                  {"g b"},
	"redis.wait_replicas":           {"-2"},
	"redis.wait_timeout":            {"15"},
	"telegram.token":                {"not a token"},
	"telegram.api_endpoint":         {"https://api.telegram.org/bot"},
	"telegram.webhook_url":          {"ftp://bot.example.org", "GRIDBOT_TELEGRAM_WEBHOOK_SECRET=s"},
	"telegram.paid_broadcast":       {"maybe"},
	"telegram.webhook_path":         {"hook", "GRIDBOT_TELEGRAM_WEBHOOK_URL=https://bot.example.org/hook", "GRIDBOT_TELEGRAM_WEBHOOK_SECRET=s"},
	"telegram.webhook_secret":       {"a secret", "GRIDBOT_TELEGRAM_WEBHOOK_URL=https://bot.example.org/hook"},
	"telegram.timeout":              {"0s"},
	"telegram.poll_timeout":         {"1h"},
	"telegram.retries":              {"-1"},
	"telegram.max_retry_wait":       {"-1s"},
	"telegram.poll_lease":           {"500ms"},
	"wecom.api_base":                {"qyapi"},
	"wecom.groups":                  {`[{"grid": "3网格", "webhook_key_env": "GRIDBOT_TEST_NO_SUCH_KEY"}]`},
	"wecom.retry_after":             {"-1s"},
	"wecom.timeout":                 {"-1s"},
	"wecom.callback.path":           {"callback"},
	"wecom.callback.token":          {"", "GRIDBOT_WECOM_CALLBACK_AES_KEY=" + testAESKey},
	"wecom.callback.aes_key":        {"short"},
	"wecom.callback.reply_wait":     {"-1s"},
	"wecom.callback.max_skew":       {"24h"},
	"staff.telegram":                {"11,-3"},
	"staff.wecom":                   {"zhang:san"},
	"http.listen":                   {"8080"},
	"log.level":                     {"verbose"},
	"log.format":                    {"xml"},
	"updates.workers":               {"0"},
	"updates.handler_timeout":       {"10ms"},
	"updates.claim_ttl":             {"1h"},
	"updates.flood_burst":           {"1"},
	"updates.flood_every":           {"1h"},
	"schedule.lease":                {"10ms"},
	"schedule.scan":                 {"0s"},
	"schedule.max_attempts":         {"0"},
	"schedule.retry_backoff":        {"0s"},
	"schedule.job_lease":            {"10ms"},
	"schedule.jobs":                 {`{"tips": "every morning"}`},
	"schedule.tips":                 {"every morning"},
	"schedule.quiz":                 {"friday"},
	"schedule.digest":               {"monday"},
	"ratelimit.limits":              {`{"tg:globl": {"n": 29, "per": "1s"}}`},
	"outbox.workers":                {"0"},
	"outbox.batch":                  {"0"},
	"outbox.lease":                  {"1s"},
	"outbox.poll":                   {"0s"},
	"outbox.send_timeout":           {"5m"},
	"outbox.max_tries":              {"0"},
	"outbox.backoff":                {"0s"},
	"outbox.max_backoff":            {"1s"},
	"outbox.max_wait":               {"-1s"},
	"outbox.quiet_start":            {"9pm"},
	"outbox.quiet_end":              {"25:00"},
	"outbox.retention":              {"720h"},
	"events.refresh_seconds":        {"0"},
	"events.max_headcount":          {"20"},
	"events.remark_max":             {"0"},
	"events.checkin_before_minutes": {"-5"},
	"events.default_length_minutes": {"0"},
	"events.record_days":            {"30"},
	"tips.bank":                     {"/no/such/tips.yaml"},
	"tips.replace_default":          {"true"},
	"tips.grid_schedules":           {`{"3网格": "nine o'clock"}`},
	"tips.tick":                     {"often"},
	"notices.draft_ttl":             {"1s"},
	"notices.max_ahead":             {"1h"},
	"notices.max_runes":             {"5"},
	"notices.list_size":             {"0"},
	"quiz.questions":                {"0"},
	"quiz.window":                   {"1m"},
	"quiz.recent_rounds":            {"-1"},
	"quiz.poll_seconds":             {"3"},
	"quiz.polls":                    {"maybe"},
	"quiz.season":                   {"foo"},
	"quiz.banks":                    {"/no/such/quiz.yaml"},
	"quiz.no_default_bank":          {"maybe"},
	"quiz.keep_days":                {"30"},
	"ledger.retention":              {"720h"},
	"ledger.stars":                  {"30,10"},
	"ledger.weights.reach":          {"-1"},
	"ledger.weights.signups":        {"-1"},
	"ledger.weights.attendance":     {"-1"},
	"ledger.weights.quiz":           {"-1"},
	"ledger.weights.score":          {"-1"},
	"ledger.settle":                 {"-1h"},
	"replies.coalesce":              {"maybe"},
	"replies.private_after":         {"-1s"},
	"replies.workers":               {"0"},
	"replies.lease":                 {"1s"},
	"replies.poll":                  {"0s"},
	"replies.send_timeout":          {"0s"},
	"replies.max_text":              {"100"},
	"replies.repost_after":          {"0"},
	"console.enabled":               {"maybe"},
	"console.base_url":              {"bot.example.org"},
	"console.secret":                {"short"},
	"console.secure_cookie":         {"maybe"},
	"console.session":               {"1s"},
	"residents.base_url":            {"wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef"},
	"residents.secret":              {"short", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org"},
	"residents.ip_per_minute":       {"-1"},
	"residents.resident_per_minute": {"-1"},
	"residents.real_ip_header":      {"X Real IP"},
	"wxoa.app_id":                   {"wx 1", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef", "GRIDBOT_WXOA_APP_SECRET=s"},
	"wxoa.app_secret":               {"", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef", "GRIDBOT_WXOA_APP_ID=wx1"},
	"wxoa.callback_url":             {"https://wx.example.org/oauth?x=1", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef", "GRIDBOT_WXOA_APP_ID=wx1", "GRIDBOT_WXOA_APP_SECRET=s"},
	"wxoa.authorize_base":           {"open", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef", "GRIDBOT_WXOA_APP_ID=wx1", "GRIDBOT_WXOA_APP_SECRET=s"},
	"wxoa.api_base":                 {"api", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef", "GRIDBOT_WXOA_APP_ID=wx1", "GRIDBOT_WXOA_APP_SECRET=s"},
	"wxoa.timeout":                  {"-1s", "GRIDBOT_RESIDENTS_BASE_URL=https://wx.example.org", "GRIDBOT_RESIDENTS_SECRET=0123456789abcdef0123456789abcdef", "GRIDBOT_WXOA_APP_ID=wx1", "GRIDBOT_WXOA_APP_SECRET=s"},
	"replica.name":                  {"my replica"},
	"custgroup.corp_id":             {"ww 01"},
	"custgroup.secret":              {" "},
	"custgroup.api_base":            {"qyapi"},
	"custgroup.timeout":             {"-1s"},
	"custgroup.retry_after":         {"-1s"},
	"custgroup.owners":              {"zhang/san"},
	"custgroup.cap":                 {"fortnight"},
	"custgroup.sync":                {"every morning"},
	"custgroup.track":               {"often"},
	"custgroup.remind_after":        {"1s"},
	"custgroup.track_for":           {"10m"},
	"custgroup.kinds":               {"notice,gossip"},
	"wecom.callback.receive_id":     nil,
	"wecom.callback.bot_name":       nil,
	"redis.password":                nil,
	"redis.sentinel.password":       nil,
	"ledger.api_token":              nil,
}

// TestEveryKeyRefusesABadValueByName: for every configuration key, a wrong
// value stops start-up with an error that names the key and says what it
// accepts ("want ..."), never a Go type. Keys that take any text are listed
// with no value; a key added later must be added here.
func TestEveryKeyRefusesABadValueByName(t *testing.T) {
	cfg := defaultConfig()
	if _, err := loadConfig("", liveEnv); err != nil {
		t.Fatalf("the live base configuration is refused: %v", err)
	}
	for _, key := range config.Keys(&cfg) {
		row, ok := badValues[key]
		if !ok {
			t.Errorf("no bad value for config key %s: add one to badValues (or nil if it takes any text)", key)
			continue
		}
		if row == nil {
			continue
		}
		env := append(slices.Clone(liveEnv), row[1:]...)
		env = append(env, config.EnvName(key)+"="+row[0])
		_, err := loadConfig("", env)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if err == nil || !strings.Contains(msg, key) || !strings.Contains(msg, "want") || strings.Contains(msg, "main.") || strings.Contains(msg, "time.Duration") {
			t.Errorf("%s=%q: err %q; want it to name %s and say what it accepts", config.EnvName(key), row[0], msg, key)
		}
	}
}

// TestFileErrorsNameKeysNotTypes: the config file's mistakes are reported by
// key and line, with what the key accepts.
func TestFileErrorsNameKeysNotTypes(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"redis:\n  prefx: gb\n", "config key redis.prefx (line 2): no such key (did you mean prefix?)"},
		{"redis:\n  wait_timeout: 15\n", "config key redis.wait_timeout (line 2): want a duration with its unit, like 15s"},
		{"quiz:\n  season: foo\n", "config key quiz.season: want quarter, month, year"},
		{"ratelimit:\n  limits:\n    \"tg:globl\": {n: 29, per: 1s}\n", "ratelimit.limits.tg:globl: no such bucket; want tg:global"},
		{"ratelimit:\n  limits:\n    \"tg:global\": {n: 29, pr: 1s}\n", "(line 3): no such key (did you mean per?)"},
		{"updates:\n  workers: many\n", "config key updates.workers (line 2): want a whole number"},
		{"log: debug\n", "config key log (line 1): want a section of keys (level, format)"},
		{"redis:\n  addrs: 10.0.0.1:7001\n", "config key redis.addrs (line 2): want a list"},
		{"redis:\n  db: 1\n  db: 2\n", "config key redis.db (line 3): set twice"},
		{"wecom:\n  groups:\n    - grid: 3网格\n      webhok_key: k\n", "wecom.groups[0].webhok_key (line 4): no such key (did you mean webhook_key?)"},
	} {
		p := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(p, []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadConfig(p, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.yaml, err, c.want)
		}
	}
}

// TestJSONOverridesUseTheFileKeyNames: a list or map set through the
// environment in JSON uses the same key names as the file, takes durations
// as the file does, and refuses unknown names.
func TestJSONOverridesUseTheFileKeyNames(t *testing.T) {
	t.Setenv("GRIDBOT_TEST_KEY3", "k3")
	cfg, err := loadConfig("", []string{"GRIDBOT_REDIS_ADDR=127.0.0.1:6379",
		`GRIDBOT_WECOM_GROUPS=[{"grid": "3网格", "webhook_key_env": "GRIDBOT_TEST_KEY3", "chat_id": "wrkG3", "name": "三网格居民群"}]`,
		`GRIDBOT_RATELIMIT_LIMITS={"tg:chat": {"n": 10, "per": "1m", "burst": 2}}`,
		`GRIDBOT_SCHEDULE_JOBS={"tips": "0 9 * * *"}`})
	if err != nil {
		t.Fatal(err)
	}
	if g := cfg.Wecom.Groups; len(g) != 1 || g[0].WebhookKeyEnv != "GRIDBOT_TEST_KEY3" || g[0].ChatID != "wrkG3" || g[0].Name != "三网格居民群" {
		t.Errorf("wecom.groups from JSON = %+v", g)
	}
	if l := cfg.Limits.Limits["tg:chat"]; l.N != 10 || l.Per.Minutes() != 1 || l.Burst != 2 {
		t.Errorf("ratelimit.limits.tg:chat = %+v", l)
	}
	if _, ok := cfg.Limits.Limits["tg:global"]; !ok {
		t.Errorf("overriding one rate limit dropped the default tg:global")
	}
	if cfg.Schedule.Jobs["tips"] != "0 9 * * *" {
		t.Errorf("schedule.jobs = %v", cfg.Schedule.Jobs)
	}
	_, err = loadConfig("", []string{"GRIDBOT_REDIS_ADDR=127.0.0.1:6379", `GRIDBOT_WECOM_GROUPS=[{"grid": "3网格", "chatid": "x", "webhook_key": "k"}]`})
	if err == nil || !strings.Contains(err.Error(), "wecom.groups[0].chatid (GRIDBOT_WECOM_GROUPS): no such key (did you mean chat_id?)") {
		t.Errorf("misspelt JSON key: %v", err)
	}
}
