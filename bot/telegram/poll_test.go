package telegram

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
	"gridbot/bot/telegram/tgfake"
)

func TestPollDeliversInOrderAndStoresOffset(t *testing.T) {
	c, f, _ := newTest(t, nil)
	rdb, keys, _ := redistest.New(t)
	store := NewRedisOffsetStore(rdb, keys)
	var ids []int
	for i, text := range []string{"报名 1", "报名 2", "活动", "我的", "取消报名 1"} {
		ids = append(ids, f.PushText(-100-int64(i%2), 7, text))
	}
	rec := newRecorder()
	stop := runPoll(t, c, store, rec.submit)
	ups := rec.wait(t, 5)
	stop()
	var texts []string
	for _, u := range ups {
		texts = append(texts, u.Text)
	}
	if got, want := len(texts), 5; got != want {
		t.Fatalf("got %d updates %q, want %d", got, texts, want)
	}
	for i, want := range []string{"报名 1", "报名 2", "活动", "我的", "取消报名 1"} {
		if texts[i] != want {
			t.Errorf("update %d = %q, want %q (arrival order)", i, texts[i], want)
		}
	}
	if got, want := ups[0].ID, "tg:"+itoa(ids[0]); got != want {
		t.Errorf("update id = %q, want %q", got, want)
	}
	off, err := store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := off, ids[4]+1; got != want {
		t.Errorf("stored offset = %d, want last update id + 1 = %d", got, want)
	}
	if got, err := rdb.Get(context.Background(), keys.Key("tg", "offset")).Int(); err != nil || got != ids[4]+1 {
		t.Errorf("redis key %s = %d, %v; want %d", keys.Key("tg", "offset"), got, err, ids[4]+1)
	}
}

func TestPollResumesFromStoredOffset(t *testing.T) {
	c, f, _ := newTest(t, nil)
	rdb, keys, _ := redistest.New(t)
	store := NewRedisOffsetStore(rdb, keys)
	f.PushText(-1, 7, "旧消息一")
	id2 := f.PushText(-1, 7, "旧消息二")
	f.PushText(-1, 7, "新消息")
	if err := store.Save(context.Background(), id2+1); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	stop := runPoll(t, c, store, rec.submit)
	rec.wait(t, 1)
	time.Sleep(300 * time.Millisecond)
	stop()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ups) != 1 || rec.ups[0].Text != "新消息" {
		var got []string
		for _, u := range rec.ups {
			got = append(got, u.Text)
		}
		t.Errorf("after restart got %q, want only [新消息]", got)
	}
}

func TestPollWaitsForBatchBeforeOffset(t *testing.T) {
	c, f, _ := newTest(t, nil)
	store := &memStore{}
	id1 := f.PushText(-1, 7, "一")
	f.PushText(-2, 8, "二")
	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	submit := func(_ context.Context, u *bot.Update) <-chan struct{} {
		done := make(chan struct{})
		go func() {
			if u.Text == "二" {
				<-release
			}
			mu.Lock()
			got = append(got, u.Text)
			mu.Unlock()
			close(done)
		}()
		return done
	}
	stop := runPoll(t, c, store, submit)
	time.Sleep(300 * time.Millisecond)
	if off := store.get(); off != 0 {
		t.Errorf("offset stored as %d while the batch is in hand, want none", off)
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatalf("Poll returned before the batch in hand was handled")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	<-stopped
	if off := store.get(); off != id1+2 {
		t.Errorf("offset after shutdown = %d, want %d", off, id1+2)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Errorf("handled %q, want both", got)
	}
}

// TestPollKeepsGoingWhenStoreDown: updates keep flowing while the offset
// store is down, the failure is logged, and the offset is saved once the
// store is back. Each update takes a while to handle, so the save comes
// well after the update was seen; the test waits for that failed save
// before bringing the store back.
func TestPollKeepsGoingWhenStoreDown(t *testing.T) {
	c, f, logs := newTest(t, nil)
	store := &memStore{}
	rec := newRecorder()
	rec.delay = 50 * time.Millisecond
	stop := runPoll(t, c, store, rec.submit)
	defer stop()
	first := f.PushText(-1, 7, "一")
	rec.wait(t, 1)
	if !waitFor(5*time.Second, func() bool { return store.get() == first+1 }) {
		t.Fatalf("offset = %d, want %d saved while the store is up", store.get(), first+1)
	}
	store.setFail(true)
	last := f.PushText(-1, 7, "二")
	rec.wait(t, 1)
	if !waitFor(5*time.Second, func() bool { return store.failures() > 0 }) {
		t.Fatalf("the poll loop never tried to save the offset while the store was down")
	}
	if got := store.get(); got == last+1 {
		t.Fatalf("offset saved while the store is down")
	}
	store.setFail(false)
	if !waitFor(5*time.Second, func() bool { return store.get() == last+1 }) {
		t.Errorf("offset after the store came back = %d, want %d", store.get(), last+1)
	}
	if !strings.Contains(logs.String(), "offset not saved") {
		t.Errorf("the store failure was not logged")
	}
}

func TestPollBacksOffOnErrors(t *testing.T) {
	c, f, _ := newTest(t, nil)
	f.FailNextOf("getUpdates", 1, tgfake.Failure{Code: 429, RetryAfter: 1})
	f.FailNextOf("getUpdates", 1, tgfake.Failure{Code: 500})
	rec := newRecorder()
	stop := runPoll(t, c, &memStore{}, rec.submit)
	defer stop()
	f.PushText(-1, 7, "一")
	ups := rec.wait(t, 1)
	var times []time.Time
	for _, r := range f.Requests() {
		if r.Method == "getUpdates" {
			times = append(times, r.Time)
		}
	}
	if len(times) < 3 || times[1].Sub(times[0]) < time.Second {
		t.Errorf("getUpdates after a 429 with retry_after=1 came too soon: %v", times)
	}
	if len(ups) != 1 {
		t.Errorf("updates = %d, want 1 after the errors", len(ups))
	}
}

// TestCrashMidBatchNeitherSkipsNorRepeats runs the real router: a first
// process handles part of a batch and dies before storing the offset; a
// second process gets the batch again and the router's dedupe lets each
// update through exactly once.
func TestCrashMidBatchNeitherSkipsNorRepeats(t *testing.T) {
	c, f, _ := newTest(t, nil)
	rdb, keys, _ := redistest.New(t)
	store := NewRedisOffsetStore(rdb, keys)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var mu sync.Mutex
	count := map[string]int{}
	newRouter := func() *bot.Router {
		r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: grid.NewDirectory(rdb, keys, nil), Log: log})
		r.OnText(func(ctx context.Context, bc *bot.Context) error {
			mu.Lock()
			count[bc.Update.Text]++
			mu.Unlock()
			return nil
		})
		return r
	}
	var want []string
	for i := range 6 {
		text := "消息" + itoa(i)
		want = append(want, text)
		f.PushText(-1-int64(i%3), 7, text)
	}
	// First process: handles updates until the fourth, then "dies".
	r1 := newRouter()
	dead := make(chan struct{})
	zombie := make(chan struct{})
	handled := 0
	ctx1, kill := context.WithCancel(context.Background())
	done1 := make(chan struct{})
	go func() {
		defer close(done1)
		_ = c.Poll(ctx1, store, func(ctx context.Context, u *bot.Update) <-chan struct{} {
			ch := make(chan struct{})
			if handled >= 3 {
				if handled == 3 {
					close(dead)
				}
				handled++
				return zombie // not done while the "dead" process is examined
			}
			handled++
			r1.Handle(ctx, c, u)
			close(ch)
			return ch
		})
	}()
	<-dead
	if off, _ := store.Load(context.Background()); off != 0 {
		t.Fatalf("offset stored (%d) before the batch finished", off)
	}
	// Second process, same Redis, same Telegram.
	c2, err := New(context.Background(), c.cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2 := newRouter()
	d := bot.NewDispatcher(4, r2.Handle, nil)
	rec := 0
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() {
		defer close(done2)
		_ = c2.Poll(ctx2, store, func(ctx context.Context, u *bot.Update) <-chan struct{} {
			rec++
			return d.Submit(ctx, c2, u)
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(count)
		mu.Unlock()
		if n == 6 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel2()
	<-done2
	d.Close()
	kill()
	close(zombie)
	<-done1
	mu.Lock()
	defer mu.Unlock()
	for _, text := range want {
		if count[text] != 1 {
			t.Errorf("%s handled %d times, want exactly once", text, count[text])
		}
	}
	if rec < 6 {
		t.Errorf("second process received %d updates, want the whole batch (6) redelivered", rec)
	}
}
