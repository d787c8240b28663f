package tips

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/when"
)

// Languages staff may set for a bilingual grid: the code tip banks use
// for translations, and the name staff read and type.
var Languages = []string{"ug", "kk", "mn", "ky", "bo", "ko", "za", "ii", "en"}

var languageNames = map[string]string{"ug": "维吾尔文", "kk": "哈萨克文", "mn": "蒙古文", "ky": "柯尔克孜文",
	"bo": "藏文", "ko": "朝鲜文", "za": "壮文", "ii": "彝文", "en": "英文"}

// LanguageName is the Chinese name of a language code ("ug": 维吾尔文);
// an unknown code is returned as is.
func LanguageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return code
}

// languageCode reads what staff typed for a language: a code ("ug") or a
// name ("维吾尔文", "维吾尔语", "维吾尔"); "-" for none (取消, 只发中文).
func languageCode(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains([]string{"-", "取消", "无", "不要", "中文", "只发中文", "取消双语"}, s) {
		return "-", true
	}
	if slices.Contains(Languages, s) {
		return s, true
	}
	base := strings.TrimSuffix(strings.TrimSuffix(s, "文"), "语")
	for _, code := range Languages {
		if strings.TrimSuffix(languageNames[code], "文") == base {
			return code, true
		}
	}
	return "", false
}

func languageList() string {
	names := make([]string, len(Languages))
	for i, c := range Languages {
		names[i] = languageNames[c]
	}
	return strings.Join(names, "、")
}

const group = "每日一学"

// todayWords are how residents ask for today's tip, with the common slip
// 每天一学.
var todayWords = []string{"(今天|今日|今天的|今日的|)(每日一学|每天一学|每日一练|今日一学|一日一学|每日学习|今日学习)(内容|)",
	"今天学(点|)(什么|啥)", "今天的学习(内容|)"}

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
				Examples: []string{"今天的每日一学", "每天一学", "每日一学发一下", "今日一学呢", "今天学什么", "看看每日一學",
					"每日一学还没发吗", "今天有每日一学吗", "今天有没有每日一学", "求今天的每日一学"},
				Quiet: []string{"每日一学真好", "每日一学我看了", "我每天都学", "每日一学你看了没", "孩子今天学什么了"}}},
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
		return c.Reply(ctx, fmt.Sprintf(msgUsage, DescribeSpec(f.cfg.Schedule)))
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
	return c.Reply(ctx, fmt.Sprintf(msgUnknownSub, bot.Esc(sub))+"\n\n"+fmt.Sprintf(msgUsage, DescribeSpec(f.cfg.Schedule)))
}

// targets resolves what staff typed; nothing means this group's grid in a
// bound group, every grid elsewhere.
func (f *Feature) targets(ctx context.Context, c *bot.Context, spec string) ([]grid.Grid, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" && c.Grid != "" && c.InGroup() {
		spec = c.Grid
	}
	return f.env.Dir.Resolve(ctx, spec)
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
		reply := fmt.Sprintf(msgPushed, len(res), resultLines(res))
		if at, held := outbox.Held(f.env.Outbox, f.now(), time.Time{}, false); held {
			reply = fmt.Sprintf(msgPushedHeld, outbox.When(at, f.now(), f.env.Loc), len(res), resultLines(res))
		}
		if rerr := c.Reply(ctx, reply); rerr != nil && err == nil {
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
			if at, held := outbox.Held(f.env.Outbox, now, r.Next, false); held {
				next = fmt.Sprintf(msgPreviewHeld, outbox.When(at, now, f.env.Loc))
			}
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
	grids, err := f.env.Dir.Resolve(ctx, target)
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
		return c.Reply(ctx, fmt.Sprintf(msgSchedReset, label, DescribeSpec(f.cfg.Schedule)))
	}
	now := f.now()
	spec, ok := parseSchedule(spec, now)
	if !ok {
		return bot.Userf(msgBadSpec)
	}
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
	next := s.Next(now)
	reply := fmt.Sprintf(msgSchedSet, label, DescribeSpec(spec), when.Format(next, now, f.env.Loc))
	if at, held := outbox.Held(f.env.Outbox, now, next, false); held {
		reply += fmt.Sprintf(msgSchedHeld, outbox.When(at, now, f.env.Loc))
	}
	return c.Reply(ctx, reply)
}

func (f *Feature) cmdLang(ctx context.Context, c *bot.Context) error {
	target, typed, _ := strings.Cut(c.Args, " ")
	typed = strings.TrimSpace(typed)
	if target == "" || typed == "" {
		return bot.Userf(msgLangUsage, languageList())
	}
	lang, ok := languageCode(typed)
	if !ok {
		return bot.Userf(msgBadLang, bot.Esc(typed), languageList())
	}
	grids, err := f.env.Dir.Resolve(ctx, target)
	if err != nil {
		return err
	}
	var names []string
	for _, g := range grids {
		if err := f.env.Dir.SetGridMeta(ctx, g.Name, nil, lang); err != nil {
			return err
		}
		names = append(names, g.Name)
	}
	label := bot.Esc(strings.Join(names, "、"))
	if lang == "-" {
		return c.Reply(ctx, fmt.Sprintf(msgLangCleared, label))
	}
	return c.Reply(ctx, fmt.Sprintf(msgLangSet, label, LanguageName(lang)))
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
	if gs, err := f.env.Dir.Resolve(ctx, c.Grid); err == nil && len(gs) == 1 {
		lang = gs[0].Lang
	}
	m := Format(tip, lang)
	if !pushed {
		m.Text = msgNoTipYet + "\n" + m.Text
	}
	m.ReplyTo = c.Update.MessageID
	return c.ReplyMessage(ctx, m)
}
