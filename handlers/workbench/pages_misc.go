package workbench

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/handlers/ledger"
	"gridbot/handlers/quiz"
)

// push is one of today's broadcasts on the overview.
type push struct {
	R        outbox.Report
	Kind     string
	Failures []outbox.Failure
}

var kindNames = map[string]string{"tip": "每日一学", "notice": "通知", "event": "活动", "reminder": "活动提醒", "quiz": "知识竞答"}

type overviewPage struct {
	Today   string
	Pushes  []push
	Failed  []push
	Events  []eventRow
	Quiz    *quiz.RoundRecord
	QuizWas bool
}

func (f *Feature) overview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	now := f.env.Now().In(f.env.Loc)
	y, m, d := now.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, f.env.Loc)
	p := overviewPage{Today: longTime(now, f.env.Loc)}
	reps, err := f.d.Outbox.List(ctx, 100)
	if err != nil {
		return err
	}
	for _, rep := range reps {
		if rep.Kind == outbox.KindReport || rep.Created.Before(midnight.AddDate(0, 0, -6)) {
			continue
		}
		if !v.Staff {
			_, grids, err := f.noticeGrids(r, rep.ID)
			if err != nil {
				return err
			}
			if !v.SeesAny(grids) {
				continue
			}
		}
		it := push{R: rep, Kind: kindNames[rep.Kind]}
		if rep.Failed > 0 {
			st, err := f.d.Outbox.Status(ctx, rep.ID)
			if err != nil {
				return err
			}
			it.Failures = st.Failures
			p.Failed = append(p.Failed, it)
		}
		if !rep.Created.Before(midnight) {
			p.Pushes = append(p.Pushes, it)
		}
	}
	rows, err := f.eventRows(r, v, now)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.Open {
			p.Events = append(p.Events, row)
		}
	}
	if id, err := f.d.Quiz.LastRound(ctx); err == nil && id > 0 {
		rec, err := f.d.Quiz.Record(ctx, id)
		if err != nil {
			return err
		}
		if rec != nil && now.Sub(rec.Opened) < 7*24*time.Hour {
			p.Quiz = rec
		}
	}
	f.render(w, http.StatusOK, "overview", page{V: v, Title: "概览", Nav: "overview", D: p})
	return nil
}

type gridView struct {
	bot.Grid
	Workers []string
}

func (f *Feature) gridList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	gs, err := f.env.Dir.Grids(r.Context())
	if err != nil {
		return err
	}
	var out []gridView
	for _, g := range gs {
		if !v.Sees(g.Name) {
			continue
		}
		ws, err := f.env.Dir.Workers(r.Context(), g.Name)
		if err != nil {
			return err
		}
		gv := gridView{Grid: g}
		for _, u := range ws {
			name, _ := f.env.Dir.Name(r.Context(), u)
			if name == "" {
				name = u.ID()
			}
			gv.Workers = append(gv.Workers, name)
		}
		out = append(out, gv)
	}
	f.render(w, http.StatusOK, "grids", page{V: v, Title: "网格", Nav: "grids", D: out})
	return nil
}

// bar is one bar of the ledger chart, in SVG units.
type bar struct {
	X, Y, W, H int
	Value      int
	Class      string
}

type chart struct {
	Bars   []bar
	Labels []struct {
		X    int
		Text string
	}
	Width, Height, Base int
}

// monthChart draws activities, sign-ups and check-ins per month as grouped
// bars, each series scaled to its own maximum so small counts still show.
func monthChart(rows []ledger.MonthRow) chart {
	const group, barW, top, base = 66, 18, 20, 170
	c := chart{Width: max(group*len(rows)+20, 640), Height: base + 30, Base: base}
	series := []struct {
		class string
		val   func(ledger.MonthRow) int
	}{
		{"b1", func(m ledger.MonthRow) int { return m.Activities }},
		{"b2", func(m ledger.MonthRow) int { return m.Signups }},
		{"b3", func(m ledger.MonthRow) int { return int(m.CheckIns) }},
	}
	for si, s := range series {
		most := 1
		for _, m := range rows {
			most = max(most, s.val(m))
		}
		for i, m := range rows {
			h := s.val(m) * (base - top) / most
			c.Bars = append(c.Bars, bar{X: 14 + i*group + si*barW, Y: base - h, W: barW - 2, H: h, Value: s.val(m), Class: s.class})
		}
	}
	for i, m := range rows {
		c.Labels = append(c.Labels, struct {
			X    int
			Text string
		}{X: 14 + i*group + barW*3/2, Text: m.Month})
	}
	return c
}

type ledgerPage struct {
	Grid    string
	Choices []string
	Period  string
	Month   string
	R       *ledger.Report
	Chart   chart
	Pushes  []string
}

func (f *Feature) ledgerReport(r *http.Request, v *viewer) (string, *ledger.Report, error) {
	spec := strings.TrimSpace(r.URL.Query().Get("period"))
	if m := r.URL.Query().Get("month"); m != "" && spec == "" {
		spec = m
	}
	if from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to"); spec == "" && from != "" && to != "" {
		spec = from + " " + to
	}
	if spec == "" {
		spec = "本月"
	}
	p, err := ledger.ParsePeriod(spec, f.env.Now(), f.env.Loc)
	if err != nil {
		return spec, nil, err
	}
	grids := v.Grids
	if g := r.URL.Query().Get("grid"); g != "" {
		if !v.Sees(g) {
			return spec, nil, refuse(http.StatusForbidden, msgOtherGrid)
		}
		grids = []string{g}
	}
	rep, err := f.d.Ledger.BuildFor(r.Context(), p, grids)
	return spec, rep, err
}

func (f *Feature) ledgerPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	spec, rep, err := f.ledgerReport(r, v)
	if msg, ok := bot.UserMessage(err); ok {
		f.render(w, http.StatusUnprocessableEntity, "ledger", page{V: v, Title: "台账", Nav: "ledger", Error: bot.PlainText(msg),
			D: ledgerPage{Period: spec}})
		return nil
	}
	if err != nil {
		return err
	}
	p := ledgerPage{Period: spec, R: rep, Chart: monthChart(rep.Months), Grid: r.URL.Query().Get("grid"), Choices: v.Grids}
	if v.Staff {
		if p.Choices, err = f.env.Dir.GridNames(r.Context()); err != nil {
			return err
		}
	}
	for _, k := range []string{"tip", "notice", "event", "reminder", "quiz"} {
		if n := rep.Summary.Pushes[k]; n > 0 {
			p.Pushes = append(p.Pushes, fmt.Sprintf("%s %d 次", kindNames[k], n))
		}
	}
	f.render(w, http.StatusOK, "ledger", page{V: v, Title: "台账", Nav: "ledger", D: p})
	return nil
}

func (f *Feature) ledgerFile(w http.ResponseWriter, r *http.Request, v *viewer) error {
	_, rep, err := f.ledgerReport(r, v)
	if err != nil {
		return err
	}
	data, err := f.d.Ledger.XLSX(rep)
	if err != nil {
		return err
	}
	name := "台账_" + strings.ReplaceAll(rep.From+"_"+rep.To, "-", "") + ".xlsx"
	if len(rep.Scope) > 0 {
		name = "台账_" + strings.Join(rep.Scope, "_") + "_" + strings.ReplaceAll(rep.From+"_"+rep.To, "-", "") + ".xlsx"
	}
	download(w, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
	return nil
}
