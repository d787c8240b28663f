package residents

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"gridbot/bot/wxoa"
)

// meData is the identity form.
type meData struct {
	Form  identityForm
	Grids []string
	To    string
	// Masked is the phone as stored, masked (the form never shows it whole).
	Masked string
}

// backTo returns the local page a form returns to, or "" when to is not
// one of ours.
func backTo(to string) string {
	if !wxoa.LocalPath(to) || !strings.HasPrefix(to, Prefix) {
		return ""
	}
	return to
}

// gridHint is the grid a link carries: ?g= of the page itself or of the
// page to return to.
func gridHint(r *http.Request, to string) string {
	if g := r.URL.Query().Get("g"); g != "" {
		return g
	}
	if u, err := url.Parse(to); err == nil {
		return u.Query().Get("g")
	}
	return ""
}

// MeURL is the identity form's address, returning to the local page to.
func MeURL(to string) string { return Prefix + "me?to=" + url.QueryEscape(to) }

func (s *Site) mePage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	grids, err := s.env.Dir.GridNames(r.Context())
	if err != nil {
		return err
	}
	to := backTo(r.FormValue("to"))
	v.Title = "填写您的信息"
	if r.Method != http.MethodPost {
		d := meData{Grids: grids, To: to, Form: identityForm{Grid: gridHint(r, to)}}
		if res := v.Resident; res.Known() {
			d.Form = identityForm{Name: res.Name, Grid: res.Grid, Door: res.DoorText}
			d.Masked = res.MaskedPhone()
		}
		s.Render(w, http.StatusOK, "me", v, d)
		return nil
	}
	form, res := readIdentity(r, grids)
	if res == nil {
		form.Phone = ""
		s.Render(w, http.StatusBadRequest, "me", v, meData{Form: form, Grids: grids, To: to})
		return nil
	}
	if v.Resident != nil {
		res.ID = v.Resident.ID
		if res.Phone == "" && r.PostFormValue("keep_phone") == "1" {
			res.Phone = v.Resident.Phone
		}
	} else {
		res.ID = newCookieID()
	}
	if err := s.save(r.Context(), res); err != nil {
		return err
	}
	s.setResident(w, res.ID)
	msg := fmt.Sprintf(msgSaved, res.Name, res.Grid, res.Door)
	if to == "" {
		to = Prefix + "me"
	}
	s.Redirect(w, r, to, msg, false)
	return nil
}

// NeedResident sends a visitor the page cannot name yet on their way: in
// WeChat with an Official Account configured, silently through its
// authorisation (and back to this page); it reports whether it did so.
// Elsewhere it does nothing, and the page offers the identity form.
func (s *Site) NeedResident(w http.ResponseWriter, r *http.Request, v *Visit) bool {
	if v.Resident != nil || s.deps.OA == nil || r.Method != http.MethodGet {
		return false
	}
	return s.deps.OA.Begin(w, r, v.Path) == nil
}

// oauthCallback finishes the Official Account authorisation: the openid
// becomes the resident id (as a MAC; the openid is kept nowhere), and the
// visitor goes back to the page, or to the identity form the first time.
func (s *Site) oauthCallback(w http.ResponseWriter, r *http.Request) {
	res, err := s.deps.OA.Finish(r)
	if err != nil {
		if rerr := s.deps.OA.Restart(w, r, err); rerr == nil {
			return
		} else {
			err = rerr
		}
		s.log.Info("official account authorisation", "kind", wxoa.KindOf(err), "err", err)
		v, verr := s.visit(w, r)
		if verr != nil {
			v = &Visit{}
		}
		s.Render(w, http.StatusOK, "message", v, struct{ Msg, Back string }{wxoa.UserMessage(err) + " " + msgWxoaOutside, MeURL(res.ReturnTo)})
		return
	}
	id := s.openidID(res.OpenID)
	s.setResident(w, id)
	to := backTo(res.ReturnTo)
	if to == "" {
		to = Prefix + "me"
	}
	prof, err := s.load(r.Context(), id)
	if err == nil && !prof.Known() {
		to = MeURL(to)
	}
	http.Redirect(w, r, to, http.StatusFound)
}
