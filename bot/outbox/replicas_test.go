package outbox

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
)

// TestReplicasShareLimits drains three broadcasts to the same 100 groups
// with four replicas, each with its own Outbox and its own Limiter on the
// shared Redis (as four gridbot processes would), through one platform
// that refuses any send over its limits (scaled up for speed: 200/s per
// bot with a burst of 10, one message per group every 200 ms). Every group
// gets each broadcast exactly once and no send is refused: four replicas
// with limits of their own would send four times too fast. (How close the
// pace comes to the limits is logged; it is a benchmark matter.)
func TestReplicasShareLimits(t *testing.T) {
	limits := map[string]ratelimit.Limit{
		"tg:global": {N: 200, Per: time.Second, Burst: 10},
		"tg:chat":   {N: 5, Per: time.Second, Burst: 1},
	}
	// 32 senders in four replicas take tokens in Redis and then send: a
	// sender descheduled in between (the -race suite on two cores) lands
	// late, bunched with the next ones. The platform forgives 150 ms of
	// that; limits not shared would send four times too fast whatever the
	// tolerance.
	p := &limitedPlatform{limits: limits, tol: 150 * time.Millisecond, tat: map[string]time.Time{}, got: map[bot.ChatRef]int{}}
	f := newFixture(t, p, nil, limits)
	var obs []*Outbox
	for range 4 {
		env := f.env
		lim := ratelimit.New(f.rdb, f.keys, ratelimit.Config{Limits: limits}, nil)
		o := New(env, lim, testConfig())
		obs = append(obs, o)
	}
	cs := chats("tg:-100", 100)
	texts := []string{"通知一", "通知二", "通知三"}
	ids := make([]string, len(texts))
	var wg sync.WaitGroup
	for i, text := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := obs[i].Enqueue(context.Background(), bot.Broadcast{Kind: "notice", Chats: cs, Message: bot.Message{Text: text}})
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	for _, o := range obs {
		run(t, o)
	}
	eventually(t, "broadcasts done", func() bool {
		for _, id := range ids {
			if !status(t, obs[0], id).Done() {
				return false
			}
		}
		return true
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.violations != 0 {
		t.Errorf("platform refused %d sends with 429, want 0", p.violations)
	}
	for _, c := range cs {
		for _, text := range texts {
			if n := p.msgs[fmt.Sprintf("%s|%s", c, text)]; n != 1 {
				t.Errorf("%s got %q %d times, want once", c, text, n)
			}
		}
	}
	for i, id := range ids {
		if r := status(t, obs[3], id); r.Sent != len(cs) {
			t.Errorf("broadcast %d: %d sent, want %d", i, r.Sent, len(cs))
		}
	}
	g := limits["tg:global"]
	total := len(cs) * len(texts)
	allowed := time.Duration(total-g.Burst) * g.Interval()
	times := slices.Clone(p.times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	span := times[len(times)-1].Sub(times[0])
	t.Logf("%d sends by 4 replicas spread over %v (shared limits allow %v)", total, span, allowed)
}
