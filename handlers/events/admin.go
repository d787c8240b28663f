package events

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/when"
	"gridbot/bot/zh"
)

func (f *Feature) create(ctx context.Context, c *bot.Context) error {
	in, err := f.chatInput(c.Args)
	if err != nil {
		return err
	}
	_, reply, err := f.CreateEvent(ctx, c.Update.User, c.Grid, in)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply.HTML())
}

// cancelTTL is how long a cancellation preview can be confirmed.
const cancelTTL = 30 * time.Minute

func (f *Feature) cancelMark(id int64, u bot.UserRef) string {
	return f.st.key(id, "cancel:"+string(u))
}

// cancel previews 取消活动 N: the activity, whom it would tell, and how to
// confirm. Nothing is cancelled or sent.
func (f *Feature) cancel(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf(msgCancelUsage, f.exampleID(ctx, nil))
	}
	return f.previewCancel(ctx, c, id)
}

func (f *Feature) previewCancel(ctx context.Context, c *bot.Context, id int64) error {
	p, err := f.PlanCancel(ctx, id)
	if err != nil {
		return err
	}
	if err := f.env.Redis.Set(ctx, f.cancelMark(id, c.Update.User), "1", cancelTTL).Err(); err != nil {
		return fmt.Errorf("cancel preview of event %d: %w", id, err)
	}
	e := p.Event
	who := fmt.Sprintf(msgCancelWhoNone, p.Chats)
	if p.Seated+p.Waiting > 0 {
		who = fmt.Sprintf(msgCancelWho, p.Seated+p.Waiting, p.Seated, p.People, p.Waiting, p.Chats)
	}
	text := fmt.Sprintf(msgCancelPreview, bot.Esc(e.Title), id, f.fmtSpan(e), bot.Esc(e.Place), who, id, int(cancelTTL/time.Minute))
	n := strconv.FormatInt(id, 10)
	return c.ReplyMessage(ctx, bot.Message{Text: text, Buttons: [][]bot.Button{{
		{Text: btnCancelYes, Data: "ev:cancel:" + n}, {Text: btnCancelNo, Data: "ev:keep:" + n}}}})
}

// cancelConfirm is 确认取消活动 N: it cancels the activity when the speaker
// saw its preview in the last half hour, and shows the preview otherwise.
func (f *Feature) cancelConfirm(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf(msgCancelUsage, f.exampleID(ctx, nil))
	}
	reply, err := f.confirmCancel(ctx, c, id)
	if err != nil || reply == "" {
		return err
	}
	return c.Reply(ctx, reply)
}

// confirmCancel cancels activity id if the speaker has a live preview of
// it; otherwise it shows the preview and returns "".
func (f *Feature) confirmCancel(ctx context.Context, c *bot.Context, id int64) (string, error) {
	n, err := f.env.Redis.Del(ctx, f.cancelMark(id, c.Update.User)).Result()
	if err != nil {
		return "", fmt.Errorf("confirm cancel of event %d: %w", id, err)
	}
	if n == 0 {
		return "", f.previewCancel(ctx, c, id)
	}
	reply, err := f.Cancel(ctx, id)
	return reply.HTML(), err
}

// cancelButton answers the preview's buttons: confirm or keep the activity.
func (f *Feature) cancelButton(ctx context.Context, c *bot.Context, verb string, id int64) error {
	if c.Role < bot.Staff {
		return c.Answer(ctx, msgStaffOnly)
	}
	var reply string
	var err error
	if verb == "keep" {
		if err = f.env.Redis.Del(ctx, f.cancelMark(id, c.Update.User)).Err(); err != nil {
			return fmt.Errorf("keep event %d: %w", id, err)
		}
		e, lerr := f.load(ctx, id)
		if lerr != nil {
			return lerr
		}
		reply = fmt.Sprintf(msgCancelKept, bot.Esc(e.Title), id)
	} else if reply, err = f.confirmCancel(ctx, c, id); err != nil || reply == "" {
		return err
	}
	_ = c.Answer(ctx, bot.Truncate(bot.PlainText(reply), 60))
	return c.Reply(ctx, reply)
}

// exampleID is the activity number to show in an example: the soonest
// upcoming activity of grids (of any grid when none are given or none
// match), or "活动号" when there is none.
func (f *Feature) exampleID(ctx context.Context, grids []string) string {
	evs, err := f.st.upcoming(ctx, f.now())
	if err != nil || len(evs) == 0 {
		return exampleNoNumber
	}
	for _, e := range evs {
		if e.targetsAny(grids) {
			return strconv.FormatInt(e.ID, 10)
		}
	}
	return strconv.FormatInt(evs[0].ID, 10)
}

// edit changes 名额, 时间, 地点 or 截止 of an activity: "7 名额 40".
func (f *Feature) edit(ctx context.Context, c *bot.Context) error {
	args := when.Fold(c.Args)
	n, rest, ok := zh.LeadingNumber(strings.TrimLeft(args, "#第 "))
	if !ok {
		return bot.Userf(msgEditUsage, f.exampleID(ctx, nil))
	}
	rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "号"))
	reply, err := f.chatEdit(ctx, int64(n), rest)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

// chatEdit reads what follows the number in 修改活动 ("名额 40", "时间
// 12月5日 19:00") as an EventPatch of one field and applies it.
func (f *Feature) chatEdit(ctx context.Context, id int64, change string) (string, error) {
	fld, v, ok := keyed(strings.TrimSpace(when.Fold(change)))
	if !ok || v == "" {
		return "", bot.Userf(msgEditUsage, strconv.FormatInt(id, 10))
	}
	var p EventPatch
	switch fld {
	case fSeats:
		p.Seats = v
	case fStart:
		p.Start = v
	case fDeadline:
		p.Deadline = v
	case fPlace:
		p.Place = v
	default:
		// Not a field that can change: editField says so once it has
		// checked the activity exists and is not cancelled.
		return f.editField(ctx, id, fld, v)
	}
	reply, err := f.EditEvent(ctx, id, p)
	return reply.HTML(), err
}

func (f *Feature) roster(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf(msgRosterUsage, f.exampleID(ctx, nil))
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
