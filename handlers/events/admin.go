package events

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/when"
)

func (f *Feature) create(ctx context.Context, c *bot.Context) error {
	_, reply, err := f.Create(ctx, c.Update.User, c.Grid, c.Args)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

func (f *Feature) cancel(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf("请写上活动号，例如「取消活动 7」。")
	}
	reply, err := f.Cancel(ctx, id)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

// edit changes 名额, 时间, 地点 or 截止 of an activity: "7 名额 40".
func (f *Feature) edit(ctx context.Context, c *bot.Context) error {
	args := when.Fold(c.Args)
	n, rest, ok := bot.LeadingNumber(strings.TrimLeft(args, "#第 "))
	if !ok {
		return bot.Userf(msgEditUsage)
	}
	rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "号"))
	reply, err := f.Edit(ctx, int64(n), rest)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

func (f *Feature) roster(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf("请写上活动号，例如「名单 7」。")
	}
	r, err := f.Roster(ctx, id)
	if err != nil {
		return err
	}
	csvData, xlsx, base, err := f.RosterFiles(r)
	if err != nil {
		return err
	}
	e := r.Event
	caption := fmt.Sprintf(msgRosterFiles, bot.Esc(e.Title), e.ID)
	if err := c.Private(ctx, bot.Message{Text: f.RosterText(r)}); err != nil {
		if c.InGroup() {
			return c.Reply(ctx, fmt.Sprintf(msgRosterNoPM, e.ID))
		}
		return fmt.Errorf("send roster: %w", err)
	}
	for _, file := range []*bot.File{{Name: base + ".csv", Data: csvData}, {Name: base + ".xlsx", Data: xlsx}} {
		if err := c.Private(ctx, bot.Message{Text: caption, File: file}); err != nil {
			f.log.Warn("send roster file", "event", e.ID, "file", file.Name, "err", err)
		}
	}
	if c.InGroup() {
		return c.ReplyMessage(ctx, bot.Message{Text: msgRosterSent, ReplyTo: c.Update.MessageID})
	}
	return nil
}

// walkIns returns people checked in without a sign-up.
func (f *Feature) walkIns(ctx context.Context, id int64, in, wait []signup) ([]signup, error) {
	h, err := f.env.Redis.HGetAll(ctx, f.st.key(id, "reg")).Result()
	if err != nil {
		return nil, fmt.Errorf("roster %d: %w", id, err)
	}
	seen := map[bot.UserRef]bool{}
	for _, s := range append(append([]signup{}, in...), wait...) {
		seen[s.User] = true
	}
	var out []signup
	for u, rec := range h {
		if !seen[bot.UserRef(u)] {
			out = append(out, parseSignup(u, rec))
		}
	}
	sortBySeq(out)
	return out, nil
}

func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`+"\n\r\t ", r) {
			return '_'
		}
		return r
	}, s)
	return cutRunes(s, 20)
}

func unixText(s string, loc *time.Location) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return ""
	}
	return time.Unix(n, 0).In(loc).Format("01-02 15:04")
}
