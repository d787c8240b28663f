package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gridbot/bot"
	"gridbot/bot/grid"
)

// report builds the report of the period typed and sends it privately:
// staff get the community's (or the grids they name), grid workers their
// own grids' (in a group, that group's grid).
func (f *Feature) report(ctx context.Context, c *bot.Context) error {
	periodText, named, err := f.splitGrids(ctx, c.Args)
	if err != nil {
		return err
	}
	p, err := ParsePeriod(periodText, f.env.Now(), f.env.Loc)
	if err != nil {
		return err
	}
	scope, err := f.reportScope(ctx, c, named)
	if err != nil {
		return err
	}
	r, err := f.BuildFor(ctx, p, scope)
	if err != nil {
		return err
	}
	data, err := f.XLSX(r)
	if err != nil {
		return err
	}
	err = c.Private(ctx, bot.Message{Text: SummaryText(r), File: &bot.File{Name: FileName(r), Data: data}})
	if err != nil {
		f.log.Warn("send report privately", "user", c.Update.User, "err", err)
		return bot.Userf(msgReportNoDM, bot.Esc(bot.Normalize(c.Args)))
	}
	if c.InGroup() {
		return c.ReplyMessage(ctx, bot.Message{Text: msgReportSent, ReplyTo: c.Update.MessageID})
	}
	return nil
}

// FileName is the workbook's file name: 网格工作报表_20261101_20261130.xlsx,
// with the grids of a grid report before the dates.
func FileName(r *Report) string {
	dates := strings.ReplaceAll(r.From+"_"+r.To, "-", "")
	if len(r.Scope) > 0 {
		dates = strings.Join(r.Scope, "_") + "_" + dates
	}
	return fmt.Sprintf(msgReportFileFmt, dates)
}

// splitGrids takes the words of args that name a bound grid (3网格, 3) out
// of the period text.
func (f *Feature) splitGrids(ctx context.Context, args string) (rest string, grids []string, err error) {
	words := bot.Fields(bot.Normalize(args))
	if len(words) == 0 {
		return "", nil, nil
	}
	names, err := f.env.Dir.GridNames(ctx)
	if err != nil {
		return "", nil, err
	}
	var keep []string
	for _, w := range words {
		if g := grid.NormalizeGrid(w); slices.Contains(names, g) {
			grids = append(grids, g)
			continue
		}
		keep = append(keep, w)
	}
	return strings.Join(keep, " "), grids, nil
}

// reportScope returns the grids the speaker's report covers: what staff
// named (nil: all), and for a grid worker the named grids if they are all
// theirs, else their grids (in a group, that group's).
func (f *Feature) reportScope(ctx context.Context, c *bot.Context, named []string) ([]string, error) {
	if c.Role >= bot.Staff {
		return named, nil
	}
	mine, err := f.env.Dir.WorkerGrids(ctx, c.Update.User)
	if err != nil {
		return nil, err
	}
	if c.InGroup() && c.Grid != "" && !slices.Contains(mine, c.Grid) {
		mine = append(mine, c.Grid)
		grid.SortGrids(mine)
	}
	if len(mine) == 0 {
		return nil, bot.Userf(msgReportNoGrid)
	}
	for _, g := range named {
		if !slices.Contains(mine, g) {
			return nil, bot.Userf(msgReportNotYours, bot.Esc(g), bot.Esc(strings.Join(mine, "、")))
		}
	}
	switch {
	case len(named) > 0:
		return named, nil
	case c.InGroup() && c.Grid != "":
		return []string{c.Grid}, nil
	}
	return mine, nil
}

// SummaryText is the short Chinese summary sent with the workbook; a grid
// report's names its grids and their ranks.
func SummaryText(r *Report) string {
	s := r.Summary
	var b strings.Builder
	label := r.Label
	if len(r.Scope) > 0 {
		label = strings.Join(r.Scope, "、") + " · " + r.Label
	}
	fmt.Fprintf(&b, msgReportHead, bot.Esc(label), r.From, r.To)
	empty := true
	if s.PushTotal > 0 {
		fmt.Fprintf(&b, msgReportPushes, Count(int64(s.PushTotal)), Count(s.Reach))
		empty = false
	}
	if s.Recalled > 0 {
		fmt.Fprintf(&b, msgReportRecalled, s.Recalled)
	}
	if s.Activities > 0 {
		fmt.Fprintf(&b, msgReportActs, s.Activities, Count(int64(s.Signups-s.PlannedSignups)), Count(s.CheckIns))
		empty = false
	}
	if s.Planned > 0 {
		fmt.Fprintf(&b, msgReportPlanned, s.Planned, Count(int64(s.PlannedSignups)))
		empty = false
	}
	if s.VolunteerHours > 0 {
		fmt.Fprintf(&b, msgReportVol, Hours(s.VolunteerHours), s.Volunteers)
	}
	if s.QuizRounds > 0 {
		if s.QuizAnswered > 0 {
			fmt.Fprintf(&b, msgReportQuiz, s.QuizRounds, Count(int64(s.QuizPlayers)), Percent(s.QuizRate))
		} else {
			fmt.Fprintf(&b, msgReportQuizPlayers, s.QuizRounds, Count(int64(s.QuizPlayers)))
		}
		empty = false
	}
	if empty {
		b.WriteString(msgReportEmpty)
	}
	if len(r.Scope) > 0 {
		for _, g := range r.Grids {
			if g.Score > 0 {
				fmt.Fprintf(&b, msgReportRank, bot.Esc(g.Grid), g.Rank, r.RankedAmong, oneDecimal(g.Score))
			}
		}
	} else {
		for _, g := range r.Grids {
			if g.Rank == 1 && g.Score > 0 {
				fmt.Fprintf(&b, msgReportTop, bot.Esc(g.Grid), oneDecimal(g.Score))
				break
			}
		}
	}
	b.WriteString(msgReportFile)
	return b.String()
}

// years is how many calendar years of volunteer hours are kept and summed.
func (f *Feature) years() int { return max(1, int(f.cfg.Retention.Hours()/24/365)) }

// VolunteerHours returns a person's hours per year for the years kept
// (this year first) from the events feature's records.
func (f *Feature) VolunteerHours(ctx context.Context, u bot.UserRef) ([]float64, error) {
	hours, err := f.events.VolunteerHours(ctx, f.yearsKept(), []bot.UserRef{u})
	if err != nil {
		return nil, fmt.Errorf("volunteer hours of %s: %w", u, err)
	}
	out := make([]float64, len(hours))
	for i, y := range hours {
		out[i] = y[0]
	}
	return out, nil
}

// yearsKept lists the calendar years of volunteer hours kept, this year
// first.
func (f *Feature) yearsKept() []int {
	now := f.env.Now().In(f.env.Loc)
	out := make([]int, f.years())
	for i := range out {
		out[i] = now.Year() - i
	}
	return out
}

func (f *Feature) volunteer(ctx context.Context, c *bot.Context) error {
	hours, err := f.VolunteerHours(ctx, c.Update.User)
	if err != nil {
		return err
	}
	total := 0.0
	for _, h := range hours {
		total += h
	}
	if total == 0 {
		return c.ReplyMessage(ctx, bot.Message{Text: msgVolNone, ReplyTo: c.Update.MessageID})
	}
	var b strings.Builder
	b.WriteString(msgVolHead)
	fmt.Fprintf(&b, msgVolYear, Hours(hours[0]))
	fmt.Fprintf(&b, msgVolTotal, len(hours), Hours(total))
	stars := f.Stars(total)
	if stars == 0 {
		b.WriteString(msgVolNoStar)
	} else {
		fmt.Fprintf(&b, msgVolStars, StarText(stars))
	}
	if stars < len(f.cfg.Stars) {
		fmt.Fprintf(&b, msgVolNext, Hours(f.cfg.Stars[stars]-total), strings.Repeat("★", stars+1))
	} else {
		b.WriteString(msgVolTop)
	}
	b.WriteString(msgVolThank)
	return c.ReplyMessage(ctx, bot.Message{Text: b.String(), ReplyTo: c.Update.MessageID})
}
