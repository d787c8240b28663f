package events

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/when"
)

func (f *Feature) create(ctx context.Context, c *bot.Context) error {
	args, chain := cutChainField(c.Args)
	if chain && f.env.Replies == nil {
		return bot.Userf(msgChainNoRoom)
	}
	fm, err := readForm(args, f.now(), f.env.Loc, c.Grid == "")
	if err != nil {
		return err
	}
	spec := fm.Grids
	if spec == "" {
		if c.Grid == "" {
			return missing(fGrids)
		}
		spec = c.Grid
	}
	grids, err := f.env.Dir.Resolve(ctx, spec)
	if err != nil {
		return err
	}
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	e := &Event{Title: fm.Title, Place: fm.Place, Desc: fm.Desc, Start: fm.Start, End: fm.End,
		Deadline: fm.Deadline, Seats: fm.Seats, Grids: names, HH: fm.HH, Hours: fm.Hours, Creator: c.Update.User, Chain: chain}
	if err := f.st.create(ctx, e); err != nil {
		return err
	}
	f.scheduleReminders(ctx, e)
	n, err := f.post(ctx, e, grids)
	if err != nil {
		return err
	}
	if chain {
		if _, err := f.showList(ctx, e); err != nil {
			return err
		}
	}
	if n == 0 {
		return c.Reply(ctx, fmt.Sprintf(msgCreatedNoCh, bot.Esc(e.Title), e.ID))
	}
	return c.Reply(ctx, fmt.Sprintf(msgCreated, bot.Esc(e.Title), e.ID, f.fmtTime(e.Start),
		bot.Esc(e.Place), e.Seats, bot.Esc(strings.Join(names, "、")), n))
}

func (f *Feature) cancel(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf("请写上活动号，例如「取消活动 7」。")
	}
	res, err := f.st.cancel(ctx, id)
	if err != nil {
		return err
	}
	title := bot.Esc(res.Title)
	switch res.Code {
	case "nf":
		return bot.Userf(msgNotFound, id)
	case "again":
		return bot.Userf(msgCancelAgain, title, id)
	}
	f.unschedule(ctx, dueKey(id, "r24"))
	f.unschedule(ctx, dueKey(id, "r1"))
	f.unschedule(ctx, dueKey(id, "close"))
	if err := f.env.Redis.ZRem(ctx, f.st.openKey(), id).Err(); err != nil {
		f.log.Warn("drop cancelled event from open list", "event", id, "err", err)
	}
	f.touched(ctx, id, res.Dirty)
	f.touchList(ctx, id)
	people := pairs(res.Extra)
	start := f.fmtTime(res.Start)
	for _, p := range people {
		text := fmt.Sprintf(msgCancelNotice, title, id, start, bot.Esc(res.Place))
		if _, err := f.env.Send.Send(ctx, p.User.PrivateChat(), bot.Message{Text: displayName(p.Name) + "，" + text}); err != nil {
			f.log.Debug("cancel notice not delivered privately", "event", id, "user", p.User, "err", err)
		}
	}
	if e, err := f.st.get(ctx, id); err == nil {
		f.broadcast(ctx, e, "event", bot.Message{Text: fmt.Sprintf(msgCancelGroup, title, id, start)})
	}
	return c.Reply(ctx, fmt.Sprintf(msgCancelDone, title, id, len(people)))
}

// edit changes 名额, 时间, 地点 or 截止 of an activity: "7 名额 40".
func (f *Feature) edit(ctx context.Context, c *bot.Context) error {
	args := when.Fold(c.Args)
	n, rest, ok := bot.LeadingNumber(strings.TrimLeft(args, "#第 "))
	if !ok {
		return bot.Userf(msgEditUsage)
	}
	id := int64(n)
	rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "号"))
	fld, v, ok := keyed(rest)
	if !ok || v == "" {
		return bot.Userf(msgEditUsage)
	}
	e, err := f.load(ctx, id)
	if err != nil {
		return err
	}
	if e.Cancelled() {
		return bot.Userf(msgCancelled, bot.Esc(e.Title), id)
	}
	switch fld {
	case fSeats:
		seats, err := count(fSeats, v, maxSeats, "个", "人", "名", "位")
		if err != nil {
			return err
		}
		res, err := f.st.setSeats(ctx, id, seats)
		if err != nil {
			return err
		}
		switch res.Code {
		case "below":
			return bot.Userf(msgEditBelow, res.Num, res.Num)
		case "nf":
			return bot.Userf(msgNotFound, id)
		case "cancelled":
			return bot.Userf(msgCancelled, bot.Esc(res.Title), id)
		}
		f.touched(ctx, id, res.Dirty)
		f.touchList(ctx, id)
		text := fmt.Sprintf(msgEditSeats, bot.Esc(res.Title), id, seats, res.Left)
		if p := pairs(res.Extra); len(p) > 0 {
			f.notifyPromoted(ctx, id, res, p)
			text += fmt.Sprintf(msgEditPromo, len(p))
		}
		return c.Reply(ctx, text)
	case fStart, fDeadline:
		t, err := parseTime(fld, v, f.now(), f.env.Loc)
		if err != nil {
			return err
		}
		if !t.After(f.now()) {
			return bot.Userf(msgStartPast, f.fmtTime(t))
		}
		if fld == fStart {
			fields := []any{"start", t.Unix()}
			if !e.Deadline.Before(e.Start) || e.Deadline.After(t) {
				fields = append(fields, "deadline", t.Unix())
				e.Deadline = t
			}
			if !e.End.IsZero() {
				e.End = t.Add(e.End.Sub(e.Start))
				fields = append(fields, "end", e.End.Unix())
			}
			e.Start = t
			if err := f.st.set(ctx, id, fields...); err != nil {
				return err
			}
			if err := f.env.Redis.ZAdd(ctx, f.st.openKey(), redis.Z{Score: float64(t.Unix()), Member: id}).Err(); err != nil {
				return fmt.Errorf("move event %d: %w", id, err)
			}
			f.scheduleReminders(ctx, e)
		} else {
			if t.After(e.Start) {
				return bot.Userf(msgDeadlineLate, f.fmtTime(e.Start))
			}
			if err := f.st.set(ctx, id, "deadline", t.Unix()); err != nil {
				return err
			}
			e.Deadline = t
			f.schedule(ctx, dueKey(id, "close"), t)
		}
		return f.edited(ctx, c, e, fld, f.fmtTime(t))
	case fPlace:
		if len([]rune(v)) > maxPlace {
			return bad(fPlace, fmt.Sprintf("地点太长了（最多 %d 个字）。", maxPlace))
		}
		if err := f.st.set(ctx, id, "place", v); err != nil {
			return err
		}
		e.Place = v
		return f.edited(ctx, c, e, fld, bot.Esc(v))
	}
	return bot.Userf(msgEditUnknown)
}

// edited refreshes the notices, tells confirmed and waitlisted households
// of a change of time or place, and confirms to staff.
func (f *Feature) edited(ctx context.Context, c *bot.Context, e *Event, fld *field, shownValue string) error {
	f.schedule(ctx, dueKey(e.ID, "refresh"), f.now())
	f.touchList(ctx, e.ID)
	if fld != fDeadline {
		in, wait, _, err := f.st.roster(ctx, e.ID)
		if err != nil {
			return err
		}
		for _, s := range append(in, wait...) {
			text := fmt.Sprintf(msgEditNotify, bot.Esc(e.Title), e.ID, fld.name, shownValue, f.fmtTime(e.Start), bot.Esc(e.Place))
			if _, err := f.env.Send.Send(ctx, s.User.PrivateChat(), bot.Message{Text: text}); err != nil {
				f.log.Debug("change notice not delivered privately", "event", e.ID, "user", s.User, "err", err)
			}
		}
	}
	return c.Reply(ctx, fmt.Sprintf(msgEditDone, bot.Esc(e.Title), e.ID, fld.name, shownValue))
}

func (f *Feature) roster(ctx context.Context, c *bot.Context) error {
	id, ok := parseID(c.Args)
	if !ok {
		return bot.Userf("请写上活动号，例如「名单 7」。")
	}
	e, err := f.load(ctx, int64(id))
	if err != nil {
		return err
	}
	in, wait, chk, err := f.st.roster(ctx, e.ID)
	if err != nil {
		return err
	}
	walkIns, err := f.walkIns(ctx, e.ID, in, wait)
	if err != nil {
		return err
	}
	rows := rosterRows(in, wait, walkIns, chk, f.env.Loc)
	text := f.rosterText(e, rows)
	csvData := rosterCSV(rows, f.env.Loc)
	xlsx, err := rosterXLSX(e, rows, f.env.Loc)
	if err != nil {
		return err
	}
	base := fmt.Sprintf("活动%d_%s_名单", e.ID, fileSafe(e.Title))
	caption := fmt.Sprintf(msgRosterFiles, bot.Esc(e.Title), e.ID)
	if err := c.Private(ctx, bot.Message{Text: text}); err != nil {
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
