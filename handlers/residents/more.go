package residents

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

// More link kinds: a quiz round (/r/q/<token>), a tip (/r/t/<token>), a
// notice (/r/n/<token>); the ids are the round number, the tip id and the
// notice number.
const (
	KindQuiz   = "q"
	KindTip    = "t"
	KindNotice = "n"
)

// More are the features behind the quiz, tip and notice pages and the
// board (电子屏). Every field is required.
type More struct {
	Quiz    *quiz.Feature
	Tips    *tips.Feature
	Notices *notices.Feature
}

// more serves the pages of More on a Site.
type more struct {
	s *Site
	m More
}

// AddMore mounts, read-only for anyone with the link: the notice page
// /r/n/<token>, the tip page /r/t/<token>, today's tip and its archive
// /r/tips (the visitor's grid, or ?g=), the quiz round's page /r/q/<token>
// (while open, the answer sheet, posted to /r/q/<token>/answer, then the
// resident's score question by question; once closed, the questions with
// answers and explanations; always the grid ranking), and the board
// /r/board for the community's screen.
func (s *Site) AddMore(m More) error {
	if m.Quiz == nil || m.Tips == nil || m.Notices == nil {
		return fmt.Errorf("residents: AddMore needs the quiz, tips and notices")
	}
	p := &more{s: s, m: m}
	s.Handle(Prefix+KindNotice+"/{token}", p.noticePage)
	s.Handle(Prefix+KindTip+"/{token}", p.tipPage)
	s.Handle(Prefix+"tips", p.tipsPage)
	s.Handle(Prefix+KindQuiz+"/{token}", p.quizPage)
	s.Handle(Prefix+KindQuiz+"/{token}/answer", p.quizAnswer)
	s.mux.HandleFunc("GET "+Prefix+"board", p.boardPage)
	return nil
}

func (p *more) target(r *http.Request, kind string) (string, error) {
	id, ok, err := p.s.Resolve(r.Context(), kind, r.PathValue("token"))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bot.NotFoundf(msgNotFound)
	}
	return id, nil
}

func (p *more) when(t time.Time) string {
	loc := p.s.env.Loc
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc)
	return fmt.Sprintf("%d年%d月%d日 %s", t.Year(), t.Month(), t.Day(), t.Format("15:04"))
}

// noticeData is what the notice page shows.
type noticeData struct {
	N      notices.Notice
	Title  string
	Paras  []string
	At     string
	Active bool
}

func (p *more) noticePage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id, err := p.target(r, KindNotice)
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(id)
	nt, err := p.m.Notices.Get(r.Context(), n)
	if err != nil {
		return err
	}
	if nt.Status == "cancelled" {
		return bot.Gonef(msgNoticeGone)
	}
	if nt.Status == "recalled" {
		return bot.Gonef(msgNoticeRecalled)
	}
	body := bot.MaskPhones(strings.TrimSpace(nt.Body))
	first, _, _ := strings.Cut(body, "\n")
	d := noticeData{N: nt, Title: bot.Truncate(first, 30), At: p.when(cmp.Or(nt.Due, nt.Created))}
	d.Paras = paras(body)
	if len(d.Paras) > 1 && d.Paras[0] == d.Title {
		d.Paras = d.Paras[1:]
	}
	v.Title = fmt.Sprintf("通知 %d 号", nt.N)
	p.s.Render(w, http.StatusOK, "notice", v, d)
	return nil
}

// tipData is what a tip page and the archive show.
type tipData struct {
	Tip     tips.Tip
	Paras   []string
	Grid    string
	Today   bool
	Archive []tipRow
}

type tipRow struct {
	Day, Title, Category, URL string
}

func paras(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (p *more) tipPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id, err := p.target(r, KindTip)
	if err != nil {
		return err
	}
	e, ok, err := p.m.Tips.Tip(r.Context(), id)
	if err != nil {
		return err
	}
	if !ok {
		return bot.NotFoundf(msgNotFound)
	}
	v.Title = "每日一学"
	p.s.Render(w, http.StatusOK, "tip", v, tipData{Tip: e.Tip, Paras: paras(e.Body)})
	return nil
}

// grid picks the grid a page is about: ?g= when it is a grid, else the
// visitor's, else the first.
func (p *more) grid(ctx context.Context, r *http.Request, v *Visit) (string, error) {
	names, err := p.s.env.Dir.GridNames(ctx)
	if err != nil {
		return "", err
	}
	if g := r.URL.Query().Get("g"); slices.Contains(names, g) {
		return g, nil
	}
	if v != nil && v.Resident.Known() && slices.Contains(names, v.Resident.Grid) {
		return v.Resident.Grid, nil
	}
	if len(names) > 0 {
		return names[0], nil
	}
	return "", nil
}

// archiveSize is how many past tips the archive lists.
const archiveSize = 30

func (p *more) tipsPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	ctx := r.Context()
	grid, err := p.grid(ctx, r, v)
	if err != nil {
		return err
	}
	d := tipData{Grid: grid}
	if grid != "" {
		t, pushed, err := p.m.Tips.Today(ctx, grid)
		if err != nil {
			return err
		}
		if pushed || t.ID != "" {
			d.Tip, d.Paras, d.Today = t, paras(t.Body), pushed
		}
		hist, err := p.m.Tips.History(ctx, grid, archiveSize+1)
		if err != nil {
			return err
		}
		for i := len(hist) - 1; i >= 0; i-- {
			if pushed && i == len(hist)-1 {
				continue
			}
			e, ok, err := p.m.Tips.Tip(ctx, hist[i].TipID)
			if err != nil || !ok {
				continue
			}
			tok, err := p.s.Link(ctx, KindTip, e.ID)
			if err != nil {
				return err
			}
			day := hist[i].At.In(p.s.env.Loc)
			d.Archive = append(d.Archive, tipRow{Day: fmt.Sprintf("%d月%d日", day.Month(), day.Day()), Title: e.Title,
				Category: e.Category, URL: Prefix + KindTip + "/" + tok})
		}
	}
	v.Title = "每日一学"
	p.s.Render(w, http.StatusOK, "tips", v, d)
	return nil
}

// gridRank is one grid on a quiz ranking: by average points per member
// who answered, then by how many took part.
type gridRank struct {
	Place   int
	Grid    string
	Players int
	Average string
	Bar     int
}

func ranks(gs []quiz.GridStat) []gridRank {
	gs = slices.Clone(gs)
	slices.SortStableFunc(gs, func(a, b quiz.GridStat) int {
		return cmp.Or(cmp.Compare(b.Average(), a.Average()), cmp.Compare(b.Players, a.Players))
	})
	top := 0.0
	for _, g := range gs {
		top = max(top, g.Average())
	}
	var out []gridRank
	for _, g := range gs {
		if g.Grid == "" {
			continue
		}
		bar := 0
		if top > 0 {
			bar = int(g.Average() / top * 100)
		}
		out = append(out, gridRank{Place: len(out) + 1, Grid: g.Grid, Players: g.Players, Average: strconv.FormatFloat(g.Average(), 'f', 1, 64), Bar: bar})
	}
	return out
}

// boardData is one screen of the board.
type boardData struct {
	Site     string
	Now      string
	Tip      tips.Tip
	TipParas []string
	Acts     []boardAct
	Round    *quiz.RoundRecord
	Grids    []gridRank
	Screen   int
	Next     string
	Refresh  int
	Dots     []int
}

type boardAct struct {
	Title, When, Place, Seats string
	Full                      bool
}

// boardScreens are the board's screens in turn: 0 today's tip, 1 the
// coming activities, 2 the quiz ranking by grid.
const boardScreens = 3

// boardRefresh is how long each screen stays, in seconds.
const boardRefresh = 20

// boardPage renders one screen of the board and, by a meta refresh (no
// script), moves on to the next; with ?s= a screen is chosen.
func (p *more) boardPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	screen, _ := strconv.Atoi(r.URL.Query().Get("s"))
	screen = ((screen % boardScreens) + boardScreens) % boardScreens
	now := p.s.env.Now()
	grid, err := p.grid(ctx, r, nil)
	d := boardData{Site: siteName, Now: p.when(now), Screen: screen, Refresh: boardRefresh, Dots: []int{0, 1, 2}}
	q := r.URL.Query()
	q.Set("s", strconv.Itoa((screen+1)%boardScreens))
	d.Next = Prefix + "board?" + q.Encode()
	if err == nil && grid != "" {
		if t, _, err := p.m.Tips.Today(ctx, grid); err == nil {
			d.Tip, d.TipParas = t, paras(t.Body)
		}
	}
	if evs, err := p.s.deps.Events.Upcoming(ctx, now); err == nil {
		for _, e := range evs {
			if len(d.Acts) == 4 {
				break
			}
			a := boardAct{Title: e.Title, When: p.s.deps.Events.Span(e), Place: e.Place, Full: e.Left() == 0}
			if a.Full {
				a.Seats = "已满，可候补"
			} else {
				a.Seats = fmt.Sprintf("剩余 %d 个名额", e.Left())
			}
			d.Acts = append(d.Acts, a)
		}
	}
	if last, err := p.m.Quiz.LastRound(ctx); err == nil && last > 0 {
		if rec, err := p.m.Quiz.Record(ctx, last); err == nil && rec != nil {
			d.Round, d.Grids = rec, ranks(rec.Grids)
			if len(d.Grids) > 8 {
				d.Grids = d.Grids[:8]
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := boardTemplate.Execute(w, d); err != nil {
		p.s.log.Warn("board", "err", err)
	}
}

// boardTemplate is a 16:9 screen read from across a room: huge type, high
// contrast, one subject at a time. Every screen has all three parts in
// the page; the current one is shown, so a browser that ignores the
// refresh still shows something useful.
var boardTemplate = template.Must(template.New("board").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{{.Refresh}};url={{.Next}}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>电子屏 · {{.Site}}</title>
<link rel="stylesheet" href="/r/static/board.css"></head><body>
<header><b>{{.Site}}</b><span>{{.Now}}</span></header>
<main>
<section class="screen tip{{if eq .Screen 0}} on{{end}}">
{{if .Tip.ID}}<h1>每日一学</h1><span class="cat">{{.Tip.Category}}</span><h2>{{.Tip.Title}}</h2>{{range .TipParas}}<p>{{.}}</p>{{end}}
{{else}}<h1>每日一学</h1><p class="none">今天的内容还没有发布。</p>{{end}}
</section>
<section class="screen{{if eq .Screen 1}} on{{end}}">
<h1>近期活动 · 欢迎报名</h1>
{{range .Acts}}<div class="act"><span class="t">{{.Title}}</span><span class="s{{if .Full}} full{{end}}">{{.Seats}}</span><span class="w">{{.When}} · {{.Place}}</span></div>
{{else}}<p class="none">近期没有活动，敬请关注网格群通知。</p>{{end}}
</section>
<section class="screen{{if eq .Screen 2}} on{{end}}">
{{if .Round}}<h1>第{{.Round.ID}}期知识竞答 · 网格排行</h1>
{{range .Grids}}<div class="rank"><span class="p">{{.Place}}</span><span>{{.Grid}}</span><progress max="100" value="{{.Bar}}">{{.Bar}}%</progress><span class="v">{{.Average}} 分</span></div>
{{else}}<p class="none">还没有人答题，快来参加吧！</p>{{end}}
{{else}}<h1>知识竞答</h1><p class="none">本季度竞答即将开始。</p>{{end}}
</section>
</main>
<footer>{{range .Dots}}<i{{if eq . $.Screen}} class="on"{{end}}></i>{{end}}</footer>
</body></html>`))
