package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/handlers/events"
)

// report builds the report of the period typed and sends it privately.
func (f *Feature) report(ctx context.Context, c *bot.Context) error {
	p, err := ParsePeriod(c.Args, f.env.Now(), f.env.Loc)
	if err != nil {
		return err
	}
	r, err := f.Build(ctx, p)
	if err != nil {
		return err
	}
	data, err := f.XLSX(r)
	if err != nil {
		return err
	}
	name := fmt.Sprintf(msgReportFileFmt, strings.ReplaceAll(r.From+"_"+r.To, "-", ""))
	err = c.Private(ctx, bot.Message{Text: SummaryText(r), File: &bot.File{Name: name, Data: data}})
	if err != nil {
		f.log.Warn("send report privately", "user", c.Update.User, "err", err)
		return bot.Userf(msgReportNoDM, bot.Esc(bot.Normalize(c.Args)))
	}
	if c.InGroup() {
		return c.ReplyMessage(ctx, bot.Message{Text: msgReportSent, ReplyTo: c.Update.MessageID})
	}
	return nil
}

// SummaryText is the short Chinese summary sent with the workbook.
func SummaryText(r *Report) string {
	s := r.Summary
	var b strings.Builder
	fmt.Fprintf(&b, msgReportHead, bot.Esc(r.Label), r.From, r.To)
	empty := true
	if s.PushTotal > 0 {
		fmt.Fprintf(&b, msgReportPushes, Count(int64(s.PushTotal)), Count(s.Reach))
		empty = false
	}
	if s.Activities > 0 {
		fmt.Fprintf(&b, msgReportActs, s.Activities, Count(int64(s.Signups)), Count(s.CheckIns))
		empty = false
	}
	if s.Planned > 0 {
		fmt.Fprintf(&b, msgReportPlanned, s.Planned)
		empty = false
	}
	if s.VolunteerHours > 0 {
		fmt.Fprintf(&b, msgReportVol, Hours(s.VolunteerHours), s.Volunteers)
	}
	if s.QuizRounds > 0 {
		fmt.Fprintf(&b, msgReportQuiz, s.QuizRounds, Count(int64(s.QuizPlayers)), Percent(s.QuizRate))
		empty = false
	}
	if empty {
		b.WriteString(msgReportEmpty)
	}
	for _, g := range r.Grids {
		if g.Rank == 1 && g.Score > 0 {
			fmt.Fprintf(&b, msgReportTop, bot.Esc(g.Grid), oneDecimal(g.Score))
			break
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
	years := f.years()
	now := f.env.Now().In(f.env.Loc)
	pipe := f.env.Redis.Pipeline()
	cmds := make([]*redis.StringCmd, years)
	for i := range cmds {
		cmds[i] = pipe.HGet(ctx, events.VolunteerKey(f.env.Keys, strconv.Itoa(now.Year()-i)), string(u))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("volunteer hours of %s: %w", u, err)
	}
	out := make([]float64, years)
	for i, c := range cmds {
		out[i], _ = c.Float64()
	}
	return out, nil
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
