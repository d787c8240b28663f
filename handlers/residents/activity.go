package residents

import (
	"errors"
	"net/http"
	"strconv"

	"gridbot/bot"
	"gridbot/bot/shortid"
	"gridbot/handlers/events"
)

// actData is what the activity page shows.
type actData struct {
	E           *events.Event
	L           *events.PublicList
	Span        string
	Deadline    string
	Desc        string
	Open        bool
	Cancelled   bool
	ForMe       bool // the resident's grid is among the activity's
	Grids       string
	Left        int
	Heads       []int
	Op          string
	Action      string // the page's own path, the forms' base
	Me          string // the identity form, returning here
	MaxRemark   int
	DefaultHead int
}

// activityID resolves the page's token to an activity number.
func (s *Site) activityID(r *http.Request) (int64, error) {
	id, ok, err := s.Resolve(r.Context(), KindActivity, r.PathValue("token"))
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseInt(id, 10, 64)
	if !ok || perr != nil {
		return 0, bot.NotFoundf(msgNotFound)
	}
	return n, nil
}

func (s *Site) activityPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if r.Method == http.MethodPost {
		return bot.Userf(msgMethod)
	}
	id, err := s.activityID(r)
	if err != nil {
		return err
	}
	if s.NeedResident(w, r, v) {
		return nil
	}
	var mine bot.UserRef
	if v.Resident.Known() {
		mine = v.Resident.Household().User()
	}
	ev := s.deps.Events
	l, err := ev.PublicList(r.Context(), id, mine)
	if err != nil {
		return err
	}
	e := l.Event
	d := actData{E: e, L: l, Span: ev.Span(e), Desc: bot.MaskPhones(e.Desc), Open: ev.Open(e), Cancelled: e.Cancelled(),
		Left: e.Left(), Op: shortid.Code(), Action: r.URL.Path, Me: MeURL(v.Path), MaxRemark: ev.RemarkMax(), DefaultHead: 1}
	if !e.Deadline.IsZero() && e.Deadline.Before(e.Start) {
		d.Deadline = ev.Span(&events.Event{Start: e.Deadline})
	}
	hh := ev.MaxHeadcount()
	if e.HH > 0 && e.HH < hh {
		hh = e.HH
	}
	d.Heads = seq(hh)
	if l.MineN > 0 {
		d.DefaultHead = l.MineN
	}
	d.ForMe = !v.Resident.Known() || e.Targets(v.Resident.Grid)
	for i, g := range e.Grids {
		if i > 0 {
			d.Grids += "、"
		}
		d.Grids += g
	}
	v.Title = e.Title
	s.Render(w, http.StatusOK, "activity", v, d)
	return nil
}

func (s *Site) activityJoin(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return s.activityAct(w, r, v, true)
}

func (s *Site) activityLeave(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return s.activityAct(w, r, v, false)
}

// activityAct signs the resident's household up or cancels, and goes back
// to the page with the reply the chat would have given.
func (s *Site) activityAct(w http.ResponseWriter, r *http.Request, v *Visit, join bool) error {
	if r.Method != http.MethodPost {
		return bot.Userf(msgMethod)
	}
	id, err := s.activityID(r)
	if err != nil {
		return err
	}
	page := Prefix + KindActivity + "/" + r.PathValue("token")
	if !v.Resident.Known() {
		s.Redirect(w, r, MeURL(page), msgNeedMe, false)
		return nil
	}
	op := ""
	if code, err := shortid.ParseCode(r.PostFormValue("op")); err == nil {
		op = "web:" + v.Resident.ID + ":" + code
	}
	var reply events.PageReply
	if join {
		n, nerr := strconv.Atoi(r.PostFormValue("n"))
		if nerr != nil {
			n = 0
		}
		reply, err = s.deps.Events.JoinAs(r.Context(), id, v.Resident.Household(), n, r.PostFormValue("remark"), op)
	} else {
		reply, err = s.deps.Events.LeaveAs(r.Context(), id, v.Resident.Household(), op)
	}
	var ue *bot.UserError
	if errors.As(err, &ue) {
		s.Redirect(w, r, page, bot.PlainText(ue.Msg), true)
		return nil
	}
	if err != nil {
		return err
	}
	s.Redirect(w, r, page, reply.Text, false)
	return nil
}
