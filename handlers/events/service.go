package events

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// The exported functions in this file are the events service: the chat
// commands and the staff web console both call them, so the two always
// validate, store and answer the same way. Errors meant for the person are
// *bot.UserError with the same Chinese text the chat shows; replies are a
// Reply (the chat's HTML, or Plain for other front ends). The console passes
// typed inputs (EventInput, EventPatch), never chat text.

// CreateEvent publishes the activity in, typed by staff member by;
// chatGrid is the grid of the chat it came from ("" outside a bound group,
// where in must name Grids). It returns the stored event and the
// confirmation; a *bot.UserError with the chat's words when in is refused.
func (f *Feature) CreateEvent(ctx context.Context, by bot.UserRef, chatGrid string, in EventInput) (*Event, Reply, error) {
	if err := f.chainRoom(in.Chain); err != nil {
		return nil, "", err
	}
	fm, err := checkRaw(in.raw(), f.now(), f.env.Loc, chatGrid == "")
	if err != nil {
		return nil, "", err
	}
	chain := in.Chain
	spec := fm.Grids
	if spec == "" {
		spec = chatGrid
	}
	grids, err := f.env.Dir.Resolve(ctx, spec)
	if err != nil {
		return nil, "", err
	}
	names := make([]string, len(grids))
	for i, g := range grids {
		names[i] = g.Name
	}
	e := &Event{Title: fm.Title, Place: fm.Place, Desc: fm.Desc, Start: fm.Start, End: fm.End,
		Deadline: fm.Deadline, Seats: fm.Seats, Grids: names, HH: fm.HH, Hours: fm.Hours, Creator: by, Chain: chain}
	if err := f.st.create(ctx, e); err != nil {
		return nil, "", err
	}
	f.scheduleReminders(ctx, e)
	p, err := f.post(ctx, e, grids)
	if err != nil {
		return e, "", err
	}
	if chain {
		if _, _, err := f.showList(ctx, e, p.Urgent); err != nil {
			return e, "", err
		}
	}
	if p.Chats == 0 {
		return e, Reply(fmt.Sprintf(msgCreatedNoCh, bot.Esc(e.Title), e.ID)), nil
	}
	posted := f.postedText(p, bot.Esc(strings.Join(names, "、")), e.Deadline)
	if chain && p.Held(f.now()) {
		posted += msgPostListHeld
	}
	return e, Reply(fmt.Sprintf(msgCreated, bot.Esc(e.Title), e.ID, f.fmtSpan(e), bot.Esc(e.Place), e.Seats, posted)), nil
}

// CancelPlan is what cancelling an activity would do: the households told
// privately (Seated of them with People people, and Waiting on the
// waitlist) and the groups told.
type CancelPlan struct {
	Event                   *Event
	Seated, People, Waiting int
	Chats                   int
}

// PlanCancel returns what cancelling activity id would do, and changes
// nothing; a *bot.UserError when there is none or it is cancelled already.
func (f *Feature) PlanCancel(ctx context.Context, id int64) (*CancelPlan, error) {
	e, err := f.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Cancelled() {
		return nil, bot.Conflictf(msgCancelAgain, bot.Esc(e.Title), id)
	}
	in, wait, _, err := f.st.roster(ctx, id)
	if err != nil {
		return nil, err
	}
	chats, _, err := f.chatsOf(ctx, e)
	if err != nil {
		return nil, err
	}
	p := &CancelPlan{Event: e, Seated: len(in), Waiting: len(wait), Chats: len(chats)}
	for _, s := range in {
		p.People += s.N
	}
	return p, nil
}

// Cancel cancels activity id, tells every household that signed up
// (privately) and the groups, and returns the reply for staff, which says
// how many households were reached, who was not, and when the groups get
// the message. The chat asks for a confirmation first (PlanCancel); the
// console has its own.
func (f *Feature) Cancel(ctx context.Context, id int64) (Reply, error) {
	res, err := f.st.cancel(ctx, id)
	if err != nil {
		return "", err
	}
	title := bot.Esc(res.Title)
	switch res.Code {
	case codeNotFound:
		return "", bot.NotFoundf(msgNotFound, id)
	case codeAgain:
		return "", bot.Conflictf(msgCancelAgain, title, id)
	}
	for _, what := range []string{"r24", "r1", "close", "list"} {
		f.unschedule(ctx, dueKey(id, what))
	}
	if err := f.env.Redis.ZRem(ctx, f.st.openKey(), id).Err(); err != nil {
		f.log.Warn("drop cancelled event from open list", "event", id, "err", err)
	}
	f.touched(ctx, id, res.Dirty)
	f.touchList(ctx, id)
	start := f.fmtTime(res.Start)
	people := pairs(res.Extra)
	r := f.tellEach(ctx, id, res.Start, people, func(p signup) string {
		return displayName(p.Name) + "，" + fmt.Sprintf(msgCancelNotice, title, id, start, bot.Esc(res.Place))
	})
	var b strings.Builder
	fmt.Fprintf(&b, msgCancelDone, title, id)
	b.WriteString(f.toldText(len(people), r, msgCancelNoOne, msgCancelTold, msgCancelUntold))
	if e, err := f.st.get(ctx, id); err == nil {
		p := f.broadcast(ctx, e, "event", bot.Message{Text: fmt.Sprintf(msgCancelGroup, title, id, start)}, e.Start.Add(-time.Hour))
		b.WriteString(f.groupsText(p, start))
	}
	return Reply(b.String()), nil
}

// groupsText says what became of the cancellation message for the groups.
func (f *Feature) groupsText(p posting, start string) string {
	switch {
	case p.Chats == 0:
		return ""
	case !p.Queued:
		return msgCancelGrpFailed
	case p.Held(f.now()):
		return fmt.Sprintf(msgCancelGrpHeld, f.outAt(p.At), p.Chats)
	case p.Urgent:
		return fmt.Sprintf(msgCancelGrpUrgent, start, p.Chats)
	}
	return fmt.Sprintf(msgCancelGrpNow, p.Chats)
}

// telling is what became of the private messages to households.
type telling struct {
	told, kept, held int
	at               time.Time // when the held ones go out
	untold           []string  // names of those who cannot be told
}

// tellEach tells each household its text privately, as news that can wait
// until the quiet hours end unless the activity starts within the hour
// after (bot.Delivery.Notify), and returns what became of it.
func (f *Feature) tellEach(ctx context.Context, id int64, start time.Time, people []signup, text func(signup) string) telling {
	var r telling
	for _, p := range people {
		t, err := f.env.Out.Notify(ctx, p.User, bot.Message{Text: text(p)}, start.Add(-time.Hour))
		switch {
		case err != nil:
			f.log.Debug("not delivered privately", "event", id, "user", p.User, "err", err)
			r.untold = append(r.untold, displayName(p.Name))
		case t.At.IsZero() && t.Later:
			r.kept++
		case t.Later:
			r.held, r.at = r.held+1, t.At
		default:
			r.told++
		}
	}
	return r
}

// toldText is the line for staff about households told privately: none
// signed up, so many told, so many to be told when the quiet hours end, so
// many whose message waits for the platform, and the names of those not
// reached.
func (f *Feature) toldText(all int, r telling, none, toldMsg, untoldMsg string) string {
	if all == 0 {
		return none
	}
	var s string
	if r.told > 0 {
		s = fmt.Sprintf(toldMsg, r.told)
	}
	if r.held > 0 {
		s += fmt.Sprintf(msgToldHeld, f.outAt(r.at), r.held)
	}
	if r.kept > 0 {
		s += fmt.Sprintf(msgToldKept, r.kept)
	}
	if len(r.untold) > 0 {
		names := r.untold
		if len(names) > 10 {
			names = append(names[:10:10], "……")
		}
		s += fmt.Sprintf(untoldMsg, len(r.untold), strings.Join(names, "、"))
	}
	return s
}

// editField changes one of 名额, 时间, 地点 or 截止 of activity id to v, as
// typed. Households are told of a new time or place; it returns the reply.
func (f *Feature) editField(ctx context.Context, id int64, fld *field, v string) (string, error) {
	e, err := f.load(ctx, id)
	if err != nil {
		return "", err
	}
	if e.Cancelled() {
		return "", bot.Gonef(msgCancelled, bot.Esc(e.Title), id)
	}
	switch fld {
	case fSeats:
		return f.editSeats(ctx, id, v)
	case fStart, fDeadline:
		var t, end time.Time
		if fld == fStart {
			t, end, err = parseSpan(fld, v, f.now(), f.env.Loc)
		} else {
			t, err = parseTime(fld, v, f.now(), f.env.Loc)
		}
		if err != nil {
			return "", err
		}
		if !t.After(f.now()) {
			return "", bot.Userf(msgStartPast, f.fmtTime(t))
		}
		if fld == fStart {
			if err := f.moveStart(ctx, e, t, end); err != nil {
				return "", err
			}
			if !end.IsZero() {
				return f.edited(ctx, e, fld, f.fmtSpan(e))
			}
		} else {
			if t.After(e.Start) {
				return "", bot.Userf(msgDeadlineLate, f.fmtTime(e.Start))
			}
			if err := f.st.set(ctx, id, "deadline", t.Unix()); err != nil {
				return "", err
			}
			e.Deadline = t
			f.schedule(ctx, dueKey(id, "close"), t)
		}
		return f.edited(ctx, e, fld, f.fmtTime(t))
	case fPlace:
		if len([]rune(v)) > maxPlace {
			return "", bad(fPlace, fmt.Sprintf(msgPlaceLong, maxPlace))
		}
		if err := f.st.set(ctx, id, "place", v); err != nil {
			return "", err
		}
		e.Place = v
		return f.edited(ctx, e, fld, bot.Esc(v))
	}
	return "", bot.Userf(msgEditUnknown, id)
}

func (f *Feature) editSeats(ctx context.Context, id int64, v string) (string, error) {
	seats, err := count(fSeats, v, maxSeats, "个", "人", "名", "位")
	if err != nil {
		return "", err
	}
	res, err := f.st.setSeats(ctx, id, seats)
	if err != nil {
		return "", err
	}
	switch res.Code {
	case codeBelow:
		return "", bot.Conflictf(msgEditBelow, res.Num, res.Num)
	case codeNotFound:
		return "", bot.NotFoundf(msgNotFound, id)
	case codeCancelled:
		return "", bot.Gonef(msgCancelled, bot.Esc(res.Title), id)
	}
	f.touched(ctx, id, res.Dirty)
	f.touchList(ctx, id)
	text := fmt.Sprintf(msgEditSeats, bot.Esc(res.Title), id, seats, res.Left)
	if p := pairs(res.Extra); len(p) > 0 {
		f.notifyPromoted(ctx, id, res, p, msgWhyMore)
		text += fmt.Sprintf(msgEditPromo, len(p))
	}
	return text, nil
}

func (f *Feature) moveStart(ctx context.Context, e *Event, t, end time.Time) error {
	fields := []any{"start", t.Unix()}
	if !e.Deadline.Before(e.Start) || e.Deadline.After(t) {
		fields = append(fields, "deadline", t.Unix())
		e.Deadline = t
	}
	switch {
	case !end.IsZero():
		e.End = end
		fields = append(fields, "end", e.End.Unix())
	case !e.End.IsZero():
		e.End = t.Add(e.End.Sub(e.Start))
		fields = append(fields, "end", e.End.Unix())
	}
	e.Start = t
	if err := f.st.set(ctx, e.ID, fields...); err != nil {
		return err
	}
	if err := f.env.Redis.ZAdd(ctx, f.st.openKey(), redis.Z{Score: float64(t.Unix()), Member: e.ID}).Err(); err != nil {
		return fmt.Errorf("move event %d: %w", e.ID, err)
	}
	f.scheduleReminders(ctx, e)
	return nil
}

// edited refreshes the notices, tells confirmed and waitlisted households
// of a change of time or place, and returns the confirmation for staff,
// with how many households were told and who could not be.
func (f *Feature) edited(ctx context.Context, e *Event, fld *field, shownValue string) (string, error) {
	f.schedule(ctx, dueKey(e.ID, "refresh"), f.now())
	f.touchList(ctx, e.ID)
	done := fmt.Sprintf(msgEditDone, bot.Esc(e.Title), e.ID, fld.name, shownValue)
	if fld == fDeadline {
		return done, nil
	}
	in, wait, _, err := f.st.roster(ctx, e.ID)
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf(msgEditNotify, bot.Esc(e.Title), e.ID, fld.name, shownValue, f.fmtTime(e.Start), bot.Esc(e.Place))
	people := append(in, wait...)
	r := f.tellEach(ctx, e.ID, e.Start, people, func(signup) string { return text })
	return done + f.toldText(len(people), r, "", msgEditTold, msgEditUntold), nil
}

// Get returns activity id; a *bot.UserError when there is none.
func (f *Feature) Get(ctx context.Context, id int64) (*Event, error) { return f.load(ctx, id) }

// Upcoming returns the activities not cancelled that start after since,
// by start time.
func (f *Feature) Upcoming(ctx context.Context, since time.Time) ([]*Event, error) {
	return f.st.upcoming(ctx, since)
}

// Open reports whether residents may still sign up for e now.
func (f *Feature) Open(e *Event) bool { return e.open(f.now()) }

// Targets reports whether e is for residents of grid.
func (e *Event) Targets(grid string) bool { return e.targets(grid) }

// RosterRow is one household in a roster, as shown to staff.
type RosterRow struct {
	// Kind is 正式 (seated), 候补 (waitlisted) or 现场 (checked in
	// without signing up); Pos numbers the rows within their kind.
	Kind   string
	Pos    int
	Name   string
	N      int
	Remark string
	At     time.Time
	Grid   string
	User   bot.UserRef
	// Checked is the check-in time ("01-02 15:04"), "" if not checked in.
	Checked string
	// Source is where the sign-up came from: 页面 (a resident page) or 群聊.
	Source string
}

// Roster is an activity's sign-ups and check-ins.
type Roster struct {
	Event *Event
	Rows  []RosterRow
	// Seated and People count the seated households and their people;
	// Waiting the waitlisted households; Checked the rows checked in.
	Seated, People, Waiting, Checked int
	rows                             []rosterRow
}

// Roster returns the sign-ups of activity id, seated first, then the
// waitlist, then walk-ins, with check-in status.
func (f *Feature) Roster(ctx context.Context, id int64) (*Roster, error) {
	e, err := f.load(ctx, id)
	if err != nil {
		return nil, err
	}
	in, wait, chk, err := f.st.roster(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	walkIns, err := f.walkIns(ctx, e.ID, in, wait)
	if err != nil {
		return nil, err
	}
	r := &Roster{Event: e, rows: rosterRows(in, wait, walkIns, chk, f.env.Loc)}
	for _, row := range r.rows {
		s := row.S
		r.Rows = append(r.Rows, RosterRow{Kind: row.Kind, Pos: row.Pos, Name: displayName(s.Name), N: s.N,
			Remark: s.Remark, At: s.At, Grid: s.Grid, User: s.User, Checked: row.Checked, Source: Source(s.User)})
		switch row.Kind {
		case "正式":
			r.Seated++
			r.People += s.N
		case "候补":
			r.Waiting++
		}
		if row.Checked != "" {
			r.Checked++
		}
	}
	return r, nil
}

// RosterText is the roster as the chat shows it (HTML).
func (f *Feature) RosterText(r *Roster) string { return f.rosterText(r.Event, r.rows) }

// RosterFiles returns the roster as CSV (UTF-8 with BOM, for Excel) and
// XLSX, and the file name both share without extension.
func (f *Feature) RosterFiles(r *Roster) (csvData, xlsx []byte, base string, err error) {
	xlsx, err = rosterXLSX(r.Event, r.rows, f.env.Loc)
	if err != nil {
		return nil, nil, "", err
	}
	return rosterCSV(r.rows, f.env.Loc), xlsx, fmt.Sprintf("活动%d_%s_名单", r.Event.ID, fileSafe(r.Event.Title)), nil
}

// Only returns the roster cut to the households of the given grids (a grid
// worker's view); the counts are recounted. A worker of every grid the
// activity is for sees it whole, so the figures agree with the activity's
// own (seats taken) even for sign-ups recorded without a grid.
func (r *Roster) Only(grids []string) *Roster {
	if len(r.Event.Grids) > 0 && !slices.ContainsFunc(r.Event.Grids, func(g string) bool { return !slices.Contains(grids, g) }) {
		return r
	}
	out := &Roster{Event: r.Event}
	for i, row := range r.rows {
		if !slices.Contains(grids, row.S.Grid) {
			continue
		}
		out.rows = append(out.rows, row)
		out.Rows = append(out.Rows, r.Rows[i])
		switch row.Kind {
		case "正式":
			out.Seated++
			out.People += row.S.N
		case "候补":
			out.Waiting++
		}
		if row.Checked != "" {
			out.Checked++
		}
	}
	return out
}
