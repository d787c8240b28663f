package residents

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
	"gridbot/bot/secret"
	"gridbot/bot/wxoa"
	"gridbot/handlers/events"
)

const (
	group3  = bot.ChatRef("tg:-100")
	group5  = bot.ChatRef("tg:-200")
	staffID = bot.UserRef("tg:1")
	testKey = "0123456789abcdef0123456789abcdef-test"
)

// Wednesday 2027-02-10 10:00 in Shanghai.
var t0 = time.Date(2027, 2, 10, 10, 0, 0, 0, bottest.Shanghai)

type harness struct {
	t    testing.TB
	rdb  redis.UniversalClient
	keys bot.Keys
	env  feature.Env
	ev   *events.Feature
	dir  *grid.Directory
	site *Site
	r    *bot.Router
	s    *bottest.Sender
	srv  *httptest.Server
	mu   sync.Mutex
	upd  int
}

// newHarness runs the pages and the events feature on the test Redis,
// with grids 3网格 (group3) and 5网格 (group5) and the limits of cfg
// (zero: the defaults).
func newHarness(t testing.TB, cfg Config) *harness { return newHarnessOA(t, cfg, nil) }

// newHarnessOA is newHarness with an Official Account: oa gets the
// callback address and returns the client (nil: none).
func newHarnessOA(t testing.TB, cfg Config, oa func(callback string) *wxoa.Client) *harness {
	rdb, keys, _ := redistest.New(t)
	h := &harness{t: t, rdb: rdb, keys: keys, s: &bottest.Sender{}}
	clk := bottest.NewClock(t0)
	out := &bottest.Outbox{Deliver: h.s}
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staffID})
	ctx := context.Background()
	for chat, grid := range map[bot.ChatRef]string{group3: "3网格", group5: "5网格"} {
		if _, err := dir.Bind(ctx, chat, grid, grid+"群"); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.env = feature.Env{Redis: rdb, Keys: keys, Dir: dir, Outbox: out, Due: &bottest.Due{},
		Out: bottest.Delivery(h.s, out, &bottest.Limiter{}, &bottest.Keeper{}, clk.Now), Log: log, Now: clk.Now, Loc: bottest.Shanghai}
	h.dir = dir
	h.ev = events.New(h.env, events.DefaultConfig())
	h.r = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Log: log})
	h.ev.Register(h.r)
	var handler http.Handler = http.NotFoundHandler()
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.srv.Close)
	cfg.BaseURL, cfg.Secret = h.srv.URL, secret.New(testKey)
	deps := Deps{Events: h.ev}
	if oa != nil {
		deps.OA = oa(h.srv.URL + OAuthPath())
	}
	site, err := New(h.env, cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	h.site, handler = site, site.Handler()
	return h
}

// create publishes an activity for all grids with seats and returns its id
// and page path.
func (h *harness) create(seats int) (int64, string) {
	h.t.Helper()
	e, _, err := h.ev.CreateEvent(context.Background(), staffID, "", events.EventInput{Title: "元宵节猜灯谜", Start: "2027-02-12 19:00",
		Place: "社区活动中心", Seats: fmt.Sprint(seats), Grids: "全部"})
	if err != nil {
		h.t.Fatal(err)
	}
	tok, err := h.site.Link(context.Background(), KindActivity, fmt.Sprint(e.ID))
	if err != nil {
		h.t.Fatal(err)
	}
	return e.ID, Prefix + KindActivity + "/" + tok
}

// say sends text in chat as user and returns what the bot sent meanwhile.
func (h *harness) say(chat bot.ChatRef, user bot.UserRef, name, text string) []bottest.Sent {
	h.mu.Lock()
	h.upd++
	n := h.upd
	h.mu.Unlock()
	u := &bot.Update{ID: fmt.Sprintf("test:%d", n), Chat: chat, User: user, UserName: name, MessageID: fmt.Sprint(n), Text: text, Time: t0}
	i := h.s.Len()
	h.r.Handle(context.Background(), h.s, u)
	return h.s.Since(i)
}

// browser is one phone: its own cookies.
type browser struct {
	h      *harness
	c      *http.Client
	origin string
	csrf   string
	op     string
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{h: h, c: c, origin: h.srv.URL}
}

var (
	csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	opRe   = regexp.MustCompile(`name="op" value="([^"]+)"`)
)

// get opens path and returns the status and the page.
func (b *browser) get(path string) (int, string) {
	b.h.t.Helper()
	resp, err := b.c.Get(b.h.srv.URL + path)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	if m := opRe.FindStringSubmatch(string(body)); m != nil {
		b.op = m[1]
	}
	return resp.StatusCode, string(body)
}

// post submits a form (the page's CSRF token and op added unless given)
// and returns the status, where it redirects to, and the page.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.h.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	if _, ok := form["op"]; !ok && b.op != "" {
		form.Set("op", b.op)
	}
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// follow posts and opens the page it redirects to, returning that page.
func (b *browser) follow(path string, form url.Values) string {
	b.h.t.Helper()
	st, loc, body := b.post(path, form)
	if st != http.StatusSeeOther {
		b.h.t.Fatalf("POST %s %v: status %d, want 303; page %s", path, form, st, text(body))
	}
	_, page := b.get(loc)
	return page
}

// identify fills in the identity form for page.
func (b *browser) identify(page, name, grid, door, phone string) string {
	b.h.t.Helper()
	b.get(MeURL(page))
	return b.follow(Prefix+"me", url.Values{"name": {name}, "grid": {grid}, "door": {door}, "phone": {phone}, "to": {page}})
}

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	spaceRe = regexp.MustCompile(`\s+`)
)

// text is a page without markup, spaces collapsed.
func text(page string) string {
	return strings.TrimSpace(spaceRe.ReplaceAllString(tagRe.ReplaceAllString(page, ""), " "))
}

func mustContain(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: got %q, want it to contain %q", what, got, w)
		}
	}
}

func mustNotContain(t testing.TB, what, got string, bads ...string) {
	t.Helper()
	for _, w := range bads {
		if strings.Contains(got, w) {
			t.Errorf("%s: got %q, must not contain %q", what, got, w)
		}
	}
}
