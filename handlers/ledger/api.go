package ledger

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"gridbot/bot"
	"gridbot/bot/grid"
)

// API returns the read-only JSON endpoints, to be mounted at "/api/" on the
// bot's HTTP server (server.Handle("/api/", f.API())). Every request needs
// "Authorization: Bearer <ledger.api_token>" (compared in constant time;
// 401 otherwise); with no token configured every path is 404.
//
//	GET /api/report?from=2026-01-01&to=2026-12-31   summary, months and grids
//	GET /api/report?period=本月                       the same, period as in /report
//	GET /api/pushes, /api/activities, /api/quiz, /api/volunteers, /api/grids
//	                                                  that section, same query
//	&grid=3网格 (repeatable, or 3网格,5网格)             limits any of them to those
//	                                                  grids, as BuildFor does
func (f *Feature) API() http.Handler {
	want := sha256.Sum256([]byte(f.cfg.APIToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.cfg.APIToken == "" {
			http.NotFound(w, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gridbot"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
			return
		}
		section := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api"), "/")
		switch section {
		case "report", "pushes", "activities", "quiz", "volunteers", "grids":
		default:
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		p, err := f.apiPeriod(r)
		if err != nil {
			msg, _ := bot.UserMessage(err)
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": bot.PlainText(msg)})
			return
		}
		var grids []string
		for _, g := range r.URL.Query()["grid"] {
			for _, w := range bot.Fields(g) {
				grids = append(grids, grid.NormalizeGrid(w))
			}
		}
		rep, err := f.BuildFor(r.Context(), p, grids)
		if err != nil {
			f.log.Error("api report", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unavailable"})
			return
		}
		head := map[string]any{"from": rep.From, "to": rep.To, "label": rep.Label, "generated": rep.Generated}
		if rep.Scope != nil {
			head["scope"] = rep.Scope
		}
		switch section {
		case "report":
			head["summary"], head["months"], head["grids"] = rep.Summary, rep.Months, rep.Grids
		case "pushes":
			head["pushes"] = rep.Pushes
		case "activities":
			head["activities"] = rep.Activities
		case "quiz":
			head["quiz"], head["missed"] = rep.Quiz, rep.Missed
		case "volunteers":
			head["volunteers"] = rep.Volunteers
		case "grids":
			head["grids"] = rep.Grids
		}
		writeJSON(w, http.StatusOK, head)
	})
}

func (f *Feature) apiPeriod(r *http.Request) (Period, error) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	switch {
	case from != "" || to != "":
		if to == "" {
			to = from
		}
		if from == "" {
			from = to
		}
		return ParsePeriod(from+" "+to, f.env.Now(), f.env.Loc)
	}
	return ParsePeriod(q.Get("period"), f.env.Now(), f.env.Loc)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
