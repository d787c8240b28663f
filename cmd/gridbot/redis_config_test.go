package main

import (
	"strings"
	"testing"
	"time"
)

func TestRedisShapesFromEnv(t *testing.T) {
	cfg, err := loadConfig("", []string{"GRIDBOT_TELEGRAM_TOKEN=123:abc", "GRIDBOT_REDIS_ADDRS=10.0.0.1:7001, 10.0.0.2:7001,10.0.0.3:7001"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Redis.Addrs, " "); got != "10.0.0.1:7001 10.0.0.2:7001 10.0.0.3:7001" {
		t.Errorf("redis.addrs = %q", got)
	}
	if !cfg.Redis.configured() || cfg.Redis.WaitReplicas != -1 || cfg.Redis.WaitTimeout != time.Second {
		t.Errorf("redis = %+v", cfg.Redis)
	}
	cfg, err = loadConfig("", []string{"GRIDBOT_TELEGRAM_TOKEN=123:abc", "GRIDBOT_REDIS_SENTINEL_MASTER=mymaster", "GRIDBOT_REDIS_SENTINEL_ADDRS=10.0.0.1:26379,10.0.0.2:26379",
		"GRIDBOT_REDIS_SENTINEL_PASSWORD=s3", "GRIDBOT_REDIS_WAIT_REPLICAS=1", "GRIDBOT_REDIS_WAIT_TIMEOUT=200ms"})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Redis.Sentinel
	if s.Master != "mymaster" || len(s.Addrs) != 2 || s.Password != "s3" || cfg.Redis.WaitReplicas != 1 || cfg.Redis.WaitTimeout != 200*time.Millisecond {
		t.Errorf("sentinel config = %+v, redis = %+v", s, cfg.Redis)
	}
}

func TestBadRedisCombinationsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		env     []string
		wantKey string
	}{
		{[]string{"GRIDBOT_REDIS_ADDR=127.0.0.1:6379", "GRIDBOT_REDIS_ADDRS=127.0.0.1:7001"}, "redis.addrs"},
		{[]string{"GRIDBOT_REDIS_ADDR=127.0.0.1:6379", "GRIDBOT_REDIS_SENTINEL_MASTER=m", "GRIDBOT_REDIS_SENTINEL_ADDRS=127.0.0.1:26379"}, "redis.sentinel"},
		{[]string{"GRIDBOT_REDIS_ADDRS=127.0.0.1:7001", "GRIDBOT_REDIS_SENTINEL_MASTER=m"}, "redis.sentinel"},
		{[]string{"GRIDBOT_REDIS_ADDRS=127.0.0.1:7001,nonsense"}, "redis.addrs[1]"},
		{[]string{"GRIDBOT_REDIS_ADDRS=127.0.0.1:7001", "GRIDBOT_REDIS_DB=2"}, "redis.db"},
		{[]string{"GRIDBOT_REDIS_SENTINEL_MASTER=mymaster"}, "redis.sentinel.addrs"},
		{[]string{"GRIDBOT_REDIS_SENTINEL_ADDRS=127.0.0.1:26379"}, "redis.sentinel.master"},
		{[]string{"GRIDBOT_REDIS_SENTINEL_MASTER=m", "GRIDBOT_REDIS_SENTINEL_ADDRS=127.0.0.1"}, "redis.sentinel.addrs[0]"},
		{[]string{"GRIDBOT_REDIS_ADDR=127.0.0.1:6379", "GRIDBOT_REDIS_WAIT_REPLICAS=-2"}, "redis.wait_replicas"},
		{[]string{"GRIDBOT_REDIS_ADDR=127.0.0.1:6379", "GRIDBOT_REDIS_WAIT_TIMEOUT=5s"}, "redis.wait_timeout"},
		{[]string{"GRIDBOT_TELEGRAM_TOKEN=123:abc"}, "redis.addr"},
	} {
		_, err := loadConfig("", c.env)
		if err == nil || !strings.Contains(err.Error(), "config key "+c.wantKey+":") {
			t.Errorf("%v: err %v, want it to name %s", c.env, err, c.wantKey)
		}
	}
	for _, env := range [][]string{
		{"GRIDBOT_TELEGRAM_TOKEN=123:abc", "GRIDBOT_REDIS_ADDRS=127.0.0.1:7001"},
		{"GRIDBOT_TELEGRAM_TOKEN=123:abc", "GRIDBOT_REDIS_SENTINEL_MASTER=m", "GRIDBOT_REDIS_SENTINEL_ADDRS=127.0.0.1:26379"},
	} {
		if _, err := loadConfig("", env); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
}
