package main

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/telegram/tgfake"
)

// The busy-group scenario: one grid group of 60 households right after an
// activity notice, against the whole bot in-process (real router, handlers,
// outbox, reply coalescer and Telegram adapter) and a fake Bot API that
// enforces Telegram's limits (30 messages a second per bot, 20 a minute per
// group, edits counting), on real time.

const (
	busyGroup     = -100
	busyStaff     = 1
	busyResidents = 60
	busySeats     = 30
	busyTraffic   = 2 * time.Minute
)

// action is one thing a resident types, and when the answer became visible
// to them (group or private), as the fake Bot API received it.
type action struct {
	user   int64
	kind   string // join, leave, my, list
	text   string
	at     time.Duration // after the start of the traffic
	pushed time.Time
	msgID  int
	seen   time.Time
}

// busyPlan is the traffic: every resident signs up once within the first
// 90 s (a third bring family), a quarter cancel a little later, and many ask
// 我的报名 or 活动 in between.
func busyPlan() []*action {
	rng := mrand.New(mrand.NewPCG(10, 60))
	var out []*action
	for i := range busyResidents {
		u := int64(1001 + i)
		t := time.Duration(rng.Int64N(int64(90 * time.Second)))
		text := "报名 1"
		if i%3 == 0 {
			text = "报名 1 2人"
		}
		out = append(out, &action{user: u, kind: "join", text: text, at: t})
		later := func() time.Duration {
			return min(t+5*time.Second+time.Duration(rng.Int64N(int64(25*time.Second))), busyTraffic)
		}
		switch i % 8 {
		case 1, 5:
			out = append(out, &action{user: u, kind: "my", text: "我的报名", at: later()})
		case 2:
			out = append(out, &action{user: u, kind: "list", text: "活动", at: later()})
		case 3, 7:
			out = append(out, &action{user: u, kind: "leave", text: "取消报名 1", at: later()})
		case 6:
			out = append(out, &action{user: u, kind: "my", text: "我的报名", at: later()}, &action{user: u, kind: "list", text: "活动", at: later() + 3*time.Second})
		}
	}
	slices.SortStableFunc(out, func(a, b *action) int { return int(a.at - b.at) })
	return out
}

// busyResult is what a run measured.
type busyResult struct {
	actions    []*action
	latencies  []time.Duration // of the answered actions, sorted
	unanswered int
	groupMsgs  int // sends and edits in the group during the traffic and after
	private    int
	violations int
	final      string // the last sign-up list in the group
	roster     []string
	waitlist   []string
	taken      int
	seats      int
	dupJoins   int
}

func (r busyResult) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
}

// runBusy runs the scenario once. Residents with even ids have started the
// bot (private messages reach them); the others get 403, as Telegram answers
// for a user who never did.
func runBusy(t testing.TB, coalesce bool) busyResult {
	fake := tgfake.New()
	defer fake.Close()
	fake.SetMaxPollWait(50 * time.Millisecond)
	fake.EnforceLimits(true)
	for i := range busyResidents {
		if u := int64(1001 + i); u%2 == 1 {
			fake.FailChat(u, tgfake.Failure{Code: 403, Desc: "Forbidden: bot can't initiate conversation with a user"})
		}
	}
	cfg := fakeTelegramConfig(t, fake, "busy")
	cfg.Staff.Telegram = []int64{busyStaff}
	cfg.Outbox.QuietStart, cfg.Outbox.QuietEnd = "00:00", "00:00"
	cfg.Replies.Coalesce = coalesce
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, strings.NewReader(""), io.Discard, io.Discard) }()
	defer func() { cancel(); <-done }()
	rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr})
	defer rdb.Close()
	defer cleanPrefix(rdb, cfg.Redis.Prefix)

	fake.PushText(busyGroup, busyStaff, "绑定网格 3网格")
	if _, ok := fake.WaitCount(busyGroup, 1, 15*time.Second); !ok {
		t.Fatal("the bot did not bind the group")
	}
	form := "发布活动\n活动：元宵节猜灯谜\n时间：明天 19:00\n地点：社区活动中心\n名额：" + strconv.Itoa(busySeats) + "\n网格：3网格"
	if coalesce {
		form += "\n接龙：开"
	}
	fake.PushText(busyStaff, busyStaff, form)
	want := 3
	if !coalesce {
		want = 2
	}
	if got, ok := fake.WaitCount(busyGroup, want, 20*time.Second); !ok {
		t.Fatalf("the notice (and sign-up list) did not reach the group: %+v", got)
	}
	time.Sleep(3 * time.Second)
	startMsgs := groupCalls(fake)

	plan := busyPlan()
	start := time.Now()
	for _, a := range plan {
		time.Sleep(time.Until(start.Add(a.at)))
		a.pushed = time.Now()
		_, a.msgID = fake.PushTextID(busyGroup, a.user, a.text)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if busyAnswered(fake, plan) == len(plan) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(4 * time.Second)

	res := busyResult{actions: plan, violations: fake.Violations(), groupMsgs: groupCalls(fake) - startMsgs}
	busyAnswered(fake, plan)
	for _, a := range plan {
		if a.seen.IsZero() {
			res.unanswered++
			continue
		}
		res.latencies = append(res.latencies, a.seen.Sub(a.pushed))
	}
	slices.Sort(res.latencies)
	for _, s := range fake.Sent() {
		if s.ChatID > 1000 && s.Time.After(start) {
			res.private++
		}
		if s.ChatID == busyGroup && strings.Contains(s.Text, "不用重复报名") {
			res.dupJoins++
		}
		if s.ChatID == busyGroup && !s.Deleted && strings.Contains(s.Text, "报名接龙") {
			res.final = s.Text
		}
	}
	res.roster, res.waitlist, res.taken, res.seats = storedRoster(t, rdb, cfg.Redis.Prefix)
	return res
}

// groupCalls counts the sends and edits the group accepted.
func groupCalls(fake *tgfake.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.ChatID == busyGroup && r.Status == 200 && (strings.HasPrefix(r.Method, "send") || strings.HasPrefix(r.Method, "edit")) {
			n++
		}
	}
	return n
}

// busyAnswered sets, for every action, when its outcome first became visible
// to the resident, and returns how many have one: a private message after
// it (not a promotion notice), a group message replying to it or naming
// the resident, or a version of the sign-up list showing the change.
func busyAnswered(fake *tgfake.Server, plan []*action) int {
	sent := fake.Sent()
	n := 0
	for _, a := range plan {
		a.seen = time.Time{}
		mention := fmt.Sprintf("tg://user?id=%d", a.user)
		name := fmt.Sprintf("用户%d", a.user)
		see := func(t time.Time) {
			if !t.Before(a.pushed) && (a.seen.IsZero() || t.Before(a.seen)) {
				a.seen = t
			}
		}
		for _, s := range sent {
			switch {
			case s.ChatID == a.user && !strings.Contains(s.Text, "好消息"):
				see(s.Time)
			case s.ChatID != busyGroup:
			case s.ReplyTo == a.msgID || strings.Contains(s.Versions[0].Text, mention):
				see(s.Time)
			case strings.Contains(s.Versions[0].Text, "报名接龙") && (a.kind == "join" || a.kind == "leave"):
				for _, v := range s.Versions {
					if listed(v.Text, name) == (a.kind == "join") {
						see(v.Time)
					}
				}
			}
		}
		if !a.seen.IsZero() {
			n++
		}
	}
	return n
}

var listLine = regexp.MustCompile(`(?m)^\d+\. (\S+)`)

// listed reports whether the sign-up list text names name.
func listed(text, name string) bool {
	for _, m := range listLine.FindAllStringSubmatch(text, -1) {
		if m[1] == name {
			return true
		}
	}
	return false
}

// listSections returns the names of the list's 已报名 and 候补 sections.
func listSections(text string) (in, wait []string) {
	head, tail, _ := strings.Cut(text, "<b>候补</b>")
	for _, m := range listLine.FindAllStringSubmatch(head, -1) {
		in = append(in, m[1])
	}
	for _, m := range listLine.FindAllStringSubmatch(tail, -1) {
		wait = append(wait, m[1])
	}
	return in, wait
}

// storedRoster reads activity 1's seated and waiting households (names in
// order) and its seats from Redis.
func storedRoster(t testing.TB, rdb *redis.Client, prefix string) (in, wait []string, taken, seats int) {
	ctx := context.Background()
	key := func(f string) string { return prefix + ":ev:{1}:" + f }
	reg, err := rdb.HGetAll(ctx, key("reg")).Result()
	if err != nil {
		t.Fatal(err)
	}
	names := func(zkey string) []string {
		us, err := rdb.ZRange(ctx, zkey, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			f := strings.Split(reg[u], "\x1f")
			if len(f) > 3 {
				out = append(out, f[3])
			}
			if zkey == key("in") {
				n, _ := strconv.Atoi(f[0])
				taken += n
			}
		}
		return out
	}
	in, wait = names(key("in")), names(key("wait"))
	seats, _ = rdb.HGet(ctx, key("meta"), "seats").Int()
	return in, wait, taken, seats
}

func cleanPrefix(rdb *redis.Client, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

// TestBusyGroupEveryResidentAnswered is the scenario: 60 residents
// of one group sign up, cancel and ask within 2 minutes. Every resident's
// outcome is visible to them (group or private) within 5 s at the median
// and 15 s at the 95th percentile, the fake Bot API never answers 429, the
// list message equals the roster at the end, nothing is oversold, and each
// action is done once. It runs on real time (about 2.5 minutes).
func TestBusyGroupEveryResidentAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two minutes of traffic on real time")
	}
	r := runBusy(t, true)
	t.Logf("%d actions: median %v, p95 %v, max %v; %d unanswered; %d group messages and edits, %d private; %d over the limits",
		len(r.actions), r.pct(0.5), r.pct(0.95), r.pct(1), r.unanswered, r.groupMsgs, r.private, r.violations)
	for _, a := range r.actions {
		if a.seen.IsZero() {
			t.Errorf("resident %d never saw the outcome of %q (sent %v after the start)", a.user, a.text, a.at.Round(time.Millisecond))
		}
	}
	if r.pct(0.5) > 5*time.Second || r.pct(0.95) > 15*time.Second {
		t.Errorf("time to answer: median %v (want ≤ 5 s), p95 %v (want ≤ 15 s)", r.pct(0.5), r.pct(0.95))
	}
	if r.violations != 0 {
		t.Errorf("the fake Bot API saw %d sends or edits over Telegram's limits (429), want 0", r.violations)
	}
	if r.taken > r.seats {
		t.Errorf("oversold: %d people seated for %d seats", r.taken, r.seats)
	}
	in, wait := listSections(r.final)
	if !slices.Equal(in, r.roster) || !slices.Equal(wait, r.waitlist) {
		t.Errorf("the list in the group does not equal the roster:\nlist seated %v\nroster      %v\nlist waiting %v\nwaitlist     %v\n%s",
			in, r.roster, wait, r.waitlist, r.final)
	}
	joined := map[string]bool{}
	for _, a := range r.actions {
		name := fmt.Sprintf("用户%d", a.user)
		switch a.kind {
		case "join":
			joined[name] = true
		case "leave":
			delete(joined, name)
		}
	}
	all := append(slices.Clone(r.roster), r.waitlist...)
	slices.Sort(all)
	var want []string
	for n := range joined {
		want = append(want, n)
	}
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("signed up %v, want %v (each join and cancel done once)", all, want)
	}
	if r.dupJoins != 0 {
		t.Errorf("%d answers said 不用重复报名: a sign-up was handled twice", r.dupJoins)
	}
}

// BenchmarkBusyGroup runs the busy-group scenario once with coalescing on
// and once off (replies.coalesce: false, every reply sent on its own) and
// reports the median and 95th percentile time to a resident's answer, the
// group messages (sends and edits) spent per 100 actions, the share of
// actions answered at all within a minute after the traffic, and the sends
// the fake Bot API refused with 429. An action never answered counts at the
// end of the observation, so with coalescing off the percentiles are lower
// bounds. Each run takes about three minutes of real time; use -benchtime=1x.
func BenchmarkBusyGroup(b *testing.B) {
	for _, on := range []bool{true, false} {
		name := "coalesce=on"
		if !on {
			name = "coalesce=off"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				r := runBusy(b, on)
				all := slices.Clone(r.latencies)
				var end time.Time
				for _, a := range r.actions {
					if a.pushed.After(end) {
						end = a.pushed
					}
				}
				for _, a := range r.actions {
					if a.seen.IsZero() {
						all = append(all, end.Add(64*time.Second).Sub(a.pushed))
					}
				}
				slices.Sort(all)
				p := func(q float64) float64 { return all[min(len(all)-1, int(q*float64(len(all))))].Seconds() }
				b.ReportMetric(p(0.5), "p50_s")
				b.ReportMetric(p(0.95), "p95_s")
				b.ReportMetric(100*float64(r.groupMsgs)/float64(len(r.actions)), "group_msgs/100actions")
				b.ReportMetric(100*float64(len(r.actions)-r.unanswered)/float64(len(r.actions)), "answered_%")
				b.ReportMetric(float64(r.violations), "429s")
				b.ReportMetric(float64(r.private), "private_msgs")
			}
		})
	}
}
