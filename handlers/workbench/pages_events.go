package workbench

import (
	"net/http"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/handlers/events"
	"gridbot/handlers/links"
)

// eventRow is an activity in the list.
type eventRow struct {
	E      *events.Event
	Open   bool
	Past   bool
	Status string
}

func (f *Feature) eventRows(r *http.Request, v *viewer, since time.Time) ([]eventRow, error) {
	evs, err := f.d.Events.Upcoming(r.Context(), since)
	if err != nil {
		return nil, err
	}
	now := f.env.Now()
	var out []eventRow
	for _, e := range evs {
		if !v.SeesAny(e.Grids) {
			continue
		}
		row := eventRow{E: e, Open: f.d.Events.Open(e), Past: !e.Start.After(now)}
		switch {
		case row.Past:
			row.Status = "已开始"
		case !row.Open:
			row.Status = "报名已截止"
		case e.Left() == 0:
			row.Status = "已满，可候补"
		default:
			row.Status = "报名中"
		}
		out = append(out, row)
	}
	return out, nil
}

func (f *Feature) eventList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	rows, err := f.eventRows(r, v, f.env.Now().AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	f.render(w, http.StatusOK, "events", page{V: v, Title: "活动", Nav: "events", D: rows})
	return nil
}

// eventForm is the create form as typed, kept to show again with an error.
type eventForm struct {
	Title, Start, End, Deadline, Place, Seats, HH, Hours, Desc string
	All, Chain                                                 bool
	Grids                                                      []string
	Choices                                                    []string
	StartF, EndF, DeadlineF                                    dateField
}

// eventDates sets the form's date fields: empty (r nil), or as r
// posted them.
func (f *Feature) eventDates(fm *eventForm, r *http.Request) {
	field := func(name, label, hint string) dateField {
		if r == nil {
			return f.dateFieldAt(name, label, hint, time.Time{})
		}
		return f.dateFieldPosted(r, name, label, hint)
	}
	fm.StartF = field("start", labelStart, "")
	fm.EndF = field("end", labelEnd, hintEnd)
	fm.DeadlineF = field("deadline", labelDeadline, hintDeadline)
}

func (f *Feature) gridChoices(r *http.Request) ([]string, error) {
	return f.env.Dir.GridNames(r.Context())
}

func (f *Feature) eventNew(w http.ResponseWriter, r *http.Request, v *viewer) error {
	choices, err := f.gridChoices(r)
	if err != nil {
		return err
	}
	fm := eventForm{Seats: "30", All: true, Choices: choices}
	f.eventDates(&fm, nil)
	f.render(w, http.StatusOK, "event_new", page{V: v, Title: "新建活动", Nav: "events", D: fm})
	return nil
}

// input is the page's fields as the activity typed for 发布活动, so the page
// is checked and stored by exactly the code that reads the chat form.
func (fm eventForm) input() events.EventInput {
	grids := "全部"
	if !fm.All {
		grids = strings.Join(fm.Grids, ",")
	}
	return events.EventInput{Title: oneLine(fm.Title), Start: fm.Start, End: fm.End, Deadline: fm.Deadline,
		Place: oneLine(fm.Place), Seats: oneLine(fm.Seats), Grids: grids, PerHousehold: oneLine(fm.HH),
		Hours: oneLine(fm.Hours), Desc: strings.TrimSpace(strings.ReplaceAll(fm.Desc, "\r\n", "\n")), Chain: fm.Chain}
}

// eventTimes reads the form's start, end and deadline.
func (f *Feature) eventTimes(r *http.Request, fm *eventForm) error {
	for _, d := range []struct {
		name, label string
		to          *string
	}{{"start", labelStart, &fm.Start}, {"end", labelEnd, &fm.End}, {"deadline", labelDeadline, &fm.Deadline}} {
		v, err := f.formTime(r, d.name, d.label)
		if err != nil {
			return err
		}
		*d.to = v
	}
	return nil
}

func (f *Feature) eventCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	fm := eventForm{Title: r.PostFormValue("title"), Place: r.PostFormValue("place"), Seats: r.PostFormValue("seats"),
		HH: r.PostFormValue("hh"), Hours: r.PostFormValue("hours"), Desc: r.PostFormValue("desc"),
		All: r.PostFormValue("all") == "1", Chain: r.PostFormValue("chain") == "1", Grids: r.PostForm["grid"]}
	var e *events.Event
	var reply events.Reply
	err := f.eventTimes(r, &fm)
	if err == nil {
		e, reply, err = f.d.Events.CreateEvent(r.Context(), v.User, "", fm.input())
	}
	if msg, ok := bot.UserMessage(err); ok {
		fm.Choices, _ = f.gridChoices(r)
		f.eventDates(&fm, r)
		f.render(w, statusFor(err), "event_new", page{V: v, Title: "新建活动", Nav: "events",
			Error: bot.PlainText(msg), D: fm})
		return nil
	}
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply.HTML(), "/console/events/"+itoa(e.ID))
}

// eventFor loads activity id and checks the viewer may see it.
func (f *Feature) eventFor(r *http.Request, v *viewer) (*events.Event, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return nil, err
	}
	e, err := f.d.Events.Get(r.Context(), id)
	if _, ok := bot.UserMessage(err); ok {
		return nil, refuse(statusFor(err), bot.PlainText(err.Error()))
	}
	if err != nil {
		return nil, err
	}
	if !v.SeesAny(e.Grids) {
		return nil, refuse(http.StatusForbidden, msgOtherGrid)
	}
	return e, nil
}

func (f *Feature) rosterFor(r *http.Request, v *viewer) (*events.Roster, error) {
	e, err := f.eventFor(r, v)
	if err != nil {
		return nil, err
	}
	ro, err := f.d.Events.Roster(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	if !v.Staff {
		ro = ro.Only(v.Grids)
	}
	return ro, nil
}

type eventPage struct {
	Share           *shareBox
	Row             eventRow
	Roster          *events.Roster
	Start, Deadline dateField
}

func (f *Feature) eventShow(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return f.showEvent(w, r, v, http.StatusOK, "")
}

func (f *Feature) showEvent(w http.ResponseWriter, r *http.Request, v *viewer, code int, errMsg string) error {
	ro, err := f.rosterFor(r, v)
	if err != nil {
		return err
	}
	e := ro.Event
	row := eventRow{E: e, Open: f.d.Events.Open(e), Past: !e.Start.After(f.env.Now())}
	if e.Cancelled() {
		row.Status = "已取消"
	}
	f.render(w, code, "event", page{V: v, Title: e.Title, Nav: "events", Error: errMsg, D: eventPage{Share: f.share(r, links.ActivityTarget(e.ID)), Row: row, Roster: ro,
		Start: f.dateFieldAt("start", labelStart, "", e.Start), Deadline: f.dateFieldAt("deadline", labelDeadline, "", e.Deadline)}})
	return nil
}

// eventEdit applies the changed fields through events.EditEvent, the code
// behind 修改活动, which stops at the first refusal.
func (f *Feature) eventEdit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	e, err := f.eventFor(r, v)
	if err != nil {
		return err
	}
	var p events.EventPatch
	if s := oneLine(r.PostFormValue("seats")); s != "" && s != itoa(int64(e.Seats)) {
		p.Seats = s
	}
	for _, d := range []struct {
		name, label string
		was         time.Time
		to          *string
	}{{"start", labelStart, e.Start, &p.Start}, {"deadline", labelDeadline, e.Deadline, &p.Deadline}} {
		s, err := f.formTime(r, d.name, d.label)
		if msg, ok := bot.UserMessage(err); ok {
			return f.showEvent(w, r, v, statusFor(err), bot.PlainText(msg))
		}
		if s != "" && s != d.was.In(f.env.Loc).Format("2006-01-02 15:04") {
			*d.to = s
		}
	}
	if s := oneLine(r.PostFormValue("place")); s != "" && s != e.Place {
		p.Place = s
	}
	if p == (events.EventPatch{}) {
		return f.showEvent(w, r, v, http.StatusUnprocessableEntity, msgChooseChange)
	}
	reply, err := f.d.Events.EditEvent(r.Context(), e.ID, p)
	if msg, ok := bot.UserMessage(err); ok {
		if reply != "" {
			f.setFlash(r.Context(), v.sess, reply.Plain())
		}
		return f.showEvent(w, r, v, statusFor(err), bot.PlainText(msg))
	}
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply.HTML(), "/console/events/"+itoa(e.ID))
}

func (f *Feature) eventCancel(w http.ResponseWriter, r *http.Request, v *viewer) error {
	e, err := f.eventFor(r, v)
	if err != nil {
		return err
	}
	reply, err := f.d.Events.Cancel(r.Context(), e.ID)
	if msg, ok := bot.UserMessage(err); ok {
		return f.showEvent(w, r, v, statusFor(err), bot.PlainText(msg))
	}
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply.HTML(), "/console/events/"+itoa(e.ID))
}

func (f *Feature) rosterFile(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ro, err := f.rosterFor(r, v)
	if err != nil {
		return err
	}
	csvData, xlsx, base, err := f.d.Events.RosterFiles(ro)
	if err != nil {
		return err
	}
	if strings.HasSuffix(r.URL.Path, ".csv") {
		download(w, base+".csv", "text/csv; charset=utf-8", csvData)
	} else {
		download(w, base+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx)
	}
	return nil
}

// shareBox is a target's short link, QR code and poster on its page.
type shareBox struct{ URL, QR, Poster string }

// share returns t's link box, or nil when links are off or the link
// cannot be made (the page shows without it; the failure is logged). The
// QR image is fetched from this server (the console's CSP allows only
// 'self'), the link and poster are the public ones.
func (f *Feature) share(r *http.Request, t links.Target) *shareBox {
	if f.d.Links == nil || !f.d.Links.Enabled() {
		return nil
	}
	l, err := f.d.Links.Get(r.Context(), t)
	if err != nil {
		f.log.Warn("console: short link", "target", t, "err", err)
		return nil
	}
	return &shareBox{URL: l.URL, QR: "/s/" + l.Code + "/qr.png", Poster: f.d.Links.PosterURL(l)}
}
