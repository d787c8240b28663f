package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/replies"
	"gridbot/bot/telegram/tgfake"
)

// Soak figures: the whole bot is judged between simulated hour soakBase and
// the last hour. Goroutines may be soakGoroutines more (the HTTP client's
// idle connections to the fake and their readers come and go); RSS, after a
// forced collection that returns free memory to the system, may be
// soakRSSMB more.
const (
	soakBase       = 2
	soakGoroutines = 20
	soakRSSMB      = 12
	soakStaff      = 1
	soakFirstGroup = 1_000_000
	soakFirstUser  = 100_000
	soakWatch      = soakFirstUser + 7 // a resident whose private chat the fake keeps
)

// TestSoakDay runs the whole bot as main wires it (runOn, with the fake
// Telegram Bot API and a real Redis) through 24 simulated hours against
// 5,000 groups bound to 1,000 grids (GRIDBOT_SOAK_GROUPS for another
// count): an activity published to 20 grids (held by the quiet hours
// until 07:30), the daily tip at 08:30 to every group, notices at 10:00
// and 15:00 (通知 全部, previewed and confirmed), the weekly quiz round at
// 19:00 with residents answering it in private, and all day a stream of
// sign-ups and cancellations in the activity's 100 groups (fewer at
// night). The day starts Friday 06:00 (Asia/Shanghai) on a fake clock that the features, the outbox and
// the scheduler read; it moves in ten-minute steps, and each step waits
// until the updates are handled, the broadcasts due are out with their
// member counts and reports, and the groups' answers are sent. The rate
// limits are lifted (their buckets refill on real time, and a simulated
// hour takes seconds) and the fake enforces nothing, so simulated hours go
// as fast as the machine allows; the fake keeps only the staff's and one
// resident's chats, so the process's memory is the bot's.
//
// After each hour it forces a collection that returns free memory
// (debug.FreeOSMemory) and logs the hour, RSS (VmRSS), goroutines and the
// messages delivered so far. It fails on growth from hour 2 (08:00: a first
// hour of sign-ups and the activity's broadcast done) to hour 24: more than
// 20 goroutines (one leaked per update or per ten-minute step would add
// hundreds, one per group sent to thousands; the slack covers the HTTP
// client's idle connections), or more than 12 MB of RSS. After hour 2 come
// four 5,000-group broadcasts and about 3,000 updates: a leak of 1 KB a
// delivery adds 20 MB, 5 KB an update 15 MB. The first 5,000-group
// broadcast itself grows RSS by about 3 MB for good (per-chat state in the
// fake and the HTTP and Redis buffers sized for it), and hours after it
// differ by 1–2 MB; the measured growth to hour 24 was 5.9 MB. Under the
// race detector only goroutines are judged.
//
// Run with GRIDBOT_SOAK=1 GRIDBOT_TEST_REDIS=127.0.0.1:6379 and -v for the
// table (-timeout 60m).
func TestSoakDay(t *testing.T) {
	if os.Getenv("GRIDBOT_SOAK") != "1" {
		t.Skip("set GRIDBOT_SOAK=1")
	}
	if os.Getenv("GRIDBOT_TEST_REDIS") == "" {
		t.Skip("needs a real Redis (GRIDBOT_TEST_REDIS): an in-process store would count its data as the bot's")
	}
	groups := 5000
	if v, err := strconv.Atoi(os.Getenv("GRIDBOT_SOAK_GROUPS")); err == nil && v >= 5 {
		groups = v
	}
	s := newSoak(t, groups)
	type row struct {
		hour, goroutines int
		rssKB            int64
		delivered        int
	}
	var rows []row
	start := time.Date(2026, 12, 4, 6, 0, 0, 0, bottest.Shanghai)
	began := time.Now()
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m += 10 {
			s.step(start.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute))
		}
		debug.FreeOSMemory()
		rows = append(rows, row{hour: h + 1, goroutines: runtime.NumGoroutine(), rssKB: vmRSS(t), delivered: s.fake.Delivered()})
		t.Logf("hour %2d (%s) done after %v", h+1, start.Add(time.Duration(h+1)*time.Hour).Format("Mon 15:04"), time.Since(began).Round(time.Second))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d groups in %d grids, %d sign-ups, %d cancellations, %d quiz answers; %v in all\n",
		groups, s.grids, s.joins, s.leaves, s.answers, time.Since(began).Round(time.Second))
	b.WriteString("hour  RSS MB  goroutines  delivered\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%4d  %6.1f  %10d  %9d\n", r.hour, float64(r.rssKB)/1024, r.goroutines, r.delivered)
	}
	t.Log("\n" + b.String())
	base, end := rows[soakBase-1], rows[len(rows)-1]
	if end.goroutines > base.goroutines+soakGoroutines {
		t.Errorf("goroutines %d at hour 24, %d at hour %d: want at most %d more", end.goroutines, base.goroutines, soakBase, soakGoroutines)
	}
	if raceDetector {
		t.Log("RSS not judged under the race detector: its shadow memory grows with every allocation")
	} else if end.rssKB > base.rssKB+soakRSSMB*1024 {
		t.Errorf("RSS %.1f MB at hour 24, %.1f MB at hour %d: want at most %d MB more", float64(end.rssKB)/1024, float64(base.rssKB)/1024, soakBase, soakRSSMB)
	}
	if want := 4 * groups; end.delivered < want {
		t.Errorf("%d messages delivered, want at least %d (four broadcasts to %d groups)", end.delivered, want, groups)
	}
}

// soak is the running bot, the fake it talks to, and readers of its queues.
type soak struct {
	t     *testing.T
	fake  *tgfake.Server
	clk   *bottest.Clock
	ob    *outbox.Outbox
	co    *replies.Coalescer
	n     int
	grids int
	// the residents signed up and not cancelled, in order
	in                     []int64
	next                   int64
	joins, leaves, answers int
	quizOpen               bool
	eventBase              int
}

func newSoak(t *testing.T, groups int) *soak {
	fake := tgfake.New()
	t.Cleanup(fake.Close)
	fake.SetMaxPollWait(50 * time.Millisecond)
	fake.KeepOnly(func(chat int64) bool { return chat == soakStaff || chat == soakWatch })
	cfg := fakeTelegramConfig(t, fake, "soak")
	cfg.Staff.Telegram = []int64{soakStaff}
	cfg.Updates.FloodBurst = 0
	cfg.Limits = ratelimit.Config{} // buckets refill on real time, which a simulated hour does not take
	cfg.Outbox.Poll, cfg.Outbox.Backoff, cfg.Outbox.MaxBackoff = 20*time.Millisecond, time.Millisecond, 5*time.Millisecond
	cfg.Schedule.Lease, cfg.Schedule.Scan = 3*time.Second, 50*time.Millisecond
	cfg.Quiz.Polls = false
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	clk := bottest.NewClock(time.Date(2026, 12, 4, 6, 0, 0, 0, bottest.Shanghai))
	rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr})
	keys := bot.Keys(cfg.Redis.Prefix)
	s := &soak{t: t, fake: fake, clk: clk, n: groups, grids: (groups + 4) / 5, next: soakFirstUser}
	ctx := context.Background()
	dir := grid.NewDirectory(rdb, keys, nil)
	for i := range groups {
		c := bot.ChatRef(fmt.Sprintf("tg:-%d", soakFirstGroup+i))
		g := fmt.Sprintf("%d网格", i/5+1)
		if _, err := dir.Bind(ctx, c, g, g+"群"); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.DiscardHandler)
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Log: log, Now: clk.Now, Loc: bottest.Shanghai}
	s.ob = outbox.New(env, ratelimit.New(rdb, keys, cfg.Limits, nil), cfg.Outbox)
	s.co = newReplies(env, cfg)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runOn(runCtx, cfg, clk.Now, strings.NewReader(""), io.Discard, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		redistest.DeletePrefix(context.Background(), rdb, cfg.Redis.Prefix+":")
		_ = rdb.Close()
	})
	return s
}

// step sets the clock to at, does what the day has at that time, and waits
// until the bot is done with it.
func (s *soak) step(at time.Time) {
	s.clk.Set(at)
	hm := at.Format("15:04")
	base := s.fake.Delivered()
	want := base
	switch hm {
	case "06:00":
		s.eventBase = base
		var gs []string
		for g := range s.signGrids() {
			gs = append(gs, fmt.Sprintf("%d网格", g+1))
		}
		s.staff("发布活动\n活动：冬季义诊\n时间：2026-12-06 09:00\n地点：社区活动中心\n名额：5000\n网格："+strings.Join(gs, "、"), "号）")
	case "07:30":
		want = s.eventBase + 5*s.signGrids() // the activity, held by the quiet hours
	case "08:30":
		want += s.n // the daily tip
	case "10:00", "15:00":
		s.staff("通知 全部 "+hm+" "+strings.Repeat("明天上午九点到下午五点停水，请提前储水。", 4), "通知预览")
		s.staff("确认", "")
		want += s.n
	case "19:00":
		want += s.n // the quiz round opens
		s.quizOpen = true
	}
	night := at.Hour() < 7 || at.Hour() >= 22
	joins, leaves := 20, 6
	if night {
		joins, leaves = 3, 1
	}
	for range joins {
		u := s.next
		s.next++
		s.fake.PushText(s.group(u), u, "报名 1")
		s.in = append(s.in, u)
		s.joins++
	}
	for range leaves {
		u := s.in[0]
		s.in = s.in[1:]
		s.fake.PushText(s.group(u), u, "取消报名 1")
		s.leaves++
	}
	if s.quizOpen && !night && hm != "19:00" {
		for i := range 8 {
			u := int64(soakFirstUser + (s.answers/6+i*37)%int(s.next-soakFirstUser))
			if i == 0 && s.answers == 0 {
				u = soakWatch
			}
			s.fake.PushText(u, u, "答题")
			for range 5 {
				s.fake.PushText(u, u, "A")
			}
			s.answers += 6
		}
	}
	s.settle(at, want)
}

// signGrids is how many grids the activity is published to (the first
// ones); residents sign up in their groups. An activity keeps its notice
// current in every group it went to (the seats left), so one published to
// all 5,000 groups would be edited in all of them after each sign-up.
func (s *soak) signGrids() int { return min(20, s.grids) }

// group is the group resident u writes in: one of the activity's.
func (s *soak) group(u int64) int64 { return -int64(soakFirstGroup + int(u)%(5*s.signGrids())) }

// staff sends text from the staff member privately and, unless want is
// "", waits for an answer containing want.
func (s *soak) staff(text, want string) {
	s.t.Helper()
	seen := s.countStaff(want)
	s.fake.PushText(soakStaff, soakStaff, text)
	if want == "" {
		return
	}
	if _, ok := s.fake.WaitSent(5*time.Minute, func([]tgfake.Sent) bool { return s.countStaff(want) > seen }); !ok {
		s.t.Fatalf("staff sent %q and got no answer with %q: %q", text, want, s.fake.Texts(soakStaff))
	}
}

func (s *soak) countStaff(want string) int {
	if want == "" {
		return 0
	}
	return countText(s.fake, soakStaff, want)
}

// settle waits until the fake has delivered at least delivered messages,
// every pushed update is handled, and neither the outbox (due now, in
// flight, member counts owed) nor the reply coalescer has anything left.
// It gives up after five minutes in which the fake saw no message, edit
// or member-count look-up.
func (s *soak) settle(at time.Time, delivered int) {
	s.t.Helper()
	ctx := context.Background()
	last, since := -1, time.Now()
	for {
		n := s.fake.Delivered()
		if n >= delivered && s.fake.Pending() == 0 {
			idle, err := s.ob.Idle(ctx)
			if err == nil && idle {
				idle, err = s.co.Idle(ctx)
			}
			if err != nil {
				s.t.Fatal(err)
			}
			if idle {
				return
			}
		}
		if p := n + s.fake.Calls("getChatMemberCount") + s.fake.Calls("editMessageText"); p != last {
			last, since = p, time.Now()
		}
		if time.Since(since) > 5*time.Minute {
			s.t.Fatalf("%s: stuck at %d messages delivered (want %d), %d updates pending; staff were told %q",
				at.Format("Mon 15:04"), n, delivered, s.fake.Pending(), s.fake.Texts(soakStaff))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// vmRSS returns the process's resident set (VmRSS) in kB.
func vmRSS(t testing.TB) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}
