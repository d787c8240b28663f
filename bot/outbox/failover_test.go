package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/redistest"
	"gridbot/bot/redisx"
)

// TestNoAcknowledgedBroadcastIsLostInAFailover enqueues notices to 10 groups
// each, from staff told 已确认 for every one that Enqueue accepted, while two
// outbox replicas drain them, and kills -9 the Redis master holding the
// outbox in the middle. Every accepted notice must reach all its groups
// after a replica took over, with at most one repeat per delivery that was
// in flight at the kill, and enqueueing must work again on the same client.
func TestNoAcknowledgedBroadcastIsLostInAFailover(t *testing.T) {
	for _, shape := range []string{"sentinel", "cluster"} {
		t.Run(shape, func(t *testing.T) {
			var topo *redistest.Topology
			o := redisx.Options{WaitReplicas: -1, WaitTimeout: time.Second}
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
			s := newFakeSender()
			f := newFixtureOn(t, s, nil, nil, rdb, bot.Keys("f"+hex.EncodeToString(b)))
			cfg := testConfig()
			cfg.Lease, cfg.SendTimeout, cfg.Workers = 3*time.Second, time.Second, 4
			var obs []*Outbox
			for range 2 {
				ob := f.outbox(cfg)
				obs = append(obs, ob)
				run(t, ob)
			}
			broadcastsThroughFailover(t, f, obs, s, topo, cfg)
		})
	}
}

func broadcastsThroughFailover(t *testing.T, f *fixture, obs []*Outbox, s *bottest.Sender, topo *redistest.Topology, cfg Config) {
	const before, after, groups = 20, 20, 10
	ctx := context.Background()
	accepted := map[int][]bot.ChatRef{}
	var killedAt time.Time
	var dead string
	refused, afterKill := 0, 0
	for i := 0; afterKill < after; i++ {
		if i == before {
			killedAt, dead = time.Now(), topo.KillMasterOf(f.keys.Key("ob", "{ob}", "pending"))
		}
		if !killedAt.IsZero() && time.Since(killedAt) > time.Minute {
			t.Fatalf("only %d notices accepted in the minute after the master (%s) was killed: the client did not recover", afterKill, dead)
		}
		cs := chats(fmt.Sprintf("tg:-%d0", i+1), groups)
		_, err := obs[i%2].Enqueue(ctx, bot.Broadcast{Kind: "notice", Title: fmt.Sprint("通知", i), Chats: cs, Message: bot.Message{Text: fmt.Sprint("通知 ", i)}})
		if err != nil {
			refused++
			continue
		}
		accepted[i] = cs
		if !killedAt.IsZero() {
			afterKill++
		}
		time.Sleep(20 * time.Millisecond)
	}
	repeats := 0
	deadline := time.Now().Add(cfg.Lease + 30*time.Second)
	for i, cs := range accepted {
		for _, c := range cs {
			for {
				n := 0
				for _, m := range s.To(c) {
					if m.Msg.Text == fmt.Sprint("通知 ", i) {
						n++
					}
				}
				if n > 0 {
					repeats += n - 1
					if n > 2 {
						t.Errorf("%s got notice %d %d times", c, i, n)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s never got notice %d, which was accepted (%d before the kill)", c, i, before)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	if inFlight := 2 * cfg.Workers; repeats > inFlight {
		t.Errorf("%d repeated deliveries, want at most the %d that can be in flight at the kill", repeats, inFlight)
	}
	t.Logf("killed master %s: %d notices accepted (%d after the kill), %d refused during the failover, all %d deliveries made, %d repeats",
		dead, len(accepted), afterKill, refused, len(accepted)*groups, repeats)
}
