// Package residents serves the resident pages (居民页): web pages opened
// from a link in any WeChat chat (an ordinary WeChat group, a WeChat Work
// customer group) or on Telegram, made for WeChat's in-app browser on a
// phone and for elderly eyes: large type, big buttons, high contrast, no
// external fonts, scripts or CDNs, and every action a plain form that
// POSTs and redirects, so it works with scripts off.
//
// Who is acting needs no account. Where an Official Account is configured
// (wxoa), a visitor inside WeChat is recognised silently by its openid;
// otherwise, and in other browsers, the first visit asks for 称呼, 网格 and
// 楼栋/门牌 (phone optional, shown masked) and keeps a signed long-lived
// cookie. The household is grid + normalised 门牌 (NormalizeDoor), so one
// household is one sign-up however many browsers or cookies it uses.
//
// Sign-ups go through the events feature's own script (events.JoinAs,
// LeaveAs): one capacity, one waitlist, one roster, the chat's wording.
// Quiz answers go through the quiz feature's (quiz.AnswerAs): one score,
// one leaderboard per round, grid and season, the chat's wording.
//
// Pages are added with Site.Handle and a template in templates/ that
// defines "content"; Site.Render puts it in the shared layout. Every POST
// is checked before the page's code runs: the CSRF token and Origin, the
// per-IP and per-resident limits. Links are unguessable tokens
// (Site.Link), never sequential numbers.
//
// Keys (family rs, one slot {rs}):
//
//	rs:{rs}:p:<resident id>     HASH name grid door door_text phone at (400 days)
//	rs:{rs}:l:<token>           STRING "<kind>:<id>" a link's target
//	rs:{rs}:lk:<kind>:<id>      STRING the link token of a target
package residents

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/ratelimit"
	"gridbot/bot/server"
	"gridbot/bot/wxoa"
	"gridbot/handlers/events"
)

//go:embed templates/*.html static/*
var files embed.FS

// Prefix is the path every resident page is under.
const Prefix = "/r/"

// Deps are the features the pages act through.
type Deps struct {
	// Events signs households up and lists activities (required).
	Events *events.Feature
	// OA is the Official Account web authorisation; nil when none is
	// configured.
	OA *wxoa.Client
}

// Site serves the resident pages. Build it with New; mount Handler at
// Prefix.
type Site struct {
	env   feature.Env
	cfg   Config
	deps  Deps
	log   *slog.Logger
	lim   *ratelimit.Limiter
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// New builds the site; env.Redis, Keys, Dir, Now and Log are used. It
// fails when a template does not parse.
func New(env feature.Env, cfg Config, deps Deps) (*Site, error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Log == nil {
		env.Log = slog.Default()
	}
	cfg = cfg.withDefaults()
	s := &Site{env: env, cfg: cfg, deps: deps, log: env.Log.With("feature", "residents"), mux: http.NewServeMux()}
	s.lim = ratelimit.New(env.Redis, env.Keys, ratelimit.Config{Limits: map[string]ratelimit.Limit{
		"page:ip":  {N: cfg.IPPerMinute, Per: cfg.per, Burst: cfg.IPPerMinute},
		"page:res": {N: cfg.ResidentPerMinute, Per: cfg.per, Burst: cfg.ResidentPerMinute},
	}}, env.Metrics)
	if err := s.parse(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(files, "static")
	s.mux.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", cacheFor(http.FileServerFS(static), 24*time.Hour)))
	s.Handle(Prefix+"me", s.mePage)
	s.Handle(Prefix+"a/{token}", s.activityPage)
	s.Handle(Prefix+"a/{token}/join", s.activityJoin)
	s.Handle(Prefix+"a/{token}/leave", s.activityLeave)
	if deps.OA != nil {
		s.mux.HandleFunc("GET "+oauthPath, s.oauthCallback)
	}
	s.mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &Visit{}, bot.NotFoundf(msgNotFound))
	})
	return s, nil
}

// oauthPath is where WeChat's authorisation comes back to; the Official
// Account's callback_url must end in it.
const oauthPath = Prefix + "oauth"

// OAuthPath is the path of the Official Account callback (wxoa.callback_url
// must be BaseURL + OAuthPath).
func OAuthPath() string { return oauthPath }

// parse reads every page template with the layout.
func (s *Site) parse() error {
	funcs := template.FuncMap{"add": func(a, b int) int { return a + b }, "seq": seq, "plain": plainSymbols}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("residents templates: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return fmt.Errorf("residents templates: %w", err)
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, n)
		if err != nil {
			return fmt.Errorf("residents template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// Handler serves every resident page, with the headers each carries.
func (s *Site) Handler() http.Handler { return server.PageHeaders(s.mux) }

// BaseURL is the public address of the pages, without a trailing slash.
func (s *Site) BaseURL() string { return s.cfg.BaseURL }

func cacheFor(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d/time.Second)))
		next.ServeHTTP(w, r)
	})
}

// Visit is one request to a page: who is visiting (Resident nil when the
// browser has no valid cookie), the CSRF token for its forms, and the
// message of the action just done (Flash).
type Visit struct {
	Resident *Resident
	CSRF     string
	Flash    string
	// FlashBad marks Flash as a refusal (shown in the warning colour).
	FlashBad bool
	// Title is the page's title (the layout's <title> and heading).
	Title string
	// Path is the page's own local path with its query, to come back to.
	Path string
}

// PageFunc is a page's code. It returns a *bot.UserError to show its
// message on the page (nothing changed); any other error is logged and
// the visitor told the system is busy.
type PageFunc func(w http.ResponseWriter, r *http.Request, v *Visit) error

// Handle mounts a page at pattern (a path under Prefix, no method): GET
// and HEAD render, POST acts. Before fn runs, every request gets its Visit
// (resident cookie, CSRF cookie); a POST must carry the form's CSRF token
// from this site (Origin or Referer, when sent, must be BaseURL), be
// within the per-IP limit and, from a known resident, the per-resident
// limit, else it is refused with a polite page and nothing changes.
func (s *Site) Handle(pattern string, fn PageFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, HEAD, POST")
			s.failStatus(w, r, &Visit{}, http.StatusMethodNotAllowed, msgMethod)
			return
		}
		v, err := s.visit(w, r)
		if err != nil {
			s.fail(w, r, &Visit{}, err)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
			if err := r.ParseForm(); err != nil {
				s.failStatus(w, r, v, http.StatusRequestEntityTooLarge, msgFormTooBig)
				return
			}
			if !s.csrfOK(r) || !s.sameOrigin(r) {
				s.failStatus(w, r, v, http.StatusForbidden, msgCSRF)
				return
			}
			if err := s.allow(r.Context(), r, v); err != nil {
				s.fail(w, r, v, err)
				return
			}
		}
		if err := fn(w, r, v); err != nil {
			s.fail(w, r, v, err)
		}
	})
}

// visit works out who is visiting and gives a browser without one its
// CSRF cookie.
func (s *Site) visit(w http.ResponseWriter, r *http.Request) (*Visit, error) {
	v := &Visit{CSRF: s.csrfToken(w, r), Path: r.URL.RequestURI()}
	v.Flash, v.FlashBad = s.takeFlash(w, r)
	if id := s.residentOf(r); id != "" {
		s.setResident(w, id)
		res, err := s.load(r.Context(), id)
		if err != nil {
			return nil, err
		}
		v.Resident = res
	}
	return v, nil
}

// allow takes a token from the visitor's IP bucket and, for a known
// resident, the resident's: both or neither.
func (s *Site) allow(ctx context.Context, r *http.Request, v *Visit) error {
	names := []string{"page:ip:" + s.clientIP(r)}
	if v.Resident != nil {
		names = append(names, "page:res:"+v.Resident.ID)
	}
	_, ok, err := s.lim.Reserve(ctx, 0, names...)
	if err != nil {
		return err
	}
	if !ok {
		return bot.TooManyf(msgTooFast)
	}
	return nil
}

// clientIP is the visitor's address: the proxy's header when configured,
// else the connection's.
func (s *Site) clientIP(r *http.Request) string {
	if h := s.cfg.RealIPHeader; h != "" {
		if ip := strings.TrimSpace(strings.Split(r.Header.Get(h), ",")[0]); net.ParseIP(ip) != nil {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Render writes page name (a template in templates/ defining "content")
// inside the layout, with v and the page's data.
func (s *Site) Render(w http.ResponseWriter, status int, name string, v *Visit, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no such page template", "page", name)
		http.Error(w, msgBusy, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout.html", struct {
		V    *Visit
		Site string
		D    any
	}{v, siteName, data}); err != nil {
		s.log.Warn("render page", "page", name, "err", err)
	}
}

// fail shows err on a page: a *bot.UserError's message with a status
// matching its code, anything else logged and told as busy.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, v *Visit, err error) {
	var ue *bot.UserError
	if !errors.As(err, &ue) {
		s.log.Error("resident page", "path", r.URL.Path, "err", err)
		s.failStatus(w, r, v, http.StatusInternalServerError, msgBusy)
		return
	}
	status := map[bot.Code]int{bot.CodeNotFound: http.StatusNotFound, bot.CodeConflict: http.StatusConflict,
		bot.CodeForbidden: http.StatusForbidden, bot.CodeGone: http.StatusGone, bot.CodeTooMany: http.StatusTooManyRequests,
		bot.CodeUnavailable: http.StatusServiceUnavailable}[ue.Code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	s.failStatus(w, r, v, status, bot.PlainText(ue.Msg))
}

func (s *Site) failStatus(w http.ResponseWriter, r *http.Request, v *Visit, status int, msg string) {
	if v == nil {
		v = &Visit{}
	}
	if v.Title == "" {
		v.Title = "提示"
	}
	back := ""
	if ref, err := url.Parse(r.Header.Get("Referer")); err == nil && ref.Host == r.Host && strings.HasPrefix(ref.Path, Prefix) {
		back = ref.RequestURI()
	}
	s.Render(w, status, "message", v, struct{ Msg, Back string }{msg, back})
}

// Redirect sends the browser to a local path after a POST (303), with
// flash shown once on the next page (bad: as a refusal).
func (s *Site) Redirect(w http.ResponseWriter, r *http.Request, to, flash string, bad bool) {
	if flash = plainSymbols(flash); flash != "" {
		s.setFlash(w, flash, bad)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Known reports whether the visitor has filled in who they are.
func (v *Visit) Known() bool { return v != nil && v.Resident.Known() }

// plainSymbols drops the emoji a chat reply starts with (✅ 🕒 🎉): phones
// without an emoji font show them as empty boxes, and the page says the
// same in words and colour.
func plainSymbols(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r >= 0x2600 && r <= 0x27BF || r >= 0x1F000 || r == 0xFE0F {
			return -1
		}
		return r
	}, s))
}
