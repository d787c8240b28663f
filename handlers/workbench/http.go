package workbench

import (
	"bytes"

	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gridbot/bot"
	"gridbot/bot/server"
)

// handlerFunc serves one page for a signed-in viewer.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *viewer) error

// endpoint is one method of a route; staff marks staff-only actions.
type endpoint struct {
	method string
	staff  bool
	h      handlerFunc
}

func get(h handlerFunc) endpoint        { return endpoint{method: http.MethodGet, h: h} }
func staffGet(h handlerFunc) endpoint   { return endpoint{method: http.MethodGet, staff: true, h: h} }
func staffPost(h handlerFunc) endpoint  { return endpoint{method: http.MethodPost, staff: true, h: h} }
func anyonePost(h handlerFunc) endpoint { return endpoint{method: http.MethodPost, h: h} }

// httpError is a refusal or failure shown as a page with a status.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func refuse(code int, msg string) error { return &httpError{code: code, msg: msg} }

// Handler serves the console under /console/.
func (f *Feature) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("/console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	mux.HandleFunc("/console/login", f.login)
	f.route(mux, "/console/{$}", get(f.overview))
	f.route(mux, "/console/logout", anyonePost(f.logout))
	f.route(mux, "/console/events", get(f.eventList), staffPost(f.eventCreate))
	f.route(mux, "/console/events/new", staffGet(f.eventNew))
	f.route(mux, "/console/events/{id}", get(f.eventShow))
	f.route(mux, "/console/events/{id}/edit", staffPost(f.eventEdit))
	f.route(mux, "/console/events/{id}/cancel", staffPost(f.eventCancel))
	f.route(mux, "/console/events/{id}/roster.csv", get(f.rosterFile))
	f.route(mux, "/console/events/{id}/roster.xlsx", get(f.rosterFile))
	f.route(mux, "/console/notices", get(f.noticeList), staffPost(f.noticePreview))
	f.route(mux, "/console/notices/confirm", staffPost(f.noticeConfirm))
	f.route(mux, "/console/notices/drop", staffPost(f.noticeDrop))
	f.route(mux, "/console/notices/{n}", get(f.noticeShow))
	f.route(mux, "/console/notices/{n}/recall", staffPost(f.noticeRecall))
	f.route(mux, "/console/notices/{n}/cancel", staffPost(f.noticeCancel))
	f.route(mux, "/console/tips", staffGet(f.tipList), staffPost(f.tipSave))
	f.route(mux, "/console/tips/edit", staffGet(f.tipEdit))
	f.route(mux, "/console/tips/import", staffPost(f.tipImport))
	f.route(mux, "/console/tips/import/confirm", staffPost(f.tipImportConfirm))
	f.route(mux, "/console/quiz", staffGet(f.quizList), staffPost(f.quizSave))
	f.route(mux, "/console/quiz/edit", staffGet(f.quizEdit))
	f.route(mux, "/console/quiz/import", staffPost(f.quizImport))
	f.route(mux, "/console/quiz/import/confirm", staffPost(f.quizImportConfirm))
	f.route(mux, "/console/grids", get(f.gridList))
	f.route(mux, "/console/grids/custgroups/sync", staffPost(f.custSync))
	f.route(mux, "/console/grids/custgroups/map", staffPost(f.custMap))
	f.route(mux, "/console/ledger", get(f.ledgerPage))
	f.route(mux, "/console/ledger.xlsx", get(f.ledgerFile))
	mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		f.fail(w, r, nil, refuse(http.StatusNotFound, msgNotFound))
	})
	return headers(mux)
}

// headers sets what every console response carries (server.PageHeaders):
// a sign-in URL must not leak to another site.
func headers(next http.Handler) http.Handler { return server.PageHeaders(next) }

// route mounts the endpoints of one path: the method must be one of
// theirs, the session valid, the role allowed, and a POST's CSRF token
// right — each checked on every request before the handler runs.
func (f *Feature) route(mux *http.ServeMux, pattern string, eps ...endpoint) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var ep *endpoint
		var allow []string
		for i := range eps {
			allow = append(allow, eps[i].method)
			if eps[i].method == r.Method || (r.Method == http.MethodHead && eps[i].method == http.MethodGet) {
				ep = &eps[i]
			}
		}
		if ep == nil {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			f.fail(w, r, nil, refuse(http.StatusMethodNotAllowed, msgMethod))
			return
		}
		v, err := f.viewer(r)
		if err != nil {
			f.fail(w, r, nil, err)
			return
		}
		if ep.staff && !v.Staff {
			f.fail(w, r, v, refuse(http.StatusForbidden, msgRefused))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				_ = r.ParseMultipartForm(8 << 20)
			}
			if !csrfOK(v.sess, r) || !f.sameOrigin(r) {
				f.fail(w, r, v, refuse(http.StatusForbidden, msgCSRF))
				return
			}
		}
		if err := ep.h(w, r, v); err != nil {
			f.fail(w, r, v, err)
		}
	})
}

// viewer loads the session and works out the role again.
func (f *Feature) viewer(r *http.Request) (*viewer, error) {
	ctx := r.Context()
	s, ok, err := f.loadSession(ctx, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, refuse(http.StatusUnauthorized, msgNoSession)
	}
	role, grids, err := f.roleOf(ctx, s.User, s.Grids...)
	if err != nil {
		return nil, err
	}
	if role == bot.Resident {
		return nil, refuse(http.StatusForbidden, msgNotStaff)
	}
	name, err := f.env.Dir.Name(ctx, s.User)
	if err != nil || name == "" {
		name = s.User.ID()
	}
	return &viewer{sess: s, User: s.User, Name: name, Staff: role == bot.Staff, Grids: grids, CSRF: s.CSRF}, nil
}

// page is what every template gets.
type page struct {
	V     *viewer
	Title string
	Nav   string
	Flash string
	Error string
	D     any
}

func (f *Feature) render(w http.ResponseWriter, code int, name string, p page) {
	if p.V != nil && p.Flash == "" {
		p.Flash = p.V.sess.Flash
	}
	var buf bytes.Buffer
	if err := f.pages[name].Execute(&buf, p); err != nil {
		f.log.Error("console template", "page", name, "err", err)
		http.Error(w, msgBusy, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// fail shows err as a page: its own status for refusals, the status of its
// code for a user error (userStatus), 500 (logged) for the rest.
func (f *Feature) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	code, msg := http.StatusInternalServerError, msgBusy
	var he *httpError
	switch {
	case errors.As(err, &he):
		code, msg = he.code, he.msg
	default:
		if c, m, ok := userStatus(err); ok {
			code, msg = c, m
		} else {
			f.log.Error("console request failed", "path", r.URL.Path, "err", err)
		}
	}
	f.render(w, code, "error", page{V: v, Title: "提示", Error: msg})
}

// userStatus returns the HTTP status for the *bot.UserError in err (422 for
// invalid input, 404 not found, 409 conflict, 403 forbidden, 410 gone, 429
// too many, 503 unavailable) and its message as plain text; ok is false
// when err carries none.
func userStatus(err error) (code int, msg string, ok bool) {
	m, ok := bot.UserMessage(err)
	if !ok {
		return 0, "", false
	}
	return statusFor(err), bot.PlainText(m), true
}

// statusFor is the HTTP status of the user error in err (see userStatus).
func statusFor(err error) int {
	c, _ := bot.UserCode(err)
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusUnprocessableEntity
}

var statusOf = map[bot.Code]int{
	bot.CodeInvalid:     http.StatusUnprocessableEntity,
	bot.CodeNotFound:    http.StatusNotFound,
	bot.CodeConflict:    http.StatusConflict,
	bot.CodeForbidden:   http.StatusForbidden,
	bot.CodeGone:        http.StatusGone,
	bot.CodeTooMany:     http.StatusTooManyRequests,
	bot.CodeUnavailable: http.StatusServiceUnavailable,
}

// done ends a successful POST: the reply (chat markup, shown as plain text)
// as a flash on the next page.
func (f *Feature) done(w http.ResponseWriter, r *http.Request, v *viewer, reply, to string) error {
	if reply != "" {
		f.setFlash(r.Context(), v.sess, bot.PlainText(reply))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (f *Feature) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f.loginPage(w, r)
	case http.MethodPost:
		f.loginPost(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		f.fail(w, r, nil, refuse(http.StatusMethodNotAllowed, msgMethod))
	}
}

func linkRefusal(err error) error {
	switch {
	case errors.Is(err, errLinkExpired):
		return refuse(http.StatusGone, msgLinkExpired)
	case errors.Is(err, errLinkUsed):
		return refuse(http.StatusGone, msgLinkUsed)
	case errors.Is(err, errLinkBad):
		return refuse(http.StatusBadRequest, msgLinkBad)
	}
	return err
}

// loginPage checks a link without using it up (chat apps open links to
// preview them) and shows the button that signs in.
func (f *Feature) loginPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("t")
	l, err := f.parseLink(token)
	if err != nil {
		f.fail(w, r, nil, linkRefusal(err))
		return
	}
	unused, err := f.linkUnused(r.Context(), l)
	if err != nil {
		f.fail(w, r, nil, err)
		return
	}
	if !unused {
		f.fail(w, r, nil, refuse(http.StatusGone, msgLinkUsed))
		return
	}
	name, _ := f.env.Dir.Name(r.Context(), l.User)
	if name == "" {
		name = l.User.ID()
	}
	f.render(w, http.StatusOK, "login", page{Title: titleLogin, D: map[string]string{
		"Token": token, "Hello": fmt.Sprintf(msgLoginReady, name)}})
}

// loginPost checks the link and the role, then uses the link up, starts a
// session and redirects to the overview. A refused link stays as it was.
func (f *Feature) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if !f.sameOrigin(r) {
		f.fail(w, r, nil, refuse(http.StatusForbidden, msgCSRF))
		return
	}
	token := r.PostFormValue("t")
	l, err := f.parseLink(token)
	if err != nil {
		f.fail(w, r, nil, linkRefusal(err))
		return
	}
	role, grids, err := f.roleOf(r.Context(), l.User)
	if err != nil {
		f.fail(w, r, nil, err)
		return
	}
	if role == bot.Resident {
		f.fail(w, r, nil, refuse(http.StatusForbidden, msgNotStaff))
		return
	}
	u, err := f.useLink(r.Context(), token)
	if err != nil {
		f.fail(w, r, nil, linkRefusal(err))
		return
	}
	s, err := f.newSession(r.Context(), u, grids)
	if err != nil {
		f.fail(w, r, nil, err)
		return
	}
	f.setCookie(w, r, s.ID, int(f.cfg.Session.Seconds()))
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// sameOrigin rejects a POST a browser says came from another site (the
// Origin header, when sent, must name this host or base_url's); it backs
// up the CSRF token and guards the sign-in form, which has none.
func (f *Feature) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	b, err := url.Parse(f.cfg.BaseURL)
	return err == nil && u.Host == b.Host
}

func (f *Feature) logout(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := f.endSession(r.Context(), v.sess); err != nil {
		return err
	}
	f.setCookie(w, r, "", -1)
	f.render(w, http.StatusOK, "error", page{Title: "已退出", Error: msgLoggedOut})
	return nil
}

func pathInt(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, refuse(http.StatusNotFound, msgBadNumber)
	}
	return n, nil
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
