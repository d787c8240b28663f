package ledger

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook, in order.
const (
	SheetSummary    = "汇总"
	SheetPushes     = "宣传推送"
	SheetActivities = "活动台账"
	SheetQuiz       = "知识竞答"
	SheetGrids      = "网格评比"
	SheetVolunteers = "志愿服务"
)

type column struct {
	Head  string
	Width float64
}

// XLSX renders the report as a workbook with the six sheets, each with a
// header row, frozen panes and column widths; the summary has a chart of
// activity per month.
func (f *Feature) XLSX(r *Report) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", SheetSummary); err != nil {
		return nil, fmt.Errorf("report xlsx: %w", err)
	}
	steps := []func(*excelize.File, *Report) error{
		f.summarySheet, pushSheet, activitySheet, quizSheet, f.gridSheet, f.volunteerSheet,
	}
	for _, step := range steps {
		if err := step(x, r); err != nil {
			return nil, fmt.Errorf("report xlsx: %w", err)
		}
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("report xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// table writes a sheet of a header row and rows through a stream writer,
// with the header frozen.
func table(x *excelize.File, sheet string, cols []column, rows [][]any, after ...[]any) error {
	if _, err := x.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(frozen()); err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: bold, Value: c.Head}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	n := 2
	for _, row := range append(rows, after...) {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
		n++
	}
	return sw.Flush()
}

// numStyles returns the styles of rates (86%) and one-decimal figures
// (12.5), so those cells hold numbers staff can sort and average.
func numStyles(x *excelize.File) (pct, dec int, err error) {
	if pct, err = x.NewStyle(&excelize.Style{NumFmt: 9}); err != nil {
		return 0, 0, err
	}
	format := "0.0"
	dec, err = x.NewStyle(&excelize.Style{CustomNumFmt: &format})
	return pct, dec, err
}

// num is a number cell of style id.
func num(style int, v float64) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

func frozen() *excelize.Panes {
	return &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}
}

func (f *Feature) summarySheet(x *excelize.File, r *Report) error {
	const sh = SheetSummary
	s := r.Summary
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	wrap, err := x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	pct, _, err := numStyles(x)
	if err != nil {
		return err
	}
	area := "全社区"
	if len(r.Scope) > 0 {
		area = strings.Join(r.Scope, "、")
	}
	rows := [][]any{
		{"统计期间", fmt.Sprintf("%s（%s 至 %s）", r.Label, r.From, r.To)},
		{"统计范围", area},
		{"网格数", s.Grids},
		{"群成员总数（人）", s.Members},
		{"推送总数（条）", s.PushTotal},
	}
	for _, k := range kinds {
		rows = append(rows, []any{"　其中" + k.Name + "（条）", s.Pushes[k.Kind]})
	}
	rows = append(rows,
		[]any{"已撤回推送（条，不计入）", s.Recalled},
		[]any{"覆盖群众（人次）", s.Reach},
		[]any{"送达群次", s.Groups},
		[]any{"开展活动（次）", s.Activities},
		[]any{"活动报名（人次）", s.Signups},
		[]any{"　其中计划活动的报名（人次）", s.PlannedSignups},
		[]any{"候补（户）", s.Waitlist},
		[]any{"活动签到（人次）", s.CheckIns},
		[]any{"志愿服务时长（小时）", s.VolunteerHours},
		[]any{"参加志愿服务（人）", s.Volunteers},
		[]any{"知识竞答（期）", s.QuizRounds},
		[]any{"竞答参与（人次）", s.QuizPlayers},
	)
	rateRow := len(rows) + 2
	if s.QuizAnswered > 0 {
		rows = append(rows, []any{"竞答平均正确率", s.QuizRate})
	} else {
		rows = append(rows, []any{"竞答平均正确率", "—"})
	}
	rows = append(rows, []any{"计划活动（次，尚未开展）", s.Planned})
	if err := x.SetSheetRow(sh, "A1", &[]any{"项目", "数值"}); err != nil {
		return err
	}
	for i, row := range rows {
		if err := x.SetSheetRow(sh, fmt.Sprintf("A%d", i+2), &row); err != nil {
			return err
		}
	}
	if s.QuizAnswered > 0 {
		cell := fmt.Sprintf("B%d", rateRow)
		_ = x.SetCellStyle(sh, cell, cell, pct)
	}
	p := len(rows) + 3
	if err := x.SetCellStr(sh, fmt.Sprintf("A%d", p), "工作小结（可直接使用）"); err != nil {
		return err
	}
	if err := x.SetCellStr(sh, fmt.Sprintf("A%d", p+1), s.Paragraph); err != nil {
		return err
	}
	if err := x.MergeCell(sh, fmt.Sprintf("A%d", p+1), fmt.Sprintf("B%d", p+1)); err != nil {
		return err
	}
	_ = x.SetCellStyle(sh, fmt.Sprintf("A%d", p+1), fmt.Sprintf("B%d", p+1), wrap)
	_ = x.SetRowHeight(sh, p+1, 16*float64(2+len([]rune(s.Paragraph))/26))
	_ = x.SetCellStyle(sh, "A1", "B1", bold)
	_ = x.SetCellStyle(sh, fmt.Sprintf("A%d", p), fmt.Sprintf("A%d", p), bold)

	if err := x.SetSheetRow(sh, "D1", &[]any{"月份", "开展活动（次）", "活动报名（人次）", "活动签到（人次）", "推送（条）", "计划活动（次）"}); err != nil {
		return err
	}
	_ = x.SetCellStyle(sh, "D1", "I1", bold)
	for i, m := range r.Months {
		if err := x.SetSheetRow(sh, fmt.Sprintf("D%d", i+2), &[]any{m.Month, m.Activities, m.Signups, m.CheckIns, m.Pushes, m.Planned}); err != nil {
			return err
		}
	}
	_ = x.SetColWidth(sh, "A", "A", 24)
	_ = x.SetColWidth(sh, "B", "B", 46)
	_ = x.SetColWidth(sh, "C", "C", 3)
	_ = x.SetColWidth(sh, "D", "D", 10)
	_ = x.SetColWidth(sh, "E", "I", 16)
	if err := x.SetPanes(sh, frozen()); err != nil {
		return err
	}
	if len(r.Months) == 0 {
		return nil
	}
	last := len(r.Months) + 1
	cats := fmt.Sprintf("%s!$D$2:$D$%d", quote(sh), last)
	series := func(col, name string) excelize.ChartSeries {
		return excelize.ChartSeries{Name: fmt.Sprintf("%s!$%s$1", quote(sh), col), Categories: cats,
			Values: fmt.Sprintf("%s!$%s$2:$%s$%d", quote(sh), col, col, last)}
	}
	// Activities (a few a month) are bars on the left axis; sign-ups and
	// check-ins (hundreds) are lines on their own axis on the right.
	one := 1.0
	zero := 0.0
	return x.AddChart(sh, fmt.Sprintf("D%d", last+2), &excelize.Chart{
		Type:      excelize.Col,
		Series:    []excelize.ChartSeries{series("E", "")},
		Title:     []excelize.RichTextRun{{Text: "每月活动情况"}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 720, Height: 360},
		PlotArea:  excelize.ChartPlotArea{ShowVal: len(r.Months) <= 12},
		YAxis: excelize.ChartAxis{MajorGridLines: true, MajorUnit: one, Minimum: &zero,
			Title: []excelize.RichTextRun{{Text: "活动（次）"}}},
	}, &excelize.Chart{
		Type:   excelize.Line,
		Series: []excelize.ChartSeries{series("F", ""), series("G", "")},
		YAxis: excelize.ChartAxis{Secondary: true, Minimum: &zero,
			Title: []excelize.RichTextRun{{Text: "报名、签到（人次）"}}},
	})
}

func quote(sheet string) string { return "'" + strings.ReplaceAll(sheet, "'", "''") + "'" }

func pushSheet(x *excelize.File, r *Report) error {
	cols := []column{{"日期", 12}, {"类别", 10}, {"标题", 36}, {"状态", 10}, {"网格数", 8}, {"送达群数", 10}, {"覆盖人次", 10}, {"撤回群数", 10}, {"网格", 40}, {"已撤回的网格", 24}}
	if len(r.Scope) > 0 {
		cols = slices.Delete(cols, 5, 8)
	}
	rows := make([][]any, len(r.Pushes))
	for i, p := range r.Pushes {
		rows[i] = []any{p.Day, kindName(p.Kind), p.Title, p.State(), len(p.Grids), p.Groups, p.Members, p.Recalled,
			strings.Join(p.Grids, "、"), strings.Join(p.RecalledGrids, "、")}
		if len(r.Scope) > 0 {
			rows[i] = slices.Delete(rows[i], 5, 8)
		}
	}
	return table(x, SheetPushes, cols, rows)
}

func activitySheet(x *excelize.File, r *Report) error {
	cols := []column{{"编号", 6}, {"日期", 12}, {"时间", 7}, {"活动", 28}, {"地点", 22}, {"名额", 7},
		{"报名户数", 9}, {"报名人数", 9}, {"候补户数", 9}, {"签到户数", 9}, {"签到人数", 9},
		{"每人志愿时长", 12}, {"志愿服务时长（小时）", 18}, {"网格", 30}, {"状态", 8}}
	rows := make([][]any, len(r.Activities))
	for i, a := range r.Activities {
		grids := strings.Join(a.Grids, "、")
		if grids == "" {
			grids = "全部"
		}
		state := "已开展"
		if !a.Held {
			state = "计划中"
		}
		rows[i] = []any{a.ID, a.Start.Format("2006-01-02"), a.Start.Format("15:04"), a.Title, a.Place, a.Seats,
			a.Households, a.Signups, a.Waitlist, a.CheckInHouseholds, a.CheckIns, a.HoursEach, a.VolunteerHours, grids, state}
	}
	return table(x, SheetActivities, cols, rows)
}

func quizSheet(x *excelize.File, r *Report) error {
	cols := []column{{"期数", 6}, {"日期", 12}, {"网格", 14}, {"成员数", 8}, {"参与人数", 9}, {"完成人数", 9},
		{"参与率", 8}, {"总得分", 9}, {"平均得分", 9}, {"正确率", 8}}
	pct, dec, err := numStyles(x)
	if err != nil {
		return err
	}
	var rows [][]any
	for _, q := range r.Quiz {
		grid := q.Grid
		switch {
		case q.Total && len(r.Scope) > 0:
			grid = "合计"
		case q.Total:
			grid = "全部"
		case grid == "":
			grid = "未绑定网格"
		}
		var rate, avg, acc any = "—", "—", ""
		if q.Members > 0 {
			rate = num(pct, float64(q.Players)/float64(q.Members))
		}
		if q.Players > 0 {
			avg = num(dec, math.Round(float64(q.Points)/float64(q.Players)*10)/10)
		}
		if q.Total && q.Answered > 0 {
			acc = num(pct, float64(q.Correct)/float64(q.Answered))
		}
		rows = append(rows, []any{q.Round, q.Opened.Format("2006-01-02"), grid, q.Members, q.Players, q.Done, rate, q.Points, avg, acc})
	}
	after := [][]any{{}, {"最常答错的题目"}, {"期数", "题号", "题目", "作答人次", "答对人次", "正确率"}}
	for _, m := range r.Missed {
		after = append(after, []any{m.Round, m.ID, m.Text, m.Answered, m.Correct, num(pct, float64(m.Correct)/float64(m.Answered))})
	}
	return table(x, SheetQuiz, cols, rows, after...)
}

func (f *Feature) gridSheet(x *excelize.File, r *Report) error {
	cols := []column{{"排名", 6}, {"网格", 14}, {"成员数", 8}, {"收到推送（次）", 14}, {"推送覆盖人次", 13},
		{"活动报名人次", 13}, {"签到人次", 10}, {"竞答参与人次", 13}, {"竞答平均得分", 13}, {"综合得分", 10}}
	sorted := make([]GridRow, len(r.Grids))
	copy(sorted, r.Grids)
	sortByRank(sorted)
	_, dec, err := numStyles(x)
	if err != nil {
		return err
	}
	rows := make([][]any, len(sorted))
	for i, g := range sorted {
		rows[i] = []any{g.Rank, g.Grid, g.Members, g.Pushes, g.Reach, g.Signups, g.CheckIns, g.QuizPlayers,
			num(dec, g.QuizAverage), num(dec, g.Score)}
	}
	w := f.cfg.Weights
	note := fmt.Sprintf("综合得分：各项以最高的网格为100分折算，再按权重加权平均（推送覆盖%s、活动报名%s、签到%s、竞答参与%s、竞答得分%s）。",
		oneDecimal(w.Reach), oneDecimal(w.Signups), oneDecimal(w.Attendance), oneDecimal(w.Quiz), oneDecimal(w.Score))
	if len(r.Scope) > 0 {
		note += fmt.Sprintf("排名是在全社区 %d 个网格中的名次。", r.RankedAmong)
	}
	return table(x, SheetGrids, cols, rows, []any{}, []any{note})
}

func (f *Feature) volunteerSheet(x *excelize.File, r *Report) error {
	years := f.years()
	cols := []column{{"序号", 6}, {"姓名", 14}, {"网格", 14}, {"参加活动（次）", 14}, {"本期服务时长（小时）", 20},
		{fmt.Sprintf("近%d年累计时长（小时）", years), 22}, {"星级（累计）", 12}}
	rows := make([][]any, len(r.Volunteers))
	for i, v := range r.Volunteers {
		rows[i] = []any{i + 1, v.Name, v.Grid, v.Acts, v.Hours, v.Total, StarText(v.Stars)}
	}
	note := fmt.Sprintf("只列本期有服务时长的居民。星级按近%d年累计服务时长（和「志愿时长」里看到的一样）：", years) + f.starRule()
	return table(x, SheetVolunteers, cols, rows, []any{}, []any{note})
}

func (f *Feature) starRule() string {
	var parts []string
	for i, s := range f.cfg.Stars {
		parts = append(parts, fmt.Sprintf("%s满%s小时", strings.Repeat("★", i+1), Hours(s)))
	}
	return strings.Join(parts, "，") + "。"
}
