package custgroups

import (
	"context"
	"fmt"
	"strings"

	"gridbot/bot"
)

const helpGroup = "客户群"

// Register adds 客户群 (list, 绑定, 解绑, 群发 progress; /custgroups) and
// 同步客户群 (/custsync). Grid workers may list and see the progress;
// syncing and mapping are for staff.
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "custgroups", Keywords: []string{"客户群", "外部群"}, Args: bot.ArgsText, Role: bot.GridWorker,
			Group: helpGroup, Usage: "客户群 列表", Help: "企业微信客户群：列表、绑定网格（客户群 2 绑定 3网格）、群发进度（客户群 群发）",
			Handle: f.cmdGroups,
			Intent: bot.Intent{Hint: "管理企业微信客户群：发「客户群 列表」",
				Examples: []string{"客户群 列表 → 列表", "客户群 2 绑定 3网格 → 2 绑定 3网格", "客户群 群发 → 群发"}}},
		&bot.Command{Name: "custsync", Keywords: []string{"同步客户群"}, Args: bot.ArgsNone, Role: bot.Staff,
			Group: helpGroup, Usage: "同步客户群", Help: "从企业微信读取群主们的客户群", Handle: f.cmdSync},
	)
}

func (f *Feature) cmdSync(ctx context.Context, c *bot.Context) error {
	reply, err := f.SyncNow(ctx)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

// SyncNow syncs at once (同步客户群, the console's button) and returns the
// reply for staff; a failure is a *bot.UserError with WeChat Work's advice
// (what an admin must enable, and where).
func (f *Feature) SyncNow(ctx context.Context) (string, error) {
	res, err := f.Sync(ctx)
	if err != nil {
		if _, ok := bot.UserMessage(err); ok {
			return "", err
		}
		return "", bot.Userf(msgSyncFailed, bot.Esc(advice(err)))
	}
	return syncText(res), nil
}

func syncText(res SyncResult) string {
	text := fmt.Sprintf(msgSynced, res.Total, res.New, res.Mapped)
	if res.Gone > 0 {
		text += fmt.Sprintf(msgSyncGone, res.Gone)
	}
	return text
}

func (f *Feature) cmdGroups(ctx context.Context, c *bot.Context) error {
	req := parseRequest(c.Args)
	staff := c.FullRole(ctx) >= bot.Staff
	if !staff && (req.op == opBind || req.op == opUnbind || req.op == opSync) {
		return bot.Userf(msgStaffOnly)
	}
	switch req.op {
	case opList:
		return f.cmdList(ctx, c)
	case opSends:
		return f.cmdSends(ctx, c)
	case opSync:
		return f.cmdSync(ctx, c)
	case opBind, opUnbind:
		g, err := f.Find(ctx, req.ref)
		if err != nil {
			return err
		}
		if req.op == opBind && strings.TrimSpace(req.grid) == "" {
			return bot.Userf(msgNoGridGiven, g.N)
		}
		reply, err := f.Map(ctx, g.ChatID, req.grid)
		if err != nil {
			return err
		}
		return c.Reply(ctx, reply)
	}
	return bot.Userf(msgUsage)
}

// listMax is how many groups the chat list shows.
const listMax = 40

func (f *Feature) cmdList(ctx context.Context, c *bot.Context) error {
	gs, err := f.Groups(ctx)
	if err != nil {
		return err
	}
	if len(gs) == 0 {
		return c.Reply(ctx, msgNone)
	}
	lines := []string{fmt.Sprintf(msgListHead, len(gs))}
	for _, g := range gs[:min(len(gs), listMax)] {
		grid := msgUnmapped
		if g.Grid != "" {
			grid = "<b>" + bot.Esc(g.Grid) + "</b>"
		}
		if g.Dissolved {
			grid = msgDissolved
		}
		capText := g.Cap
		if g.CapLow {
			capText = "⚠️ " + capText
		}
		lines = append(lines, fmt.Sprintf(msgListLine, g.N, bot.Esc(g.Name), bot.Esc(g.OwnerName), g.Residents, grid, capText))
	}
	if len(gs) > listMax {
		lines = append(lines, fmt.Sprintf(msgListMore, len(gs)-listMax))
	}
	lines = append(lines, msgListTail)
	return c.Reply(ctx, strings.Join(lines, "\n"))
}

// sendsDays is how far back 客户群 群发 looks.
const sendsDays = 7

func (f *Feature) cmdSends(ctx context.Context, c *bot.Context) error {
	ts, err := f.store.recentTasks(ctx, f.now().AddDate(0, 0, -sendsDays))
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return c.Reply(ctx, msgTasksNone)
	}
	return c.Reply(ctx, msgTasksHead+"\n"+f.progress(ctx, ts, false))
}
