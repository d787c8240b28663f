package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// newSender returns a recording sender whose groups have 100 members.
func newSender() *bottest.Sender {
	return &bottest.Sender{Members: func(bot.ChatRef) (int, error) { return 100, nil }}
}

type fixture struct {
	rdb    redis.UniversalClient
	dir    *grid.Directory
	router *bot.Router
	send   *bottest.Sender
	calls  map[string]int
	mu     sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	rdb, keys, _ := redistest.New(t)
	f := &fixture{rdb: rdb, send: newSender(), calls: map[string]int{}}
	f.dir = grid.NewDirectory(rdb, keys, []bot.UserRef{"tg:1"})
	f.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: f.dir})
	count := func(name string) bot.HandlerFunc {
		return func(ctx context.Context, c *bot.Context) error {
			f.mu.Lock()
			f.calls[name]++
			f.mu.Unlock()
			return c.Reply(ctx, name+":"+c.Args+":"+c.Role.String())
		}
	}
	f.router.Add(
		&bot.Command{Name: "join", Keywords: []string{"报名"}, Args: bot.ArgsNumber, Handle: count("join")},
		&bot.Command{Name: "checkin", Keywords: []string{"签到码"}, Role: bot.GridWorker, Scope: bot.GroupOnly, Handle: count("checkin")},
		&bot.Command{Name: "notice", Keywords: []string{"通知"}, Args: bot.ArgsText, Role: bot.Staff, Handle: count("notice")},
		&bot.Command{Name: "roster", Role: bot.Staff, Scope: bot.PrivateOnly, Handle: count("roster")},
		&bot.Command{Name: "fail", Handle: func(context.Context, *bot.Context) error { return bot.Userf("没有 %d 号活动。", 9) }},
		&bot.Command{Name: "boom", Handle: func(context.Context, *bot.Context) error { panic("boom") }},
		&bot.Command{Name: "start", Handle: count("start")},
	)
	f.router.OnCallback("ev", count("button"))
	f.router.OnStart("quiz", count("quizstart"))
	return f
}

var seq int

func (f *fixture) say(t *testing.T, chat bot.ChatRef, user bot.UserRef, text string) string {
	t.Helper()
	seq++
	kind := bot.Group
	if chat == user.PrivateChat() {
		kind = bot.Private
	}
	before := len(f.send.Texts())
	f.router.Handle(context.Background(), f.send, &bot.Update{ID: fmt.Sprintf("t:%d:%d", time.Now().UnixNano(), seq),
		Chat: chat, ChatKind: kind, User: user, UserName: "张阿姨", Text: text})
	if len(f.send.Texts()) == before {
		return ""
	}
	return f.send.Last().Text
}

func TestRolesAndRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.dir.Bind(ctx, "tg:-100", "3网格", "三网格群"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user bot.UserRef
		chat bot.ChatRef
		text string
		want string
	}{
		{"tg:5", "tg:-100", "报名 3", "join:3:居民"},
		{"tg:5", "tg:-100", "通知 全部 停水", "抱歉，这个命令只有社区工作人员可以使用。"},
		{"tg:5", "tg:-100", "通知收到了，谢谢", ""},
		{"tg:5", "tg:-100", "/notice 全部 停水", "抱歉，这个命令只有社区工作人员可以使用。"},
		{"tg:5", "tg:5", "通知 全部 停水", "抱歉，这个命令只有社区工作人员可以使用。"},
		{"tg:1", "tg:-100", "通知 全部 停水", "notice:全部 停水:社区工作人员"},
		{"tg:5", "tg:-100", "签到码", "抱歉，这个命令只有网格员和社区工作人员可以使用。"},
		{"tg:5", "tg:-100", "好的，签到码", ""},
		{"tg:5", "tg:-100", "/checkin", "抱歉，这个命令只有网格员和社区工作人员可以使用。"},
		{"tg:1", "tg:-100", "/roster", bot.MsgPrivateOnly},
		{"tg:1", "tg:1", "/roster", "roster::社区工作人员"},
		{"tg:1", "tg:1", "签到码", bot.MsgGroupOnly},
		{"tg:5", "tg:-100", "/fail", "没有 9 号活动。"},
		{"tg:5", "tg:-100", "/boom", bot.MsgBusy},
		{"tg:5", "tg:5", "/start quiz_12", "quizstart:12:居民"},
		{"tg:5", "tg:5", "/start", "start::居民"},
	}
	for _, c := range cases {
		if got := f.say(t, c.chat, c.user, c.text); got != c.want {
			t.Errorf("%s in %s says %q: got %q, want %q", c.user, c.chat, c.text, got, c.want)
		}
	}
	if f.calls["notice"] != 1 {
		t.Errorf("notice ran %d times, want 1 (refused calls must change nothing)", f.calls["notice"])
	}
}

func TestGridWorkerByAppointmentAndByAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.dir.Bind(ctx, "tg:-100", "3网格", "三网格群"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.dir.AddWorker(ctx, "3网格", "tg:7"); err != nil {
		t.Fatal(err)
	}
	if got := f.say(t, "tg:-100", "tg:7", "签到码"); got != "checkin::网格员" {
		t.Errorf("appointed worker: got %q", got)
	}
	f.send.SetAdmin("tg:8", true)
	if got := f.say(t, "tg:-100", "tg:8", "签到码"); got != "checkin::网格员" {
		t.Errorf("group admin: got %q", got)
	}
	if _, err := f.dir.Bind(ctx, "tg:-200", "5网格", "五网格群"); err != nil {
		t.Fatal(err)
	}
	if got := f.say(t, "tg:-200", "tg:7", "/checkin"); !strings.Contains(got, "只有网格员") {
		t.Errorf("worker of another grid: got %q", got)
	}
}

func TestDuplicateUpdateHandledOnce(t *testing.T) {
	f := newFixture(t)
	u := &bot.Update{ID: "tg:777", Chat: "tg:-100", User: "tg:5", Text: "报名 3"}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cp := *u
			f.router.Handle(context.Background(), f.send, &cp)
		}()
	}
	wg.Wait()
	f.router.Handle(context.Background(), f.send, u)
	if f.calls["join"] != 1 {
		t.Fatalf("join handled %d times, want 1", f.calls["join"])
	}
	done, err := f.router.Handled(context.Background(), []string{"tg:777", "tg:778"})
	if err != nil {
		t.Fatal(err)
	}
	if !done["tg:777"] || done["tg:778"] {
		t.Errorf("Handled = %v", done)
	}
}

func TestRestartRedoesHalfDoneUpdate(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	dir := grid.NewDirectory(rdb, keys, nil)
	if err := rdb.Set(context.Background(), keys.Key("upd", bot.Tag("tg:9")), "p:dead-process", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, ClaimTTL: 300 * time.Millisecond})
	n := 0
	r.Add(&bot.Command{Name: "join", Handle: func(context.Context, *bot.Context) error { n++; return nil }})
	r.Handle(context.Background(), newSender(), &bot.Update{ID: "tg:9", Chat: "tg:1", User: "tg:1", Text: "/join"})
	r.Handle(context.Background(), newSender(), &bot.Update{ID: "tg:9", Chat: "tg:1", User: "tg:1", Text: "/join"})
	if n != 1 {
		t.Fatalf("an update claimed by a dead process ran %d times after restart, want 1", n)
	}
}

func TestRedisDownRepliesBusy(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	dir := grid.NewDirectory(rdb, "t", nil)
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: "t", Roles: dir})
	ran := false
	r.Add(&bot.Command{Name: "join", Keywords: []string{"报名"}, Args: bot.ArgsNumber, Handle: func(context.Context, *bot.Context) error { ran = true; return nil }})
	s := newSender()
	r.Handle(context.Background(), s, &bot.Update{ID: "tg:1", Chat: "tg:-1", User: "tg:2", Text: "报名 3"})
	if ran || s.Last().Text != bot.MsgBusy {
		t.Fatalf("ran=%v reply=%q, want no run and %q", ran, s.Last().Text, bot.MsgBusy)
	}
	r.Handle(context.Background(), s, &bot.Update{ID: "tg:2", Chat: "tg:-1", User: "tg:2", Text: "今天天气不错"})
	if len(s.Texts()) != 1 {
		t.Errorf("ordinary chat got a busy reply too: %v", s.Texts())
	}
}

func TestCallbackIsAnswered(t *testing.T) {
	f := newFixture(t)
	f.router.Handle(context.Background(), f.send, &bot.Update{ID: "cb1", Chat: "tg:-100", User: "tg:5", Data: "ev:join:7", CallbackID: "tg:c1"})
	if f.calls["button"] != 1 || f.send.Last().Text != "button:join:7:居民" {
		t.Fatalf("calls=%v last=%q", f.calls, f.send.Last().Text)
	}
	if len(f.send.Answers()) != 1 {
		t.Errorf("callback answered %d times, want 1", len(f.send.Answers()))
	}
	f.router.Handle(context.Background(), f.send, &bot.Update{ID: "cb2", Chat: "tg:-100", User: "tg:5", Data: "zz:1", CallbackID: "tg:c2"})
	if len(f.send.Answers()) != 2 {
		t.Errorf("unknown button not answered (spinner would hang)")
	}
}

func TestHelpListsByRole(t *testing.T) {
	r := bot.NewRouter(bot.RouterOptions{})
	r.Add(
		&bot.Command{Name: "join", Group: "活动报名", Usage: "报名 7", Help: "报名 <活动>"},
		&bot.Command{Name: "checkin", Group: "活动报名", Usage: "签到 7", Help: "开始签到", Role: bot.GridWorker},
		&bot.Command{Name: "newevent", Group: "活动报名", Usage: "发布活动", Help: "新建活动", Role: bot.Staff},
		&bot.Command{Name: "notice", Group: "通知", Usage: "通知 全部 …", Help: "发通知", Role: bot.Staff},
	)
	res := r.Help(bot.Resident, "")
	if !strings.Contains(res, "报名 7") || strings.Contains(res, "发通知") || strings.Contains(res, "签到 7") ||
		!strings.Contains(res, "&lt;活动&gt;") || !strings.Contains(res, "联系您的网格员") {
		t.Errorf("resident help:\n%s", res)
	}
	worker := r.Help(bot.GridWorker, "")
	if !strings.Contains(worker, "签到 7") || strings.Contains(worker, "发布活动") || strings.Contains(worker, "联系您的网格员") {
		t.Errorf("grid worker help:\n%s", worker)
	}
	staff := r.Help(bot.Staff, "")
	if !strings.Contains(staff, "【通知】</b>通知 全部 …") || !strings.Contains(staff, "帮助 活动") || strings.Contains(staff, "发通知") {
		t.Errorf("staff overview:\n%s", staff)
	}
	if topic := r.Help(bot.Staff, "通知"); !strings.Contains(topic, "发通知") || strings.Contains(topic, "报名 7") {
		t.Errorf("staff help on 通知:\n%s", topic)
	}
	if none := r.Help(bot.Staff, "我报名"); none != staff {
		t.Errorf("a topic that names no feature should give the overview, got:\n%s", none)
	}
}

func TestDispatcherKeepsChatOrder(t *testing.T) {
	var mu sync.Mutex
	seen := map[bot.ChatRef][]int{}
	d := bot.NewDispatcher(4, func(_ context.Context, _ bot.Sender, u *bot.Update) {
		var n int
		fmt.Sscan(u.Text, &n)
		mu.Lock()
		seen[u.Chat] = append(seen[u.Chat], n)
		mu.Unlock()
	}, nil)
	for i := range 200 {
		d.Submit(context.Background(), nil, &bot.Update{Chat: bot.ChatRef(fmt.Sprintf("tg:%d", i%7)), Text: fmt.Sprint(i)})
	}
	d.Close()
	total := 0
	for chat, ns := range seen {
		total += len(ns)
		for i := 1; i < len(ns); i++ {
			if ns[i] < ns[i-1] {
				t.Fatalf("chat %s handled out of order: %v", chat, ns)
			}
		}
	}
	if total != 200 {
		t.Fatalf("handled %d updates, want 200", total)
	}
	select {
	case <-d.Submit(context.Background(), nil, &bot.Update{Chat: "tg:1"}):
	default:
		t.Fatal("Submit after Close must not block or queue")
	}
}

func TestRouterNeverPanicsOnOddUpdates(t *testing.T) {
	f := newFixture(t)
	for _, u := range []*bot.Update{
		{}, {Text: "报名 3"}, {Data: ":"}, {Poll: &bot.PollAnswer{}}, {Member: &bot.MemberEvent{}}, {MigratedTo: "tg:2"},
	} {
		f.router.Handle(context.Background(), f.send, u)
	}
}

func TestUnknownPrivateTextGetsAnAnswer(t *testing.T) {
	f := newFixture(t)
	f.router.OnUnknown(func(ctx context.Context, c *bot.Context) error { return c.Reply(ctx, "没太明白") })
	if got := f.say(t, "tg:5", "tg:5", "你好"); got != "没太明白" {
		t.Errorf("private hello: %q", got)
	}
	if got := f.say(t, "tg:-100", "tg:5", "你好"); got != "" {
		t.Errorf("group chat answered: %q", got)
	}
	if got := f.say(t, "tg:5", "tg:5", "报名 3"); got != "join:3:居民" {
		t.Errorf("commands still work: %q", got)
	}
}

// TestAddressedUnknownGetsAnAnswer checks that text the bot does not
// understand is answered whenever it was said to the bot, in a group too (a
// reply to the bot's message, @网格助手 or @<bot username>), and stays
// unanswered as ordinary group chat otherwise.
func TestAddressedUnknownGetsAnAnswer(t *testing.T) {
	f := newFixture(t)
	f.router.SetBotName("gridbot")
	f.router.OnUnknown(func(ctx context.Context, c *bot.Context) error { return c.Reply(ctx, "没太明白") })
	send := func(text string, addressed bool) string {
		seq++
		before := len(f.send.Texts())
		f.router.Handle(context.Background(), f.send, &bot.Update{ID: fmt.Sprintf("a:%d", seq), Chat: "tg:-100",
			ChatKind: bot.Group, User: "tg:5", UserName: "张阿姨", Text: text, Addressed: addressed})
		if len(f.send.Texts()) == before {
			return ""
		}
		return f.send.Last().Text
	}
	for _, c := range []struct {
		text      string
		addressed bool
		want      string
	}{
		{"这个我不太会弄", true, "没太明白"},
		{"@网格助手 这个我不太会弄", false, "没太明白"},
		{"这个我不太会弄 @gridbot", false, "没太明白"},
		{"这个我不太会弄", false, ""},
		{"@gridbot_x 这个我不太会弄", false, ""},
		{"@网格助手 报名 3", false, "join:3:居民"},
	} {
		if got := send(c.text, c.addressed); got != c.want {
			t.Errorf("%q (addressed %v): got %q, want %q", c.text, c.addressed, got, c.want)
		}
	}
}

// retrier records the messages kept to send again.
type retrier struct {
	mu   sync.Mutex
	kept []bot.Message
	err  error
}

func (r *retrier) Retry(_ context.Context, _ bot.ChatRef, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.kept = append(r.kept, m)
	return nil
}

// TestFailedReplyOfDoneWorkIsKeptNotBusy: a handler stored something and
// its private reply hits a Bot API failure: the reply is kept to send again
// and the person is never told 系统繁忙; a reply the platform refuses for
// good is logged, with no 系统繁忙 either (the work stands).
func TestFailedReplyOfDoneWorkIsKeptNotBusy(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	rt := &retrier{}
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: grid.NewDirectory(rdb, keys, nil), Retry: rt})
	var stored int
	r.Add(&bot.Command{Name: "join", Keywords: []string{"报名"}, Args: bot.ArgsNumber, Handle: func(ctx context.Context, c *bot.Context) error {
		stored++
		return c.Reply(ctx, "✅ 报名成功！")
	}})
	s := newSender()
	fail := &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "Bad Gateway"}
	s.Fail = func(bot.ChatRef, int) error { return fail }
	handle := func(id string) {
		r.Handle(context.Background(), s, &bot.Update{ID: id, Chat: "tg:7", ChatKind: bot.Private, User: "tg:7", UserName: "张阿姨", Text: "报名 1"})
	}
	handle("t:keep:1")
	if stored != 1 || len(rt.kept) != 1 || rt.kept[0].Text != "✅ 报名成功！" {
		t.Errorf("stored %d, kept %+v; want the reply kept to send again", stored, rt.kept)
	}
	if tries := s.Tries("tg:7"); tries != 1 {
		t.Errorf("%d sends tried, want only the reply (no 系统繁忙)", tries)
	}
	fail = &bot.SendError{Kind: bot.Permanent, Code: 400, Desc: "Bad Request: can't parse entities"}
	handle("t:keep:2")
	if stored != 2 || len(rt.kept) != 1 {
		t.Errorf("stored %d, kept %d; a refused reply is not kept", stored, len(rt.kept))
	}
	if tries := s.Tries("tg:7"); tries != 2 {
		t.Errorf("%d sends tried, want 2: no 系统繁忙 after a reply of done work was refused", tries)
	}
	fail = &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "Bad Gateway"}
	rt.err = fmt.Errorf("redis down")
	handle("t:keep:3")
	if tries := s.Tries("tg:7"); tries != 3 {
		t.Errorf("%d sends tried, want 3: nothing said when neither send nor keeping worked", tries)
	}
	if ok, _ := r.Handled(context.Background(), []string{"t:keep:1", "t:keep:2", "t:keep:3"}); !ok["t:keep:1"] || !ok["t:keep:2"] || !ok["t:keep:3"] {
		t.Errorf("handled marks %v: done work must not be redone", ok)
	}
}
