package workbench

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/handlers/links"
	"gridbot/handlers/notices"
)

type noticeForm struct {
	Body, At, Tag string
	All, Urgent   bool
	Grids         []string
	Choices, Tags []string
	AtF           dateField
}

func (f *Feature) noticeChoices(r *http.Request, fm *noticeForm) error {
	gs, err := f.env.Dir.Grids(r.Context())
	if err != nil {
		return err
	}
	fm.Choices, fm.Tags = nil, nil
	for _, g := range gs {
		fm.Choices = append(fm.Choices, g.Name)
		for _, t := range g.Tags {
			if !slices.Contains(fm.Tags, t) {
				fm.Tags = append(fm.Tags, t)
			}
		}
	}
	return nil
}

// noticeItem is a notice in the list with whether the viewer may see it.
type noticeItem struct {
	notices.Notice
	Grids []string
}

func (f *Feature) noticeGrids(r *http.Request, bid string) ([]outbox.ChatState, []string, error) {
	chats, err := f.d.Outbox.Chats(r.Context(), bid)
	if errors.Is(err, outbox.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var grids []string
	for _, c := range chats {
		if !slices.Contains(grids, c.Grid) {
			grids = append(grids, c.Grid)
		}
	}
	return chats, grids, nil
}

type noticesPage struct {
	Form  noticeForm
	Items []noticeItem
}

func (f *Feature) noticeList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return f.showNotices(w, r, v, http.StatusOK, "", noticeForm{All: true, AtF: f.dateFieldAt("at", labelAt, hintAt, time.Time{})})
}

func (f *Feature) showNotices(w http.ResponseWriter, r *http.Request, v *viewer, code int, errMsg string, fm noticeForm) error {
	ns, err := f.d.Notices.Recent(r.Context(), 30)
	if err != nil {
		return err
	}
	var items []noticeItem
	for _, n := range ns {
		if v.Staff {
			items = append(items, noticeItem{Notice: n})
			continue
		}
		_, grids, err := f.noticeGrids(r, n.BID)
		if err != nil {
			return err
		}
		if v.SeesAny(grids) {
			items = append(items, noticeItem{Notice: n, Grids: grids})
		}
	}
	if err := f.noticeChoices(r, &fm); err != nil {
		return err
	}
	f.render(w, code, "notices", page{V: v, Title: "通知", Nav: "notices", Error: errMsg, D: noticesPage{Form: fm, Items: items}})
	return nil
}

// chatArgs writes the page's choices as what follows 通知 in the chat:
// "[time] targets body", read by the same parser.
func (fm noticeForm) chatArgs() string {
	var spec string
	switch {
	case fm.Tag != "":
		spec = "标签:" + oneLine(fm.Tag)
	case fm.All:
		spec = "全部"
	default:
		spec = strings.Join(fm.Grids, ",")
	}
	at := fm.At
	if at != "" {
		at += " "
	}
	return at + spec + " " + strings.TrimSpace(fm.Body)
}

type previewPage struct {
	Draft notices.Draft
	When  string
	// GoesOut is when it goes out if confirmed now, set when quiet hours
	// hold it.
	GoesOut string
}

func (f *Feature) noticePreview(w http.ResponseWriter, r *http.Request, v *viewer) error {
	fm := noticeForm{Body: r.PostFormValue("body"), Tag: r.PostFormValue("tag"),
		All: r.PostFormValue("all") == "1", Urgent: r.PostFormValue("urgent") == "1", Grids: r.PostForm["grid"],
		AtF: f.dateFieldPosted(r, "at", labelAt, hintAt)}
	at, err := f.formTime(r, "at", labelAt)
	if msg, ok := bot.UserMessage(err); ok {
		return f.showNotices(w, r, v, statusFor(err), bot.PlainText(msg), fm)
	}
	fm.At = at
	if fm.Tag == "" && !fm.All && len(fm.Grids) == 0 {
		return f.showNotices(w, r, v, http.StatusUnprocessableEntity, msgFillTargets, fm)
	}
	d, err := f.d.Notices.Compose(r.Context(), v.User, fm.chatArgs(), fm.Urgent)
	if msg, ok := bot.UserMessage(err); ok {
		return f.showNotices(w, r, v, statusFor(err), bot.PlainText(msg), fm)
	}
	if err != nil {
		return err
	}
	p := previewPage{Draft: d, When: longTime(d.At, f.env.Loc)}
	if d.Held {
		p.GoesOut = outbox.When(d.GoesOut, f.env.Now(), f.env.Loc)
	}
	f.render(w, http.StatusOK, "notice_preview", page{V: v, Title: "通知预览", Nav: "notices", D: p})
	return nil
}

func (f *Feature) noticeConfirm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	confirm := f.d.Notices.Confirm
	if r.PostFormValue("urgent") == "1" {
		confirm = f.d.Notices.ConfirmUrgent
	}
	n, reply, err := confirm(r.Context(), r.PostFormValue("draft"))
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply, "/console/notices/"+itoa(int64(n)))
}

func (f *Feature) noticeDrop(w http.ResponseWriter, r *http.Request, v *viewer) error {
	reply, err := f.d.Notices.Drop(r.Context(), r.PostFormValue("draft"))
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply, "/console/notices")
}

type noticePage struct {
	Share  *shareBox
	N      notices.Notice
	Report outbox.Report
	Chats  []outbox.ChatState
	Found  bool
	// Waiting says how the deliveries not yet made stand: "待发 明天
	// 07:30" while held, "发送中" once due; Until is when they are due.
	Waiting, Until string
}

// noticeFor loads notice n and checks the viewer may see it.
func (f *Feature) noticeFor(r *http.Request, v *viewer) (noticePage, error) {
	n, err := pathInt(r, "n")
	if err != nil {
		return noticePage{}, err
	}
	nt, err := f.d.Notices.Get(r.Context(), int(n))
	if _, ok := bot.UserMessage(err); ok {
		return noticePage{}, refuse(http.StatusNotFound, msgNoNotice)
	}
	if err != nil {
		return noticePage{}, err
	}
	chats, grids, err := f.noticeGrids(r, nt.BID)
	if err != nil {
		return noticePage{}, err
	}
	if !v.SeesAny(grids) {
		return noticePage{}, refuse(http.StatusForbidden, msgOtherGrid)
	}
	p := noticePage{N: nt, Chats: chats, Share: f.share(r, links.NoticeTarget(nt.N))}
	if !v.Staff {
		p.Chats = slices.DeleteFunc(slices.Clone(chats), func(c outbox.ChatState) bool { return !v.Sees(c.Grid) })
	}
	rep, err := f.d.Outbox.Status(r.Context(), nt.BID)
	switch {
	case err == nil:
		p.Report, p.Found, p.Waiting = rep, true, f.waiting(rep)
		p.Until = outbox.When(rep.Due, f.env.Now(), f.env.Loc)
	case !errors.Is(err, outbox.ErrNotFound):
		return noticePage{}, err
	}
	return p, nil
}

func (f *Feature) noticeShow(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := f.noticeFor(r, v)
	if err != nil {
		return err
	}
	f.render(w, http.StatusOK, "notice", page{V: v, Title: "通知 " + itoa(int64(p.N.N)) + " 号", Nav: "notices", D: p})
	return nil
}

func (f *Feature) noticeAct(w http.ResponseWriter, r *http.Request, v *viewer, act func(n int) (string, error)) error {
	p, err := f.noticeFor(r, v)
	if err != nil {
		return err
	}
	reply, err := act(p.N.N)
	if msg, ok := bot.UserMessage(err); ok {
		f.render(w, statusFor(err), "notice", page{V: v, Title: "通知 " + itoa(int64(p.N.N)) + " 号",
			Nav: "notices", Error: bot.PlainText(msg), D: p})
		return nil
	}
	if err != nil {
		return err
	}
	return f.done(w, r, v, reply, "/console/notices/"+itoa(int64(p.N.N)))
}

func (f *Feature) noticeRecall(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return f.noticeAct(w, r, v, func(n int) (string, error) { return f.d.Notices.Recall(r.Context(), n) })
}

func (f *Feature) noticeCancel(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return f.noticeAct(w, r, v, func(n int) (string, error) { return f.d.Notices.Cancel(r.Context(), n) })
}
