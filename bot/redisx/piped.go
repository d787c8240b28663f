package redisx

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Piped is a Lua script queued in a pipeline by its SHA (EVALSHA), so that
// it travels with the pipeline's other commands in one round trip.
type Piped struct {
	cmd  *redis.Cmd
	s    *redis.Script
	keys []string
	args []any
}

// EvalIn queues s with keys and args in pipe. Read its reply with Result
// after the pipeline ran.
func EvalIn(ctx context.Context, pipe redis.Pipeliner, s *redis.Script, keys []string, args ...any) *Piped {
	return &Piped{cmd: s.EvalSha(ctx, pipe, keys, args...), s: s, keys: keys, args: args}
}

// Result returns the script's reply. When the server did not know the
// script (NOSCRIPT: it restarted, or its scripts were flushed) the script
// did not run; it is then run alone with EVAL (which also loads it), in
// one more round trip.
func (p *Piped) Result(ctx context.Context, rdb redis.Scripter) (any, error) {
	v, err := p.cmd.Result()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		v, err = p.s.Eval(ctx, rdb, p.keys, p.args...).Result()
		p.cmd.SetVal(v)
		p.cmd.SetErr(err)
	}
	return v, err
}
