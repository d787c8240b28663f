package workbench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/redistest"
	"gridbot/handlers/events"
	"gridbot/handlers/grids"
	"gridbot/handlers/ledger"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

const (
	group3   = bot.ChatRef("tg:-100")
	group5   = bot.ChatRef("tg:-200")
	staffID  = bot.UserRef("tg:1")
	workerID = bot.UserRef("tg:2")
	resident = bot.UserRef("tg:3")
	secret   = "test-secret-0123456789-abcdefghijklmnop"
)

// Wednesday 2027-02-10 10:00 in Shanghai.
var t0 = time.Date(2027, 2, 10, 10, 0, 0, 0, bottest.Shanghai)

type harness struct {
	t    *testing.T
	rdb  redis.UniversalClient
	keys bot.Keys
	env  feature.Env
	clk  *bottest.Clock
	s    *bottest.Sender
	ob   *outbox.Outbox
	ev   *events.Feature
	wb   *Feature
	r    *bot.Router
	srv  *httptest.Server
	mu   sync.Mutex
	upd  int
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	h := &harness{t: t, rdb: rdb, keys: keys, clk: bottest.NewClock(t0), s: &bottest.Sender{}}
	ctx := context.Background()
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staffID})
	for _, g := range []struct {
		chat bot.ChatRef
		grid string
	}{{group3, "3网格"}, {group5, "5网格"}} {
		if _, err := dir.Bind(ctx, g.chat, g.grid, g.grid+"居民群"); err != nil {
			t.Fatal(err)
		}
		if err := dir.SetChat(ctx, grid.ChatInfo{Ref: g.chat, Title: g.grid + "居民群", Status: grid.ChatActive, Members: 120, CanReadAll: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dir.AddWorker(ctx, "3网格", workerID); err != nil {
		t.Fatal(err)
	}
	_ = dir.SetName(ctx, staffID, "李主任")
	_ = dir.SetName(ctx, workerID, "王网格员")
	_ = dir.SetName(ctx, resident, "张阿姨")
	h.env = feature.Env{Redis: rdb, Keys: keys, Dir: dir, Send: h.s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: h.clk.Now, Loc: bottest.Shanghai, Due: &bottest.Due{}}
	h.ob = outbox.New(h.env, nil, outbox.Config{Poll: 20 * time.Millisecond})
	h.env.Outbox = h.ob
	h.env.Out = bottest.Delivery(h.s, h.ob, nil, nil, h.clk.Now)
	h.r = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Log: h.env.Log})
	grids.New(h.env).Register(h.r)
	h.ev = events.New(h.env, events.DefaultConfig())
	h.ev.Register(h.r)
	nt := notices.New(h.env, notices.DefaultConfig(), notices.Ops{Recaller: h.ob, Canceller: h.ob})
	nt.Register(h.r)
	tp, err := tips.New(h.env, tips.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	qz := quiz.NewWithBank(h.env, quiz.DefaultConfig(), nil, quiz.DefaultBank())
	lf := ledger.New(h.env, ledger.DefaultConfig(), qz)
	if cfg.BaseURL == "" {
		cfg = Config{Enabled: true, BaseURL: "http://bot.test", Secret: secret}
	}
	h.wb = New(h.env, cfg, Deps{Events: h.ev, Notices: nt, Tips: tp, Quiz: qz, Ledger: lf, Outbox: h.ob})
	h.wb.Register(h.r)
	h.srv = httptest.NewServer(h.wb.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

// runOutbox delivers broadcasts until the test ends.
func (h *harness) runOutbox() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.ob.Run(ctx) }()
	h.t.Cleanup(func() { cancel(); <-done })
}

func (h *harness) say(chat bot.ChatRef, kind bot.ChatKind, user bot.UserRef, text string) {
	h.mu.Lock()
	h.upd++
	n := h.upd
	h.mu.Unlock()
	h.r.Handle(context.Background(), h.s, &bot.Update{ID: fmt.Sprintf("t:%d", n), Chat: chat, ChatKind: kind,
		User: user, MessageID: fmt.Sprint(n), Text: text, Time: h.clk.Now()})
}

var linkRe = regexp.MustCompile(`http://bot\.test(/console/login\?t=[A-Za-z0-9_\-.]+)`)

// link asks for 工作台 privately and returns the path of the link sent.
func (h *harness) link(u bot.UserRef) string {
	h.t.Helper()
	before := len(h.s.To(u.PrivateChat()))
	h.say(u.PrivateChat(), bot.Private, u, "工作台")
	got := h.s.To(u.PrivateChat())
	if len(got) != before+1 {
		h.t.Fatalf("工作台 by %s: %d replies", u, len(got)-before)
	}
	m := linkRe.FindStringSubmatch(got[len(got)-1].Msg.Text)
	if m == nil {
		h.t.Fatalf("no link in %q", got[len(got)-1].Msg.Text)
	}
	return m[1]
}

// client is a browser: a cookie jar, no automatic redirects.
type client struct {
	h    *harness
	hc   *http.Client
	csrf string
}

func (h *harness) browser() *client {
	jar := &jar{}
	return &client{h: h, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// jar keeps cookies by name, for any path (what a browser does for our
// single Path=/console/ cookie).
type jar struct {
	mu sync.Mutex
	cs []*http.Cookie
}

func (j *jar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		j.cs = slices.DeleteFunc(j.cs, func(o *http.Cookie) bool { return o.Name == c.Name })
		if c.MaxAge >= 0 && c.Value != "" {
			j.cs = append(j.cs, c)
		}
	}
}

func (j *jar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.cs)
}

type resp struct {
	Code int
	Body string
	H    http.Header
}

func (c *client) do(req *http.Request) resp {
	c.h.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp{Code: res.StatusCode, Body: body, H: res.Header}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (c *client) get(path string) resp {
	req, _ := http.NewRequest(http.MethodGet, c.h.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form; the session's CSRF token is added unless form has
// one already.
func (c *client) post(path string, form url.Values) resp {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn opens a link, presses 进入工作台 and loads the overview.
func (c *client) signIn(path string) resp {
	c.h.t.Helper()
	page := c.get(path)
	if page.Code != http.StatusOK {
		c.h.t.Fatalf("login page: %d %s", page.Code, text(page.Body))
	}
	u, _ := url.Parse(path)
	r := c.post("/console/login", url.Values{"t": {u.Query().Get("t")}})
	if r.Code != http.StatusSeeOther || r.H.Get("Location") != "/console/" {
		c.h.t.Fatalf("login: %d %q %s", r.Code, r.H.Get("Location"), text(r.Body))
	}
	return c.get("/console/")
}

func (h *harness) staff() *client {
	c := h.browser()
	c.signIn(h.link(staffID))
	return c
}

func (h *harness) worker() *client {
	c := h.browser()
	c.signIn(h.link(workerID))
	return c
}

var tagRe = regexp.MustCompile(`<[^>]+>`)

// text is a page body without tags and with spaces folded, for messages.
func text(body string) string {
	return strings.Join(strings.Fields(tagRe.ReplaceAllString(body, " ")), " ")
}

// keysLike lists the keys matching pattern, on every master of a cluster.
func (h *harness) keysLike(pattern string) []string {
	h.t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var keys []string
	scan := func(ctx context.Context, c redis.UniversalClient) error {
		iter := c.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := h.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, h.rdb)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return keys
}

// snapshot reads every key of the test's prefix with its value, so a test
// can check a refused request changed nothing.
func (h *harness) snapshot() map[string]string {
	h.t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	keys := h.keysLike(string(h.keys) + ":*")
	for _, k := range keys {
		typ := h.rdb.Type(ctx, k).Val()
		var v any
		switch typ {
		case "string":
			v = h.rdb.Get(ctx, k).Val()
		case "hash":
			v = h.rdb.HGetAll(ctx, k).Val()
		case "set":
			m := h.rdb.SMembers(ctx, k).Val()
			slices.Sort(m)
			v = m
		case "zset":
			v = h.rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
		case "list":
			v = h.rdb.LRange(ctx, k, 0, -1).Val()
		}
		out[k] = fmt.Sprint(typ, v)
	}
	return out
}

func (h *harness) unchanged(before map[string]string, what string) {
	h.t.Helper()
	after := h.snapshot()
	for k, v := range after {
		if before[k] != v {
			h.t.Errorf("%s changed Redis key %s:\n before %s\n after  %s", what, k, before[k], v)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			h.t.Errorf("%s deleted Redis key %s", what, k)
		}
	}
}

// createEvent publishes an activity through the chat command, as staff.
func (h *harness) createEvent(grids string) int64 {
	h.t.Helper()
	h.say(staffID.PrivateChat(), bot.Private, staffID, "发布活动\n活动：元宵节猜灯谜\n时间：2027-02-12 19:00\n地点：社区活动中心\n名额：30\n网格："+grids)
	evs, err := h.ev.Upcoming(context.Background(), h.clk.Now())
	if err != nil || len(evs) == 0 {
		h.t.Fatalf("no event created: %v %v", err, h.s.Texts())
	}
	return evs[len(evs)-1].ID
}

func regexpMust(re string) *regexp.Regexp { return regexp.MustCompile(re) }
