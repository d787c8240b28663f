package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/telegram/tgfake"
)

// testRedisAddrs returns the Redis the replicas share: the cluster seeds of
// GRIDBOT_TEST_REDIS_CLUSTER when set, else the single node of
// GRIDBOT_TEST_REDIS (host:port, optionally /db).
func testRedisAddrs() (addrs []string, db string) {
	if seeds := os.Getenv("GRIDBOT_TEST_REDIS_CLUSTER"); seeds != "" {
		return strings.Split(seeds, ","), ""
	}
	host, db, _ := strings.Cut(os.Getenv("GRIDBOT_TEST_REDIS"), "/")
	return []string{host}, db
}

// redisEnv is the Redis part of a child gridbot's environment, the one
// place that says how the replicas reach Redis.
func redisEnv() []string {
	addrs, db := testRedisAddrs()
	if len(addrs) > 1 {
		return []string{"GRIDBOT_REDIS_ADDRS=" + strings.Join(addrs, ",")}
	}
	env := []string{"GRIDBOT_REDIS_ADDR=" + addrs[0]}
	if db != "" {
		env = append(env, "GRIDBOT_REDIS_DB="+db)
	}
	return env
}

// testRedis is the test's own client on the replicas' Redis (a cluster
// client when testRedisAddrs names several nodes).
func testRedis(t *testing.T) redis.UniversalClient {
	addrs, db := testRedisAddrs()
	opt := &redis.UniversalOptions{Addrs: addrs}
	if db != "" {
		fmt.Sscan(db, &opt.DB)
	}
	rdb := redis.NewUniversalClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// dropPrefix deletes the test's keys (on every master of a cluster).
func dropPrefix(rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	drop := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Unlink(ctx, iter.Val())
		}
		return iter.Err()
	}
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		_ = c.ForEachMaster(ctx, drop)
	case *redis.Client:
		_ = drop(ctx, c)
	}
}

// resident is one update a resident sent: 我的名字是 <name>.
type resident struct {
	update int
	user   int64
	name   string
	at     time.Time
}

// TestReplicasSurviveKills runs three replicas of the real binary against
// one Redis and one fake Bot API that enforces Telegram's limits (30
// messages a second per bot, 20 a minute per group). 300 groups are bound;
// staff send two notices to all of them (through whichever replica reads
// getUpdates, confirmed by 确认 in a second update), and while the outbox
// drains them from all replicas and 30 residents keep renaming themselves
// in private chats, one replica that is not the poll leader is killed -9
// (and restarted two seconds later, as a supervisor would), then the poll
// leader is killed -9 and left dead. It checks:
//
//   - every group gets each notice; a group gets one twice only if that
//     delivery was claimed (in flight) at one of the kills, and never more
//     than twice;
//   - every resident update is answered, "好的，以后就称呼您「<name>」",
//     and each resident's stored name is the one of their last update: no
//     update lost. An update answered twice must have been in hand on the
//     killed replica at the kill (its claim names that process): no update
//     handled twice otherwise;
//   - the fake answered no send with 429 and never saw two getUpdates
//     waiting at once (one reader);
//   - updates keep being answered within seconds of the leader's kill.
func TestReplicasSurviveKills(t *testing.T) {
	if os.Getenv("GRIDBOT_TEST_REDIS") == "" {
		t.Skip("needs GRIDBOT_TEST_REDIS: three processes share one real Redis")
	}
	binary(t)
	ctx := context.Background()
	fake := tgfake.New()
	defer fake.Close()
	fake.EnforceLimits(true)
	rdb := testRedis(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "e2er" + hex.EncodeToString(b)
	keys := bot.Keys(prefix)
	t.Cleanup(func() { dropPrefix(rdb, prefix) })

	const groups = 300
	dir := grid.NewDirectory(rdb, keys, nil)
	for i := range groups {
		chat := bot.ChatRef(fmt.Sprintf("tg:-%d", 10000+i))
		if _, err := dir.Bind(ctx, chat, fmt.Sprintf("%d网格", i+1), fmt.Sprintf("网格群%d", i+1)); err != nil {
			t.Fatal(err)
		}
		if err := dir.SetChat(ctx, grid.ChatInfo{Ref: chat, Status: grid.ChatActive, Members: 30, CanReadAll: true}); err != nil {
			t.Fatal(err)
		}
	}

	// Leases are short so the test is quick, but not so short that a
	// replica starved of CPU on a busy machine loses one while alive: a
	// lapsed claim or outbox lease is handled as a death, and its work
	// redone, which is right for a stall but not what this test counts.
	env := append(redisEnv(),
		"GRIDBOT_TELEGRAM_TOKEN="+testToken,
		"GRIDBOT_TELEGRAM_API_ENDPOINT="+fake.Endpoint(),
		"GRIDBOT_TELEGRAM_POLL_TIMEOUT=1s",
		"GRIDBOT_TELEGRAM_POLL_LEASE=2s",
		"GRIDBOT_UPDATES_CLAIM_TTL=5s",
		"GRIDBOT_OUTBOX_LEASE=15s",
		"GRIDBOT_OUTBOX_SEND_TIMEOUT=5s",
		"GRIDBOT_OUTBOX_QUIET_START=00:00",
		"GRIDBOT_OUTBOX_QUIET_END=00:00",
		"GRIDBOT_SCHEDULE_LEASE=3s",
		// The fake counts any 30 sends within one second as a breach, to the
		// millisecond. A token is spent when taken, not when the send lands:
		// a process descheduled between the two (three bots and a -race test
		// suite on two cores) releases its workers' sends in a bunch. A
		// bot-wide 20/s (the default is 29/s) leaves room for 10 bunched
		// sends. The per-group limit is the default.
		`GRIDBOT_RATELIMIT_LIMITS={"tg:global":{"n":20,"per":"1s","burst":1},"tg:chat":{"n":20,"per":"1m","burst":1}}`,
		"GRIDBOT_REDIS_PREFIX="+prefix,
		"GRIDBOT_STAFF_TELEGRAM=1",
		"GRIDBOT_HTTP_LISTEN=127.0.0.1:0",
		"GRIDBOT_LOG_LEVEL=info",
	)
	procs := map[string]*proc{}
	var logs []*proc
	startReplica := func(name string) {
		p := start(t, append(slices.Clip(env), "GRIDBOT_REPLICA_NAME="+name))
		procs[name] = p
		logs = append(logs, p)
	}
	dump := func() string {
		var sb strings.Builder
		for i, p := range logs {
			fmt.Fprintf(&sb, "--- process %d:\n%s\n", i, p.log())
		}
		return sb.String()
	}
	for _, name := range []string{"r0", "r1", "r2"} {
		startReplica(name)
	}
	leaseKey := keys.Key("tg", "{tgpoll}", "lease")
	leader := func() string {
		v, _ := rdb.Get(ctx, leaseKey).Result()
		_, inst, _ := strings.Cut(v, " ")
		name, _, _ := strings.Cut(inst, "-")
		return name
	}
	deadline := time.Now().Add(20 * time.Second)
	for leader() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no replica took the poll lease:\n%s", dump())
		}
		time.Sleep(50 * time.Millisecond)
	}

	staffSays := func(text, want string) {
		t.Helper()
		n := len(fake.SentTo(1))
		fake.PushText(1, 1, text)
		if _, ok := fake.WaitSent(20*time.Second, func(s []tgfake.Sent) bool {
			var mine []tgfake.Sent
			for _, m := range s {
				if m.ChatID == 1 {
					mine = append(mine, m)
				}
			}
			return len(mine) > n && strings.Contains(mine[len(mine)-1].Text, want)
		}); !ok {
			t.Fatalf("staff sent %q, no reply with %q: %q\n%s", text, want, fake.Texts(1), dump())
		}
	}
	notices := []string{"今晚8点起停水检修，请提前储水（第一批）", "明早9点社区义诊，请带医保卡（第二批）"}
	for _, n := range notices {
		staffSays("通知 全部 "+n, "通知预览")
		staffSays("确认", "已确认")
	}

	var mu sync.Mutex
	var sent []resident
	stop := make(chan struct{})
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			user := int64(3000 + k%30)
			name := fmt.Sprintf("居民%d号%d", user, k/30)
			id := fake.PushText(user, user, "我的名字是 "+name)
			mu.Lock()
			sent = append(sent, resident{update: id, user: user, name: name, at: time.Now()})
			mu.Unlock()
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}()

	delivered := func(s []tgfake.Sent) int {
		n := 0
		for _, m := range s {
			if m.ChatID < 0 && strings.Contains(m.Text, "批）") {
				n++
			}
		}
		return n
	}
	inflightKey := keys.Key("ob", "{ob}", "inflight")
	inFlight := map[string]bool{} // "<chat id>|<notice index>" claimed at a kill
	inHand := map[int]bool{}      // resident update ids claimed by a killed process
	snapshot := func(name string) {
		t.Helper()
		members, err := rdb.ZRange(ctx, inflightKey, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			id, chat, _ := strings.Cut(m, "|")
			raw, _ := rdb.HGet(ctx, keys.Key("ob", "{ob}", "b:"+id), "msg").Result()
			var msg bot.Message
			_ = json.Unmarshal([]byte(raw), &msg)
			for i, n := range notices {
				if strings.Contains(msg.Text, n) {
					inFlight[strings.TrimPrefix(chat, "tg:")+"|"+fmt.Sprint(i)] = true
				}
			}
		}
		mu.Lock()
		rs := append([]resident(nil), sent...)
		mu.Unlock()
		pipe := rdb.Pipeline()
		cmds := make([]*redis.StringCmd, len(rs))
		for i, r := range rs {
			cmds[i] = pipe.Get(ctx, keys.Key("upd", bot.Tag(fmt.Sprintf("tg:%d", r.update))))
		}
		_, _ = pipe.Exec(ctx)
		for i, c := range cmds {
			if strings.HasPrefix(c.Val(), "p:"+name+"-") {
				inHand[rs[i].update] = true
			}
		}
	}
	kill := func(name string) time.Time {
		t.Helper()
		p := procs[name]
		_ = p.cmd.Process.Kill()
		err := <-p.done
		p.done <- err
		at := time.Now()
		snapshot(name)
		return at
	}

	if _, ok := fake.WaitSent(60*time.Second, func(s []tgfake.Sent) bool { return delivered(s) >= groups/3 }); !ok {
		t.Fatalf("the broadcast did not get going: %d delivered\n%s", delivered(fake.Sent()), dump())
	}
	victim := "r0"
	if leader() == victim {
		victim = "r1"
	}
	kill(victim)
	t.Logf("killed %s (not the poll leader) after %d deliveries", victim, delivered(fake.Sent()))
	time.Sleep(2 * time.Second)
	startReplica(victim)

	if _, ok := fake.WaitSent(60*time.Second, func(s []tgfake.Sent) bool { return delivered(s) >= groups*7/6 }); !ok {
		t.Fatalf("the broadcast stalled after the first kill: %d delivered\n%s", delivered(fake.Sent()), dump())
	}
	old := leader()
	killedAt := kill(old)
	t.Logf("killed the poll leader %s after %d deliveries", old, delivered(fake.Sent()))

	var firstAfter time.Duration
	if _, ok := fake.WaitSent(30*time.Second, func(s []tgfake.Sent) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range sent {
			if r.at.Before(killedAt) {
				continue
			}
			for _, m := range s {
				if m.ChatID == r.user && strings.Contains(m.Text, "「"+r.name+"」") {
					firstAfter = time.Since(killedAt)
					return true
				}
			}
		}
		return false
	}); !ok {
		t.Fatalf("no update sent after the leader's kill was answered\n%s", dump())
	}
	t.Logf("first answer to an update sent after the leader's kill: %s later (poll lease 2s); new leader %s",
		firstAfter.Round(10*time.Millisecond), leader())

	all, ok := fake.WaitSent(90*time.Second, func(s []tgfake.Sent) bool {
		got := map[string]bool{}
		for _, m := range s {
			for i, n := range notices {
				if m.ChatID < 0 && strings.Contains(m.Text, n) {
					got[fmt.Sprint(m.ChatID, i)] = true
				}
			}
		}
		return len(got) == groups*len(notices)
	})
	close(stop)
	<-pushed
	mu.Lock()
	rs := append([]resident(nil), sent...)
	mu.Unlock()
	replies := func(s []tgfake.Sent, r resident) int {
		n := 0
		for _, m := range s {
			if m.ChatID == r.user && strings.Contains(m.Text, "称呼您「"+r.name+"」") {
				n++
			}
		}
		return n
	}
	_, answered := fake.WaitSent(30*time.Second, func(s []tgfake.Sent) bool {
		for _, r := range rs {
			if replies(s, r) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second)
	all = fake.Sent()
	if !ok {
		t.Errorf("not every group got both notices: %d deliveries", delivered(all))
	}

	dups := 0
	for i := range groups {
		chat := int64(-(10000 + i))
		for k, n := range notices {
			c := 0
			for _, m := range all {
				if m.ChatID == chat && strings.Contains(m.Text, n) {
					c++
				}
			}
			switch {
			case c == 0:
				t.Errorf("group %d never got notice %d", chat, k+1)
			case c > 2:
				t.Errorf("group %d got notice %d %d times", chat, k+1, c)
			case c == 2:
				dups++
				if !inFlight[fmt.Sprintf("%d|%d", chat, k)] {
					t.Errorf("group %d got notice %d twice, but it was not in flight at a kill", chat, k+1)
				}
			}
		}
	}
	repeats := 0
	for _, r := range rs {
		switch n := replies(all, r); {
		case n == 0:
			t.Errorf("update %d (%s) never answered", r.update, r.name)
		case n > 2:
			t.Errorf("update %d (%s) answered %d times", r.update, r.name, n)
		case n == 2:
			repeats++
			if !inHand[r.update] {
				t.Errorf("update %d (%s) answered twice, but no killed replica had it in hand", r.update, r.name)
			}
		}
	}
	last := map[int64]string{}
	for _, r := range rs {
		last[r.user] = r.name
	}
	for user, want := range last {
		got, err := dir.Name(ctx, bot.UserRef(fmt.Sprintf("tg:%d", user)))
		if err != nil || got != want {
			t.Errorf("resident %d is called %q (%v), want %q from their last update", user, got, err, want)
		}
	}
	if n := fake.Violations(); n != 0 {
		t.Errorf("%d sends broke Telegram's limits (429), want 0", n)
	}
	if n := fake.Conflicts(); n != 0 {
		t.Errorf("%d getUpdates overlapped another: two readers at once", n)
	}
	t.Logf("%d groups × %d notices: %d duplicate deliveries (%d in flight at the kills); %d resident updates, %d answered twice (%d in hand at the kills); answered all: %v",
		groups, len(notices), dups, len(inFlight), len(rs), repeats, len(inHand), answered)
	if t.Failed() {
		if err := os.WriteFile(os.TempDir()+"/gridbot-replicas-e2e.log", []byte(dump()), 0o644); err == nil {
			t.Logf("the replicas' logs are in %s", os.TempDir()+"/gridbot-replicas-e2e.log")
		}
	}
	for _, p := range logs {
		if strings.Contains(p.log(), testToken) {
			t.Errorf("token in logs")
		}
	}
}
