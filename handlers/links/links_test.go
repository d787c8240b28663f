package links

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
	"gridbot/bot/shortid"
	"gridbot/handlers/events"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

const base = "https://wx.example.cn"

var (
	staff    = bot.UserRef("tg:1")
	resident = bot.UserRef("tg:2")
	grid1    = bot.ChatRef("tg:-101")
)

type fakeEvents map[int64]*events.Event

func (f fakeEvents) Get(_ context.Context, id int64) (*events.Event, error) {
	if e, ok := f[id]; ok {
		return e, nil
	}
	return nil, bot.NotFoundf("没有 %d 号活动。发「活动」可以看现在有哪些活动。", id)
}

type fakeNotices map[int]notices.Notice

func (f fakeNotices) Get(_ context.Context, n int) (notices.Notice, error) {
	if nt, ok := f[n]; ok {
		return nt, nil
	}
	return notices.Notice{}, bot.NotFoundf("没有 %d 号通知。", n)
}

type fakeQuiz struct{ last int }

func (f fakeQuiz) LastRound(context.Context) (int, error) { return f.last, nil }
func (f fakeQuiz) Record(_ context.Context, id int) (*quiz.RoundRecord, error) {
	if id < 1 || id > f.last {
		return nil, nil
	}
	return &quiz.RoundRecord{ID: id, Open: id == f.last, Closes: at.Add(48 * time.Hour), Questions: make([]quiz.QuestionStat, 5)}, nil
}

type fakeTips map[string]tips.Tip

func (f fakeTips) Tip(_ context.Context, id string) (tips.Entry, bool, error) {
	t, ok := f[id]
	return tips.Entry{Tip: t}, ok, nil
}
func (f fakeTips) Today(context.Context, string) (tips.Tip, bool, error) { return f["t7"], true, nil }

var at = time.Date(2026, 2, 10, 10, 0, 0, 0, bottest.Shanghai)

type fixture struct {
	t      *testing.T
	l      *Links
	router *bot.Router
	send   *bottest.Sender
	n      int
}

func newFixture(t *testing.T, baseURL string) *fixture {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staff})
	if _, err := dir.Bind(context.Background(), grid1, "1网格", "1网格群"); err != nil {
		t.Fatal(err)
	}
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Now: func() time.Time { return at }, Loc: bottest.Shanghai}
	src := Sources{
		Events: fakeEvents{3: {ID: 3, Title: "元宵节猜灯谜", Place: "社区活动中心", Start: time.Date(2026, 2, 12, 19, 0, 0, 0, bottest.Shanghai),
			Seats: 30, Taken: 12, Status: "open"}},
		Notices: fakeNotices{2: {N: 2, Body: "明早9点停水\n请提前储水", Status: "queued", Created: at}},
		Quiz:    fakeQuiz{last: 4},
		Tips:    fakeTips{"t7": {ID: "t7", Category: "民族知识", Title: "五十六个民族是一家", Body: "……"}},
	}
	fx := &fixture{t: t, l: New(env, Config{BaseURL: baseURL}, src), send: &bottest.Sender{}}
	fx.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir})
	fx.l.Register(fx.router)
	return fx
}

// say sends text as user in a private chat and returns what the bot sent.
func (fx *fixture) say(user bot.UserRef, text string) []bottest.Sent {
	fx.t.Helper()
	fx.n++
	before := fx.send.Len()
	u := &bot.Update{ID: fmt.Sprintf("u%d", fx.n), Chat: user.PrivateChat(), ChatKind: bot.Private, User: user,
		UserName: "测试", MessageID: fmt.Sprint(fx.n), Text: text}
	fx.router.Handle(context.Background(), fx.send, u)
	return fx.send.Since(before)
}

func decode(t *testing.T, data []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// ZXing's finder-pattern search now and then misses on a large,
	// perfectly square code (it reads a point outside the image); the
	// image is a pure code, so that reading is tried as well.
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		var pure error
		if res, pure = gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}); pure != nil {
			t.Fatalf("decode QR: %v; as a pure code: %v", err, pure)
		}
	}
	return res.GetText()
}

func TestLinkIsStableShortAndResolves(t *testing.T) {
	fx := newFixture(t, base+"/")
	ctx := context.Background()
	a, err := fx.l.Get(ctx, ActivityTarget(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Code) != CodeLen || a.URL != base+"/s/"+a.Code {
		t.Fatalf("link %+v, want a %d-character code under %s/s/", a, CodeLen, base)
	}
	if _, err := shortid.ParseCode(a.Code); err != nil {
		t.Errorf("code %q is not a readable shortid code", a.Code)
	}
	again, err := fx.l.Get(ctx, ActivityTarget(3))
	if err != nil || again != a {
		t.Errorf("second Get = %+v, %v; want the same link %+v", again, err, a)
	}
	for _, typed := range []string{a.Code, strings.ToUpper(a.Code), " " + a.Code + " "} {
		got, ok, err := fx.l.Resolve(ctx, typed)
		if err != nil || !ok || got != ActivityTarget(3) {
			t.Errorf("Resolve(%q) = %v %v %v, want activity 3", typed, got, ok, err)
		}
	}
	other, _ := fx.l.Get(ctx, NoticeTarget(3))
	if other.Code == a.Code {
		t.Errorf("notice 3 and activity 3 share code %s", a.Code)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("2", CodeLen), a.Code[:CodeLen-1], a.Code + "2", "0olI1" + a.Code[5:]} {
		if got, ok, err := fx.l.Resolve(ctx, bad); ok || err != nil {
			t.Errorf("Resolve(%q) = %v %v %v, want not found", bad, got, ok, err)
		}
	}
}

func TestCodesCannotBeGuessed(t *testing.T) {
	if bits := float64(CodeLen) * math.Log2(float64(len(shortid.CodeAlphabet))); bits < 59 {
		t.Errorf("a code has %.1f bits, want at least 59", bits)
	}
	fx := newFixture(t, base)
	ctx := context.Background()
	seen := map[string]bool{}
	var prev string
	diff, pairs := 0, 0
	for id := int64(1); id <= 300; id++ {
		l, err := fx.l.Get(ctx, ActivityTarget(id))
		if err != nil {
			t.Fatal(err)
		}
		if seen[l.Code] {
			t.Fatalf("code %s given twice", l.Code)
		}
		seen[l.Code] = true
		if prev != "" {
			pairs++
			for i := range CodeLen {
				if prev[i] != l.Code[i] {
					diff++
				}
			}
		}
		prev = l.Code
	}
	// Independent uniform codes differ in 30/31 of their places; a counter
	// or a timestamp would keep most of them.
	if avg := float64(diff) / float64(pairs); avg < 0.85*CodeLen {
		t.Errorf("codes of consecutive activities differ in %.1f of %d places on average: they look sequential", avg, CodeLen)
	}
}

func TestConcurrentFirstLinksAgree(t *testing.T) {
	fx := newFixture(t, base)
	ctx := context.Background()
	const n = 64
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := fx.l.Get(ctx, QuizTarget(9))
			if err != nil {
				t.Error(err)
			}
			codes[i] = l.Code
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != codes[0] {
			t.Fatalf("concurrent first links gave codes %s and %s", codes[0], c)
		}
	}
	if got, ok, _ := fx.l.Resolve(ctx, codes[0]); !ok || got != QuizTarget(9) {
		t.Errorf("the agreed code resolves to %v %v", got, ok)
	}
}

func TestTakenCodeIsDrawnAgain(t *testing.T) {
	fx := newFixture(t, base)
	ctx := context.Background()
	first, _ := fx.l.Get(ctx, ActivityTarget(1))
	draws := []string{first.Code, "abcdefghjkmn"}
	code, err := fx.l.ensure(ctx, ActivityTarget(2), func(int) string { c := draws[0]; draws = draws[1:]; return c })
	if err != nil || code != "abcdefghjkmn" {
		t.Fatalf("ensure = %q %v, want the second draw", code, err)
	}
	if got, _, _ := fx.l.Resolve(ctx, first.Code); got != ActivityTarget(1) {
		t.Errorf("the taken code now resolves to %v, want activity 1 still", got)
	}
}

func TestLinkCommandGivesLinkAndQR(t *testing.T) {
	fx := newFixture(t, base)
	ctx := context.Background()
	cases := []struct {
		say    string
		target Target
		want   []string
	}{
		{"链接 3", ActivityTarget(3), []string{"活动 · 元宵节猜灯谜（3号）", "报名"}},
		{"链接３号", ActivityTarget(3), []string{"元宵节猜灯谜"}},
		{"链接 竞答", QuizTarget(4), []string{"第4期知识竞答"}},
		{"链接 竞答 2", QuizTarget(2), []string{"第2期知识竞答"}},
		{"链接 每日一学", TipTarget("t7"), []string{"五十六个民族是一家"}},
		{"链接 通知 2", NoticeTarget(2), []string{"通知 · 明早9点停水"}},
		{"二维码 2号通知", NoticeTarget(2), []string{"明早9点停水"}},
	}
	for _, c := range cases {
		sent := fx.say(staff, c.say)
		if len(sent) != 2 {
			t.Fatalf("%q: %d messages, want the link and the QR: %+v", c.say, len(sent), sent)
		}
		link, err := fx.l.Get(ctx, c.target)
		if err != nil {
			t.Fatal(err)
		}
		text := sent[0].Msg.Text
		for _, w := range append(c.want, link.URL, fx.l.PosterURL(link)) {
			if !strings.Contains(text, bot.Esc(w)) {
				t.Errorf("%q: reply %q lacks %q", c.say, text, w)
			}
		}
		f := sent[1].Msg.File
		if f == nil || !f.Photo {
			t.Fatalf("%q: second message %+v is not a picture", c.say, sent[1].Msg)
		}
		if got := decode(t, f.Data); got != link.URL {
			t.Errorf("%q: QR reads %q, want %q", c.say, got, link.URL)
		}
		if got, ok, _ := fx.l.Resolve(ctx, link.Code); !ok || got != c.target {
			t.Errorf("%q: the link resolves to %v", c.say, got)
		}
	}
}

func TestLinkCommandBadInputIsPoliteAndMakesNothing(t *testing.T) {
	fx := newFixture(t, base)
	cases := map[string]string{
		"链接":      "请这样发",
		"链接 abc":  "不是活动编号",
		"链接 0":    "不是活动编号",
		"链接 99":   "没有 99 号活动",
		"链接 通知":   "请这样发",
		"链接 通知 5": "没有 5 号通知",
		"链接 竞答 9": "没有第 9 期知识竞答",
	}
	for say, want := range cases {
		sent := fx.say(staff, say)
		if len(sent) != 1 || !strings.Contains(sent[0].Msg.Text, want) || sent[0].Msg.File != nil {
			t.Errorf("%q: got %+v, want one reply with %q", say, sent, want)
		}
	}
	sent := fx.say(resident, "链接 3")
	if len(sent) != 1 || !strings.Contains(sent[0].Msg.Text, "网格员和社区工作人员") {
		t.Errorf("resident asking: %+v, want the polite refusal", sent)
	}
	n, err := fx.l.env.Redis.Exists(context.Background(), fx.l.targetKey(ActivityTarget(99)), fx.l.targetKey(NoticeTarget(5))).Result()
	if err != nil || n != 0 {
		t.Errorf("a refused request stored %d links (%v)", n, err)
	}
	off := newFixture(t, "")
	if sent := off.say(staff, "链接 3"); len(sent) != 1 || !strings.Contains(sent[0].Msg.Text, "residents.base_url") {
		t.Errorf("without a base URL: %+v, want the reply that says links are not configured", sent)
	}
}

func TestShortLinkRedirectQRAndPoster(t *testing.T) {
	fx := newFixture(t, base)
	h := fx.l.Handler()
	link, _ := fx.l.Get(context.Background(), ActivityTarget(3))
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	w := get("/s/" + strings.ToUpper(link.Code))
	if w.Code != http.StatusFound || w.Header().Get("Location") != base+"/r/a/3" {
		t.Errorf("redirect: %d to %q, want 302 to %s/r/a/3", w.Code, w.Header().Get("Location"), base)
	}
	for _, bad := range []string{"/s/abcdefghjkmn", "/s/" + link.Code[:6], "/s/abcdefghjkmn/poster"} {
		if w := get(bad); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "链接不对或已失效") {
			t.Errorf("%s: %d %q, want the 404 page", bad, w.Code, w.Body.String())
		}
	}
	for _, q := range []string{"", "?print=1"} {
		w := get("/s/" + link.Code + "/qr.png" + q)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("qr%s: %d %s", q, w.Code, w.Header().Get("Content-Type"))
		}
		if got := decode(t, w.Body.Bytes()); got != link.URL {
			t.Errorf("qr%s reads %q, want %q", q, got, link.URL)
		}
	}
	w = get("/s/" + link.Code + "/poster")
	body := w.Body.String()
	for _, want := range []string{"元宵节猜灯谜（3号）", "2月12日", "19:00", "社区活动中心", "剩余 18 个", link.URL, "/s/" + link.Code + "/qr.png?print=1", "size:A4", "打印海报"} {
		if !strings.Contains(body, want) {
			t.Errorf("poster lacks %q", want)
		}
	}
}

func TestAboutUnknownKind(t *testing.T) {
	fx := newFixture(t, base)
	fx.l.src = Sources{}
	if _, err := fx.l.About(context.Background(), ActivityTarget(3)); !errors.Is(err, errUnknown) {
		t.Errorf("About without sources = %v, want errUnknown", err)
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"3", "3号", "３", " 12 ", "竞答", "竞答 2", "第2期竞答", "每日一学", "通知 2", "2号通知", "通知", "abc", "活动 5", "三", "", "链接", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequest(s)
		if err != nil {
			if !errors.Is(err, errNoArgs) {
				if _, ok := bot.UserMessage(err); !ok {
					t.Fatalf("ParseRequest(%q) error %v is not a polite reply", s, err)
				}
			}
			return
		}
		if r.N < 0 || (r.Kind == Activity || r.Kind == Notice) && r.N == 0 {
			t.Fatalf("ParseRequest(%q) = %+v", s, r)
		}
	})
}
