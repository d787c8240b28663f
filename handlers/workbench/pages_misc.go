package workbench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/handlers/custgroups"
	"gridbot/handlers/ledger"
	"gridbot/handlers/quiz"
)

// push is one of today's broadcasts on the overview; State says how it
// stands when it is not simply done (待发 明天 07:30, 发送中, 已撤回).
type push struct {
	R        outbox.Report
	Kind     string
	State    string
	Failures []outbox.Failure
}

// waiting says how the deliveries of r not yet made stand: held until a
// time ("待发 明天 07:30"), or being sent; "" when none is left.
func (f *Feature) waiting(r outbox.Report) string {
	now := f.env.Now()
	switch {
	case r.Pending == 0:
		return ""
	case r.Due.After(now):
		return stWaiting + outbox.When(r.Due, now, f.env.Loc)
	}
	return stSending
}

// pushState is how a broadcast stands on the overview.
func (f *Feature) pushState(r outbox.Report) string {
	switch {
	case r.State == "recalled":
		return stRecalled
	case r.State == "cancelled" && r.Sent == 0:
		return stCancelled
	}
	return f.waiting(r)
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
		it := push{R: rep, Kind: kindNames[rep.Kind], State: f.pushState(rep)}
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
	grid.Grid
	Workers []string
}

// gridsPage is the 网格 page: the grids, and the customer groups with
// their mapping and the group-sends still waiting for their owners.
type gridsPage struct {
	Grids []gridView
	Names []string
	// Cust is false when no corp is configured.
	Cust     bool
	Groups   []custgroups.Group
	Waiting  []custgroups.Send
	Settled  []custgroups.Send
	Synced   string
	SyncFail string
}

// custPage fills the customer-group part of the 网格 page: grid workers
// see only their grids' groups and sends.
func (f *Feature) custPage(ctx context.Context, v *viewer, p *gridsPage) error {
	cg := f.d.CustGroups
	if cg == nil {
		return nil
	}
	p.Cust = true
	gs, err := cg.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if v.Staff || (g.Grid != "" && v.Sees(g.Grid)) {
			p.Groups = append(p.Groups, g)
		}
	}
	sends, err := cg.Sends(ctx, 7)
	if err != nil {
		return err
	}
	for _, s := range sends {
		switch {
		case !v.Staff && !v.Sees(s.Grid):
		case s.Waiting():
			p.Waiting = append(p.Waiting, s)
		default:
			p.Settled = append(p.Settled, s)
		}
	}
	at, fail, err := cg.LastSync(ctx)
	if err != nil {
		return err
	}
	if !at.IsZero() {
		p.Synced = at.In(f.env.Loc).Format("01-02 15:04")
	}
	p.SyncFail = fail
	return nil
}

func (f *Feature) custSync(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if f.d.CustGroups == nil {
		return refuse(http.StatusNotFound, msgNotFound)
	}
	reply, err := f.d.CustGroups.SyncNow(r.Context())
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply, "/console/grids#custgroups")
}

func (f *Feature) custMap(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if f.d.CustGroups == nil {
		return refuse(http.StatusNotFound, msgNotFound)
	}
	grid := strings.TrimSpace(r.PostFormValue("new_grid"))
	if grid == "" {
		grid = strings.TrimSpace(r.PostFormValue("grid"))
	}
	if grid == "-" {
		grid = ""
	}
	reply, err := f.d.CustGroups.Map(r.Context(), r.PostFormValue("chat"), grid)
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply, "/console/grids#custgroups")
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
	p := gridsPage{Grids: out}
	for _, g := range gs {
		p.Names = append(p.Names, g.Name)
	}
	if err := f.custPage(r.Context(), v, &p); err != nil {
		return err
	}
	f.render(w, http.StatusOK, "grids", page{V: v, Title: "网格", Nav: "grids", D: p})
	return nil
}

// ledgerPeriods are the periods the ledger page offers to pick.
var ledgerPeriods = []string{"本月", "上月", "本周", "上周", "今年", "去年"}

type ledgerPage struct {
	Grid    string
	Choices []string
	// Periods are the picks; Period is the one picked, Custom what was
	// typed instead, Spec the one in effect (for the workbook link).
	Periods              []string
	Period, Custom, Spec string
	R                    *ledger.Report
	Chart                chart
	Pushes               []string
}

// ledgerSpec is the period asked for: what was typed (custom), else the
// pick (period), else month or from–to (older links), else 本月.
func ledgerSpec(r *http.Request) (spec, picked, custom string) {
	q := r.URL.Query()
	custom, picked = strings.TrimSpace(q.Get("custom")), strings.TrimSpace(q.Get("period"))
	switch from, to := q.Get("from"), q.Get("to"); {
	case custom != "":
		return custom, "", custom
	case picked != "":
		spec = picked
	case q.Get("month") != "":
		spec = q.Get("month")
	case from != "" && to != "":
		spec = from + " " + to
	default:
		spec = ledgerPeriods[0]
	}
	if !slices.Contains(ledgerPeriods, spec) {
		return spec, "", spec
	}
	return spec, spec, ""
}

func (f *Feature) ledgerReport(r *http.Request, v *viewer) (string, *ledger.Report, error) {
	spec, _, _ := ledgerSpec(r)
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
	spec, picked, custom := ledgerSpec(r)
	p := ledgerPage{Periods: ledgerPeriods, Period: picked, Custom: custom, Spec: spec, Grid: r.URL.Query().Get("grid"), Choices: v.Grids}
	if v.Staff {
		var err error
		if p.Choices, err = f.env.Dir.GridNames(r.Context()); err != nil {
			return err
		}
	}
	_, rep, err := f.ledgerReport(r, v)
	if msg, ok := bot.UserMessage(err); ok {
		f.render(w, statusFor(err), "ledger", page{V: v, Title: "台账", Nav: "ledger", Error: bot.PlainText(msg), D: p})
		return nil
	}
	if err != nil {
		return err
	}
	p.R, p.Chart = rep, monthChart(rep.Months)
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
