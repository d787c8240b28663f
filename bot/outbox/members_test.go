package outbox

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/ratelimit"
)

// TestMemberCountsOffTheSendPath broadcasts to 6 groups whose member counts
// nobody knows yet today. No count is asked of the platform until every
// group has the message, each look-up spends a token of the bot-wide
// bucket like a send (6 sends, 6 look-ups and the report use up a burst of
// 13 exactly), and the counts still reach the staff's delivery report and
// the reach records.
func TestMemberCountsOffTheSendPath(t *testing.T) {
	ctx := context.Background()
	const n = 6
	s := newFakeSender()
	var mu sync.Mutex
	var sentBefore []int
	s.Members = func(bot.ChatRef) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		sentBefore = append(sentBefore, s.Total())
		return 10, nil
	}
	limits := map[string]ratelimit.Limit{"tg:global": {N: 5, Per: time.Hour, Burst: 2*n + 1}}
	f := newFixture(t, s, nil, limits)
	o := f.outbox(testConfig())
	run(t, o)
	cs := chats("tg:-100", n)
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Title: "停水通知", Chats: cs, ReportTo: "tg:7",
		Grids: map[bot.ChatRef]string{cs[0]: "1网格"}, Message: bot.Message{Text: "明早9点停水"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery report", func() bool { return s.Count("tg:7") == 1 })
	mu.Lock()
	if len(sentBefore) != n {
		t.Errorf("%d member-count look-ups, want %d", len(sentBefore), n)
	}
	for i, got := range sentBefore {
		if got < n {
			t.Errorf("look-up %d came after only %d of %d sends, want after all of them", i+1, got, n)
		}
	}
	mu.Unlock()
	if report := s.To("tg:7")[0].Msg.Text; !strings.Contains(report, "覆盖约 60 人") {
		t.Errorf("report = %q, want 60 members (6 groups of 10)", report)
	}
	if r := status(t, o, id); !r.Done() || r.Members != 60 || r.Counting != 0 {
		t.Errorf("status = %+v, want done with 60 members", r)
	}
	reach, err := f.rdb.HGetAll(ctx, reachKey(f.keys, time.Now(), bottest.Shanghai)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if reach[reachField("*", "notice", "members")] != "60" || reach[reachField("1网格", "notice", "members")] != "10" {
		t.Errorf("reach = %v, want 60 members in all, 10 in 1网格", reach)
	}
	if w, err := f.lim.Take(ctx, "tg:global"); err != nil || w == 0 {
		t.Errorf("bucket after the broadcast: Take = %v, %v; want it empty (the look-ups spent their tokens)", w, err)
	}
}

// TestManyMemberCountsAllLookedUp broadcasts to 2,000 groups whose member
// counts nobody knows: every count is looked up and the report counts all
// members. On a real Redis the owed counts are a hash large enough that a
// page of HSCAN from cursor 0 comes back empty once its first buckets have
// been looked up; the look-ups must go on along the cursor rather than
// stop there (the day's soak found 4,283 counts left owed for good). The
// wait fails only when the counts owed stop going down for a minute.
func TestManyMemberCountsAllLookedUp(t *testing.T) {
	ctx := context.Background()
	const n = 2000
	f := newFixture(t, newFakeSender(), nil, nil)
	o := f.outbox(testConfig())
	run(t, o)
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "notice", Chats: chats("tg:-100", n), Message: bot.Message{Text: "明早9点停水"}})
	if err != nil {
		t.Fatal(err)
	}
	last, since := -1, time.Now()
	for {
		r := status(t, o, id)
		if r.Done() && r.Counting == 0 {
			if r.Sent != n || r.Members != 10*n {
				t.Errorf("status = %+v, want %d sent and %d members (10 in each group)", r, n, 10*n)
			}
			return
		}
		if p := r.Sent*n + (n - r.Counting); p != last {
			last, since = p, time.Now()
		}
		if time.Since(since) > time.Minute {
			t.Fatalf("stuck: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
