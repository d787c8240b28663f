package quiz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Questions staff add or edit on the web console live in Redis, over the
// banks loaded at start-up (a question with the id of a file question
// replaces it). Rounds pick from the merged bank, reloaded whenever the
// version counter moved.
//
//	quiz:{quiz}:custom      HASH id -> JSON Question
//	quiz:{quiz}:custom:ver  INCR on every change

type bankState struct {
	bank   []Question
	ver    int64
	custom map[string]bool
}

type liveBank struct {
	files []Question
	cur   atomic.Pointer[bankState]
}

func newLiveBank(files []Question) *liveBank {
	l := &liveBank{files: files}
	l.cur.Store(&bankState{bank: files, ver: -1})
	return l
}

func (f *Feature) questions() []Question { return f.live.cur.Load().bank }

func (f *Feature) sync(ctx context.Context) error {
	ver, err := f.env.Redis.Get(ctx, f.key("custom", "ver")).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("custom questions version: %w", err)
	}
	if ver == f.live.cur.Load().ver {
		return nil
	}
	h, err := f.env.Redis.HGetAll(ctx, f.key("custom")).Result()
	if err != nil {
		return fmt.Errorf("custom questions: %w", err)
	}
	ids := make([]string, 0, len(h))
	for id := range h {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var more []Question
	custom := map[string]bool{}
	for _, id := range ids {
		var q Question
		if err := json.Unmarshal([]byte(h[id]), &q); err != nil || q.ID == "" {
			continue
		}
		more = append(more, q)
		custom[q.ID] = true
	}
	f.live.cur.Store(&bankState{bank: merge(f.live.files, more), ver: ver, custom: custom})
	return nil
}

// BankEntry is a question with where it comes from.
type BankEntry struct {
	Question
	// Custom is true for questions added or edited on the console.
	Custom bool
}

// Questions returns the whole bank in order, with the console's additions.
func (f *Feature) Questions(ctx context.Context) ([]BankEntry, error) {
	if err := f.sync(ctx); err != nil {
		return nil, err
	}
	st := f.live.cur.Load()
	out := make([]BankEntry, len(st.bank))
	for i, q := range st.bank {
		out[i] = BankEntry{Question: q, Custom: st.custom[q.ID]}
	}
	return out, nil
}

// SaveQuestions checks every question (Question.Check, and ids unique
// among them) and, when none has a problem, stores them all, adding new ids
// and replacing questions with the same id. Problems come back keyed by
// position, nothing stored.
func (f *Feature) SaveQuestions(ctx context.Context, qs []Question) (map[int][]string, error) {
	probs := map[int][]string{}
	seen := map[string]bool{}
	for i, q := range qs {
		if p := q.Check(); len(p) > 0 {
			probs[i] = p
		}
		if seen[q.ID] {
			probs[i] = append(probs[i], "编号 "+q.ID+" 重复")
		}
		seen[q.ID] = true
	}
	if len(probs) > 0 || len(qs) == 0 {
		return probs, nil
	}
	fields := make([]any, 0, 2*len(qs))
	for _, q := range qs {
		data, err := json.Marshal(q)
		if err != nil {
			return nil, fmt.Errorf("save question %s: %w", q.ID, err)
		}
		fields = append(fields, q.ID, string(data))
	}
	pipe := f.env.Redis.TxPipeline()
	pipe.HSet(ctx, f.key("custom"), fields...)
	pipe.Incr(ctx, f.key("custom", "ver"))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("save questions: %w", err)
	}
	return nil, f.sync(ctx)
}
