package quiz

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// variedBank has questions whose right answers differ, so scores spread.
func variedBank(n int) []Question {
	qs := smallBank(n)
	for i := range qs {
		qs[i].Answer = []int{i % 4}
	}
	return qs
}

func choiceOf(user, pos int) int { return (user*7 + pos*3) % 4 }

// TestConcurrentResidents has many residents (1,000 against real Redis)
// answer at once, half by Telegram poll (each vote delivered twice, as two
// updates) and half by text (each message delivered twice with the same
// update id). Every answer must count exactly once, and every board must
// equal a recomputation from the stored answers.
func TestConcurrentResidents(t *testing.T) {
	residents := 200
	if redistest.Real() {
		residents = 1000
	}
	g := newRig(t, DefaultConfig(), variedBank(30))
	id := open(t, g)
	ctx := context.Background()
	grids := []string{"1网格", "2网格", "3网格"}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
				g.clock.Add(7 * time.Millisecond)
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range residents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg := i%2 == 0
			user := bot.UserRef(fmt.Sprintf("wecom:u%d", i))
			if tg {
				user = bot.UserRef(fmt.Sprintf("tg:%d", 1000+i))
			}
			name := fmt.Sprintf("居民%d", i)
			g.group(grids[i%3], user, name, "答题")
			g.private(user, name, "答题")
			for pos := range 5 {
				k := choiceOf(i, pos)
				if tg {
					pid := g.send.currentPoll(user.PrivateChat())
					var dup sync.WaitGroup
					for range 2 {
						dup.Add(1)
						go func() { defer dup.Done(); g.vote(user, pid, k) }()
					}
					dup.Wait()
					continue
				}
				g.mu.Lock()
				g.seq++
				uid := fmt.Sprintf("dup:%d", g.seq)
				g.mu.Unlock()
				var dup sync.WaitGroup
				for range 2 {
					dup.Add(1)
					go func() {
						defer dup.Done()
						g.r.Handle(ctx, g.mux, &bot.Update{ID: uid, Chat: user.PrivateChat(), ChatKind: bot.Private,
							User: user, UserName: name, Text: string(rune('A' + k))})
					}()
				}
				dup.Wait()
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-ticked

	r, _ := g.f.round(ctx, id)
	rec, err := g.f.Record(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Players, residents; got != want {
		t.Errorf("players: got %d, want %d", got, want)
	}
	if got, want := rec.Done, residents; got != want {
		t.Errorf("finished: got %d, want %d", got, want)
	}
	type tally struct{ n, ok, pts, done int }
	perGrid := map[string]*tally{}
	perQ := make([]tally, 5)
	board, err := g.rdb.ZRangeWithScores(ctx, g.f.roundKey(id, "board"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(board), residents; got != want {
		t.Fatalf("board has %d residents, want %d", got, want)
	}
	season, err := g.rdb.ZRangeWithScores(ctx, g.f.seasonKey(r.Season, "board"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	seasonScore := map[string]float64{}
	for _, z := range season {
		seasonScore[z.Member.(string)] = z.Score
	}
	for _, z := range board {
		user := z.Member.(string)
		h, err := g.rdb.HGetAll(ctx, g.f.roundKey(id, "a", user)).Result()
		if err != nil {
			t.Fatal(err)
		}
		var i int
		if _, err := fmt.Sscanf(h["name"], "居民%d", &i); err != nil {
			t.Fatalf("attempt of %s: name %q", user, h["name"])
		}
		pts, ms, correct := 0, 0, 0
		for pos := range 5 {
			c, err := strconv.Atoi(h["c"+strconv.Itoa(pos)])
			if err != nil {
				t.Fatalf("%s: no stored answer %d", user, pos)
			}
			if want := choiceOf(i, pos); c != want {
				t.Errorf("%s question %d: stored %d, want %d (an answer counted for the wrong question)", user, pos, c, want)
			}
			dt, _ := strconv.Atoi(h["t"+strconv.Itoa(pos)])
			ms += dt
			ok := 0
			if r.Questions[pos].Answer[0] == c {
				ok = 1
			}
			pts += 10 * ok
			correct += ok
			perQ[pos].n++
			perQ[pos].ok += ok
		}
		if got, want := h["pos"], "5"; got != want {
			t.Errorf("%s: pos %s, want %s", user, got, want)
		}
		if got, want := h["score"], strconv.Itoa(pts); got != want {
			t.Errorf("%s: score %s, want %s", user, got, want)
		}
		gotPts, gotTime := decodeScore(z.Score)
		if gotPts != pts || gotTime != time.Duration(ms)*time.Millisecond {
			t.Errorf("%s: board says %d points %v, recomputed %d points %dms", user, gotPts, gotTime, pts, ms)
		}
		if got, want := seasonScore[user], z.Score; got != want {
			t.Errorf("%s: season board %v, round board %v", user, got, want)
		}
		gs, err := g.rdb.HGetAll(ctx, g.f.seasonKey(r.Season, "u", user)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if gs["pts"] != strconv.Itoa(pts) || gs["answered"] != "5" || gs["correct"] != strconv.Itoa(correct) || gs["rounds"] != "1" {
			t.Errorf("%s: season record %v, want %d points, 5 answered, %d correct, 1 round", user, gs, pts, correct)
		}
		grid := grids[i%3]
		if h["grid"] != grid {
			t.Errorf("%s: grid %q, want %q", user, h["grid"], grid)
		}
		if perGrid[grid] == nil {
			perGrid[grid] = &tally{}
		}
		perGrid[grid].n++
		perGrid[grid].pts += pts
		perGrid[grid].done++
		gz, err := g.rdb.ZScore(ctx, g.f.roundKey(id, "gb", grid), user).Result()
		if err != nil || gz != z.Score {
			t.Errorf("%s: grid board %v (%v), want %v", user, gz, err, z.Score)
		}
	}
	for pos, q := range rec.Questions {
		if q.Answered != perQ[pos].n || q.Correct != perQ[pos].ok {
			t.Errorf("question %d: stats %d/%d, recomputed %d/%d", pos, q.Correct, q.Answered, perQ[pos].ok, perQ[pos].n)
		}
		sum := 0
		for _, c := range q.Choices {
			sum += c
		}
		if sum != residents {
			t.Errorf("question %d: choices add up to %d, want %d", pos, sum, residents)
		}
	}
	for _, gs := range rec.Grids {
		want := perGrid[gs.Grid]
		if want == nil || gs.Players != want.n || gs.Points != want.pts || gs.Done != want.done {
			t.Errorf("grid %q: got %+v, recomputed %+v", gs.Grid, gs, want)
		}
	}
}
