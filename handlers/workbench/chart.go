package workbench

import (
	"fmt"
	"strconv"
	"strings"

	"gridbot/handlers/ledger"
)

// chart is the ledger's month chart as inline SVG (no scripts): activities
// per month as bars on the left axis (those still to come lighter, on
// top), sign-ups and check-ins (人次) as lines on the right axis, as the
// workbook's chart has them. Coordinates are SVG units.
type chart struct {
	Width, Height, Left, Right, Top, Base int
	Bars                                  []chartBar
	Lines                                 []chartLine
	Ticks                                 []chartTick
	Labels                                []chartLabel
	// Empty is true when the period has no activity, sign-up or check-in;
	// MidX, MidY is where the chart says so.
	Empty      bool
	MidX, MidY int
}

type chartBar struct {
	X, Y, W, H int
	Class      string
	Title      string
	Value      int
}

type chartLine struct {
	Class, Points string
	Dots          []chartDot
}

type chartDot struct {
	X, Y  int
	Value int64
	Title string
}

type chartTick struct {
	Y           int
	Left, Right string
}

type chartLabel struct {
	X    int
	Text string
}

const (
	chartGroup  = 72
	chartLeft   = 44
	chartRight  = 52
	chartTop    = 22
	chartBase   = 200
	chartBarW   = 26
	chartTicks  = 4
	chartHeight = chartBase + 34
)

// monthChart draws rows; all-zero rows give an Empty chart with its axes.
func monthChart(rows []ledger.MonthRow) chart {
	c := chart{Left: chartLeft, Top: chartTop, Base: chartBase, Height: chartHeight}
	c.Width = max(chartLeft+chartRight+chartGroup*len(rows), 360)
	c.Right = c.Width - chartRight
	var acts, people int64
	for _, m := range rows {
		acts = max(acts, int64(m.Activities+m.Planned))
		people = max(people, int64(m.Signups), m.CheckIns)
	}
	c.Empty = acts == 0 && people == 0
	c.MidX, c.MidY = (chartLeft+c.Right)/2, (chartTop+chartBase)/2
	actStep, peopleStep := niceStep(acts), niceStep(people)
	span := chartBase - chartTop
	for i := 0; i <= chartTicks; i++ {
		c.Ticks = append(c.Ticks, chartTick{Y: chartBase - span*i/chartTicks,
			Left: strconv.FormatInt(actStep*int64(i), 10), Right: strconv.FormatInt(peopleStep*int64(i), 10)})
	}
	y := func(v, step int64) int { return chartBase - int(v*int64(span)/(step*chartTicks)) }
	sign := chartLine{Class: "l2"}
	check := chartLine{Class: "l3"}
	var sp, cp []string
	for i, m := range rows {
		mid := chartLeft + chartGroup*i + chartGroup/2
		c.Labels = append(c.Labels, chartLabel{X: mid, Text: monthLabel(m.Month, len(rows))})
		held := y(int64(m.Activities), actStep)
		if m.Activities > 0 {
			c.Bars = append(c.Bars, chartBar{X: mid - chartBarW/2, Y: held, W: chartBarW, H: chartBase - held,
				Class: "b1", Value: m.Activities, Title: fmt.Sprintf("%s 开展活动 %d 次", m.Month, m.Activities)})
		}
		if m.Planned > 0 {
			top := y(int64(m.Activities+m.Planned), actStep)
			c.Bars = append(c.Bars, chartBar{X: mid - chartBarW/2, Y: top, W: chartBarW, H: held - top,
				Class: "b1 planned", Value: m.Planned, Title: fmt.Sprintf("%s 待开展活动 %d 次", m.Month, m.Planned)})
		}
		sy, cy := y(int64(m.Signups), peopleStep), y(m.CheckIns, peopleStep)
		sp, cp = append(sp, fmt.Sprintf("%d,%d", mid, sy)), append(cp, fmt.Sprintf("%d,%d", mid, cy))
		sign.Dots = append(sign.Dots, chartDot{X: mid, Y: sy, Value: int64(m.Signups), Title: fmt.Sprintf("%s 报名 %d 人次", m.Month, m.Signups)})
		check.Dots = append(check.Dots, chartDot{X: mid, Y: cy, Value: m.CheckIns, Title: fmt.Sprintf("%s 签到 %d 人次", m.Month, m.CheckIns)})
	}
	sign.Points, check.Points = strings.Join(sp, " "), strings.Join(cp, " ")
	c.Lines = []chartLine{sign, check}
	return c
}

// niceStep is the tick step for values up to most: 1, 2 or 5 times a
// power of ten, so four steps reach most.
func niceStep(most int64) int64 {
	need := max((most+chartTicks-1)/chartTicks, 1)
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= need {
				return m * p
			}
		}
	}
}

// monthLabel is "3月" for a year or less of months, "2026-03" beyond.
func monthLabel(month string, n int) string {
	if n > 12 || len(month) != 7 {
		return month
	}
	m, err := strconv.Atoi(month[5:])
	if err != nil {
		return month
	}
	return strconv.Itoa(m) + "月"
}
