package events

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redistest"
)

// besideScript is the yardstick of BenchmarkJoinBesideRedisBenchmark: a
// three-key script of the weight of a sign-up (a counter, a set, a sorted
// set, all in one hash tag).
var besideScript = redis.NewScript(`
redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], 1, ARGV[1])
return 1
`)

var rpsRe = regexp.MustCompile(`([0-9.]+) requests per second`)

// BenchmarkJoinBesideRedisBenchmark measures, in one run on the same
// Redis, sign-ups per second through the router and the join handler (16
// goroutines, as BenchmarkJoinThroughHandler) and redis-benchmark's
// EVALSHA of a three-key script (16 clients), and reports both rates and
// the handler's share of the yardstick (handler-share), with the round
// trips each sign-up took at the client (trips/signup). It needs a real
// single Redis (GRIDBOT_TEST_REDIS=host:port) and redis-benchmark on PATH.
func BenchmarkJoinBesideRedisBenchmark(b *testing.B) {
	addr := os.Getenv("GRIDBOT_TEST_REDIS")
	tool, err := exec.LookPath("redis-benchmark")
	if addr == "" || err != nil {
		b.Skip("needs GRIDBOT_TEST_REDIS=host:port and redis-benchmark on PATH")
	}
	host, port, ok := splitHostPort(addr)
	if !ok {
		b.Skipf("GRIDBOT_TEST_REDIS=%q is not host:port", addr)
	}
	h := newHarness(b)
	id := h.create(fmt.Sprintf(lantern, 10000))
	trips := redistest.CountCalls(h.rdb)
	handler := h.joinParallel(b, id, "beside", 200000)
	perJoin := float64(trips.Count()) / float64(b.N)
	ctx := context.Background()

	sha, err := besideScript.Load(ctx, h.rdb).Result()
	if err != nil {
		b.Fatal(err)
	}
	tag := h.keys.Key("bench", "{beside}")
	defer h.rdb.Del(ctx, tag+":a", tag+":b", tag+":c")
	out, err := exec.Command(tool, "-h", host, "-p", port, "-c", "16", "-n", strconv.Itoa(max(b.N, 50000)), "-r", "100000", "-q",
		"EVALSHA", sha, "3", tag+":a", tag+":b", tag+":c", "__rand_int__").CombinedOutput()
	if err != nil {
		b.Fatalf("redis-benchmark: %v: %s", err, out)
	}
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		b.Fatalf("redis-benchmark printed no rate: %s", out)
	}
	yard, _ := strconv.ParseFloat(string(m[1]), 64)
	b.ReportMetric(handler, "signups/s")
	b.ReportMetric(yard, "evalsha/s")
	b.ReportMetric(handler/yard, "handler-share")
	b.ReportMetric(perJoin, "trips/signup")
	b.ReportMetric(0, "ns/op")
}

// splitHostPort splits "host:port".
func splitHostPort(addr string) (host, port string, ok bool) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:], i > 0 && i < len(addr)-1
		}
	}
	return "", "", false
}
