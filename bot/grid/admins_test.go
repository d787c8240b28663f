package grid_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// admins is a platform that says who administers which chat and counts
// how often it is asked.
type admins struct {
	of    map[bot.ChatRef][]bot.UserRef
	asked atomic.Int64
}

func (a *admins) MemberCount(context.Context, bot.ChatRef) (int, error) { return 0, bot.ErrUnsupported }

func (a *admins) IsAdmin(_ context.Context, chat bot.ChatRef, u bot.UserRef) (bool, error) {
	a.asked.Add(1)
	return slices.Contains(a.of[chat], u), nil
}

// TestOneAdminCache: the platform is asked once per user and group while
// its answer is fresh, by the router's check, check-in and the console
// alike; AskAdmin asks again and the console's grid list sees the new
// answer; a platform that cannot say answers no without touching Redis.
func TestOneAdminCache(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	if _, err := d.Bind(ctx, "tg:-1", "3网格", "三网格群"); err != nil {
		t.Fatal(err)
	}
	ci := &admins{of: map[bot.ChatRef][]bot.UserRef{"tg:-1": {"tg:7"}}}
	in := &bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:7"}
	for range 3 {
		ok, err := d.ActsAsWorker(ctx, ci, in, "3网格")
		if err != nil || !ok {
			t.Fatalf("admin of a bound group acts as worker = %v, %v; want true", ok, err)
		}
	}
	if n := ci.asked.Load(); n != 1 {
		t.Errorf("platform asked %d times for three checks, want 1 (the rest from the cache)", n)
	}
	if ok, _ := d.ActsAsWorker(ctx, ci, &bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:8"}, "3网格"); ok {
		t.Error("a resident who is no admin acts as worker")
	}
	if ok, _ := d.ActsAsWorker(ctx, ci, in, ""); ok {
		t.Error("the admin of an unbound group acts as worker")
	}
	gs, err := d.Grids(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := d.GridsOf(ctx, "tg:7", gs)
	if err != nil || !slices.Equal(mine, []string{"3网格"}) {
		t.Errorf("GridsOf admin = %v, %v; want [3网格] from the cache", mine, err)
	}
	ci.of["tg:-1"] = nil
	if ok, err := d.AskAdmin(ctx, ci, "tg:-1", "tg:7"); err != nil || ok {
		t.Fatalf("AskAdmin after demotion = %v, %v; want false", ok, err)
	}
	if mine, _ := d.GridsOf(ctx, "tg:7", gs); len(mine) != 0 {
		t.Errorf("GridsOf after demotion = %v, want none", mine)
	}
	c := redistest.Count(rdb)
	if ok, err := d.IsAdmin(ctx, nil, "tg:-1", "tg:7"); ok || err != nil {
		t.Errorf("IsAdmin with no inspector = %v, %v; want false", ok, err)
	}
	if n := c.Count(); n != 0 {
		t.Errorf("IsAdmin with no inspector made %d round trips, want 0", n)
	}
}

// TestAdminCacheConcurrent checks many goroutines at once against one
// cache: every answer is right and nothing races.
func TestAdminCacheConcurrent(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ci := &admins{of: map[bot.ChatRef][]bot.UserRef{"tg:-1": {"tg:1", "tg:3"}}}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			u := bot.UserRef("tg:" + string(rune('0'+i%4)))
			ok, err := d.IsAdmin(context.Background(), ci, "tg:-1", u)
			if want := u == "tg:1" || u == "tg:3"; err != nil || ok != want {
				t.Errorf("IsAdmin(%s) = %v, %v; want %v", u, ok, err, want)
			}
		})
	}
	wg.Wait()
}
