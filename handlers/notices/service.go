package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/when"
)

// The exported functions in this file are the notices service: the chat
// commands and the staff web console both call them, so a notice composed
// on either is checked, previewed, confirmed, cancelled and recalled the
// same way. Errors meant for the person are *bot.UserError; replies are
// Telegram HTML.

// Draft is a composed notice waiting for confirmation.
type Draft struct {
	ID string
	// Label names the target grids ("3网格、5网格").
	Label  string
	Body   string
	Urgent bool
	// At is the scheduled time, zero for now.
	At                    time.Time
	Grids, Chats, Members int
	// Targets maps each target chat to its grid.
	Targets map[bot.ChatRef]string
	// Preview is the preview the chat shows (HTML), Message what the
	// groups will get (HTML).
	Preview, Message string
	// GoesOut is when it would start going out if confirmed now; Held is
	// true when quiet hours hold it past At (or now).
	GoesOut time.Time
	Held    bool
	// Pace, when not empty, says in plain Chinese how long the Telegram
	// part takes to go out and, with paid broadcasts on, what it costs in
	// Telegram Stars; the chat preview carries the same line.
	Pace string
	// Warnings tell of target groups near or at their platform's cap
	// (customer groups), shown before confirming; HTML.
	Warnings []string
}

// Compose reads a notice as staff type it after 通知 ("[time] targets
// body"), resolves the grids, stores a draft for Confirm and returns it.
// Nothing is sent.
func (f *Feature) Compose(ctx context.Context, by bot.UserRef, args string, urgent bool) (Draft, error) {
	d, err := f.compose(ctx, by, args, urgent)
	if err != nil {
		return Draft{}, err
	}
	out := Draft{ID: d.ID, Label: d.Label, Body: d.Body, Urgent: d.Urgent, At: d.At, Grids: d.Grids,
		Chats: len(d.Targets), Members: d.Members, Targets: d.Targets,
		Preview: f.preview(*d).Text, Message: f.message(*d).Text, Pace: bot.PlainText(f.pace(*d)),
		Warnings: d.Warnings}
	out.GoesOut, out.Held = f.goesOut(*d)
	return out, nil
}

func (f *Feature) compose(ctx context.Context, by bot.UserRef, args string, urgent bool) (*draft, error) {
	names, err := f.env.Dir.GridNames(ctx)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(names))
	for _, n := range names {
		known[n] = true
	}
	now := f.now()
	req, err := parseNotice(args, now, f.env.Loc, func(s string) bool { return known[s] }, f.cfg.MaxAhead)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(req.Body); n > f.cfg.MaxRunes {
		return nil, bot.Userf(msgTooLong, n, f.cfg.MaxRunes)
	}
	grids, err := f.env.Dir.Resolve(ctx, req.Spec)
	if err != nil {
		return nil, err
	}
	d := &draft{User: by, Body: req.Body, Urgent: urgent, At: req.At,
		Targets: map[bot.ChatRef]string{}, Grids: len(grids)}
	gnames := make([]string, len(grids))
	for i, g := range grids {
		gnames[i] = g.Name
		d.Members += g.Members()
		for _, ch := range grid.ActiveChats([]grid.Grid{g}) {
			d.Targets[ch] = g.Name
		}
	}
	if len(d.Targets) == 0 {
		return nil, bot.Userf(msgNoChats)
	}
	d.Label = bot.Truncate(strings.Join(gnames, "、"), 60)
	if f.ops.Caps != nil {
		if d.Warnings, err = f.ops.Caps.CapWarnings(ctx, d.chats()); err != nil {
			return nil, err
		}
	}
	if err := f.saveDraft(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Confirm sends draft id, once however often it is confirmed, and returns
// the notice number and the reply (reach, how to recall).
func (f *Feature) Confirm(ctx context.Context, id string) (int, string, error) {
	reply, err := f.confirm(ctx, id)
	if err != nil {
		return 0, "", err
	}
	n, err := f.env.Redis.HGet(ctx, f.key("d", id), "n").Int()
	if err != nil {
		return 0, reply, fmt.Errorf("notice number of draft %s: %w", id, err)
	}
	return n, reply, nil
}

// ConfirmUrgent is Confirm for a draft staff chose to send as urgent: it
// goes out now (or at its time) even inside quiet hours.
func (f *Feature) ConfirmUrgent(ctx context.Context, id string) (int, string, error) {
	if err := f.makeUrgent(ctx, id); err != nil {
		return 0, "", err
	}
	return f.Confirm(ctx, id)
}

// Drop discards draft id unsent.
func (f *Feature) Drop(ctx context.Context, id string) (string, error) { return f.dropReply(ctx, id) }

// Notice is a confirmed notice.
type Notice struct {
	N int
	// BID is the outbox broadcast id.
	BID     string
	By      bot.UserRef
	Created time.Time
	// At is the scheduled time, zero when sent at once.
	At     time.Time
	Urgent bool
	Body   string
	Label  string
	// Chats and Members are the reach planned at confirmation.
	Chats, Members int
	// Status is "queued" (sent or waiting for its time), "cancelled" or
	// "recalled"; State says it in Chinese.
	Status, State string
	// Due is when it starts (or started) going out. Scheduled is true
	// while a queued notice waits for Due (its time, or the end of quiet
	// hours: then Held is true too), and can still be cancelled.
	Due       time.Time
	Scheduled bool
	Held      bool
}

func (f *Feature) exported(nt notice) Notice {
	now := f.now()
	out := Notice{N: nt.N, BID: nt.BID, By: nt.By, Created: nt.Created, At: nt.At, Urgent: nt.Urgent,
		Body: nt.Body, Label: nt.Label, Chats: nt.Chats, Members: nt.Members, Status: nt.Status, Due: nt.Due,
		Scheduled: nt.Status == nsQueued && nt.Due.After(now)}
	asked := nt.Created
	if nt.At.After(asked) {
		asked = nt.At
	}
	out.Held = out.Scheduled && nt.Due.Sub(asked) > time.Minute
	switch {
	case out.Held:
		out.State = fmt.Sprintf(stHeld, outbox.When(nt.Due, now, f.env.Loc))
	case out.Scheduled:
		out.State = fmt.Sprintf(stQueuedFuture, when.Format(nt.At, now, f.env.Loc))
	case nt.Status == nsQueued:
		out.State = fmt.Sprintf(stQueued, when.Format(nt.Due, now, f.env.Loc))
	default:
		out.State = statusText(nt.Status)
	}
	return out
}

// Recent returns the newest n notices, newest first.
func (f *Feature) Recent(ctx context.Context, n int) ([]Notice, error) {
	ns, err := f.recent(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]Notice, len(ns))
	for i, nt := range ns {
		out[i] = f.exported(nt)
	}
	return out, nil
}

// Get returns notice n; a *bot.UserError when there is none.
func (f *Feature) Get(ctx context.Context, n int) (Notice, error) {
	nt, err := f.loadUser(ctx, n)
	if err != nil {
		return Notice{}, err
	}
	return f.exported(nt), nil
}

// Cancel stops notice n before it goes out (one scheduled, or held by
// quiet hours) and returns the reply.
func (f *Feature) Cancel(ctx context.Context, n int) (string, error) {
	nt, err := f.loadUser(ctx, n)
	if err != nil {
		return "", err
	}
	if nt.Status != nsQueued {
		return "", bot.Conflictf(msgCancelDone, n, statusText(nt.Status))
	}
	if !nt.Due.After(f.env.Now()) {
		return "", bot.Gonef(msgCancelLate, n, n)
	}
	k, err := f.ops.Canceller.Cancel(ctx, nt.BID)
	if err != nil {
		return "", fmt.Errorf("cancel notice %d: %w", n, err)
	}
	if k == 0 {
		return "", bot.Gonef(msgCancelLate, n, n)
	}
	if _, err := f.transition(ctx, n, nsCancelled); err != nil {
		return "", err
	}
	return fmt.Sprintf(msgCancelled, n, k), nil
}

// Recall deletes notice n from the groups it reached (where the platform
// allows) and stops what has not gone out; it returns the reply.
func (f *Feature) Recall(ctx context.Context, n int) (string, error) {
	nt, err := f.loadUser(ctx, n)
	if err != nil {
		return "", err
	}
	if nt.Status == nsRecalled || nt.Status == nsCancelled {
		return "", bot.Conflictf(msgAlreadyDone, n, statusText(nt.Status))
	}
	stopped := 0
	if stopped, err = f.ops.Canceller.Cancel(ctx, nt.BID); err != nil {
		f.env.Log.Warn("cancel before recall", "notice", n, "err", err)
	}
	deleted, failed, err := f.recallBroadcast(ctx, nt.BID)
	if err != nil {
		return "", err
	}
	if deleted+failed == 0 && stopped > 0 {
		if _, err := f.transition(ctx, n, nsCancelled); err != nil {
			return "", err
		}
		return fmt.Sprintf(msgRecallStopped, n, stopped), nil
	}
	if deleted+failed == 0 {
		return "", bot.Userf(msgRecallNone, n)
	}
	if deleted > 0 || stopped > 0 {
		if _, err := f.transition(ctx, n, nsRecalled); err != nil {
			return "", err
		}
	}
	tail := ""
	if failed > 0 {
		tail = fmt.Sprintf(msgRecallFail, failed)
	}
	return fmt.Sprintf(msgRecalled, n, deleted, tail), nil
}
