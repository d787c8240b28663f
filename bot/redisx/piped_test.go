package redisx_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// A script in a pipeline that the server does not know yet (NOSCRIPT) is
// run once more alone and loaded; afterwards it travels in its pipeline,
// one round trip with the pipeline's other commands.
func TestEvalInLoadsAnUnknownScript(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	s := redis.NewScript(fmt.Sprintf("-- %d\nreturn redis.call('INCR', KEYS[1])", rand.Int64()))
	key := keys.Key("piped", "{p}")
	calls := redistest.CountCalls(rdb)
	for i, want := range []struct{ v, trips int64 }{{1, 2}, {2, 1}} {
		calls.Reset()
		pipe := rdb.Pipeline()
		p := redisx.EvalIn(ctx, pipe, s, []string{key})
		other := pipe.Get(ctx, key)
		_, _ = pipe.Exec(ctx)
		v, err := p.Result(ctx, rdb)
		if err != nil || v != want.v {
			t.Fatalf("run %d: %v, %v; want %d", i+1, v, err, want.v)
		}
		if got := calls.Count(); got != want.trips {
			t.Errorf("run %d: %d round trips, want %d", i+1, got, want.trips)
		}
		if other.Err() != nil && other.Err() != redis.Nil {
			t.Errorf("run %d: the pipeline's other command failed: %v", i+1, other.Err())
		}
	}
}
