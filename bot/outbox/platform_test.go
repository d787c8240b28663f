package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/telegram"
	"gridbot/bot/telegram/tgfake"
)

// tgOutbox is an outbox with the default settings (quiet hours off; under
// the race detector the window of tg:global is RaceSlack longer) that
// sends through the real Telegram adapter to a fake Bot API enforcing
// Telegram's limits (30 messages a second per bot, 20 a minute per group);
// its Run is stopped when the test ends.
type tgOutbox struct {
	fake   *tgfake.Server
	ob     *outbox.Outbox
	limits ratelimit.Config
}

func newTGOutbox(t testing.TB) *tgOutbox { return newTGOutboxWith(t, nil) }

// newTGOutboxWith is newTGOutbox with the outbox settings changed by set.
func newTGOutboxWith(t testing.TB, set func(*outbox.Config)) *tgOutbox {
	t.Helper()
	fake := tgfake.New()
	t.Cleanup(fake.Close)
	fake.EnforceLimits(true)
	log := slog.New(slog.DiscardHandler)
	cfg := telegram.DefaultConfig()
	cfg.Token, cfg.APIEndpoint, cfg.Retries = "1:test", fake.Endpoint(), 0
	tg, err := telegram.New(context.Background(), cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	rdb, keys, _ := redistest.New(t)
	if _, test := t.(*testing.T); test {
		judgeAtSlots(fake, rdb)
	}
	env := feature.Env{Redis: rdb, Keys: keys, Dir: grid.NewDirectory(rdb, keys, nil), Send: bot.Mux{"tg": tg},
		Log: log, Now: time.Now, Loc: time.UTC}
	ocfg := outbox.DefaultConfig()
	ocfg.QuietStart, ocfg.QuietEnd, ocfg.Poll = "00:00", "00:00", 20*time.Millisecond
	if set != nil {
		set(&ocfg)
	}
	limits := ratelimit.DefaultConfig()
	if outbox.RaceSlack > 0 {
		g := limits.Limits["tg:global"]
		g.Window += outbox.RaceSlack
		limits.Limits["tg:global"] = g
	}
	o := outbox.New(env, ratelimit.New(rdb, keys, limits, benchMetrics), ocfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &tgOutbox{fake: fake, ob: o, limits: limits}
}

// judgeAtSlots makes fake judge each send to a group against Telegram's
// limits at the slot the limiter granted for it, in the Redis server's
// clock, read off the limiter's script by a go-redis hook on rdb (the
// group's bucket, tg:chat:<id>, names the group). A test then counts 429s
// in the limiter's own terms: a loaded machine that delivers a send late
// cannot crowd a window the limiter kept. Benchmarks judge by arrival, as
// Telegram does.
func judgeAtSlots(fake *tgfake.Server, rdb redis.UniversalClient) {
	h := &slotHook{at: map[int64]int64{}}
	rdb.AddHook(h)
	fake.JudgeAt(func(chat int64) (time.Time, bool) {
		h.mu.Lock()
		defer h.mu.Unlock()
		us, ok := h.at[chat]
		return time.UnixMicro(us), ok
	})
}

// slotHook keeps, per group, the last slot the limiter's script took for
// it (its reply {1, wait, slot}).
type slotHook struct {
	mu sync.Mutex
	at map[int64]int64
}

func (h *slotHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *slotHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *slotHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		c, ok := cmd.(*redis.Cmd)
		if !ok || err != nil || (cmd.Name() != "evalsha" && cmd.Name() != "eval") {
			return err
		}
		vals, verr := c.Int64Slice()
		if verr != nil || len(vals) != 3 || vals[0] != 1 {
			return err
		}
		for _, a := range cmd.Args() {
			_, id, found := strings.Cut(fmt.Sprint(a), ":rl:{rl}:tg:chat:")
			if n, perr := strconv.ParseInt(id, 10, 64); found && perr == nil {
				h.mu.Lock()
				h.at[n] = vals[2]
				h.mu.Unlock()
			}
		}
		return err
	}
}

// until polls cond every 20 ms until it holds; go test's -timeout bounds
// the wait, so a slow machine is never a failure.
func until(cond func() bool) {
	for !cond() {
		time.Sleep(20 * time.Millisecond)
	}
}

// groups returns n Telegram group chats starting at -first.
func groups(first, n int) []bot.ChatRef {
	out := make([]bot.ChatRef, n)
	for i := range out {
		out[i] = bot.ChatRef(fmt.Sprintf("tg:-%d", first+i))
	}
	return out
}

// broadcast enqueues one notice to chats and waits until every chat has
// it; it returns the broadcast's id, when the last message reached the
// fake, how many groups got it other than once, and the send times.
func (x *tgOutbox) broadcast(t testing.TB, chats []bot.ChatRef, text string) (id string, last time.Time, wrong int, times []time.Time) {
	t.Helper()
	ctx := context.Background()
	id, err := x.ob.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: chats, Message: bot.Message{Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	var r outbox.Report
	until(func() bool {
		if r, err = x.ob.Status(ctx, id); err != nil {
			t.Fatal(err)
		}
		return r.Pending == 0
	})
	if r.Sent != len(chats) || r.Failed != 0 {
		t.Fatalf("sent %d of %d, failed %d (%+v)", r.Sent, len(chats), r.Failed, r.Failures)
	}
	per := map[int64]int{}
	for _, s := range x.fake.Sent() {
		if s.Text != text {
			continue
		}
		per[s.ChatID]++
		times = append(times, s.Time)
		if s.Time.After(last) {
			last = s.Time
		}
	}
	for _, c := range chats {
		var id int64
		fmt.Sscanf(c.ID(), "%d", &id)
		if per[id] != 1 {
			wrong++
			t.Errorf("%s got %d messages, want 1", c, per[id])
		}
	}
	return id, last, wrong, times
}

// TestBroadcastToFakeBotAPIAtTelegramLimits sends one notice to 200 groups
// through the real Telegram adapter to a fake Bot API that enforces
// Telegram's limits: no 429, every group once, and the groups' member
// counts (3 each, asked after the sends) in the report. (The pace is
// measured by BenchmarkBroadcastPace, not asserted on a shared machine.)
func TestBroadcastToFakeBotAPIAtTelegramLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 7 s by design")
	}
	x := newTGOutbox(t)
	chats := groups(1000, 200)
	id, _, _, times := x.broadcast(t, chats, "明早9点停水，请提前储水")
	if v := x.fake.Violations(); v != 0 {
		t.Errorf("the fake Bot API saw %d sends over Telegram's limits (429), want 0", v)
	}
	var r outbox.Report
	until(func() bool {
		var err error
		if r, err = x.ob.Status(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		return r.Done() && r.Counting == 0
	})
	if r.Members != 3*len(chats) {
		t.Errorf("report %+v, want %d members (3 in each group)", r, 3*len(chats))
	}
	if got := x.fake.Calls("getChatMemberCount"); got != len(chats) {
		t.Errorf("%d member-count look-ups, want one per group (%d)", got, len(chats))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	span := times[len(times)-1].Sub(times[0])
	t.Logf("200 groups reached in %v (N/30 is %v)", span, time.Duration(len(chats))*time.Second/30)
}

// TestPaidBroadcastGoesPastThirtyASecond turns paid broadcasts on: 300
// groups each get the notice once, every message carries
// allow_paid_broadcast (the fake counts them as paid), and the fake,
// which holds free sends to 30 a second and paid ones to 1,000, refuses
// none.
func TestPaidBroadcastGoesPastThirtyASecond(t *testing.T) {
	x := newTGOutboxWith(t, func(c *outbox.Config) { *c = c.WithPaid("tg") })
	chats := groups(5000, 300)
	x.broadcast(t, chats, "今晚8点小区停电检修")
	if got := x.fake.PaidSent(); got != len(chats) {
		t.Errorf("%d messages went as paid broadcasts, want all %d", got, len(chats))
	}
	if v := x.fake.Violations(); v != 0 {
		t.Errorf("the fake Bot API refused %d sends (429), want 0", v)
	}
}

// TestFreeBroadcastPaysNothing: with paid broadcasts off (the default) no
// message carries allow_paid_broadcast, so the bot is never charged.
func TestFreeBroadcastPaysNothing(t *testing.T) {
	x := newTGOutbox(t)
	x.broadcast(t, groups(6000, 40), "明早9点停水")
	if got := x.fake.PaidSent(); got != 0 {
		t.Errorf("%d messages went as paid broadcasts with paid broadcasts off, want 0", got)
	}
}

// BenchmarkBroadcastPace sends one notice to N groups (300, 1,000, 3,000;
// 10,000 with GRIDBOT_BENCH_10K=1) under the default settings, through the
// real Telegram adapter to a fake Bot API that refuses with 429 whatever
// breaks Telegram's limits, and reports the time from enqueue to the last
// message as a multiple of N/30 s (Telegram's own pace), with the 429s the
// fake answered and the groups that got the notice other than once. Run it
// with -benchtime 1x.
func BenchmarkBroadcastPace(b *testing.B) {
	sizes := []int{300, 1000, 3000}
	if os.Getenv("GRIDBOT_BENCH_10K") == "1" {
		sizes = append(sizes, 10000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := newTGOutbox(b)
			late0 := lateSenders()
			secs, wrong := x.paced(b, n, 100000)
			b.ReportMetric(secs/(float64(n)/30), "xN/30")
			b.ReportMetric(float64(x.fake.Violations()), "429s")
			b.ReportMetric(float64(wrong), "wrong-groups")
			b.ReportMetric(lateSenders()-late0, "late-senders")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkPaidBroadcastPace is BenchmarkBroadcastPace with Telegram's paid
// broadcasts on (1,000 a second, bucket tg:paid) at N = 1,000 and 3,000
// (10,000 with GRIDBOT_BENCH_10K=1); the time to the last message is
// reported in seconds and as a multiple of N/1000 s, with the 429s and
// the messages that went unpaid.
func BenchmarkPaidBroadcastPace(b *testing.B) {
	sizes := []int{1000, 3000}
	if os.Getenv("GRIDBOT_BENCH_10K") == "1" {
		sizes = append(sizes, 10000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := newTGOutboxWith(b, func(c *outbox.Config) { *c = c.WithPaid("tg") })
			secs, wrong := x.paced(b, n, 200000)
			b.ReportMetric(secs, "s")
			b.ReportMetric(secs/(float64(n)/1000), "xN/1000")
			b.ReportMetric(float64(x.fake.Violations()), "429s")
			b.ReportMetric(float64(n*b.N-x.fake.PaidSent()), "unpaid")
			b.ReportMetric(float64(wrong), "wrong-groups")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// paced sends b.N notices, each to n fresh groups numbered from first·(i+1),
// and returns the mean seconds from enqueue to the last message and the
// groups that got a notice other than once.
func (x *tgOutbox) paced(b *testing.B, n, first int) (secs float64, wrong int) {
	b.ResetTimer()
	for i := range b.N {
		chats := groups(first*(i+1), n)
		start := time.Now()
		_, last, w, _ := x.broadcast(b, chats, fmt.Sprint("通知 ", i))
		wrong += w
		secs += last.Sub(start).Seconds()
	}
	b.StopTimer()
	return secs / float64(b.N), wrong
}

// benchRegistry holds the platform benchmarks' metrics (benchMetrics).
var (
	benchRegistry = prometheus.NewRegistry()
	benchMetrics  = bot.NewMetrics(benchRegistry)
)

// lateSenders reads gridbot_ratelimit_late_total: senders that woke too
// late for their slot and took another.
func lateSenders() float64 {
	mfs, _ := benchRegistry.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "gridbot_ratelimit_late_total" && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}
