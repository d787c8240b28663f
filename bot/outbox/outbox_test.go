package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

func TestDeliversEveryChatAndRecordsReach(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	f := newFixture(t, s, nil, nil)
	o := f.outbox(testConfig())
	run(t, o)
	cs := chats("tg:-100", 20)
	grids := map[bot.ChatRef]string{}
	for i, c := range cs {
		grids[c] = []string{"1网格", "2网格"}[i%2]
	}
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Ref: "7", Title: "停水通知",
		Chats: append(cs, cs[0]), Grids: grids, Message: bot.Message{Text: "明早9点停水"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "all sent", func() bool { return status(t, o, id).Done() })
	for _, c := range cs {
		if got := s.Count(c); got != 1 {
			t.Errorf("%s got %d messages, want 1", c, got)
		}
	}
	r := status(t, o, id)
	if r.Sent != 20 || r.Failed != 0 || r.Members != 200 || r.Title != "停水通知" {
		t.Errorf("status = %+v, want 20 sent, 0 failed, 200 members", r)
	}
	sent, err := o.Sent(ctx, id)
	if err != nil || len(sent) != 20 || sent[cs[3]] == "" {
		t.Errorf("Sent = %v, %v; want 20 message ids", sent, err)
	}
	reach, err := f.rdb.HGetAll(ctx, reachKey(f.keys, time.Now(), bottest.Shanghai)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{
		reachField("1网格", "notice", "pushes"):  "1",
		reachField("1网格", "notice", "groups"):  "10",
		reachField("1网格", "notice", "members"): "100",
		reachField("*", "notice", "pushes"):    "1",
		reachField("*", "notice", "groups"):    "20",
		reachField("*", "notice", "members"):   "200",
	} {
		if got := reach[field]; got != want {
			t.Errorf("reach %s = %q, want %q", field, got, want)
		}
	}
	if ttl := f.rdb.TTL(ctx, reachKey(f.keys, time.Now(), bottest.Shanghai)).Val(); ttl < 3*365*24*time.Hour {
		t.Errorf("reach TTL = %v, want at least 3 years", ttl)
	}
	if _, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice"}); !errors.Is(err, ErrNoChats) {
		t.Errorf("Enqueue without chats: err = %v, want ErrNoChats", err)
	}
}

func TestQuietHoursHoldUntilMorning(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	clk := bottest.NewClock(time.Date(2026, 11, 22, 22, 0, 0, 0, bottest.Shanghai))
	f := newFixture(t, s, clk, nil)
	cfg := testConfig()
	cfg.QuietStart, cfg.QuietEnd = "21:30", "07:30"
	o := f.outbox(cfg)
	run(t, o)
	morning := time.Date(2026, 11, 23, 7, 30, 0, 0, bottest.Shanghai)
	if got := o.GoesOutAt(time.Time{}, false); !got.Equal(morning) {
		t.Errorf("GoesOutAt at 22:00 = %v, want %v (the end of quiet hours)", got, morning)
	}
	if got, want := o.GoesOutAt(time.Time{}, true), clk.Now(); !got.Equal(want) {
		t.Errorf("GoesOutAt(urgent) at 22:00 = %v, want now %v", got, want)
	}
	tip, err := o.Enqueue(ctx, bot.Broadcast{Kind: "tip", Chats: []bot.ChatRef{"tg:1"}, Message: bot.Message{Text: "每日一学"}})
	if err != nil {
		t.Fatal(err)
	}
	urgent, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Urgent: true, Chats: []bot.ChatRef{"tg:2"}, Message: bot.Message{Text: "紧急停电"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "urgent notice sent", func() bool { return status(t, o, urgent).Done() })
	if got, want := status(t, o, tip).Due, time.Date(2026, 11, 23, 7, 30, 0, 0, bottest.Shanghai); !got.Equal(want) {
		t.Errorf("tip due %v, want %v", got, want)
	}
	time.Sleep(100 * time.Millisecond)
	if got := s.Count("tg:1"); got != 0 {
		t.Fatalf("tip sent %d times in quiet hours, want 0", got)
	}
	clk.Set(time.Date(2026, 11, 23, 7, 29, 0, 0, bottest.Shanghai))
	time.Sleep(100 * time.Millisecond)
	if got := s.Count("tg:1"); got != 0 {
		t.Fatalf("tip sent at 07:29, want held until 07:30")
	}
	clk.Set(time.Date(2026, 11, 23, 7, 30, 1, 0, bottest.Shanghai))
	eventually(t, "tip sent after quiet hours", func() bool { return s.Count("tg:1") == 1 })

	later, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: []bot.ChatRef{"tg:3"},
		NotBefore: time.Date(2026, 11, 23, 9, 0, 0, 0, bottest.Shanghai), Message: bot.Message{Text: "9点的通知"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := s.Count("tg:3"); got != 0 {
		t.Fatalf("scheduled notice sent before NotBefore")
	}
	clk.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, bottest.Shanghai))
	eventually(t, "scheduled notice sent", func() bool { return status(t, o, later).Done() })
}

func TestQuietSpan(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, bottest.Shanghai) }
	night := quiet{start: 21*60 + 30, end: 7*60 + 30, loc: bottest.Shanghai}
	noon := quiet{start: 12 * 60, end: 14 * 60, loc: bottest.Shanghai}
	for _, tc := range []struct {
		q        quiet
		in, want time.Time
	}{
		{night, at(22, 21, 29), at(22, 21, 29)},
		{night, at(22, 21, 30), at(23, 7, 30)},
		{night, at(22, 23, 59), at(23, 7, 30)},
		{night, at(23, 0, 10), at(23, 7, 30)},
		{night, at(23, 7, 30), at(23, 7, 30)},
		{noon, at(22, 12, 0), at(22, 14, 0)},
		{noon, at(22, 14, 0), at(22, 14, 0)},
		{quiet{loc: bottest.Shanghai}, at(22, 23, 0), at(22, 23, 0)},
	} {
		if got := tc.q.hold(tc.in); !got.Equal(tc.want) {
			t.Errorf("hold(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// killingSender passes sends to the platform until the nth has reached
// it; then the process dies (kill) before the send can be recorded, and
// nothing more of it leaves.
type killingSender struct {
	bot.Sender
	n     int
	kill  func()
	mu    sync.Mutex
	last  bot.ChatRef
	sends int
}

func (s *killingSender) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sends == s.n {
		return "", errors.New("the process is dead")
	}
	s.sends++
	id, err := s.Sender.Send(ctx, chat, m)
	if s.sends == s.n {
		s.last = chat
		s.kill()
	}
	return id, err
}

// TestCrashAfterSend kills a worker (its Redis connection cut, its context
// ended) between sending and recording; once the lease ends a second worker
// finishes the broadcast: every chat has the message and exactly the one in
// flight got it twice.
func TestCrashAfterSend(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	clk := bottest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, bottest.Shanghai))
	rdb, keys, _ := redistest.New(t)
	rdbA, connA := redistest.NewStallable(t, rdb)
	actx, stopA := context.WithCancel(ctx)
	defer stopA()
	dying := &killingSender{Sender: s, n: 4, kill: func() { connA.Fail(); stopA() }}
	cfg := testConfig()
	cfg.Workers = 1
	a := newFixtureOn(t, dying, clk, nil, rdbA, keys).outbox(cfg)
	cs := chats("tg:-100", 10)
	id, err := a.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: cs, Message: bot.Message{Text: "通知"}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(actx) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("worker did not die")
	}
	if got := s.Total(); got != 4 {
		t.Fatalf("sent %d before the crash, want 4", got)
	}
	b := newFixtureOn(t, s, clk, nil, rdb, keys).outbox(cfg)
	run(t, b)
	time.Sleep(100 * time.Millisecond)
	if got := s.Total(); got != 4 {
		t.Fatalf("second worker sent during the dead worker's lease: %d sends, want 4", got)
	}
	clk.Add(cfg.Lease + time.Second)
	eventually(t, "broadcast done", func() bool { return status(t, b, id).Done() })
	dups := 0
	for _, c := range cs {
		switch n := s.Count(c); n {
		case 1:
		case 2:
			dups++
			if c != dying.last {
				t.Errorf("%s got 2 messages, but the crash was on %s", c, dying.last)
			}
		default:
			t.Errorf("%s got %d messages, want 1", c, n)
		}
	}
	if dups != 1 {
		t.Errorf("duplicates = %d, want exactly 1 (the delivery in flight)", dups)
	}
	if r := status(t, b, id); r.Sent != 10 {
		t.Errorf("sent = %d, want 10 (the duplicate counted once)", r.Sent)
	}
}

func TestFailuresAndReport(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	s.Fail = func(chat bot.ChatRef, try int) error {
		switch chat {
		case "tg:gone":
			return &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "bot was kicked"}
		case "tg:bad":
			return &bot.SendError{Kind: bot.Permanent, Code: 400, Desc: "chat not found"}
		case "tg:flaky":
			return &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "bad gateway"}
		case "tg:busy":
			if try == 0 {
				return &bot.SendError{Kind: bot.RateLimited, Code: 429, RetryAfter: time.Second}
			}
		case "tg:net":
			if try < 2 {
				return errors.New("connection reset")
			}
		}
		return nil
	}
	f := newFixture(t, s, nil, nil)
	if _, err := f.env.Dir.Bind(ctx, "tg:gone", "3网格", "幸福里3网格群"); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.MaxTries = 3
	o := f.outbox(cfg)
	run(t, o)
	cs := []bot.ChatRef{"tg:ok", "tg:gone", "tg:bad", "tg:flaky", "tg:busy", "tg:net"}
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Title: "义诊<通知>", Chats: cs,
		ReportTo: "tg:staff", Message: bot.Message{Text: "周六义诊"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "report sent", func() bool { return s.Count("tg:staff") == 1 })
	if list, _ := o.List(ctx, 10); len(list) != 1 || list[0].ID != id {
		t.Errorf("List = %+v, want only the notice (reports are not listed)", list)
	}
	r := status(t, o, id)
	if r.Sent != 3 || r.Failed != 3 {
		t.Errorf("sent %d failed %d, want 3 and 3", r.Sent, r.Failed)
	}
	reasons := map[bot.ChatRef]string{}
	for _, fl := range r.Failures {
		reasons[fl.Chat] = fl.Reason
	}
	if got := reasons["tg:gone"]; got != ReasonGone {
		t.Errorf("gone reason = %q, want %q", got, ReasonGone)
	}
	if got := reasons["tg:bad"]; !strings.Contains(got, "chat not found") {
		t.Errorf("bad chat reason = %q, want the platform's description", got)
	}
	if got := s.Count("tg:flaky") + s.Tries("tg:flaky"); got != 3 {
		t.Errorf("flaky chat tried %d times, want MaxTries = 3", got)
	}
	info, _ := f.env.Dir.Chat(ctx, "tg:gone")
	if info.Status != grid.ChatGone {
		t.Errorf("gone chat status = %q, want %q", info.Status, grid.ChatGone)
	}
	text := s.To("tg:staff")[0].Msg.Text
	for _, want := range []string{"已送达 3 个群（覆盖约 30 人）", "失败 3 个", "幸福里3网格群 — 机器人已被移出群", "义诊&lt;通知&gt;"} {
		if !strings.Contains(text, want) {
			t.Errorf("report %q lacks %q", text, want)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if got := s.Count("tg:staff"); got != 1 {
		t.Errorf("reports sent = %d, want 1", got)
	}
}

func TestCancelScheduledAndRecall(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	f := newFixture(t, s, nil, nil)
	o := f.outbox(testConfig())
	run(t, o)
	later, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Title: "明天的通知", Chats: chats("tg:", 5),
		NotBefore: time.Now().Add(time.Hour), Message: bot.Message{Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := o.Cancel(ctx, later)
	if err != nil || n != 5 {
		t.Fatalf("Cancel = %d, %v; want 5", n, err)
	}
	if r := status(t, o, later); r.Cancelled != 5 || !r.Done() || r.State != "cancelled" {
		t.Errorf("status after cancel = %+v", r)
	}
	now, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Title: "发错了", Chats: chats("tg:", 4), Message: bot.Message{Text: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "sent", func() bool { return status(t, o, now).Done() })
	del, failed, err := o.Recall(ctx, now)
	if err != nil || del != 4 || failed != 0 {
		t.Fatalf("Recall = %d, %d, %v; want 4, 0, nil", del, failed, err)
	}
	sent, _ := o.Sent(ctx, now)
	for c, m := range sent {
		if s.Deleted()[c] != m {
			t.Errorf("%s: deleted %q, want message %q", c, s.Deleted()[c], m)
		}
	}
	if del, _, _ := o.Recall(ctx, now); del != 0 {
		t.Errorf("second Recall deleted %d, want 0", del)
	}
	list, err := o.List(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != now || list[1].ID != later {
		t.Errorf("List = %+v, %v; want the two broadcasts, newest first", list, err)
	}
	if _, err := o.Status(ctx, "999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Status(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := o.Cancel(ctx, "999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel(unknown) err = %v, want ErrNotFound", err)
	}
}

// TestManyWorkersEveryChatOnce drains one broadcast with several workers,
// as several replicas would: every chat gets the message exactly once.
func TestManyWorkersEveryChatOnce(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	f := newFixture(t, s, nil, nil)
	cfg := testConfig()
	cfg.Batch = 4
	var os []*Outbox
	for range 4 {
		o := f.outbox(cfg)
		os = append(os, o)
		run(t, o)
	}
	cs := chats("tg:-100", 300)
	var wg sync.WaitGroup
	ids := make([]string, 3)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := os[i].Enqueue(ctx, bot.Broadcast{Kind: "tip", Chats: cs[i*100 : (i+1)*100], Message: bot.Message{Text: "x"}})
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	eventually(t, "all sent", func() bool { return s.Total() >= 300 })
	time.Sleep(50 * time.Millisecond)
	for _, c := range cs {
		if got := s.Count(c); got != 1 {
			t.Errorf("%s got %d messages, want 1", c, got)
		}
	}
	for _, id := range ids {
		if r := status(t, os[0], id); r.Sent != 100 {
			t.Errorf("broadcast %s: sent %d, want 100", id, r.Sent)
		}
	}
}

func TestIdleFollowsDueDeliveries(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, newFakeSender(), nil, nil)
	o := f.outbox(testConfig())
	idle, err := o.Idle(ctx)
	if err != nil || !idle {
		t.Fatalf("empty outbox: idle=%v err=%v", idle, err)
	}
	if _, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: []bot.ChatRef{"tg:-1"}, Message: bot.Message{Text: "停水"}, Urgent: true}); err != nil {
		t.Fatal(err)
	}
	if idle, _ := o.Idle(ctx); idle {
		t.Error("outbox with a due delivery reported idle")
	}
	run(t, o)
	eventually(t, "drained", func() bool { idle, _ := o.Idle(ctx); return idle })
}

func TestGoneChatTellsStaffOnce(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	s.Fail = func(chat bot.ChatRef, _ int) error {
		if chat == "tg:-3" {
			return &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "bot was kicked"}
		}
		return nil
	}
	f := newFixture(t, s, nil, nil)
	f.env.Dir = grid.NewDirectory(f.rdb, f.keys, []bot.UserRef{"tg:100"})
	if _, err := f.env.Dir.Bind(ctx, "tg:-3", "3网格", "幸福里3网格群"); err != nil {
		t.Fatal(err)
	}
	o := f.outbox(testConfig())
	run(t, o)
	for i := range 3 {
		id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "tip", Title: fmt.Sprint("每日一学", i),
			Chats: []bot.ChatRef{"tg:-3", "tg:-4"}, Message: bot.Message{Text: "石榴籽"}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "tip done", func() bool { return status(t, o, id).Done() })
	}
	eventually(t, "staff told", func() bool { return s.Count("tg:100") >= 1 })
	time.Sleep(100 * time.Millisecond)
	if got := s.Count("tg:100"); got != 1 {
		t.Fatalf("staff told %d times, want once however many pushes fail", got)
	}
	text := s.To("tg:100")[0].Msg.Text
	if !strings.Contains(text, "幸福里3网格群") || !strings.Contains(text, "绑定网格 3网格") {
		t.Errorf("alert = %q", text)
	}
	if got := s.Count("tg:-4"); got != 3 {
		t.Errorf("healthy chat got %d tips, want 3", got)
	}
}
