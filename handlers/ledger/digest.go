package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gridbot/bot"
)

// Digest sends staff (grid.Directory.StaffList, in their private chats) last
// week's figures per grid and how they changed from the week before, as
// news that waits out the quiet hours (bot.Delivery.Notify). It is
// the job main registers under schedule.digest (default DefaultDigestSpec).
// A week's digest is sent once even if the job fires again; it fails only
// when the figures cannot be counted or no staff member could be reached.
func (f *Feature) Digest(ctx context.Context) error {
	now := f.env.Now()
	last := WeekPeriod(now.AddDate(0, 0, -7), f.env.Loc)
	staff, err := f.env.Dir.StaffList(ctx)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	if len(staff) == 0 {
		return nil
	}
	mark := f.env.Keys.Key("ld", "{ld}", "digest", last.From.Format(time.DateOnly))
	first, err := f.env.Redis.SetNX(ctx, mark, "1", 8*24*time.Hour).Result()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	if !first {
		return nil
	}
	text, err := f.DigestText(ctx, now)
	if err != nil {
		f.env.Redis.Del(context.WithoutCancel(ctx), mark)
		return err
	}
	var errs []error
	for _, u := range staff {
		for _, part := range bot.Split(text, 3500) {
			if _, err := f.env.Out.Notify(ctx, u, bot.Message{Text: part, Silent: true}, time.Time{}); err != nil {
				errs = append(errs, fmt.Errorf("digest to %s: %w", u, err))
				break
			}
		}
	}
	if len(errs) == len(staff) {
		f.env.Redis.Del(context.WithoutCancel(ctx), mark)
		return errors.Join(errs...)
	}
	for _, e := range errs {
		f.log.Warn("digest", "err", e)
	}
	return nil
}

// DigestText is the digest for the week before the one holding now.
func (f *Feature) DigestText(ctx context.Context, now time.Time) (string, error) {
	last := WeekPeriod(now.AddDate(0, 0, -7), f.env.Loc)
	prev := WeekPeriod(now.AddDate(0, 0, -14), f.env.Loc)
	a, err := f.Build(ctx, last)
	if err != nil {
		return "", err
	}
	b, err := f.Build(ctx, prev)
	if err != nil {
		return "", err
	}
	var s strings.Builder
	fmt.Fprintf(&s, msgDigestHead, fmt.Sprintf("%d月%d日—%d月%d日", last.From.Month(), last.From.Day(), last.Last().Month(), last.Last().Day()))
	sa, sb := a.Summary, b.Summary
	fmt.Fprintf(&s, msgDigestTotal, Count(int64(sa.PushTotal)), Count(sa.Reach), change(sa.Reach, sb.Reach, true),
		sa.Activities, Count(int64(sa.Signups)), Count(sa.CheckIns), change(sa.CheckIns, sb.CheckIns, true),
		Count(int64(sa.QuizPlayers)), change(int64(sa.QuizPlayers), int64(sb.QuizPlayers), true))
	before := map[string]GridRow{}
	for _, g := range b.Grids {
		before[g.Grid] = g
	}
	s.WriteString(msgDigestGrids)
	var quiet []string
	for _, g := range a.Grids {
		p := before[g.Grid]
		fmt.Fprintf(&s, msgDigestRow, bot.Esc(g.Grid),
			Count(g.Reach)+change(g.Reach, p.Reach, true),
			Count(g.CheckIns)+change(g.CheckIns, p.CheckIns, true),
			Count(int64(g.QuizPlayers))+change(int64(g.QuizPlayers), int64(p.QuizPlayers), true))
		if g.CheckIns == 0 && g.QuizPlayers == 0 && g.Members > 0 {
			quiet = append(quiet, bot.Esc(g.Grid))
		}
	}
	if len(quiet) > 0 && len(quiet) < len(a.Grids) {
		fmt.Fprintf(&s, msgDigestQuiet, strings.Join(quiet, "、"))
	}
	s.WriteString(msgDigestTail)
	return s.String(), nil
}

// change shows the difference from before: （↑12）, （↓3）, （持平）.
func change(now, before int64, paren bool) string {
	var c string
	switch {
	case now > before:
		c = fmt.Sprintf(msgDigestUp, Count(now-before))
	case now < before:
		c = fmt.Sprintf(msgDigestDown, Count(before-now))
	default:
		c = msgDigestSame
	}
	if paren {
		return fmt.Sprintf(msgDigestChange, c)
	}
	return c
}
