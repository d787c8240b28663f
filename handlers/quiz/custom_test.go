package quiz

import (
	"context"
	"testing"

	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// A question saved on one replica is asked by another: rounds pick from
// the bank reloaded when the version moved.
func TestSavedQuestionsReachEveryReplica(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	env := feature.Env{Redis: rdb, Keys: keys, Dir: grid.NewDirectory(rdb, keys, nil)}
	a := NewWithBank(env, DefaultConfig(), nil, DefaultBank())
	b := NewWithBank(env, DefaultConfig(), nil, DefaultBank())
	ctx := context.Background()
	n0 := len(b.Bank())
	q := Question{ID: "local-1", Text: "社区食堂几点开饭？", Options: []string{"10点", "11点", "12点"}, Answer: []int{1},
		Explanation: "每天 11 点开饭。", Category: "生活服务", Difficulty: 1}
	bad := q
	bad.ID, bad.Answer = "local-2", []int{5}
	if probs, err := a.SaveQuestions(ctx, []Question{q, bad}); err != nil || len(probs[1]) == 0 || len(probs) != 1 {
		t.Fatalf("a bad question among good ones: %v %v", probs, err)
	}
	if es, _ := b.Questions(ctx); len(es) != n0 {
		t.Fatalf("a refused save stored something: %d", len(es))
	}
	if probs, err := a.SaveQuestions(ctx, []Question{q}); err != nil || len(probs) > 0 {
		t.Fatalf("save: %v %v", probs, err)
	}
	if _, err := b.pick(ctx); err != nil {
		t.Fatal(err)
	}
	got := b.Bank()
	if len(got) != n0+1 || got[len(got)-1].ID != "local-1" {
		t.Errorf("the other replica's bank has %d questions, last %q", len(got), got[len(got)-1].ID)
	}
	es, _ := b.Questions(ctx)
	if !es[len(es)-1].Custom || es[0].Custom {
		t.Error("custom flags wrong")
	}
}
