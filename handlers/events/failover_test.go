package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// TestNoAcknowledgedSignupIsLostInAFailover signs residents up from eight
// goroutines, kills -9 the Redis master holding the activity while they do,
// and checks that every resident who was told 报名成功 is on the roster
// after a replica took over, and that sign-ups succeed again without a new
// client (the bot recovers without restart). Residents not acknowledged
// during the failover were not told they are in. (The goroutines share one
// fake sender, so a reply counts as a resident's only when it names them.) It runs on a private
// Sentinel set-up and on a private cluster (real redis-server processes).
func TestNoAcknowledgedSignupIsLostInAFailover(t *testing.T) {
	for _, shape := range []string{"sentinel", "cluster"} {
		t.Run(shape, func(t *testing.T) {
			var topo *redistest.Topology
			o := redisx.Options{WaitReplicas: -1, WaitTimeout: time.Second, PoolSize: 32}
			if shape == "sentinel" {
				topo = redistest.StartSentinel(t)
				o.SentinelMaster, o.SentinelAddrs = topo.SentinelMaster, topo.SentinelAddrs
			} else {
				topo = redistest.StartCluster(t)
				o.Addrs = topo.ClusterAddrs
			}
			rdb, err := redisx.Open(o)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			h := newHarnessOn(t, rdb, bot.Keys("f"+hex.EncodeToString(b)))
			id := h.create("/newevent 义诊 | 2027-02-13 09:00 | 社区卫生站 | 5000 | 全部")
			signupsThroughFailover(t, h, id, topo)
		})
	}
}

func signupsThroughFailover(t *testing.T, h *harness, id int64, topo *redistest.Topology) {
	const before, after, workers = 150, 150, 8
	var (
		mu                   sync.Mutex
		acked                []bot.UserRef
		ackedAt              = map[bot.UserRef]time.Time{}
		ackedAfter, busy     int
		killedAt, firstAfter time.Time
		killed               bool
	)
	stop := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(stop); i += workers {
				mu.Lock()
				done := ackedAfter >= after
				wasKilled := killed
				mu.Unlock()
				if done {
					return
				}
				user, name := resident(i)
				reply := to(h.say(group3, user, name, fmt.Sprintf("报名 %d", id)), group3)
				mu.Lock()
				switch {
				case strings.Contains(reply, name+"，报名成功"):
					acked = append(acked, user)
					ackedAt[user] = time.Now()
					if wasKilled {
						if ackedAfter == 0 {
							firstAfter = time.Now()
						}
						ackedAfter++
					}
				default:
					busy++
				}
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= before {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	killed, killedAt = true, time.Now()
	mu.Unlock()
	dead := topo.KillMasterOf(h.f.st.key(id, "meta"))
	wg.Wait()
	if ackedAfter < after {
		t.Fatalf("only %d sign-ups succeeded in the minute after the master (%s) was killed: the client did not recover", ackedAfter, dead)
	}
	ctx := context.Background()
	in, err := h.rdb.ZRange(ctx, h.f.st.key(id, "in"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	on := map[string]int{}
	for _, u := range in {
		on[u]++
	}
	lost := 0
	for _, u := range acked {
		if on[string(u)] != 1 {
			lost++
			reg := h.rdb.HGet(ctx, h.f.st.key(id, "reg"), string(u)).Val()
			t.Errorf("%s was told 报名成功 (%v after the kill) but is on the roster %d times after the failover (reg %q)", u, ackedAt[u].Sub(killedAt), on[string(u)], reg)
		}
	}
	t.Logf("killed master %s: %d sign-ups acknowledged (%d after the kill), %d not acknowledged, first success %v after the kill, %d on the roster, %d lost",
		dead, len(acked), ackedAfter, busy, firstAfter.Sub(killedAt).Round(time.Millisecond), len(in), lost)
}
