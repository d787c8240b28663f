package residents

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"gridbot/bot"
	"gridbot/handlers/quiz"
)

// inGroup sends text in a group chat as user.
func (h *harness) inGroup(chat bot.ChatRef, user bot.UserRef, name, text string) {
	h.mu.Lock()
	h.upd++
	n := h.upd
	h.mu.Unlock()
	h.r.Handle(context.Background(), h.s, &bot.Update{ID: fmt.Sprintf("test:%d", n), Chat: chat, ChatKind: bot.Group, User: user,
		UserName: name, MessageID: fmt.Sprint(n), Text: text, Time: t0})
}

// answers is the sheet of resident i: the first i%6 questions right.
func answers(i int) []string {
	out := make([]string, 5)
	for j := range out {
		out[j] = "A"
		if j < i%6 {
			out[j] = "B"
		}
	}
	return out
}

// TestPageAndChatAnswersCountOnce: 100 households answer the same round on
// pages (20 of them sending their sheet twice at once) and 100 residents
// in chat, all at once (run it on real Redis with GRIDBOT_TEST_REDIS and
// -race). Every participant is counted once, in its grid, every
// submission's answer is the one the round kept, and the totals match.
func TestPageAndChatAnswersCountOnce(t *testing.T) {
	h := newHarness(t, Config{IPPerMinute: 6000, ResidentPerMinute: 60})
	qz, page := h.withQuiz()
	const each, twice = 100, 20
	phones := make([]*browser, each)
	for i := range phones {
		phones[i] = h.browser()
		phones[i].identify(page, fmt.Sprintf("页面%d", i), "3网格", fmt.Sprintf("%d-1-%d", 1+i/10, 101+i%10), "")
	}
	said := make([][]string, each)
	var mu sync.Mutex
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range phones {
		sends := 1
		if i < twice {
			sends = 2
		}
		for range sends {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				st, loc, _ := b.post(page+"/answer", sheet(answers(i)...))
				if st != http.StatusSeeOther {
					t.Errorf("page %d: status %d", i, st)
					return
				}
				_, body := b.get(loc)
				mu.Lock()
				said[i] = append(said[i], flash(body))
				mu.Unlock()
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			u, name := bot.UserRef(fmt.Sprintf("wecom:c%d", i)), fmt.Sprintf("群友%d", i)
			h.inGroup(group5, u, name, "答题")
			h.private(u, name, "答题")
			for _, a := range answers(i) {
				h.private(u, name, a)
			}
		}()
	}
	close(start)
	wg.Wait()

	points := 0
	for i := range each {
		points += 10 * (i % 6)
		fresh, again := 0, 0
		for _, s := range said[i] {
			switch {
			case strings.Contains(s, fmt.Sprintf("本期您答对 %d 题（共 5 题），得 %d 分", i%6, 10*(i%6))):
				fresh++
			case strings.Contains(s, fmt.Sprintf("您已经答完第1期的全部题目了，这一期不用再答了。\n本期得分：%d 分", 10*(i%6))):
				again++
			default:
				t.Errorf("page household %d was told %q", i, s)
			}
		}
		if fresh != 1 || again != len(said[i])-1 {
			t.Errorf("page household %d: %d fresh and %d again of %d answers, want 1 fresh", i, fresh, again, len(said[i]))
		}
		res, ok, err := qz.ResultOf(context.Background(), 1, quizResident(i))
		if err != nil || !ok || res.Score != 10*(i%6) || res.Grid != "3网格" {
			t.Errorf("page household %d: result %+v, %v, %v", i, res, ok, err)
		}
	}
	finished := map[bot.ChatRef]int{}
	for _, m := range h.s.Since(0) {
		if strings.Contains(m.Msg.Text, "全部答完了") {
			finished[m.Chat]++
		}
	}
	for i := range each {
		c := bot.UserRef(fmt.Sprintf("wecom:c%d", i)).PrivateChat()
		if finished[c] != 1 {
			t.Errorf("群友%d was told %d times that they finished, want once", i, finished[c])
		}
	}
	rec, err := qz.Record(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Players != 2*each || rec.Done != 2*each {
		t.Fatalf("round counts %d players, %d done; want %d each", rec.Players, rec.Done, 2*each)
	}
	answered, right := 0, 0
	for _, q := range rec.Questions {
		answered += q.Answered
		right += q.Correct
	}
	if answered != 5*2*each || 10*right != 2*points {
		t.Errorf("question stats: %d answered, %d right; want %d and %d", answered, right, 5*2*each, 2*points/10)
	}
	for _, g := range rec.Grids {
		if g.Grid != "3网格" && g.Grid != "5网格" || g.Players != each || g.Done != each || g.Points != points {
			t.Errorf("grid figures %+v; want %d players and done, %d points", g, each, points)
		}
	}
	if len(rec.Grids) != 2 {
		t.Errorf("grid figures for %d grids, want 2", len(rec.Grids))
	}
}

// quizResident is page household i of TestPageAndChatAnswersCountOnce.
func quizResident(i int) quiz.PageResident {
	return quiz.PageResident{Grid: "3网格", Door: fmt.Sprintf("%d-1-%d", 1+i/10, 101+i%10)}
}
