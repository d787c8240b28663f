// Package grids binds group chats to residential grids and manages who may do
// what: /bind, /unbind, /grids, /gridtag, /gridlang, /addstaff,
// /removestaff, /staff, /gridworker, /removeworker, /id, /help and /start.
// It also greets groups the bot is added to, marks groups it is removed from,
// and follows Telegram group→supergroup migrations.
package grids

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/zh"
)

// Feature is the grids and roles feature.
type Feature struct {
	env feature.Env
}

// New returns the feature; env.Dir and env.Log are required.
func New(env feature.Env) *Feature { return &Feature{env: env} }

// privacyReporter is implemented by senders that know whether the bot reads
// every group message (Telegram privacy mode off, or admin).
type privacyReporter interface {
	CanReadAllGroupMessages() bool
}

// selfReporter is implemented by senders that know the bot's own user.
type selfReporter interface {
	Self() bot.UserRef
}

// readsAll reports whether the bot sees every message in the chat: privacy
// mode is off, or the bot administers the group (admins see everything),
// asked of the platform now (the directory's AskAdmin).
func (f *Feature) readsAll(ctx context.Context, c *bot.Context) bool {
	pr, ok := c.Sender.(privacyReporter)
	if !ok || pr.CanReadAllGroupMessages() {
		return true
	}
	self, ok1 := c.Sender.(selfReporter)
	ci, ok2 := c.Sender.(bot.ChatInspector)
	if !ok1 || !ok2 {
		return false
	}
	admin, err := f.env.Dir.AskAdmin(ctx, ci, c.Update.Chat, self.Self())
	return err == nil && admin
}

// howWords are how people ask what the bot can do and how to use it.
var howWords = []string{"(机器人|网格助手|)(怎么用|咋用|怎么使用|如何使用|怎么操作|用法|使用方法|操作方法)", "(我|)不会用",
	"(你|你都|你能|你都能|你可以|你会|你还)(干|做|帮我做|帮我干|帮我)(什么|啥|哪些事|嘛)", "(你|你都|你还)会(什么|啥|干啥|做啥)",
	"(你|你都|)(有|都有)(什么|哪些|啥)功能", "(这个机器人|机器人|小助手|助手|网格助手)(能|可以|会|都能|都会)(干|做|)(什么|啥|嘛|哪些事)",
	"(我|)(不知道|不太会|不会|不懂|不太懂|不太知道)(怎么|)(用|使用)", "(这个|活动|)(怎么|咋)(报名|报)", "报名(怎么|咋)(报|弄|操作)",
	"(在哪|在哪里|去哪|去哪里)报名",
	"功能(介绍|列表)", "(指令|命令)(列表|大全)", "这个机器人(怎么用|咋用|是干什么的|是干啥的)"}

// Register adds the feature's commands and event handlers to r.
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "help", Aliases: []string{"menu"}, Keywords: []string{"帮助", "菜单", "使用说明"},
			Args: bot.ArgsText, Group: helpName, Usage: "帮助", Help: "看看我能做什么", Handle: f.help,
			Intent: bot.Intent{Examples: []string{"帮助", "菜单", "帮助 活动 → 活动", "幫助"}}},
		&bot.Command{Keywords: howWords, Args: bot.ArgsNone, Handle: f.help,
			Intent: bot.Intent{Examples: []string{"怎么用", "你能干什么", "你会什么", "不会用", "这个机器人怎么用啊", "小助手怎么用",
				"有什么功能", "@网格助手 你都能做啥", "怎么报名啊", "你都会什么", "如何报名", "不知道怎么用"},
				Quiet: []string{"我不会用微信", "这个怎么用", "你干什么去了", "你会做饭吗", "她怎么报名的", "报名怎么这么难"}}},
		&bot.Command{Name: "start", Handle: f.help},
		&bot.Command{Name: "id", Keywords: []string{"我是谁"}, Group: helpName, Usage: "我是谁",
			Help: "查看自己的身份（私聊时还有编号）", Handle: f.whoami},
		&bot.Command{Name: "name", Keywords: []string{"我的名字是", "设置名字", "设置称呼"}, Args: bot.ArgsText,
			Group: helpName, Usage: "我的名字是 张阿姨", Help: "设置大家看到的称呼（报名名单、排行榜）", Handle: f.setName},
		&bot.Command{Name: "bind", Keywords: []string{"绑定网格"}, Args: bot.ArgsText, Role: bot.Staff, Scope: bot.GroupOnly,
			Group: groupName, Usage: "绑定网格 3网格", Help: "把本群绑定到网格（在群里发）", Handle: f.bind},
		&bot.Command{Name: "unbind", Keywords: []string{"解绑网格", "解除绑定"}, Role: bot.Staff, Scope: bot.GroupOnly,
			Group: groupName, Usage: "解绑网格", Help: "解除本群的网格绑定", Handle: f.unbind},
		&bot.Command{Name: "grids", Keywords: []string{"网格列表"}, Role: bot.GridWorker,
			Group: groupName, Usage: "网格列表", Help: "各网格的群、人数、能否推送", Handle: f.list,
			Intent: bot.Intent{Hint: "看各网格群的人数和推送情况：发「网格列表」"}},
		&bot.Command{Name: "gridtag", Keywords: []string{"网格标签"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: groupName, Usage: "网格标签 3网格 老旧小区", Help: "给网格加标签，通知可按标签发", Handle: f.tag},
		&bot.Command{Name: "gridlang", Keywords: []string{"双语推送"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: groupName, Usage: "双语推送 3网格 维吾尔语", Help: "设置网格的双语推送语言", Handle: f.lang},
		&bot.Command{Name: "addstaff", Keywords: []string{"添加工作人员"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: groupName, Usage: "添加工作人员 @用户", Help: "添加社区工作人员（或回复对方消息）", Handle: f.addStaff},
		&bot.Command{Name: "removestaff", Keywords: []string{"移除工作人员"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: groupName, Usage: "移除工作人员 @用户", Help: "移除社区工作人员", Handle: f.removeStaff},
		&bot.Command{Name: "staff", Keywords: []string{"工作人员列表"}, Role: bot.Staff,
			Group: groupName, Usage: "工作人员列表", Help: "查看社区工作人员", Handle: f.staffList},
		&bot.Command{Name: "gridworker", Keywords: []string{"任命网格员"}, Args: bot.ArgsText, Role: bot.Staff, Scope: bot.GroupOnly,
			Group: groupName, Usage: "任命网格员 @用户", Help: "任命本网格的网格员（或回复对方消息）", Handle: f.addWorker},
		&bot.Command{Name: "removeworker", Keywords: []string{"取消网格员"}, Args: bot.ArgsText, Role: bot.Staff, Scope: bot.GroupOnly,
			Group: groupName, Usage: "取消网格员 @用户", Help: "取消网格员身份", Handle: f.removeWorker},
	)
	r.OnMember(f.member)
	r.OnMigrate(f.migrate)
	r.OnUnknown(f.unknown)
}

func (f *Feature) unknown(ctx context.Context, c *bot.Context) error {
	return c.Reply(ctx, c.NotUnderstood(ctx))
}

func (f *Feature) help(ctx context.Context, c *bot.Context) error {
	topic := c.Args
	if c.Command == nil || c.Command.Name == "start" {
		topic = ""
	}
	return c.Reply(ctx, c.HelpFor(c.FullRole(ctx), topic))
}

// whoami shows the role the router grants the speaker here (counting the
// grid workers appointed by staff and the administrators of a bound group),
// the grids they look after, and ids where they help.
func (f *Feature) whoami(ctx context.Context, c *bot.Context) error {
	role := c.FullRole(ctx)
	text := fmt.Sprintf(msgWhoami, bot.Esc(c.Update.UserName), role)
	if c.InGroup() {
		grid := c.Grid
		if grid == "" {
			grid = msgNoGrid
		}
		text += fmt.Sprintf(msgWhoamiGroup, bot.Esc(grid))
	}
	if role == bot.GridWorker {
		grids, err := f.env.Dir.WorkerGrids(ctx, c.Update.User)
		if err != nil {
			return err
		}
		if c.Grid != "" && c.InGroup() && !slices.Contains(grids, c.Grid) {
			grids = append(grids, c.Grid)
		}
		if len(grids) > 0 {
			text += fmt.Sprintf(msgWhoamiGrids, bot.Esc(strings.Join(grids, "、")))
		}
	}
	if !c.InGroup() || role > bot.Resident {
		text += fmt.Sprintf(msgWhoamiID, bot.Esc(string(c.Update.User)))
	}
	if c.InGroup() && role > bot.Resident {
		text += fmt.Sprintf(msgWhoamiChat, bot.Esc(string(c.Update.Chat)))
	}
	return c.Reply(ctx, text)
}

func (f *Feature) setName(ctx context.Context, c *bot.Context) error {
	name := strings.TrimSpace(strings.Trim(c.Args, "：:，,。.!！"))
	if name == "" || utf8.RuneCountInString(name) > 12 || strings.ContainsAny(name, "\n<>@") {
		return bot.Userf(msgNameUsage)
	}
	if err := f.env.Dir.SetName(ctx, c.Update.User, name); err != nil {
		return err
	}
	return c.Reply(ctx, fmt.Sprintf(msgNameSet, bot.Esc(name)))
}

func (f *Feature) bind(ctx context.Context, c *bot.Context) error {
	name := grid.NormalizeGrid(c.Args)
	if name == "" {
		return bot.Userf(msgBindUsage, bot.Esc(gridFromTitle(c.Update.ChatTitle)))
	}
	if utf8.RuneCountInString(name) > 20 || strings.ContainsAny(name, "\n|:{}") {
		return bot.Userf(msgBadGridName)
	}
	if c.Grid == name {
		return c.Reply(ctx, fmt.Sprintf(msgAlreadyBound, bot.Esc(name)))
	}
	u := c.Update
	old, err := f.env.Dir.Bind(ctx, u.Chat, name, u.ChatTitle)
	if err != nil {
		return err
	}
	f.refreshChat(ctx, c)
	text := fmt.Sprintf(msgBound, bot.Esc(name), bot.Esc(name))
	if old != "" {
		text = fmt.Sprintf(msgRebound, bot.Esc(old), bot.Esc(name))
	}
	if !f.readsAll(ctx, c) {
		text += msgHelloNoRead
	}
	return c.Reply(ctx, text)
}

// refreshChat records the chat's title, member count and readability; a
// platform that cannot tell leaves what is known.
func (f *Feature) refreshChat(ctx context.Context, c *bot.Context) {
	info := grid.ChatInfo{Ref: c.Update.Chat, Title: c.Update.ChatTitle, Status: grid.ChatActive, Members: -1, CanReadAll: true}
	if ci, ok := c.Sender.(bot.ChatInspector); ok {
		if n, err := ci.MemberCount(ctx, c.Update.Chat); err == nil {
			info.Members = n
		}
	}
	info.CanReadAll = f.readsAll(ctx, c)
	if err := f.env.Dir.SetChat(ctx, info); err != nil {
		c.Log.Warn("record chat", "chat", c.Update.Chat, "err", err)
	}
}

func (f *Feature) unbind(ctx context.Context, c *bot.Context) error {
	old, err := f.env.Dir.Unbind(ctx, c.Update.Chat)
	if err != nil {
		return err
	}
	if old == "" {
		return bot.Userf(msgNotBound)
	}
	return c.Reply(ctx, fmt.Sprintf(msgUnbound, bot.Esc(old)))
}

func (f *Feature) list(ctx context.Context, c *bot.Context) error {
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return err
	}
	if len(grids) == 0 {
		return c.Reply(ctx, msgNoGrids)
	}
	chats, people := 0, 0
	var b strings.Builder
	for _, g := range grids {
		tags := ""
		if len(g.Tags) > 0 {
			tags = fmt.Sprintf(msgGridTags, bot.Esc(strings.Join(g.Tags, "、")))
		}
		if name := languageName(g.Lang); name != "" {
			tags += fmt.Sprintf(msgGridLang, bot.Esc(name))
		}
		fmt.Fprintf(&b, msgGridLine, bot.Esc(g.Name), tags)
		if len(g.Chats) == 0 {
			b.WriteString(msgGridNoChat)
		}
		for _, ch := range g.Chats {
			chats++
			state := msgCanPost
			switch {
			case ch.Status == grid.ChatGone:
				state = msgGone
			case !ch.CanReadAll:
				state = msgNoRead
			}
			title := ch.Title
			if title == "" {
				title = string(ch.Ref)
			}
			fmt.Fprintf(&b, msgGridChat, bot.Esc(title), ch.Members, state)
		}
		people += g.Members()
	}
	return c.Reply(ctx, fmt.Sprintf(msgGridsHead, len(grids), chats, people)+b.String())
}

// gridFromTitle guesses the grid a group is for from its title ("幸福里三网格群"
// → "3网格"), for examples; without a number before 网格 it returns the usual
// example.
func gridFromTitle(title string) string {
	rs := []rune(bot.Normalize(title))
	for i := 1; i+1 < len(rs); i++ {
		if rs[i] != '网' || rs[i+1] != '格' {
			continue
		}
		j := i
		for j > 0 && strings.ContainsRune("0123456789零〇一二两三四五六七八九十", rs[j-1]) {
			j--
		}
		if n, rest, ok := zh.LeadingNumber(string(rs[j:i])); ok && rest == "" && n > 0 {
			return strconv.Itoa(n) + "网格"
		}
	}
	return msgExampleGrid
}

// languageName is the Chinese name of a grid's second language ("" for
// none); a code no longer offered shows as it is.
func languageName(code string) string {
	if l, ok := grid.ParseLanguage(code); ok && code != "" {
		return l.Name
	}
	return code
}

// clearWords are what staff type to clear a grid's tags or language.
var clearWords = []string{"-", "清除", "取消", "无", "没有", "关闭"}

// exampleGrid is the grid name examples use: the chat's own grid, else the
// first grid there is, else the name staff would bind first.
func (f *Feature) exampleGrid(ctx context.Context, c *bot.Context) string {
	if c.Grid != "" {
		return c.Grid
	}
	if names, err := f.env.Dir.GridNames(ctx); err == nil && len(names) > 0 {
		return names[0]
	}
	return msgExampleGrid
}

func (f *Feature) tag(ctx context.Context, c *bot.Context) error {
	name, rest, _ := strings.Cut(strings.TrimSpace(c.Args), " ")
	name = grid.NormalizeGrid(name)
	tags := bot.Fields(rest)
	if name == "" || len(tags) == 0 {
		ex := bot.Esc(f.exampleGrid(ctx, c))
		return bot.Userf(msgTagUsage, ex, ex)
	}
	if _, err := f.env.Dir.Resolve(ctx, name); err != nil {
		return err
	}
	if len(tags) == 1 && slices.Contains(clearWords, tags[0]) {
		tags = []string{"-"}
	}
	if err := f.env.Dir.SetGridMeta(ctx, name, tags, ""); err != nil {
		return err
	}
	if tags[0] == "-" {
		return c.Reply(ctx, fmt.Sprintf(msgTagClear, bot.Esc(name)))
	}
	return c.Reply(ctx, fmt.Sprintf(msgTagSet, bot.Esc(name), bot.Esc(strings.Join(tags, "、")), bot.Esc(tags[0])))
}

func (f *Feature) lang(ctx context.Context, c *bot.Context) error {
	fields := bot.Fields(c.Args)
	if len(fields) != 2 {
		ex := bot.Esc(f.exampleGrid(ctx, c))
		return bot.Userf(msgLangUsage, ex, grid.LanguageNames(), ex)
	}
	name := grid.NormalizeGrid(fields[0])
	code, label := "-", ""
	if !slices.Contains(clearWords, fields[1]) {
		l, ok := grid.ParseLanguage(fields[1])
		if !ok {
			return bot.Userf(msgBadLang, bot.Esc(fields[1]), grid.LanguageNames())
		}
		code, label = l.Code, l.Name
	}
	if _, err := f.env.Dir.Resolve(ctx, name); err != nil {
		return err
	}
	if err := f.env.Dir.SetGridMeta(ctx, name, nil, code); err != nil {
		return err
	}
	if code == "-" {
		return c.Reply(ctx, fmt.Sprintf(msgLangClear, bot.Esc(name)))
	}
	return c.Reply(ctx, fmt.Sprintf(msgLangSet, bot.Esc(name), label))
}

// target finds the user a role command is about: the author of the message
// replied to, a mentioned user, or an id typed as an argument.
func (f *Feature) target(ctx context.Context, c *bot.Context) (bot.UserRef, string, error) {
	u := c.Update
	if u.ReplyTo != nil && u.ReplyTo.User != "" {
		return u.ReplyTo.User, u.ReplyTo.UserName, nil
	}
	for _, m := range u.Mentions {
		if m.User != "" {
			return m.User, m.UserName, nil
		}
	}
	arg := strings.TrimSpace(c.Args)
	if arg == "" {
		return "", "", bot.Userf(msgWhoTarget, bot.Esc(c.Command.Keywords[0]))
	}
	if strings.HasPrefix(arg, "@") {
		ref, ok, err := f.env.Dir.ByHandle(ctx, u.User.Platform(), arg)
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", bot.Userf(msgUnknownUser, bot.Esc(arg))
		}
		return ref, arg, nil
	}
	if strings.Contains(arg, ":") {
		return bot.UserRef(arg), arg, nil
	}
	if _, err := strconv.ParseInt(arg, 10, 64); err == nil || u.User.Platform() != "tg" {
		return bot.UserRef(u.User.Platform() + ":" + arg), arg, nil
	}
	return "", "", bot.Userf(msgUnknownUser, bot.Esc(arg))
}

func (f *Feature) label(ctx context.Context, c *bot.Context, u bot.UserRef, name string) string {
	if name == "" {
		if n, err := f.env.Dir.Name(ctx, u); err == nil {
			name = n
		}
	}
	if name == "" {
		name = string(u)
	}
	return bot.Esc(name)
}

func (f *Feature) addStaff(ctx context.Context, c *bot.Context) error {
	u, name, err := f.target(ctx, c)
	if err != nil {
		return err
	}
	added, err := f.env.Dir.AddStaff(ctx, u)
	if err != nil {
		return err
	}
	if !added {
		return c.Reply(ctx, fmt.Sprintf(msgStaffAlready, f.label(ctx, c, u, name)))
	}
	c.Log.Info("staff added", "user", u, "by", c.Update.User)
	return c.Reply(ctx, fmt.Sprintf(msgStaffAdded, f.label(ctx, c, u, name)))
}

func (f *Feature) removeStaff(ctx context.Context, c *bot.Context) error {
	u, name, err := f.target(ctx, c)
	if err != nil {
		return err
	}
	removed, err := f.env.Dir.RemoveStaff(ctx, u)
	if err != nil {
		return err
	}
	if !removed {
		msg := msgStaffNot
		if f.env.Dir.IsConfigStaff(u) {
			msg = msgStaffInConfig
		}
		return c.Reply(ctx, fmt.Sprintf(msg, f.label(ctx, c, u, name)))
	}
	c.Log.Info("staff removed", "user", u, "by", c.Update.User)
	return c.Reply(ctx, fmt.Sprintf(msgStaffRemoved, f.label(ctx, c, u, name)))
}

func (f *Feature) staffList(ctx context.Context, c *bot.Context) error {
	list, err := f.env.Dir.StaffList(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, msgStaffHead, len(list))
	for _, u := range list {
		fmt.Fprintf(&b, "\n• %s（<code>%s</code>）", f.label(ctx, c, u, ""), bot.Esc(string(u)))
	}
	return c.Reply(ctx, b.String())
}

func (f *Feature) addWorker(ctx context.Context, c *bot.Context) error {
	if c.Grid == "" {
		return bot.Userf(msgWorkerNeeds)
	}
	u, name, err := f.target(ctx, c)
	if err != nil {
		return err
	}
	added, err := f.env.Dir.AddWorker(ctx, c.Grid, u)
	if err != nil {
		return err
	}
	if !added {
		return c.Reply(ctx, fmt.Sprintf(msgWorkerAlready, f.label(ctx, c, u, name), bot.Esc(c.Grid)))
	}
	return c.Reply(ctx, fmt.Sprintf(msgWorkerAdded, f.label(ctx, c, u, name), bot.Esc(c.Grid)))
}

func (f *Feature) removeWorker(ctx context.Context, c *bot.Context) error {
	if c.Grid == "" {
		return bot.Userf(msgWorkerNeeds)
	}
	u, name, err := f.target(ctx, c)
	if err != nil {
		return err
	}
	removed, err := f.env.Dir.RemoveWorker(ctx, c.Grid, u)
	if err != nil {
		return err
	}
	if !removed {
		return c.Reply(ctx, fmt.Sprintf(msgWorkerNot, f.label(ctx, c, u, name), bot.Esc(c.Grid)))
	}
	return c.Reply(ctx, fmt.Sprintf(msgWorkerRemoved, f.label(ctx, c, u, name), bot.Esc(c.Grid)))
}

func (f *Feature) member(ctx context.Context, c *bot.Context) error {
	u := c.Update
	if !u.Member.Present {
		c.Log.Info("bot removed from chat", "chat", u.Chat, "grid", c.Grid)
		changed, err := f.env.Dir.MarkGone(ctx, u.Chat)
		if err != nil || !changed || c.Grid == "" {
			return err
		}
		info, err := f.env.Dir.Chat(ctx, u.Chat)
		if err != nil {
			return err
		}
		return grid.NotifyStaff(ctx, f.env.Dir, f.env.Outbox, "report", "群已失效", grid.GoneAlert(info))
	}
	f.refreshChat(ctx, c)
	if u.ChatKind != bot.Group {
		return nil
	}
	text := msgHello
	if c.Grid != "" {
		text = fmt.Sprintf(msgBound, bot.Esc(c.Grid), bot.Esc(c.Grid))
	}
	if pr, ok := c.Sender.(privacyReporter); ok && !pr.CanReadAllGroupMessages() && !u.Member.Admin {
		text += msgHelloNoRead
	}
	return c.Reply(ctx, text)
}

func (f *Feature) migrate(ctx context.Context, c *bot.Context) error {
	c.Log.Info("chat migrated", "from", c.Update.Chat, "to", c.Update.MigratedTo)
	return f.env.Dir.Migrate(ctx, c.Update.Chat, c.Update.MigratedTo)
}
