package bot_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// replica returns a router sharing rdb and keys with the others, as
// another gridbot process would, whose one command runs handle.
func replica(rdb redis.UniversalClient, keys bot.Keys, name string, claimTTL time.Duration, handle bot.HandlerFunc) *bot.Router {
	dir := grid.NewDirectory(rdb, keys, nil)
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, ClaimTTL: claimTTL,
		HandlerTimeout: 5 * time.Second, Instance: name})
	r.Add(&bot.Command{Name: "join", Keywords: []string{"报名"}, Args: bot.ArgsNumber, Handle: handle})
	return r
}

// An update in hand on a live replica (its handler runs for several claim
// TTLs, so the claim must be renewed) is not taken over by a second
// replica that receives it too; the second one returns only once the first
// has finished it.
func TestClaimWaitsForLiveReplica(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	var runs atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	slow := replica(rdb, keys, "a", 200*time.Millisecond, func(ctx context.Context, c *bot.Context) error {
		runs.Add(1)
		close(started)
		<-release
		return nil
	})
	other := replica(rdb, keys, "b", 200*time.Millisecond, func(ctx context.Context, c *bot.Context) error {
		runs.Add(1)
		return nil
	})
	u := bot.Update{ID: "tg:31", Chat: "tg:-5", User: "tg:7", Text: "报名 1"}
	go func() { cp := u; slow.Handle(context.Background(), newSender(), &cp) }()
	<-started
	returned := make(chan struct{})
	go func() { cp := u; other.Handle(context.Background(), newSender(), &cp); close(returned) }()
	select {
	case <-returned:
		t.Fatal("the second replica returned while the first still had the update in hand")
	case <-time.After(time.Second):
	}
	close(release)
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("the second replica still waits after the first finished")
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("handler ran %d times across two replicas, want 1", got)
	}
}

// A claim left by a replica that died (never renewed again) is taken over
// once it lapses, and the update handled once.
func TestClaimOfDeadReplicaTakenOver(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, keys.Key("upd", bot.Tag("tg:32")), "p:killed-9", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	r := replica(rdb, keys, "b", 300*time.Millisecond, func(context.Context, *bot.Context) error { runs.Add(1); return nil })
	start := time.Now()
	r.Handle(ctx, newSender(), &bot.Update{ID: "tg:32", Chat: "tg:-5", User: "tg:7", Text: "报名 1"})
	if runs.Load() != 1 {
		t.Fatalf("update of a dead replica ran %d times, want 1", runs.Load())
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("takeover took %s; the claim lapses after 300ms", took)
	}
	done, err := r.Handled(ctx, []string{"tg:32"})
	if err != nil || !done["tg:32"] {
		t.Errorf("Handled = %v, %v; want done", done, err)
	}
}

// A claim that outlives any live holder (an older build's 48 h claim, or a
// holder stuck past its handler timeout) does not block the update for
// ever.
func TestStaleClaimTakenOver(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, keys.Key("upd", bot.Tag("tg:33")), "p:1733000000000000000", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	dir := grid.NewDirectory(rdb, keys, nil)
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, ClaimTTL: 100 * time.Millisecond, HandlerTimeout: time.Second})
	r.Add(&bot.Command{Name: "join", Handle: func(context.Context, *bot.Context) error { runs.Add(1); return nil }})
	r.Handle(ctx, newSender(), &bot.Update{ID: "tg:33", Chat: "tg:-5", User: "tg:7", Text: "/join"})
	if runs.Load() != 1 {
		t.Fatalf("update under a stale claim ran %d times, want 1", runs.Load())
	}
}

// Five replicas receive the same 40 updates at the same time (as webhook
// retries landing on different replicas would). Each handler runs until
// every replica has been handed its update and its claim has been renewed
// at least once (seen in Redis as the claim's TTL going back up), so
// claims must be renewed while others wait; the test waits on these
// conditions, not on the clock. Each update is handled exactly once, and
// every replica's Handle returns only after it was.
func TestManyReplicasHandleEachUpdateOnce(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	// Long enough that a renewal, which on a cluster waits for a replica
	// (redis.wait_timeout, 1 s), lands in time on a loaded machine.
	const claimTTL = 3 * time.Second
	const replicas, updates = 5, 40
	var mu sync.Mutex
	runs := map[string]int{}
	finished := map[string]bool{}
	handed := map[string]int{}
	cond := sync.NewCond(&mu)
	rs := make([]*bot.Router, replicas)
	for i := range rs {
		rs[i] = replica(rdb, keys, fmt.Sprintf("r%d", i), claimTTL, func(ctx context.Context, c *bot.Context) error {
			id := c.Update.ID
			mu.Lock()
			runs[id]++
			for handed[id] < replicas {
				cond.Wait()
			}
			mu.Unlock()
			if err := waitForRenewal(ctx, rdb, keys.Key("upd", bot.Tag(id))); err != nil {
				return err
			}
			mu.Lock()
			finished[id] = true
			mu.Unlock()
			return nil
		})
	}
	var wg sync.WaitGroup
	var early atomic.Int32
	for i := range updates {
		for _, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("tg:%d", 500+i)
				mu.Lock()
				handed[id]++
				cond.Broadcast()
				mu.Unlock()
				r.Handle(context.Background(), newSender(), &bot.Update{ID: id, Chat: bot.ChatRef(fmt.Sprintf("tg:-%d", i)), User: "tg:7", Text: "报名 1"})
				mu.Lock()
				if !finished[id] {
					early.Add(1)
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for i := range updates {
		if n := runs[fmt.Sprintf("tg:%d", 500+i)]; n != 1 {
			t.Errorf("update %d handled %d times, want 1", 500+i, n)
		}
	}
	if n := early.Load(); n > 0 {
		t.Errorf("%d Handle calls returned before the update was finished", n)
	}
}

// waitForRenewal polls the claim key's remaining time until it goes back
// up by more than a tenth of a second over the lowest seen: the holder
// renewed it.
func waitForRenewal(ctx context.Context, rdb redis.UniversalClient, key string) error {
	low := time.Duration(-1)
	for {
		left, err := rdb.PTTL(ctx, key).Result()
		if err != nil {
			return err
		}
		if low >= 0 && left > low+100*time.Millisecond {
			return nil
		}
		if low < 0 || left < low {
			low = left
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestRoundTripsPerUpdate counts the router's Redis round trips for one
// update whose handler touches no Redis itself: the claim with the speaker
// lookup (one pipeline) and the done mark (a claim is renewed only while a
// handler runs past a third of ClaimTTL). Counted at the client, a pipeline
// is one round trip on one node and on a cluster; counted at the nodes of a
// cluster, the claim's pipeline reaches at most two (the update's slot and
// the directory's).
func TestRoundTripsPerUpdate(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	r := replica(rdb, keys, "a", 6*time.Second, func(ctx context.Context, c *bot.Context) error { return c.Reply(ctx, "好") })
	ctx := context.Background()
	r.Handle(ctx, newSender(), &bot.Update{ID: "tg:40", Chat: "tg:-5", User: "tg:7", Text: "报名 1"})
	calls, nodes := redistest.CountCalls(rdb), redistest.Count(rdb)
	for i := range 20 {
		r.Handle(ctx, newSender(), &bot.Update{ID: fmt.Sprintf("tg:%d", 41+i), Chat: "tg:-5", User: "tg:7", Text: "报名 1"})
	}
	if got, want := calls.Count(), int64(20*2); got != want {
		t.Errorf("round trips for 20 updates = %d, want %d (claim with whois, done)", got, want)
	}
	if got := nodes.Count(); redistest.Cluster() && (got < 20*2 || got > 20*3) {
		t.Errorf("node round trips for 20 updates on the cluster = %d, want 40 to 60", got)
	} else if !redistest.Cluster() && got != 20*2 {
		t.Errorf("node round trips for 20 updates = %d, want 40", got)
	}
	t.Logf("20 updates: %d round trips at the client, %d at the nodes", calls.Count(), nodes.Count())
}
