package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/when"
)

func dueKey(id int64, what string) string { return "ev:" + strconv.FormatInt(id, 10) + ":" + what }

func hoursText(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// render builds the notice posted in grid groups, current as of now.
func (f *Feature) render(e *Event) bot.Message {
	now, loc := f.now(), f.env.Loc
	var b strings.Builder
	if e.Cancelled() {
		fmt.Fprintf(&b, msgNoticeCanceled, e.ID, bot.Esc(e.Title))
	} else {
		fmt.Fprintf(&b, msgNoticeHead, e.ID, bot.Esc(e.Title))
	}
	if e.End.IsZero() {
		fmt.Fprintf(&b, msgNoticeTime, when.Format(e.Start, now, loc))
	} else {
		fmt.Fprintf(&b, msgNoticeTime, when.FormatRange(e.Start, e.End, now, loc))
	}
	fmt.Fprintf(&b, msgNoticePlace, bot.Esc(e.Place))
	switch {
	case e.Left() > 0 && e.Waiting > 0:
		fmt.Fprintf(&b, msgNoticeSeatsWait, e.Seats, e.Left(), e.Waiting)
	case e.Left() > 0:
		fmt.Fprintf(&b, msgNoticeSeats, e.Seats, e.Left())
	default:
		fmt.Fprintf(&b, msgNoticeFull, e.Seats, e.Waiting)
	}
	if !e.Deadline.Equal(e.Start) {
		fmt.Fprintf(&b, msgNoticeDeadline, when.Format(e.Deadline, now, loc))
	}
	if e.HH > 0 {
		fmt.Fprintf(&b, msgNoticeHH, e.HH)
	}
	if e.Hours > 0 {
		fmt.Fprintf(&b, msgNoticeHours, hoursText(e.Hours))
	}
	if e.Desc != "" {
		fmt.Fprintf(&b, msgNoticeDesc, bot.Esc(bot.MaskPhones(e.Desc)))
	}
	m := bot.Message{}
	switch {
	case e.Cancelled():
	case e.open(now):
		fmt.Fprintf(&b, msgNoticeHowTo, e.ID, e.ID, e.ID)
		id := strconv.FormatInt(e.ID, 10)
		m.Buttons = [][]bot.Button{{{Text: btnJoin, Data: "ev:join:" + id}, {Text: btnLeave, Data: "ev:leave:" + id}}}
	default:
		b.WriteString(msgNoticeClosed)
	}
	m.Text = strings.TrimRight(b.String(), "\n")
	return m
}

func (f *Feature) postsKey(id int64) string { return f.st.key(id, "posts") }

// posting is what became of a message for many groups.
type posting struct {
	// Chats is how many groups it is for.
	Chats int
	// Queued is set when it went to the outbox, which sends it from At
	// (now, or the end of the quiet hours); Urgent when it was sent
	// through them. Unset, the outbox could not take it.
	Queued, Urgent bool
	At             time.Time
}

// heldFor is the least delay that counts as held: the outbox's own clock
// runs a moment behind the feature's.
const heldFor = time.Minute

// Held reports whether the outbox holds it past now (quiet hours).
func (p posting) Held(now time.Time) bool { return p.Queued && p.At.Sub(now) > heldFor }

// goesOut returns when a broadcast enqueued now would start going out, and
// whether that is held past now; urgentBefore, when set, makes it urgent
// if the hold would reach past that time (the start of an activity, or the
// end of its sign-up).
func (f *Feature) goesOut(urgentBefore time.Time) (at time.Time, urgent bool) {
	now := f.now()
	at = f.env.Outbox.GoesOutAt(now, false)
	if at.Sub(now) > heldFor && !urgentBefore.IsZero() && !urgentBefore.After(at) {
		return f.env.Outbox.GoesOutAt(now, true), true
	}
	return at, false
}

// post sends the notice to the chats of grids through the outbox
// (urgently when the quiet hours would hold it past the end of sign-up),
// and records how to find the posted messages and, when held,
// when it goes out.
func (f *Feature) post(ctx context.Context, e *Event, grids []grid.Grid) (posting, error) {
	gridOf := map[bot.ChatRef]string{}
	var chats []bot.ChatRef
	for _, g := range grids {
		for _, ch := range grid.ActiveChats([]grid.Grid{g}) {
			gridOf[ch] = g.Name
			chats = append(chats, ch)
		}
	}
	if len(chats) == 0 {
		return posting{}, nil
	}
	msg := f.render(e)
	at, urgent := f.goesOut(e.Deadline)
	id, err := f.env.Outbox.Enqueue(ctx, bot.Broadcast{Kind: "event", Ref: strconv.FormatInt(e.ID, 10),
		Title: e.Title, Grids: gridOf, Chats: chats, Message: msg, Urgent: urgent, ReportTo: e.Creator.PrivateChat()})
	if err != nil {
		return posting{}, fmt.Errorf("enqueue notice of event %d: %w", e.ID, err)
	}
	p := posting{Chats: len(chats), Queued: true, Urgent: urgent, At: at}
	e.Bcast = id
	fields := []any{"bcast", id}
	if p.Held(f.now()) {
		e.NoticeAt = at
		fields = append(fields, "notice_at", at.Unix())
	}
	return p, f.st.set(ctx, e.ID, fields...)
}

// postedText tells staff truthfully what became of a notice for the groups
// of names: going out now, held until the quiet hours end, or sent at once
// because waiting would be too late (deadline: when sign-up closes).
func (f *Feature) postedText(p posting, names string, deadline time.Time) string {
	switch {
	case p.Held(f.now()):
		return fmt.Sprintf(msgPostHeld, f.outAt(p.At), names, p.Chats)
	case p.Urgent:
		return fmt.Sprintf(msgPostUrgent, f.fmtTime(deadline), names, p.Chats)
	}
	return fmt.Sprintf(msgPostNow, names, p.Chats)
}

// outAt shows when something held goes out: "今天 07:30", "明天 07:30", or
// the full date further off.
func (f *Feature) outAt(t time.Time) string {
	now, loc := f.now().In(f.env.Loc), t.In(f.env.Loc)
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC) }
	switch day(loc).Sub(day(now)) {
	case 0:
		return msgRemindToday + " " + when.FormatClock(t, f.env.Loc)
	case 24 * time.Hour:
		return msgRemindIn24 + " " + when.FormatClock(t, f.env.Loc)
	}
	return f.fmtTime(t)
}

// held reports whether e's notice is still held by the quiet hours.
func (f *Feature) held(e *Event) bool { return !e.NoticeAt.IsZero() && f.now().Before(e.NoticeAt) }

// chatsOf returns the active chats of the event's grids and the grid of
// each.
func (f *Feature) chatsOf(ctx context.Context, e *Event) ([]bot.ChatRef, map[bot.ChatRef]string, error) {
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("grids of event %d: %w", e.ID, err)
	}
	gridOf := map[bot.ChatRef]string{}
	var chats []bot.ChatRef
	for _, g := range grids {
		if !e.targets(g.Name) {
			continue
		}
		for _, ch := range grid.ActiveChats([]grid.Grid{g}) {
			gridOf[ch] = g.Name
			chats = append(chats, ch)
		}
	}
	return chats, gridOf, nil
}

// broadcast sends a short message to the event's grid chats, urgently
// when the quiet hours would hold it past urgentBefore (zero: never), and
// returns what became of it.
func (f *Feature) broadcast(ctx context.Context, e *Event, kind string, m bot.Message, urgentBefore time.Time) posting {
	chats, gridOf, err := f.chatsOf(ctx, e)
	if err != nil {
		f.log.Warn("chats for broadcast", "event", e.ID, "err", err)
		return posting{}
	}
	if len(chats) == 0 {
		return posting{}
	}
	at, urgent := f.goesOut(urgentBefore)
	if _, err := f.env.Outbox.Enqueue(ctx, bot.Broadcast{Kind: kind, Ref: strconv.FormatInt(e.ID, 10),
		Title: e.Title, Grids: gridOf, Chats: chats, Message: m, Urgent: urgent}); err != nil {
		f.log.Warn("broadcast", "event", e.ID, "kind", kind, "err", err)
		return posting{Chats: len(chats)}
	}
	return posting{Chats: len(chats), Queued: true, Urgent: urgent, At: at}
}

// refresh edits every posted notice of the event to show its current
// state. The dirty flag is cleared first, so a change made while editing
// schedules another refresh. With a reply coalescer the notices are handed
// to it, which edits them when a group owes nothing else, and every group's
// sign-up list is brought up to date (an answer updates only its own
// group's list). Otherwise each
// chat gets at most one notice edit per
// RefreshSeconds across all events (Telegram allows ~20 messages a minute
// per group); chats edited too recently are retried a window later.
func (f *Feature) refresh(ctx context.Context, id int64) error {
	if err := f.env.Redis.HDel(ctx, f.st.key(id, "meta"), "dirty").Err(); err != nil {
		return fmt.Errorf("clear dirty of event %d: %w", id, err)
	}
	e, err := f.st.get(ctx, id)
	if errors.Is(err, errNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var posts map[bot.ChatRef]string
	if e.Bcast != "" {
		if posts, err = f.env.Outbox.Sent(ctx, e.Bcast); err != nil {
			return fmt.Errorf("posted notices of event %d: %w", id, err)
		}
	} else {
		h, err := f.env.Redis.HGetAll(ctx, f.postsKey(id)).Result()
		if err != nil {
			return fmt.Errorf("posted notices of event %d: %w", id, err)
		}
		posts = map[bot.ChatRef]string{}
		for ch, mid := range h {
			posts[bot.ChatRef(ch)] = mid
		}
	}
	if f.env.Replies != nil {
		if e.Chain {
			if err := f.env.Replies.Touch(ctx, listKey(id)); err != nil {
				return err
			}
		}
		return f.env.Replies.Show(ctx, noticeKey(id), posts)
	}
	if len(posts) == 0 {
		return nil
	}
	msg := f.render(e)
	window := time.Duration(f.cfg.RefreshSeconds) * time.Second
	chats := make([]bot.ChatRef, 0, len(posts))
	for ch, mid := range posts {
		if mid != "" {
			chats = append(chats, ch)
		}
	}
	slices.Sort(chats)
	p := f.env.Redis.Pipeline()
	slots := make([]*redis.BoolCmd, len(chats))
	for i, ch := range chats {
		slots[i] = p.SetNX(ctx, f.env.Keys.Key("ev", "edit", bot.Tag(string(ch))), id, window)
	}
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("edit slots of event %d: %w", id, err)
	}
	deferred := false
	for i, ch := range chats {
		if !slots[i].Val() {
			deferred = true
			continue
		}
		if err := f.env.Out.Edit(ctx, ch, posts[ch], msg); err != nil && !errors.Is(err, bot.ErrUnsupported) {
			f.log.Warn("edit event notice", "event", id, "chat", ch, "err", err)
		}
	}
	if deferred {
		if err := f.env.Redis.HSet(ctx, f.st.key(id, "meta"), "dirty", "1").Err(); err != nil {
			return fmt.Errorf("mark event %d dirty: %w", id, err)
		}
		f.schedule(ctx, dueKey(id, "refresh"), f.now().Add(window))
	}
	return nil
}

func (f *Feature) handleDue(ctx context.Context, key string) error {
	key = strings.TrimPrefix(key, "ev:")
	idStr, what, _ := strings.Cut(key, ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		f.log.Warn("bad due key", "key", key)
		return nil
	}
	switch what {
	case "refresh", "close":
		return f.refresh(ctx, id)
	case "list":
		return f.showHeldList(ctx, id)
	case "r24":
		return f.remind(ctx, id, what, 2*time.Hour)
	case "r1":
		return f.remind(ctx, id, what, 0)
	}
	f.log.Warn("unknown due key", "key", key)
	return nil
}

func (f *Feature) markKey(id int64, what string) string { return f.st.key(id, "sent:"+what) }

// scheduleReminders (re)sets the reminders of an event and forgets that
// earlier ones were sent, after creation or a change of time.
func (f *Feature) scheduleReminders(ctx context.Context, e *Event) {
	if err := f.env.Redis.Del(ctx, f.markKey(e.ID, "r24"), f.markKey(e.ID, "r1")).Err(); err != nil {
		f.log.Warn("reset reminder marks", "event", e.ID, "err", err)
	}
	now := f.now()
	for _, r := range []struct {
		what string
		d    time.Duration
	}{{"r24", 24 * time.Hour}, {"r1", time.Hour}} {
		at := e.Start.Add(-r.d)
		if at.Before(now) {
			f.unschedule(ctx, dueKey(e.ID, r.what))
			continue
		}
		f.schedule(ctx, dueKey(e.ID, r.what), at)
	}
	if e.Deadline.After(now) {
		f.schedule(ctx, dueKey(e.ID, "close"), e.Deadline)
	}
}

// remindLabel says when start is, seen from now in loc, for "…开始":
// "1小时后" or "40分钟后" within 75 minutes, else 今天, 明天, 后天 or the
// date by calendar day, so a reminder run late still reads right.
func remindLabel(start, now time.Time, loc *time.Location) string {
	d := start.Sub(now)
	if d <= 75*time.Minute {
		if d >= 55*time.Minute {
			return msgRemindIn1
		}
		return fmt.Sprintf(msgRemindInMin, max(1, int(d.Round(time.Minute)/time.Minute)))
	}
	s, n := start.In(loc), now.In(loc)
	days := int(time.Date(s.Year(), s.Month(), s.Day(), 12, 0, 0, 0, time.UTC).
		Sub(time.Date(n.Year(), n.Month(), n.Day(), 12, 0, 0, 0, time.UTC)).Hours() / 24)
	switch days {
	case 0:
		return msgRemindToday
	case 1:
		return msgRemindIn24
	case 2:
		return msgRemindIn48
	}
	return fmt.Sprintf(msgRemindOnDate, int(s.Month()), s.Day())
}

// remind sends one reminder: each confirmed household privately, and one
// short message to the grid groups, saying when the start is as of now
// (remindLabel). It does nothing for a cancelled activity, once the start
// is closer than skipWithin, or when this reminder was sent before. The
// sent mark is set (SET NX) before sending, so the reminder goes out at
// most once: a crash between the mark and the sends loses it rather than
// repeating it to every participant.
func (f *Feature) remind(ctx context.Context, id int64, what string, skipWithin time.Duration) error {
	e, err := f.st.get(ctx, id)
	if errors.Is(err, errNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.Cancelled() || !f.now().Before(e.Start.Add(-skipWithin)) {
		return nil
	}
	ttl := e.Start.Sub(f.now()) + 30*24*time.Hour
	ok, err := f.env.Redis.SetNX(ctx, f.markKey(id, what), f.now().Unix(), ttl).Result()
	if err != nil {
		return fmt.Errorf("mark reminder %s of event %d: %w", what, id, err)
	}
	if !ok {
		return nil
	}
	in, _, _, err := f.st.roster(ctx, id)
	if err != nil {
		return err
	}
	start := f.fmtTime(e.Start)
	label := remindLabel(e.Start, f.env.Out.NotifyAt(e.Start), f.env.Loc)
	for _, s := range in {
		text := fmt.Sprintf(msgRemindPrivate, displayName(s.Name)+"，", label, bot.Esc(e.Title), id, start, bot.Esc(e.Place), s.N, id)
		if _, err := f.env.Out.Notify(ctx, s.User, bot.Message{Text: text}, e.Start); err != nil {
			f.log.Debug("private reminder not delivered", "event", id, "user", s.User, "err", err)
		}
	}
	f.remindGroups(ctx, e)
	return nil
}

// remindGroups posts the short reminder in the grid groups. The quiet hours
// may hold it: it then says when the activity starts as seen from when it
// goes out, and is not sent at all if that is after the start.
func (f *Feature) remindGroups(ctx context.Context, e *Event) {
	at, _ := f.goesOut(time.Time{})
	if !at.Before(e.Start) {
		return
	}
	var seats string
	switch {
	case !e.open(at):
		seats = msgListShut
	case e.Left() > 0:
		seats = fmt.Sprintf(msgRemindSeats, e.Left(), e.ID)
	default:
		seats = fmt.Sprintf(msgRemindFull, e.Waiting)
	}
	label := remindLabel(e.Start, at, f.env.Loc)
	text := fmt.Sprintf(msgRemindGroup, label, bot.Esc(e.Title), e.ID, formatWhen(e.Start, at, f.env.Loc), bot.Esc(e.Place), seats)
	f.broadcast(ctx, e, "reminder", bot.Message{Text: text}, time.Time{})
}
