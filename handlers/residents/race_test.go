package residents

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"gridbot/bot"
)

var (
	waitRe  = regexp.MustCompile(`候补第 (?:<b>)?(\d+) 位`)
	flashRe = regexp.MustCompile(`(?s)<div class="flash[^"]*" role="status">(.*?)</div>`)
)

// flash is the message a page shows about the action just done.
func flash(page string) string {
	if m := flashRe.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// TestPagesAndChatShareOneCapacity: 100 households sign up from pages and
// 100 from chat, all at once, for 30 seats (run it on real Redis with
// GRIDBOT_TEST_REDIS and -race). Exactly 30 are seated and the other 170
// waitlisted in the order they arrived; each is answered once, with its
// own seat or its own place in line.
func TestPagesAndChatShareOneCapacity(t *testing.T) {
	h := newHarness(t, Config{IPPerMinute: 6000, ResidentPerMinute: 60})
	id, page := h.create(30)
	const each, seats = 100, 30
	phones := make([]*browser, each)
	for i := range phones {
		phones[i] = h.browser()
		phones[i].identify(page, fmt.Sprintf("页面%d", i), "3网格", fmt.Sprintf("%d-1-%d", 1+i/10, 101+i%10), "")
	}
	pageAnswers := make([]string, each)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range phones {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			st, loc, _ := b.post(page+"/join", url.Values{"n": {"1"}})
			if st != http.StatusSeeOther {
				t.Errorf("page %d: status %d", i, st)
				return
			}
			_, body := b.get(loc)
			pageAnswers[i] = flash(body)
		}()
		go func() {
			defer wg.Done()
			<-start
			h.say(group5, bot.UserRef(fmt.Sprintf("tg:%d", 1000+i)), fmt.Sprintf("群友%d", i), fmt.Sprintf("报名 %d", id))
		}()
	}
	close(start)
	wg.Wait()

	seated, places := 0, map[int]string{}
	answer := func(who, text string) {
		if m := waitRe.FindStringSubmatch(text); m != nil {
			n, _ := strconv.Atoi(m[1])
			if was, dup := places[n]; dup {
				t.Errorf("waitlist place %d told to %s and %s", n, was, who)
			}
			places[n] = who
			return
		}
		if regexp.MustCompile(`报名成功`).MatchString(text) {
			seated++
			return
		}
		t.Errorf("%s answered %q", who, text)
	}
	for i, a := range pageAnswers {
		if n := len(regexp.MustCompile(`报名成功|候补第`).FindAllString(a, -1)); n != 1 {
			t.Errorf("page household %d told %d outcomes: %q", i, n, a)
		}
		answer(fmt.Sprintf("页面%d", i), a)
	}
	chatAnswers := map[string]int{}
	for _, m := range h.s.Since(0) {
		if m.Chat != group5 || m.Edit {
			continue
		}
		for i := range each {
			if regexp.MustCompile(fmt.Sprintf(`群友%d\D`, i)).MatchString(m.Msg.Text) {
				chatAnswers[fmt.Sprint(i)]++
				answer(fmt.Sprintf("群友%d", i), m.Msg.Text)
			}
		}
	}
	for i := range each {
		if n := chatAnswers[fmt.Sprint(i)]; n != 1 {
			t.Errorf("群友%d answered %d times, want once", i, n)
		}
	}
	if seated != seats || len(places) != 2*each-seats {
		t.Fatalf("told %d seated and %d waitlist places, want %d and %d", seated, len(places), seats, 2*each-seats)
	}
	for n := 1; n <= 2*each-seats; n++ {
		if places[n] == "" {
			t.Fatalf("waitlist place %d told to no one", n)
		}
	}
	l, err := h.ev.PublicList(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Seated) != seats || len(l.Wait) != 2*each-seats || l.Event.Taken != seats {
		t.Fatalf("stored %d seated, %d waiting, %d taken", len(l.Seated), len(l.Wait), l.Event.Taken)
	}
	r, _ := h.ev.Roster(context.Background(), id)
	pages := 0
	for _, row := range r.Rows {
		want := places[row.Pos]
		if row.Kind == "候补" && row.Name != want {
			t.Errorf("waitlist row %d is %s, but place %d was told to %s", row.Pos, row.Name, row.Pos, want)
		}
		if row.Source == "页面" {
			pages++
		}
	}
	if pages != each {
		t.Errorf("%d roster rows from pages, want %d", pages, each)
	}
}
