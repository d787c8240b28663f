package outbox

import (
	"context"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/redistest"
)

// dyingSender passes the first n sends to the platform and holds the rest
// until kill, then lets them reach the platform (as a process killed in the
// middle of its HTTP requests may have done) and returns.
type dyingSender struct {
	*bottest.Sender
	n      int
	mu     sync.Mutex
	held   int
	killed chan struct{}
}

func (s *dyingSender) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	s.n--
	wait := s.n < 0
	if wait {
		s.held++
	}
	s.mu.Unlock()
	if wait {
		<-s.killed
	}
	return s.Sender.Send(ctx, chat, m)
}

func (s *dyingSender) holding() int { s.mu.Lock(); defer s.mu.Unlock(); return s.held }

// TestRestartTakesBackItsDeliveries kills -9 a replica (its Redis
// connection and its goroutines gone at once, nothing more written) while 4
// sends are under way and 12 more deliveries are claimed, and starts it
// again under the same replica name. Its clock is frozen, so no lease ever
// lapses: the deliveries in flight can only come back because the new run
// takes its name's claims back. Every group gets the notice, none more
// than twice, and only the sends under way at the kill are repeated. The
// time from the restart to the last delivery is logged (a figure, not
// asserted).
func TestRestartTakesBackItsDeliveries(t *testing.T) {
	const groups, before = 40, 10
	ctx := context.Background()
	rdb, keys, _ := redistest.New(t)
	platform := newFakeSender()
	clk := bottest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, bottest.Shanghai))
	cfg := testConfig()
	cfg.Workers, cfg.Batch, cfg.Replica = 4, 16, "gridbot-1"

	dying := &dyingSender{Sender: platform, n: before, killed: make(chan struct{})}
	rdbA, connA := redistest.NewStallable(t, rdb)
	a := newFixtureOn(t, dying, clk, nil, rdbA, keys).outbox(cfg)
	id, err := a.Enqueue(ctx, bot.Broadcast{Kind: "notice", Title: "停水通知", Chats: chats("tg:-100", groups), Message: bot.Message{Text: "明早9点停水"}})
	if err != nil {
		t.Fatal(err)
	}
	actx, kill := context.WithCancel(ctx)
	aDone := make(chan struct{})
	go func() { defer close(aDone); _ = a.Run(actx) }()
	eventually(t, "4 sends under way", func() bool { return dying.holding() == cfg.Workers })
	inFlight, err := rdb.ZCard(ctx, keys.Key("ob", "{ob}", "inflight")).Result()
	if err != nil {
		t.Fatal(err)
	}
	connA.Fail() // kill -9: nothing more reaches Redis
	kill()
	close(dying.killed)
	<-aDone

	restart := time.Now()
	b := newFixtureOn(t, platform, clk, nil, rdb, keys).outbox(cfg)
	run(t, b)
	eventually(t, "every group reached", func() bool {
		for _, c := range chats("tg:-100", groups) {
			if platform.Count(c) == 0 {
				return false
			}
		}
		return true
	})
	took := time.Since(restart)
	repeats := 0
	for _, c := range chats("tg:-100", groups) {
		switch n := platform.Count(c); n {
		case 1:
		case 2:
			repeats++
		default:
			t.Errorf("%s got the notice %d times, want once (twice at most if it was being sent at the kill)", c, n)
		}
	}
	if repeats != cfg.Workers {
		t.Errorf("%d groups got the notice twice, want the %d being sent at the kill", repeats, cfg.Workers)
	}
	eventually(t, "broadcast done", func() bool { return status(t, b, id).Done() })
	if r := status(t, b, id); r.Sent != groups {
		t.Errorf("status %+v, want %d sent", r, groups)
	}
	t.Logf("killed with %d deliveries in flight (%d sends under way); restart to last delivery %v, %d repeats", inFlight, cfg.Workers, took, repeats)
}

// TestLeaseRenewedWhileSending holds every send for 3 leases while a second
// replica (another name) claims: the first keeps renewing its leases, so no
// delivery is taken over and sent twice.
func TestLeaseRenewedWhileSending(t *testing.T) {
	const groups = 6
	ctx := context.Background()
	platform := newFakeSender()
	slow := &dyingSender{Sender: platform, n: 0, killed: make(chan struct{})}
	f := newFixture(t, slow, nil, nil)
	cfg := testConfig()
	cfg.Lease, cfg.Workers, cfg.Replica = time.Second, groups, "gridbot-1"
	a := f.outbox(cfg)
	run(t, a)
	if _, err := a.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: chats("tg:-100", groups), Message: bot.Message{Text: "通知"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every send under way", func() bool { return slow.holding() == groups })
	cfg.Replica = "gridbot-2"
	run(t, f.outbox(cfg))
	time.Sleep(3 * cfg.Lease)
	close(slow.killed)
	eventually(t, "every group reached", func() bool { return platform.Total() >= groups })
	time.Sleep(100 * time.Millisecond)
	for _, c := range chats("tg:-100", groups) {
		if n := platform.Count(c); n != 1 {
			t.Errorf("%s got %d messages, want 1 (the lease was renewed while the send lasted)", c, n)
		}
	}
}
