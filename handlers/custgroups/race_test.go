package custgroups

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/bot/wecom/custgroup/custgroupfake"
)

// One broadcast to 40 customer groups drained by four outbox replicas at
// once, and the same message sent to one group by 16 goroutines: each group
// gets exactly one group-send task.
func TestOnceEachUnderConcurrency(t *testing.T) {
	fx := newFixture(t, testConfig())
	const n = 40
	var chats []bot.ChatRef
	grids := map[bot.ChatRef]string{}
	for i := range n {
		id := fmt.Sprintf("wrR%02d", i)
		fx.fake.AddGroup(custgroupfake.Group{ChatID: id, Name: fmt.Sprintf("%d号楼群", i), Owner: fmt.Sprintf("owner%d", i%5),
			Externals: []string{"wm" + id}})
	}
	if _, err := fx.f.Sync(fx.ctx); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("wrR%02d", i)
		if _, err := fx.f.Map(fx.ctx, id, "7网格"); err != nil {
			t.Fatal(err)
		}
		chats = append(chats, Ref(id))
		grids[Ref(id)] = "7网格"
	}
	id, err := fx.ob.Enqueue(fx.ctx, bot.Broadcast{Kind: "notice", Ref: "1", Title: "停水", Chats: chats, Grids: grids,
		Message: bot.Message{Text: "<b>【社区通知】</b>\n明早停水"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(fx.ctx)
	var wg sync.WaitGroup
	for r := range 4 {
		cfg := outbox.DefaultConfig()
		cfg.Poll, cfg.QuietStart, cfg.QuietEnd, cfg.Workers, cfg.Batch = 5*time.Millisecond, "00:00", "00:00", 4, 3
		cfg.Replica = fmt.Sprintf("r%d", r)
		o := outbox.New(fx.env, nil, cfg)
		o.AddChannel(Platform, fx.f.Channel())
		wg.Add(1)
		go func() { defer wg.Done(); _ = o.Run(ctx) }()
	}
	same := bot.Message{Text: "同一条消息"}
	msgIDs := make([]string, 16)
	errs := make([]error, 16)
	var sg sync.WaitGroup
	for i := range 16 {
		sg.Add(1)
		go func() {
			defer sg.Done()
			for try := 0; try < 200; try++ {
				msgIDs[i], errs[i] = fx.f.Channel().Send(fx.ctx, Ref("wrA1"), same)
				if bot.KindOf(errs[i]) != bot.Temporary || errs[i] == nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	sg.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := fx.ob.Status(fx.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Done() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("broadcast not done: %+v", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for i := range 16 {
		if errs[i] != nil || msgIDs[i] != msgIDs[0] {
			t.Errorf("sender %d: %q %v; want the one task %q", i, msgIDs[i], errs[i], msgIDs[0])
		}
	}
	per := map[string]int{}
	for _, s := range fx.fake.Sends() {
		for _, c := range s.ChatIDs {
			per[c]++
		}
	}
	if per["wrA1"] != 1 {
		t.Errorf("wrA1 got %d tasks, want 1", per["wrA1"])
	}
	for i := range n {
		if c := per[fmt.Sprintf("wrR%02d", i)]; c != 1 {
			t.Errorf("wrR%02d got %d tasks, want 1", i, c)
		}
	}
}
