package custgroups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/wecom/custgroup"
)

// Reminders WeChat Work allows: three per group-send in 24 hours.
const (
	maxReminders = 3
	remindGap    = 8 * time.Hour
	trackBatch   = 200
)

// TrackResult is what one round of tracking did.
type TrackResult struct {
	// Checked tasks; of them Sent reached their group, Failed did not (cap,
	// refused, expired), Waiting still wait for their owner; Reminded
	// owners were reminded now.
	Checked, Sent, Failed, Waiting, Reminded int
}

// Track checks the open group-send tasks (oldest first, up to 200 a
// round): a task whose owner pressed send is settled by what its group
// got (received, or over the cap); an owner who has not pressed send is
// reminded from RemindAfter on, at most every 8 hours and three times; a
// task still unconfirmed after TrackFor is cancelled and counts as not
// sent. Run it on one replica at a time (a scheduler job); the reminder
// count is claimed in Redis, so even two rounds at once remind once.
func (f *Feature) Track(ctx context.Context) (TrackResult, error) {
	open, err := f.store.openTasks(ctx, trackBatch)
	if err != nil {
		return TrackResult{}, err
	}
	var res TrackResult
	for _, t := range open {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		res.Checked++
		switch state, err := f.trackOne(ctx, t); {
		case err != nil:
			f.log.Warn("customer groups: track task", "msgid", t.MsgID, "err", err)
			res.Waiting++
		case state == tsSent:
			res.Sent++
		case state == tsWaiting:
			res.Waiting++
		case state == "reminded":
			res.Waiting++
			res.Reminded++
		default:
			res.Failed++
		}
	}
	return res, nil
}

// TrackJob is Track as a scheduler job.
func (f *Feature) TrackJob(ctx context.Context) error {
	_, err := f.Track(ctx)
	return err
}

// trackOne checks one task and returns its state after ("reminded" for a
// waiting task whose owner was reminded now).
func (f *Feature) trackOne(ctx context.Context, t task) (string, error) {
	now := f.now()
	members, err := f.api.Tasks(ctx, t.MsgID)
	if err != nil {
		return f.refused(ctx, t, err)
	}
	pressed := false
	for _, m := range members {
		if m.UserID == t.Owner && m.Sent {
			pressed = true
		}
	}
	if pressed {
		results, err := f.api.Results(ctx, t.MsgID, t.Owner)
		if err != nil {
			return f.refused(ctx, t, err)
		}
		for _, r := range results {
			if r.ChatID != t.ChatID {
				continue
			}
			switch r.Status {
			case custgroup.Sent:
				at := r.SendTime
				if at.IsZero() {
					at = now
				}
				_, err := f.store.settle(ctx, t, tsSent, now, at)
				return tsSent, err
			case custgroup.CapReached:
				_, err := f.store.settle(ctx, t, tsCap, now, time.Time{})
				return tsCap, err
			case custgroup.NotFriend:
				_, err := f.store.settle(ctx, t, tsFailed, now, time.Time{})
				return tsFailed, err
			}
		}
		return tsWaiting, nil
	}
	age := now.Sub(t.Created)
	if age >= f.cfg.TrackFor {
		if err := f.api.Cancel(ctx, t.MsgID); err != nil && custgroup.KindOf(err) != custgroup.KindRefused {
			return tsWaiting, err
		}
		_, err := f.store.settle(ctx, t, tsExpired, now, time.Time{})
		return tsExpired, err
	}
	if age < f.cfg.RemindAfter {
		return tsWaiting, nil
	}
	ok, err := f.store.claimRemind(ctx, t.MsgID, now, remindGap, maxReminders)
	if err != nil || !ok {
		return tsWaiting, err
	}
	if err := f.api.Remind(ctx, t.MsgID); err != nil {
		var e *custgroup.Error
		if errors.As(err, &e) && e.Code == custgroup.CodeRemindLimit {
			return tsWaiting, f.store.setReminded(ctx, t.MsgID, maxReminders)
		}
		return tsWaiting, err
	}
	return "reminded", nil
}

// refused settles a task WeChat Work says cannot go on (cancelled,
// unknown), and passes other errors on.
func (f *Feature) refused(ctx context.Context, t task, err error) (string, error) {
	var e *custgroup.Error
	if !errors.As(err, &e) || e.Kind != custgroup.KindRefused {
		return tsWaiting, err
	}
	state := tsFailed
	if e.Code == custgroup.CodeTaskCancelled {
		state = tsCancelled
	}
	_, serr := f.store.settle(ctx, t, state, f.now(), time.Time{})
	return state, serr
}

// Send is one group-send task to one customer group, as staff see it.
type Send struct {
	MsgID string
	// Title is the first line of the message.
	Title string
	Grid  string
	// Group and Owner name the group and its owner (as staff call them).
	Group, Owner string
	Created      time.Time
	// State is "waiting", "sent", "cap", "failed", "expired" or
	// "cancelled"; Text says it in Chinese.
	State, Text string
	Reminded    int
}

// Waiting reports whether the owner has still to press send.
func (s Send) Waiting() bool { return s.State == tsWaiting }

// Sends returns the group-send tasks created in the last days days, newest
// first.
func (f *Feature) Sends(ctx context.Context, days int) ([]Send, error) {
	ts, err := f.store.recentTasks(ctx, f.now().AddDate(0, 0, -days))
	if err != nil {
		return nil, err
	}
	return f.views(ctx, ts), nil
}

func (f *Feature) views(ctx context.Context, ts []task) []Send {
	names := map[string]string{}
	out := make([]Send, 0, len(ts))
	for _, t := range ts {
		if _, ok := names[t.ChatID]; !ok {
			g, _, _ := f.store.group(ctx, t.ChatID)
			names[t.ChatID] = g.Name
		}
		s := Send{MsgID: t.MsgID, Title: t.Title, Grid: t.Grid, Group: names[t.ChatID], Owner: f.ownerName(ctx, t.Owner),
			Created: t.Created.In(f.env.Loc), State: t.State, Reminded: t.Reminded}
		if s.Group == "" {
			s.Group = t.ChatID
		}
		s.Text = f.stateText(t)
		out = append(out, s)
	}
	return out
}

func (f *Feature) stateText(t task) string {
	switch t.State {
	case tsWaiting:
		return stWaiting
	case tsSent:
		return stSent
	case tsCap:
		return stCap
	case tsExpired:
		return fmt.Sprintf(stExpired, int(f.cfg.TrackFor.Hours()))
	case tsCancelled:
		return stCancelled
	}
	return stFailed
}

// progress says where tasks stand: which owners still have to press send
// (by owner, with grid and groups), what went out and what did not. With
// head it is a delivery report's note.
func (f *Feature) progress(ctx context.Context, ts []task, head bool) string {
	if len(ts) == 0 {
		return ""
	}
	sends := f.views(ctx, ts)
	slices.SortStableFunc(sends, func(a, b Send) int {
		return strings.Compare(a.Grid+"\x00"+a.Owner+"\x00"+a.Group, b.Grid+"\x00"+b.Owner+"\x00"+b.Group)
	})
	var lines []string
	if head {
		lines = append(lines, fmt.Sprintf(noteHead, len(ts)))
	}
	type owed struct {
		owner, grid string
		groups      []string
	}
	var waiting []*owed
	var sent, failed []string
	for _, s := range sends {
		switch {
		case s.Waiting():
			i := slices.IndexFunc(waiting, func(o *owed) bool { return o.owner == s.Owner && o.grid == s.Grid })
			if i < 0 {
				waiting = append(waiting, &owed{owner: s.Owner, grid: s.Grid})
				i = len(waiting) - 1
			}
			waiting[i].groups = append(waiting[i].groups, bot.Esc(s.Group))
		case s.State == tsSent:
			sent = append(sent, bot.Esc(s.Group))
		default:
			failed = append(failed, fmt.Sprintf("%s（%s）", bot.Esc(s.Group), s.Text))
		}
	}
	if len(waiting) > 0 {
		lines = append(lines, noteWaiting)
		for _, o := range waiting {
			who := bot.Esc(o.owner)
			if o.grid != "" {
				who += "（" + bot.Esc(o.grid) + "）"
			}
			lines = append(lines, fmt.Sprintf(noteWaitLine, who, strings.Join(o.groups, "、")))
		}
	}
	if len(sent) > 0 {
		lines = append(lines, fmt.Sprintf(noteSentLine, strings.Join(sent, "、")))
	}
	if len(failed) > 0 {
		lines = append(lines, msgTasksFail+strings.Join(failed, "、"))
	}
	if head && len(waiting) > 0 {
		lines = append(lines, noteTail)
	}
	return strings.Join(lines, "\n")
}
