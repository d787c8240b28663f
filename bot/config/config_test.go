package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testConfig struct {
	Timezone string `yaml:"timezone"`
	Redis    struct {
		Addr     string `yaml:"addr"`
		DB       int    `yaml:"db"`
		Password string `yaml:"password"`
	} `yaml:"redis"`
	Telegram struct {
		Token       string        `yaml:"token"`
		APIEndpoint string        `yaml:"api_endpoint"`
		Timeout     time.Duration `yaml:"timeout"`
	} `yaml:"telegram"`
	Staff struct {
		Telegram []int64 `yaml:"telegram"`
	} `yaml:"staff"`
	Groups []struct {
		Grid string `yaml:"grid"`
		Key  string `yaml:"webhook_key"`
	} `yaml:"groups"`
}

func write(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFileThenEnv(t *testing.T) {
	var c testConfig
	c.Timezone = "Asia/Shanghai"
	p := write(t, "redis:\n  addr: 10.0.0.1:6379\n  db: 2\ntelegram:\n  token: file-token\n  timeout: 5s\n")
	env := []string{
		"GRIDBOT_TELEGRAM_TOKEN=123:abc",
		"GRIDBOT_TELEGRAM_API_ENDPOINT=http://127.0.0.1:8081/bot%s/%s",
		"GRIDBOT_REDIS_DB=3",
		"GRIDBOT_REDIS_PASSWORD=pw",
		"GRIDBOT_STAFF_TELEGRAM=11, 22,33",
		"GRIDBOT_TEST_REDIS=127.0.0.1:6379",
		`GRIDBOT_GROUPS=[{"grid":"3网格","webhook_key":"k"}]`,
		"PATH=/bin",
	}
	if err := Load(&c, p, env); err != nil {
		t.Fatal(err)
	}
	if c.Redis.Addr != "10.0.0.1:6379" || c.Redis.DB != 3 || c.Redis.Password != "pw" {
		t.Errorf("redis = %+v", c.Redis)
	}
	if c.Telegram.Token != "123:abc" || c.Telegram.APIEndpoint != "http://127.0.0.1:8081/bot%s/%s" || c.Telegram.Timeout != 5*time.Second {
		t.Errorf("telegram = %+v", c.Telegram)
	}
	if got := c.Staff.Telegram; len(got) != 3 || got[0] != 11 || got[2] != 33 {
		t.Errorf("staff = %v", got)
	}
	if len(c.Groups) != 1 || c.Groups[0].Grid != "3网格" {
		t.Errorf("groups = %+v", c.Groups)
	}
	if c.Timezone != "Asia/Shanghai" {
		t.Errorf("default lost: %q", c.Timezone)
	}
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		file string
		env  []string
		want string
	}{
		{"redis:\n  adr: x\n", nil, "adr"},
		{"redis:\n  db: many\n", nil, "many"},
		{"", []string{"GRIDBOT_REDIS_DB=two"}, "redis.db"},
		{"", []string{"GRIDBOT_TELEGRAM_TOKN=x"}, "GRIDBOT_TELEGRAM_TOKN"},
		{"", []string{"GRIDBOT_TELEGRAM_TIMEOUT=soon"}, "telegram.timeout"},
		{"", []string{"GRIDBOT_STAFF_TELEGRAM=1,x"}, "staff.telegram"},
	}
	for _, c := range cases {
		var cfg testConfig
		path := ""
		if c.file != "" {
			path = write(t, c.file)
		}
		err := Load(&cfg, path, c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("file %q env %v: err = %v, want it to name %q", c.file, c.env, err, c.want)
		}
	}
}

func TestKeysAndEnvNames(t *testing.T) {
	keys := Keys(&testConfig{})
	want := "timezone redis.addr redis.db redis.password telegram.token telegram.api_endpoint telegram.timeout staff.telegram groups"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("Keys = %s\nwant  %s", got, want)
	}
	if got := EnvName("telegram.api_endpoint"); got != "GRIDBOT_TELEGRAM_API_ENDPOINT" {
		t.Errorf("EnvName = %s", got)
	}
}

type Inner struct {
	Lease string `yaml:"lease"`
}

type withInline struct {
	Schedule struct {
		Inner `yaml:",inline"`
		Tips  string `yaml:"tips"`
	} `yaml:"schedule"`
}

func TestInlineSectionsShareTheirParentKey(t *testing.T) {
	var c withInline
	p := write(t, "schedule:\n  lease: 15s\n  tips: \"30 8 * * *\"\n")
	if err := Load(&c, p, []string{"GRIDBOT_SCHEDULE_LEASE=20s"}); err != nil {
		t.Fatal(err)
	}
	if c.Schedule.Lease != "20s" || c.Schedule.Tips != "30 8 * * *" {
		t.Errorf("got %+v", c.Schedule)
	}
	if got := strings.Join(Keys(&c), " "); got != "schedule.lease schedule.tips" {
		t.Errorf("Keys = %s", got)
	}
}

// TestEnvJSONTakesTheFileKeyNames: a list of sections from the environment
// is read with the YAML key names, durations as in the file, and unknown
// names are refused by key.
func TestEnvJSONTakesTheFileKeyNames(t *testing.T) {
	type group struct {
		Grid string        `yaml:"grid"`
		Key  string        `yaml:"webhook_key"`
		Wait time.Duration `yaml:"wait"`
	}
	var c struct {
		Groups []group `yaml:"groups"`
	}
	if err := Load(&c, "", []string{`GRIDBOT_GROUPS=[{"grid": "3网格", "webhook_key": "k", "wait": "1s"}]`}); err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 1 || c.Groups[0].Key != "k" || c.Groups[0].Wait != time.Second {
		t.Errorf("groups = %+v", c.Groups)
	}
	err := Load(&c, "", []string{`GRIDBOT_GROUPS=[{"grid": "3网格", "Key": "k"}]`})
	if err == nil || !strings.Contains(err.Error(), "config key groups[0].Key (GRIDBOT_GROUPS): no such key") {
		t.Errorf("Go field name in JSON: %v", err)
	}
	err = Load(&c, write(t, "groups:\n  - grid: 3网格\n    wait: 15\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "config key groups[0].wait (line 3): want a duration with its unit") {
		t.Errorf("bare number as a duration: %v", err)
	}
}
