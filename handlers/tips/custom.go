package tips

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"gopkg.in/yaml.v3"
)

// Tips staff add or edit on the web console live in Redis, over the bank
// loaded from files at start-up (a tip with the id of a file tip replaces
// it). Every replica reloads them when the version counter moves, before it
// takes a tip, so all replicas push from the same bank.
//
//	tip:{tip}:custom      HASH id -> JSON Tip
//	tip:{tip}:custom:ver  INCR on every change

type bankState struct {
	bank   *Bank
	order  []string
	ver    int64
	custom map[string]bool
}

type liveBank struct {
	files *Bank
	cur   atomic.Pointer[bankState]
}

func newLiveBank(files *Bank) *liveBank {
	l := &liveBank{files: files}
	l.cur.Store(&bankState{bank: files, order: files.Order(), ver: -1})
	return l
}

func (f *Feature) cur() *bankState { return f.live.cur.Load() }

func (f *Feature) customKey() string    { return f.key("custom") }
func (f *Feature) customVerKey() string { return f.key("custom", "ver") }

// sync reloads the custom tips when another replica (or this one) changed
// them; one round trip when nothing changed. On error it keeps the bank it
// has.
func (f *Feature) sync(ctx context.Context) {
	if err := f.syncErr(ctx); err != nil {
		f.env.Log.Warn("tips: reload custom tips", "err", err)
	}
}

func (f *Feature) syncErr(ctx context.Context) error {
	ver, err := f.env.Redis.Get(ctx, f.customVerKey()).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("custom tips version: %w", err)
	}
	if ver == f.cur().ver {
		return nil
	}
	h, err := f.env.Redis.HGetAll(ctx, f.customKey()).Result()
	if err != nil {
		return fmt.Errorf("custom tips: %w", err)
	}
	b := &Bank{}
	for _, t := range f.live.files.Tips {
		b.add(t)
	}
	ids := make([]string, 0, len(h))
	for id := range h {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	custom := map[string]bool{}
	for _, id := range ids {
		var t Tip
		if err := json.Unmarshal([]byte(h[id]), &t); err != nil || t.ID == "" {
			continue
		}
		b.add(t)
		custom[t.ID] = true
	}
	f.live.cur.Store(&bankState{bank: b, order: b.Order(), ver: ver, custom: custom})
	return nil
}

// Entry is a tip with where it comes from.
type Entry struct {
	Tip
	// Custom is true for tips added or edited on the console.
	Custom bool
}

// Tips returns every tip in push order, with the console's additions.
func (f *Feature) Tips(ctx context.Context) ([]Entry, error) {
	if err := f.syncErr(ctx); err != nil {
		return nil, err
	}
	st := f.cur()
	out := make([]Entry, 0, len(st.order))
	for _, id := range st.order {
		t, _ := st.bank.Get(id)
		out = append(out, Entry{Tip: t, Custom: st.custom[id]})
	}
	return out, nil
}

// Tip returns the tip with id.
func (f *Feature) Tip(ctx context.Context, id string) (Entry, bool, error) {
	if err := f.syncErr(ctx); err != nil {
		return Entry{}, false, err
	}
	st := f.cur()
	t, ok := st.bank.Get(id)
	return Entry{Tip: t, Custom: st.custom[id]}, ok, nil
}

// Check returns the problems of one tip, by the same rules as a bank
// file; only errors, warnings left out.
func Check(t Tip) []string {
	data, err := yaml.Marshal([]Tip{t})
	if err != nil {
		return []string{err.Error()}
	}
	_, probs := ParseBank(data)
	var out []string
	for _, p := range probs {
		if !p.Warning {
			out = append(out, p.Msg)
		}
	}
	return out
}

// SaveTips checks every tip and, when none has a problem, stores them all
// (adding new ids, replacing tips with the same id). The problems come
// back keyed by position in tips, nothing stored.
func (f *Feature) SaveTips(ctx context.Context, tips []Tip) (map[int][]string, error) {
	probs := map[int][]string{}
	for i, t := range tips {
		if p := Check(t); len(p) > 0 {
			probs[i] = p
		}
	}
	if len(probs) > 0 {
		return probs, nil
	}
	if len(tips) == 0 {
		return nil, nil
	}
	fields := make([]any, 0, 2*len(tips))
	for _, t := range tips {
		data, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("save tip %s: %w", t.ID, err)
		}
		fields = append(fields, t.ID, string(data))
	}
	pipe := f.env.Redis.TxPipeline()
	pipe.HSet(ctx, f.customKey(), fields...)
	pipe.Incr(ctx, f.customVerKey())
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("save tips: %w", err)
	}
	return nil, f.syncErr(ctx)
}

// tipColumns maps CSV/XLSX header names (Chinese or English) to fields.
var tipColumns = map[string]string{
	"id": "id", "编号": "id",
	"category": "category", "分类": "category", "类别": "category",
	"title": "title", "标题": "title",
	"body": "body", "内容": "body", "正文": "body",
	"source": "source", "来源": "source", "出处": "source",
}

// ParseTable reads tips from rows of a table (CSV or a sheet): a header
// row naming 编号/id, 分类/category, 标题/title, 内容/body and optional
// 来源/source, then one tip per row. Every problem names its line (row
// number, header is line 1); with any problem no tips are returned.
func ParseTable(rows [][]string) ([]Tip, []Problem) {
	if len(rows) == 0 {
		return nil, []Problem{{Line: 1, Msg: "文件是空的"}}
	}
	cols := map[string]int{}
	for i, h := range rows[0] {
		if f, ok := tipColumns[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))]; ok {
			cols[f] = i
		}
	}
	var probs []Problem
	for _, need := range []string{"id", "category", "title", "body"} {
		if _, ok := cols[need]; !ok {
			probs = append(probs, Problem{Line: 1, Msg: "表头缺少「" + map[string]string{"id": "编号", "category": "分类", "title": "标题", "body": "内容"}[need] + "」列"})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	cell := func(row []string, f string) string {
		i, ok := cols[f]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var tips []Tip
	seen := map[string]int{}
	for i, row := range rows[1:] {
		line := i + 2
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		t := Tip{ID: cell(row, "id"), Category: cell(row, "category"), Title: cell(row, "title"),
			Body: cell(row, "body"), Source: cell(row, "source")}
		for _, p := range Check(t) {
			probs = append(probs, Problem{Line: line, Msg: p})
		}
		if first, dup := seen[t.ID]; dup && t.ID != "" {
			probs = append(probs, Problem{Line: line, Msg: fmt.Sprintf("编号 %q 与第 %d 行重复", t.ID, first)})
		}
		seen[t.ID] = line
		tips = append(tips, t)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	if len(tips) == 0 {
		return nil, []Problem{{Line: 2, Msg: "表里没有内容行"}}
	}
	return tips, nil
}

// ReadCSV reads a CSV file (UTF-8, as Excel saves "CSV UTF-8") into rows.
func ReadCSV(r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, errors.New("文件不是 UTF-8 编码。请在 Excel 里选「另存为」→「CSV UTF-8（逗号分隔）」后再导入")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf(msgCSVLine, pe.Line, csvProblem(pe.Err))
		}
		return nil, errors.New(msgCSVBad)
	}
	return rows, nil
}

// csvProblem says in Chinese what is wrong with a CSV line.
func csvProblem(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return msgCSVBareQuote
	case errors.Is(err, csv.ErrQuote):
		return msgCSVQuote
	}
	return msgCSVOther
}
