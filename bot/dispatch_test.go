package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
)

// TestFloodLimitKeepsOnePersonFromCrowdingOthers: many goroutines submit at
// once; one resident floods a private chat and another a group. Each
// flooder has only the burst handled (in order), the private one is asked
// once to slow down and the group is not spoken to; everyone else, and
// staff, are handled in full.
func TestFloodLimitKeepsOnePersonFromCrowdingOthers(t *testing.T) {
	var mu sync.Mutex
	handled := map[bot.UserRef][]int{}
	d := bot.NewDispatcher(4, func(_ context.Context, _ bot.Sender, u *bot.Update) {
		var n int
		fmt.Sscan(u.Text, &n)
		mu.Lock()
		handled[u.User] = append(handled[u.User], n)
		mu.Unlock()
	}, nil)
	d.LimitUsers(bot.FloodLimit{Burst: 5, Every: time.Hour, Exempt: func(u bot.UserRef) bool { return u == "tg:1" }})
	s := newSender()
	var wg sync.WaitGroup
	submit := func(chat bot.ChatRef, user bot.UserRef, n int) {
		kind := bot.Group
		if chat == user.PrivateChat() {
			kind = bot.Private
		}
		<-d.Submit(context.Background(), s, &bot.Update{Chat: chat, ChatKind: kind, User: user, Text: fmt.Sprint(n)})
	}
	for _, who := range []struct {
		chat bot.ChatRef
		user bot.UserRef
		n    int
	}{{"tg:900", "tg:900", 300}, {"tg:-100", "tg:901", 100}, {"tg:-100", "tg:1", 40}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range who.n {
				submit(who.chat, who.user, i)
			}
		}()
	}
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := bot.UserRef(fmt.Sprintf("tg:%d", 2000+i))
			submit(u.PrivateChat(), u, 0)
			submit("tg:-200", u, 1)
		}()
	}
	wg.Wait()
	d.Close()
	for _, u := range []bot.UserRef{"tg:900", "tg:901"} {
		if got := handled[u]; fmt.Sprint(got) != "[0 1 2 3 4]" {
			t.Errorf("flooder %s: handled %v, want the first 5 in order", u, got)
		}
	}
	if got := len(handled["tg:1"]); got != 40 {
		t.Errorf("staff exempt from the limit: %d of 40 handled", got)
	}
	for i := range 50 {
		if got := handled[bot.UserRef(fmt.Sprintf("tg:%d", 2000+i))]; len(got) != 2 {
			t.Errorf("resident %d: handled %v, want both messages", 2000+i, got)
		}
	}
	if got := s.To("tg:900"); len(got) != 1 || got[0].Msg.Text != bot.MsgSlowDown {
		t.Errorf("private flooder was told %+v, want one request to slow down", got)
	}
	if got := s.To("tg:-100"); len(got) != 0 {
		t.Errorf("the group was told %+v, want nothing", got)
	}
}
