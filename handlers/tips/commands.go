package tips

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/when"
)

// Languages staff may set for a bilingual grid.
var Languages = []string{"ug", "kk", "mn", "ky", "bo", "ko", "za", "ii", "en"}

const group = "每日一学"

// todayWords are how residents ask for today's tip, with the common slip
// 每天一学.
var todayWords = []string{"(今天|今日|今天的|今日的|)(每日一学|每天一学|每日一练|今日一学|一日一学|每日学习|今日学习)(内容|)",
	"今天学(什么|啥)", "今天的学习(内容|)"}

// Register adds the tip commands: /tip (staff: now, preview, skip,
// schedule, lang, history), the keywords 推送每日一学, 预览每日一学,
// 跳过每日一学 (staff), and 每日一学 (everyone: today's tip).
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "tip", Keywords: []string{"每日一学管理"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: group, Usage: "/tip", Help: "每日一学的推送、预览、跳过和设置", Handle: f.cmdTip},
		&bot.Command{Keywords: []string{"推送每日一学"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: group, Usage: "推送每日一学 全部", Help: "现在就推送下一条每日一学", Handle: f.cmdNow},
		&bot.Command{Keywords: []string{"预览每日一学"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: group, Usage: "预览每日一学", Help: "看看各网格下一条每日一学", Handle: f.cmdPreview},
		&bot.Command{Keywords: []string{"跳过每日一学"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: group, Usage: "跳过每日一学 [网格]", Help: "跳过下一条每日一学", Handle: f.cmdSkip},
		&bot.Command{Name: "dailytip", Keywords: todayWords, Args: bot.ArgsNone,
			Group: group, Usage: "每日一学", Help: "看看今天的每日一学", Handle: f.cmdToday,
			Intent: bot.Intent{Hint: "看今天的每日一学：发「每日一学」",
				Examples: []string{"今天的每日一学", "每天一学", "每日一学发一下", "今日一学呢", "今天学什么", "看看每日一學"},
				Quiet:    []string{"每日一学真好", "每日一学我看了", "我每天都学"}}},
	)
}

func (f *Feature) cmdTip(ctx context.Context, c *bot.Context) error {
	sub, rest, _ := strings.Cut(strings.TrimSpace(c.Args), " ")
	if i := strings.IndexByte(sub, '\n'); i >= 0 {
		sub, rest = sub[:i], sub[i+1:]+" "+rest
	}
	rest = strings.TrimSpace(rest)
	c.Args = rest
	switch strings.ToLower(sub) {
	case "":
		return c.Reply(ctx, fmt.Sprintf(msgUsage, bot.Esc(f.cfg.Schedule)))
	case "now", "推送":
		return f.cmdNow(ctx, c)
	case "preview", "预览":
		return f.cmdPreview(ctx, c)
	case "skip", "跳过":
		return f.cmdSkip(ctx, c)
	case "schedule", "时间":
		return f.cmdSchedule(ctx, c)
	case "lang", "语言":
		return f.cmdLang(ctx, c)
	case "history", "记录":
		return f.cmdHistory(ctx, c)
	}
	return c.Reply(ctx, fmt.Sprintf(msgUnknownSub, bot.Esc(sub))+"\n\n"+fmt.Sprintf(msgUsage, bot.Esc(f.cfg.Schedule)))
}

// targets resolves what staff typed; nothing means this group's grid in a
// bound group, every grid elsewhere.
func (f *Feature) targets(ctx context.Context, c *bot.Context, spec string) ([]bot.Grid, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" && c.Grid != "" && c.InGroup() {
		spec = c.Grid
	}
	return c.Dir.Resolve(ctx, spec)
}

func (f *Feature) cmdNow(ctx context.Context, c *bot.Context) error {
	grids, err := f.targets(ctx, c, c.Args)
	if err != nil {
		return err
	}
	res, err := f.PushNow(ctx, grids)
	if len(res) == 0 && err == nil {
		return c.Reply(ctx, msgNothingDue)
	}
	if len(res) > 0 {
		if rerr := c.Reply(ctx, fmt.Sprintf(msgPushed, len(res), resultLines(res))); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

func resultLines(res []Result) string {
	lines := make([]string, len(res))
	for i, r := range res {
		lines[i] = fmt.Sprintf(msgPushedLine, bot.Esc(r.Grid), bot.Esc(r.Tip.Title))
	}
	return strings.Join(lines, "\n")
}

func (f *Feature) cmdPreview(ctx context.Context, c *bot.Context) error {
	grids, err := f.targets(ctx, c, c.Args)
	if err != nil {
		return err
	}
	res, err := f.Preview(ctx, grids)
	if err != nil {
		return err
	}
	now := f.now()
	lines := []string{msgPreviewHead}
	for _, r := range res {
		next := msgNextNever
		if !r.Next.IsZero() {
			next = when.Format(r.Next, now, f.env.Loc)
		}
		lines = append(lines, fmt.Sprintf(msgPreviewLine, bot.Esc(r.Grid), next, bot.Esc(r.Tip.Title)))
	}
	return c.Reply(ctx, strings.Join(lines, "\n"))
}

func (f *Feature) cmdSkip(ctx context.Context, c *bot.Context) error {
	grids, err := f.targets(ctx, c, c.Args)
	if err != nil {
		return err
	}
	res, err := f.Skip(ctx, grids)
	if err != nil {
		return err
	}
	return c.Reply(ctx, fmt.Sprintf(msgSkipped, len(res), resultLines(res)))
}

func (f *Feature) cmdSchedule(ctx context.Context, c *bot.Context) error {
	target, spec, _ := strings.Cut(c.Args, " ")
	spec = strings.TrimSpace(spec)
	if target == "" || spec == "" {
		return bot.Userf(msgSchedUsage)
	}
	grids, err := c.Dir.Resolve(ctx, target)
	if err != nil {
		return err
	}
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	label := bot.Esc(strings.Join(names, "、"))
	if slices.Contains([]string{"默认", "default", "-", "恢复默认"}, spec) {
		if err := f.env.Redis.HDel(ctx, f.schedKey(), names...).Err(); err != nil {
			return fmt.Errorf("reset tip schedule: %w", err)
		}
		return c.Reply(ctx, fmt.Sprintf(msgSchedReset, label, bot.Esc(f.cfg.Schedule)))
	}
	spec = clockSpec(spec, f.now())
	s, err := ParseSpec(spec)
	if err != nil {
		return bot.Userf(msgBadSpec)
	}
	fields := make([]any, 0, 2*len(names))
	for _, n := range names {
		fields = append(fields, n, spec)
	}
	if err := f.env.Redis.HSet(ctx, f.schedKey(), fields...).Err(); err != nil {
		return fmt.Errorf("set tip schedule: %w", err)
	}
	now := f.now()
	return c.Reply(ctx, fmt.Sprintf(msgSchedSet, label, bot.Esc(spec), when.Format(s.Next(now), now, f.env.Loc)))
}

// clockSpec turns a plain time of day ("9:00", "早上9点") into a daily
// cron spec; anything else is returned as is.
func clockSpec(s string, now time.Time) string {
	t, rest, err := when.ParseClock(s, now)
	if err != nil || rest != "" {
		return s
	}
	return fmt.Sprintf("%d %d * * *", t.Minute(), t.Hour())
}

func (f *Feature) cmdLang(ctx context.Context, c *bot.Context) error {
	target, lang, _ := strings.Cut(c.Args, " ")
	lang = strings.ToLower(strings.TrimSpace(lang))
	if target == "" || lang == "" {
		return bot.Userf(msgLangUsage)
	}
	if lang != "-" && !slices.Contains(Languages, lang) {
		return bot.Userf(msgBadLang, bot.Esc(lang))
	}
	grids, err := c.Dir.Resolve(ctx, target)
	if err != nil {
		return err
	}
	var names []string
	for _, g := range grids {
		if err := c.Dir.SetGridMeta(ctx, g.Name, nil, lang); err != nil {
			return err
		}
		names = append(names, g.Name)
	}
	label := bot.Esc(strings.Join(names, "、"))
	if lang == "-" {
		return c.Reply(ctx, fmt.Sprintf(msgLangCleared, label))
	}
	return c.Reply(ctx, fmt.Sprintf(msgLangSet, label, lang))
}

func (f *Feature) cmdHistory(ctx context.Context, c *bot.Context) error {
	grids, err := f.targets(ctx, c, c.Args)
	if err != nil {
		return err
	}
	if len(grids) != 1 {
		return bot.Userf(msgHistUsage)
	}
	g := grids[0].Name
	h, err := f.History(ctx, g, 10)
	if err != nil {
		return err
	}
	if len(h) == 0 {
		return c.Reply(ctx, fmt.Sprintf(msgHistEmpty, bot.Esc(g)))
	}
	total, err := f.HistoryCount(ctx, g)
	if err != nil {
		return err
	}
	lines := []string{fmt.Sprintf(msgHistHead, bot.Esc(g), total)}
	for i := len(h) - 1; i >= 0; i-- {
		title := msgGone
		if t, ok := f.cur().bank.Get(h[i].TipID); ok {
			title = t.Title
		}
		lines = append(lines, fmt.Sprintf(msgHistLine, h[i].At.In(f.env.Loc).Format("2006-01-02"), bot.Esc(title)))
	}
	return c.Reply(ctx, strings.Join(lines, "\n"))
}

func (f *Feature) cmdToday(ctx context.Context, c *bot.Context) error {
	if c.Grid == "" {
		day := f.now().YearDay() + f.now().Year()*366
		t, _ := f.cur().bank.Get(f.cur().order[day%len(f.cur().order)])
		return c.ReplyMessage(ctx, Format(t, ""))
	}
	tip, pushed, err := f.Today(ctx, c.Grid)
	if err != nil {
		return err
	}
	lang := ""
	if gs, err := c.Dir.Resolve(ctx, c.Grid); err == nil && len(gs) == 1 {
		lang = gs[0].Lang
	}
	m := Format(tip, lang)
	if !pushed {
		m.Text = msgNoTipYet + "\n" + m.Text
	}
	m.ReplyTo = c.Update.MessageID
	return c.ReplyMessage(ctx, m)
}
