package replies_test

import (
	"context"
	"fmt"

	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/bot/replies"
)

const group = bot.ChatRef("tg:-100")

var quiet = slog.New(slog.DiscardHandler)

type rig struct {
	t    *testing.T
	rdb  redis.UniversalClient
	keys bot.Keys
	s    *bottest.Sender
	c    *replies.Coalescer
	lim  *ratelimit.Limiter
	rt   *redistest.Counter
}

// newRig runs a coalescer whose group bucket gives one token per every.
func newRig(t *testing.T, send bot.Sender, every time.Duration, cfg replies.Config) *rig {
	rdb, keys, _ := redistest.New(t)
	rt := redistest.Count(rdb)
	lim := ratelimit.New(rdb, keys, ratelimit.Config{Limits: map[string]ratelimit.Limit{
		"tg:chat": {N: 1, Per: every, Burst: 1}, "wecom:hook": {N: 1, Per: every, Burst: 1}}}, nil)
	s, _ := send.(*bottest.Sender)
	if send == nil {
		s = &bottest.Sender{}
		send = s
	}
	cfg.Poll = 20 * time.Millisecond
	c := replies.New(rdb, keys, send, lim, quiet, cfg)
	return &rig{t: t, rdb: rdb, keys: keys, s: s, c: c, lim: lim, rt: rt}
}

func (r *rig) run() { r.runAlso(r.c) }

func (r *rig) runAlso(c *replies.Coalescer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// spend takes the group's token, as if the bot had just posted there.
func (r *rig) spend(chat bot.ChatRef) {
	g, b := ratelimit.Buckets(chat)
	if w, err := r.lim.Take(context.Background(), g, b); err != nil || w > 0 {
		r.t.Fatalf("take token: %v %v", w, err)
	}
}

func (r *rig) answer(chat bot.ChatRef, a bot.Answer) {
	r.t.Helper()
	if err := r.c.Answer(context.Background(), chat, a); err != nil {
		r.t.Fatal(err)
	}
}

// all returns what chat saw: messages and edits, in order.
func (r *rig) all(chat bot.ChatRef) []bottest.Sent {
	var out []bottest.Sent
	for _, m := range r.s.Since(0) {
		if m.Chat == chat {
			out = append(out, m)
		}
	}
	return out
}

func join(i int) bot.Answer {
	return bot.Answer{User: bot.UserRef(fmt.Sprintf("tg:%d", i)), Name: fmt.Sprintf("居民%d", i), ReplyTo: fmt.Sprint(500 + i),
		Text: fmt.Sprintf("✅ 居民%d，报名成功！人数：%d 人", i, i%3+1), Private: fmt.Sprintf("✅ 报名成功！备注：电话 1380000%04d", i),
		Kind: "ev:join:3", Head: "✅ 报名成功：元宵节猜灯谜（3号）", Item: fmt.Sprintf("%d 人", i%3+1), Tail: fmt.Sprintf("剩余名额：%d 个", 30-i)}
}

func waitFor(t *testing.T, what string, cond func() bool, show ...func()) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			for _, f := range show {
				f()
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLoneAnswerGoesAsItIs(t *testing.T) {
	r := newRig(t, nil, time.Second, replies.Config{})
	r.run()
	r.answer(group, join(1))
	waitFor(t, "the answer", func() bool { return r.s.Count(group) == 1 })
	m := r.s.To(group)[0].Msg
	if m.Text != join(1).Text || m.ReplyTo != "501" {
		t.Fatalf("sent %+v, want the answer itself replying to message 501", m)
	}
}

// TestBusyGroupGetsOneMergedMessage: while the group's token is spent,
// answers of one kind wait and then go as one message naming each person
// with their headcount and the newest seats left, private details left out.
func TestBusyGroupGetsOneMergedMessage(t *testing.T) {
	r := newRig(t, nil, time.Second, replies.Config{PrivateAfter: time.Minute})
	r.spend(group)
	for i := 1; i <= 5; i++ {
		r.answer(group, join(i))
	}
	r.answer(group, bot.Answer{User: "tg:9", Name: "老王", Text: "<b>近期活动</b>\n3号 元宵节猜灯谜", Kind: "ev:list", Same: true})
	r.answer(group, bot.Answer{User: "tg:8", Name: "李叔", Text: "<b>近期活动</b>\n3号 元宵节猜灯谜", Kind: "ev:list", Same: true})
	r.run()
	waitFor(t, "the merged message", func() bool { return r.s.Count(group) >= 1 })
	time.Sleep(1500 * time.Millisecond)
	got := r.s.To(group)
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want 1 merged: %+v", len(got), got)
	}
	text := got[0].Msg.Text
	if strings.Count(text, "报名成功：元宵节猜灯谜") != 1 || !strings.Contains(text, "剩余名额：25 个") || strings.Contains(text, "剩余名额：29 个") {
		t.Errorf("merged text lacks one head or the newest tail:\n%s", text)
	}
	for i := 1; i <= 5; i++ {
		want := fmt.Sprintf(`<a href="tg://user?id=%d">居民%d</a> %d 人`, i, i, i%3+1)
		if !strings.Contains(text, want) {
			t.Errorf("merged text lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "近期活动") != 1 || !strings.Contains(text, "老王</a>、") {
		t.Errorf("the same answer should appear once after both names:\n%s", text)
	}
	if strings.Contains(text, "1380000") || strings.Contains(text, "备注") {
		t.Errorf("private details reached the group:\n%s", text)
	}
}

// TestSlowGroupAnswersPrivately: when the group has no token for longer
// than PrivateAfter, those who started the bot get their whole answer
// privately at once, others wait for the group, and the group later gets
// the short merged line saying the details went privately.
func TestSlowGroupAnswersPrivately(t *testing.T) {
	s := &bottest.Sender{}
	r := newRig(t, s, 3*time.Second, replies.Config{PrivateAfter: time.Second})
	s.FailChat("tg:2", &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "Forbidden: bot can't initiate conversation with a user"})
	r.spend(group)
	start := time.Now()
	r.answer(group, join(1))
	r.answer(group, join(2))
	r.run()
	waitFor(t, "the private answer", func() bool { return s.Count("tg:1") == 1 })
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("private answer after %v, want at once (the group had no token for 3 s)", d)
	}
	if p := s.To("tg:1")[0].Msg.Text; !strings.Contains(p, "13800000001") {
		t.Errorf("private answer %q lacks the private details", p)
	}
	waitFor(t, "the group line", func() bool { return s.Count(group) == 1 })
	text := s.To(group)[0].Msg.Text
	if !strings.Contains(text, "居民1</a> 2 人（详情已私信）") || !strings.Contains(text, "居民2</a> 3 人\n") {
		t.Errorf("group line:\n%s", text)
	}
	if s.Count("tg:2") != 0 || s.Tries("tg:2") != 1 {
		t.Errorf("user 2 (never started the bot): %d messages, %d tries; want 0 and 1", s.Count("tg:2"), s.Tries("tg:2"))
	}
}

type board struct {
	mu    sync.Mutex
	lines map[bot.ChatRef]string
	on    bool
}

func (b *board) render(_ context.Context, chat bot.ChatRef, key string) (bot.Message, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bot.Message{Text: "接龙 " + key + "\n" + b.lines[chat]}, b.on, nil
}

func (b *board) add(chat bot.ChatRef, s string) {
	b.mu.Lock()
	b.lines[chat] += s + "\n"
	b.mu.Unlock()
}

// TestLiveListIsEditedThenReposted: a live list is posted once, edited
// with each burst of changes (answers bound to it need no message of their
// own), and posted again at the bottom when buried, the old one deleted.
func TestLiveListIsEditedThenReposted(t *testing.T) {
	r := newRig(t, nil, 300*time.Millisecond, replies.Config{Repost: 5})
	b := &board{lines: map[bot.ChatRef]string{}, on: true}
	r.c.Live("ev", b.render, replies.LiveOptions{Repost: true})
	r.run()
	ctx := context.Background()
	if err := r.c.Touch(ctx, "ev:3", group); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the list", func() bool { return r.s.Count(group) == 1 })
	listID := r.s.To(group)[0].ID
	for i := 1; i <= 3; i++ {
		b.add(group, fmt.Sprintf("%d. 居民%d", i, i))
		a := join(i)
		a.Live, a.ReplyTo = "ev:3", fmt.Sprint(3+i)
		r.answer(group, a)
	}
	waitFor(t, "the edit", func() bool {
		got := r.all(group)
		return strings.Contains(got[len(got)-1].Msg.Text, "3. 居民3")
	})
	time.Sleep(700 * time.Millisecond)
	got := r.all(group)
	for _, m := range got[1:] {
		if !m.Edit || m.ID != listID {
			t.Fatalf("after the list, want only edits of it; got %+v", got)
		}
	}
	if len(got) > 3 {
		t.Errorf("%d edits for 3 quick changes, want them coalesced", len(got)-1)
	}
	if err := r.c.Touch(ctx, "ev:3"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(r.all(group)); n != len(got) {
		t.Errorf("a touch that changed nothing sent %d edits; Telegram counts them, want none", n-len(got))
	}
	b.add(group, "4. 居民4")
	a := join(4)
	a.Live, a.ReplyTo = "ev:3", "40"
	r.answer(group, a)
	waitFor(t, "the repost", func() bool {
		got := r.all(group)
		return !got[len(got)-1].Edit && strings.Contains(got[len(got)-1].Msg.Text, "4. 居民4")
	})
	if del := r.s.Deleted()[group]; del != listID {
		t.Errorf("deleted %q, want the buried list %q", del, listID)
	}
}

// TestWeComListsAreSentNotEdited: without edits (a WeChat Work robot) a
// live list is posted anew with each burst of changes.
func TestWeComListsAreSentNotEdited(t *testing.T) {
	s := &bottest.Sender{}
	r := newRig(t, bottest.SendOnly(s), 200*time.Millisecond, replies.Config{})
	r.s = s
	const wg = bot.ChatRef("wecom:wrkGroup3")
	b := &board{lines: map[bot.ChatRef]string{}, on: true}
	r.c.Live("ev", b.render, replies.LiveOptions{Repost: true})
	r.run()
	if err := r.c.Touch(context.Background(), "ev:3", wg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the list", func() bool { return s.Count(wg) == 1 })
	b.add(wg, "1. 居民1")
	a := join(1)
	a.Live = "ev:3"
	r.answer(wg, a)
	waitFor(t, "the new list", func() bool { return s.Count(wg) == 2 })
	time.Sleep(500 * time.Millisecond)
	got := s.To(wg)
	if len(got) != 2 || got[1].Edit || !strings.Contains(got[1].Msg.Text, "1. 居民1") {
		t.Fatalf("want the list then a new list with 居民1, got %+v", got)
	}
}

// TestManyRepliersAnswerEachOnce runs two coalescers (two replicas) on one
// Redis while 40 goroutines queue 200 answers into 4 groups: every answer
// reaches its own group exactly once.
func TestManyRepliersAnswerEachOnce(t *testing.T) {
	r := newRig(t, nil, 50*time.Millisecond, replies.Config{PrivateAfter: time.Hour})
	cfg := replies.Config{PrivateAfter: time.Hour, Poll: 20 * time.Millisecond}
	r.run()
	r.runAlso(replies.New(r.rdb, r.keys, r.s, r.lim, quiet, cfg))
	chats := []bot.ChatRef{"tg:-1", "tg:-2", "tg:-3", "tg:-4"}
	other := replies.New(r.rdb, r.keys, r.s, r.lim, quiet, cfg)
	var wg sync.WaitGroup
	for g := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 5 {
				i := g*5 + k
				a := bot.Answer{User: bot.UserRef(fmt.Sprintf("tg:%d", i)), Name: fmt.Sprintf("户%03d", i), Text: fmt.Sprintf("答复%03d。", i)}
				c := r.c
				if g%2 == 1 {
					c = other
				}
				if err := c.Answer(context.Background(), chats[i%4], a); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	count := func() map[int]int {
		seen := map[int]int{}
		for _, ch := range chats {
			for _, m := range r.s.To(ch) {
				for i := range 200 {
					if strings.Contains(m.Msg.Text, fmt.Sprintf("答复%03d。", i)) {
						if want := chats[i%4]; want != ch {
							t.Errorf("answer %d reached %s, want %s", i, ch, want)
						}
						seen[i]++
					}
				}
			}
		}
		return seen
	}
	waitFor(t, "every answer", func() bool { return len(count()) == 200 })
	time.Sleep(300 * time.Millisecond)
	for i, n := range count() {
		if n != 1 {
			t.Errorf("answer %d shown %d times, want 1", i, n)
		}
	}
}

// TestQueuingAnAnswerIsOneRoundTrip counts the Redis round trips a handler
// pays to answer in a group.
func TestQueuingAnAnswerIsOneRoundTrip(t *testing.T) {
	r := newRig(t, nil, time.Second, replies.Config{})
	r.answer(group, join(1))
	a := join(2)
	a.Live = "ev:3"
	r.rt.Reset()
	r.answer(group, join(3))
	r.answer(group, a)
	if n := r.rt.Count(); n != 2 {
		t.Errorf("two answers took %d round trips, want 2", n)
	}
}

// stuck is a sender that hangs, as a replica does when it dies mid-send.
type stuck struct{ release chan struct{} }

func (s stuck) Send(context.Context, bot.ChatRef, bot.Message) (string, error) {
	<-s.release
	return "", &bot.SendError{Kind: bot.Temporary, Desc: "died"}
}

// TestDeadReplicasGroupIsTakenOver: a replica that claimed a group and
// died before sending leaves the answers in Redis; another replica sends
// them once the lease ends, and nothing is lost.
func TestDeadReplicasGroupIsTakenOver(t *testing.T) {
	r := newRig(t, nil, 100*time.Millisecond, replies.Config{})
	dead := stuck{release: make(chan struct{})}
	cfg := replies.Config{Lease: time.Second, SendTimeout: 200 * time.Millisecond, Poll: 20 * time.Millisecond, PrivateAfter: time.Hour}
	ctx, die := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = replies.New(r.rdb, r.keys, dead, r.lim, quiet, cfg).Run(ctx); close(stopped) }()
	defer func() { close(dead.release); <-stopped }()
	r.answer(group, join(1))
	r.answer(group, join(2))
	time.Sleep(200 * time.Millisecond)
	die()
	if r.s.Count(group) != 0 {
		t.Fatal("the live replica sent while the dead one held the group")
	}
	r.runAlso(replies.New(r.rdb, r.keys, r.s, r.lim, quiet, cfg))
	start := time.Now()
	waitFor(t, "the takeover", func() bool { return r.s.Count(group) > 0 })
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("taken over after %v, want about the 1 s lease", d)
	}
	text := r.s.To(group)[0].Msg.Text
	if !strings.Contains(text, "居民1") || !strings.Contains(text, "居民2") {
		t.Errorf("after the takeover the group got %q, want both answers", text)
	}
}

// TestRetryKeepsAPrivateMessageUntilItGoesThrough: a private answer the
// platform failed to take is sent again after each temporary failure, as it
// is and on its own (never merged with another kept message, never answered
// "told privately"), exactly once when the platform recovers.
func TestRetryKeepsAPrivateMessageUntilItGoesThrough(t *testing.T) {
	s := &bottest.Sender{Fail: func(chat bot.ChatRef, try int) error {
		if try < 3 {
			return &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "Bad Gateway"}
		}
		return nil
	}}
	r := newRig(t, s, time.Millisecond, replies.Config{})
	const private = bot.ChatRef("tg:7")
	ctx := context.Background()
	first := bot.Message{Text: "✅ 张阿姨，报名成功！\n活动：义诊（1号）", ReplyTo: "41", Buttons: [][]bot.Button{{{Text: "取消报名", Data: "ev:leave:1"}}}}
	second := bot.Message{Text: "您报名的活动：\n1号 义诊"}
	for _, m := range []bot.Message{first, second} {
		if err := r.c.Retry(ctx, private, m); err != nil {
			t.Fatal(err)
		}
	}
	r.run()
	waitFor(t, "both kept messages", func() bool { return r.s.Count(private) == 2 }, func() { t.Logf("sent %+v", r.s.To(private)) })
	waitFor(t, "the queue to empty", func() bool { idle, _ := r.c.Idle(ctx); return idle })
	got := r.s.To(private)
	if len(got) != 2 || got[0].Msg.Text != first.Text || got[0].Msg.ReplyTo != "41" || len(got[0].Msg.Buttons) != 1 || got[1].Msg.Text != second.Text {
		t.Errorf("sent %+v, want the two messages as they were, in order", got)
	}
	if tries := r.s.Tries(private); tries != 5 {
		t.Errorf("%d tries, want 3 failed and 2 sent", tries)
	}
}

// TestRetryDropsAMessageTheChatRefuses: a chat that refuses for good (the
// person blocked the bot) is not tried again and again.
func TestRetryDropsAMessageTheChatRefuses(t *testing.T) {
	s := &bottest.Sender{}
	const private = bot.ChatRef("tg:8")
	s.FailChat(private, &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "Forbidden: bot was blocked by the user"})
	r := newRig(t, s, time.Millisecond, replies.Config{})
	ctx := context.Background()
	if err := r.c.Retry(ctx, private, bot.Message{Text: "好的"}); err != nil {
		t.Fatal(err)
	}
	r.run()
	waitFor(t, "the queue to empty", func() bool { idle, _ := r.c.Idle(ctx); return idle && r.s.Tries(private) > 0 })
	time.Sleep(300 * time.Millisecond)
	if tries := r.s.Tries(private); tries != 1 {
		t.Errorf("%d tries of a blocked chat, want 1", tries)
	}
}

// TestRetryAtHoldsAMessageUntilItsTime: a message held (RetryAt, for the
// end of the quiet hours) is not sent before its time while a message kept
// for the same chat without a hold goes at once; then it goes exactly once,
// and the held chat is not claimed over and over meanwhile.
func TestRetryAtHoldsAMessageUntilItsTime(t *testing.T) {
	var mu sync.Mutex
	var tried []time.Time
	s := &bottest.Sender{Fail: func(bot.ChatRef, int) error {
		mu.Lock()
		tried = append(tried, time.Now())
		mu.Unlock()
		return nil
	}}
	r := newRig(t, s, time.Millisecond, replies.Config{})
	const private = bot.ChatRef("tg:9")
	ctx := context.Background()
	at := time.Now().Add(time.Second)
	if err := r.c.RetryAt(ctx, private, bot.Message{Text: "🎉 您已从候补转为正式报名"}, at); err != nil {
		t.Fatal(err)
	}
	if err := r.c.Retry(ctx, private, bot.Message{Text: "好的"}); err != nil {
		t.Fatal(err)
	}
	r.rt.Reset()
	r.run()
	waitFor(t, "both messages", func() bool { return r.s.Count(private) == 2 })
	waitFor(t, "the queue to empty", func() bool { idle, _ := r.c.Idle(ctx); return idle })
	got := r.s.To(private)
	if got[0].Msg.Text != "好的" || got[1].Msg.Text != "🎉 您已从候补转为正式报名" {
		t.Fatalf("sent %q then %q, want the message not held first", got[0].Msg.Text, got[1].Msg.Text)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tried) != 2 || tried[1].Before(at) {
		t.Errorf("tries at %v, want two, the held one not before %v", tried, at)
	}
	if n := r.rt.Count(); n > 100 {
		t.Errorf("%d Redis round trips while one message was held a second: the chat is claimed again and again", n)
	}
}
