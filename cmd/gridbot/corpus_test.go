package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/handlers/events"
	"gridbot/handlers/quiz"
	"gridbot/scheduler"
)

// corpusCommand is the command each corpus outcome must reach ("" for
// none): a label is the command's slash name or, without one, its first
// keyword.
var corpusCommand = map[string][]string{
	"join": {"join"}, "leave": {"leave"}, "events": {"events"}, "my": {"my"}, "rank": {"rank"}, "me": {"me"},
	"tip": {"dailytip"}, "hours": {"volunteer"}, "help": {"help", "(机器人|网格助手|)(怎么用|咋用|怎么使用|如何使用|怎么操作|用法|使用方法|操作方法)"},
	"play": {"答题"}, "checkin": {"checkin"}, "family": {"family"}, "refuse": {"join", "leave"},
	"quiet": {""}, "unknown": {""}, "answer": {""},
}

func label(c *bot.Command) string {
	if c.Name != "" {
		return c.Name
	}
	return c.Keywords[0]
}

// TestCorpusWithEveryFeature parses every message of the residents' corpus
// with the router as the bot builds it, every feature registered, so a
// keyword of one feature (参加竞答, 取消通知, 我的) can neither take another's
// message nor make a quiet one act. Chat that merely contains a staff word
// ("通知收到了") counts as quiet for a resident in a group, as the router
// drops it (it is not Plain).
func TestCorpusWithEveryFeature(t *testing.T) {
	r := everyFeatureRouter(t)
	lines := bottest.ReadCorpus(t)
	quiet := 0
	for _, c := range lines {
		got := ""
		if p, ok := r.Parse(strings.ReplaceAll(c.Text, "{code}", "4821")); ok && (p.Plain || p.Command.Role == bot.Resident && p.Command.Args != bot.ArgsText) {
			got = label(p.Command)
		}
		if !slices.Contains(corpusCommand[c.Intent], got) {
			t.Errorf("%s: reaches %q, want %s", c, got, c.Intent)
		}
		if c.Intent == "quiet" {
			quiet++
		}
	}
	if len(lines) < 1000 || quiet*3 < len(lines) {
		t.Fatalf("corpus has %d messages, %d of them quiet; want at least 1000, a third quiet", len(lines), quiet)
	}
}

// TestIntentsWithEveryFeature runs every command's declared examples and
// quiet messages (bot.Intent) through the router as the bot builds it, so a
// feature's words can neither miss their examples nor take another's.
func TestIntentsWithEveryFeature(t *testing.T) {
	r := everyFeatureRouter(t)
	for _, err := range r.CheckIntents() {
		t.Error(err)
	}
	n := 0
	for _, c := range r.Commands() {
		n += len(c.Intent.Examples) + len(c.Intent.Quiet)
	}
	if n < 100 {
		t.Fatalf("only %d declared examples", n)
	}
}

// everyFeatureRouter is a router with every feature registered as the bot
// registers them, and the Telegram username the corpus mentions.
func everyFeatureRouter(t testing.TB) *bot.Router {
	return newCorpusBot(t).r
}

const (
	corpusGroup = bot.ChatRef("tg:-100")
	corpusStaff = bot.UserRef("tg:1")
)

// corpusBot is the bot as main wires it, every feature registered, over
// real Redis (miniredis without GRIDBOT_TEST_REDIS), answering through a
// recording sender, with one grid group bound.
type corpusBot struct {
	t   testing.TB
	r   *bot.Router
	s   *bottest.Sender
	dir *grid.Directory
	// ev reads the events feature's records (a second instance over the
	// same keys: features keep no state in memory).
	ev  *events.Feature
	seq int
	// rdb is the bot's Redis, for counting round trips.
	rdb redis.UniversalClient
}

func newCorpusBot(t testing.TB) *corpusBot {
	rdb, keys, _ := redistest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := defaultConfig()
	cfg.Replies.Coalesce = false // replies go straight to the fake sender, where the corpus reads them
	b := &corpusBot{t: t, s: &bottest.Sender{}, rdb: rdb}
	b.dir = grid.NewDirectory(rdb, keys, []bot.UserRef{corpusStaff})
	core := feature.Env{Redis: rdb, Keys: keys, Dir: b.dir, Send: b.s, Log: log, Now: time.Now, Loc: bottest.Shanghai}
	ob := outbox.New(core, ratelimit.New(rdb, keys, cfg.Limits, nil), cfg.Outbox)
	sch := scheduler.New(rdb, keys, bottest.Shanghai, log, scheduler.Options{Config: cfg.Schedule.Config})
	env := core
	env.Outbox, env.Due, env.Out = ob, sch, bottest.Delivery(b.s, ob, nil, nil, time.Now)
	b.r = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: b.dir, Log: log, BotName: "gridbot_bot"})
	if _, _, _, err := registerFeatures(env, nil, cfg, b.r, sch, ob, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.dir.Bind(context.Background(), corpusGroup, "3网格", "3网格群"); err != nil {
		t.Fatal(err)
	}
	b.ev = events.New(env, cfg.Events)
	return b
}

// say sends text from user, in the group or privately, optionally as a
// reply to the bot, and returns the plain text of what the bot answered.
func (b *corpusBot) say(user bot.UserRef, private, reply bool, text string) string {
	b.seq++
	u := &bot.Update{ID: fmt.Sprintf("corpus:%d", b.seq), Chat: corpusGroup, ChatKind: bot.Group, User: user,
		UserName: "居民" + user.ID(), MessageID: fmt.Sprint(b.seq), Time: time.Now(), Text: text, Addressed: reply}
	if private {
		u.Chat, u.ChatKind = user.PrivateChat(), bot.Private
	}
	before := b.s.Len()
	b.r.Handle(context.Background(), b.s, u)
	var out []string
	for _, m := range b.s.Since(before) {
		if !m.Edit && m.Toast == "" {
			out = append(out, bot.PlainText(m.Msg.Text))
		}
	}
	return strings.Join(out, "\n---\n")
}

// setUp publishes activities 1 and 2 two days ahead and 3 in half an hour
// with check-in open, and opens a quiz round; it returns the check-in code.
func (b *corpusBot) setUp() string {
	at := func(d time.Duration) string { return time.Now().Add(d).In(bottest.Shanghai).Format("2006-01-02 15:04") }
	for i, d := range []time.Duration{48 * time.Hour, 50 * time.Hour, 30 * time.Minute} {
		got := b.say(corpusStaff, true, false, fmt.Sprintf("/newevent 元宵节猜灯谜 | %s | 社区活动中心 | 5000 | 全部", at(d)))
		if !strings.Contains(got, fmt.Sprintf("%d号", i+1)) {
			b.t.Fatalf("publishing activity %d: %q", i+1, got)
		}
	}
	got := b.say(corpusStaff, false, false, "签到 3")
	code := regexp.MustCompile(`签到码：(\d{4})`).FindStringSubmatch(got)
	if code == nil {
		b.t.Fatalf("opening check-in: %q", got)
	}
	if got := b.say(corpusStaff, true, false, "开始竞答"); !strings.Contains(got, "期") {
		b.t.Fatalf("opening a quiz round: %q", got)
	}
	return code[1]
}

// signedUp returns the residents signed up (seated or waiting) for
// activities 1–3, with their headcounts by activity.
func (b *corpusBot) signedUp() map[bot.UserRef]map[int64]int {
	out := map[bot.UserRef]map[int64]int{}
	for id := int64(1); id <= 3; id++ {
		r, err := b.ev.Roster(context.Background(), id)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, row := range r.Rows {
			if row.Kind == "现场" {
				continue
			}
			if out[row.User] == nil {
				out[row.User] = map[int64]int{}
			}
			out[row.User][id] = row.N
		}
	}
	return out
}

// intentReply holds, for each outcome that answers, text one of which the
// answer must contain.
var intentReply = map[string][]string{
	"events": {"近期活动"}, "my": {"的报名"}, "rank": {"积分榜", "还没有人答题"}, "me": {"我的竞答成绩", "还没有参加知识竞答"},
	"tip": {"【每日一学】"}, "hours": {"志愿服务"}, "help": {"我能帮您做这些"}, "play": {"答题"},
	"family": {"是帮家人报名吗"}, "refuse": {"不对"}, "unknown": {"您是不是想", "您可以：", "不客气"},
	"answer": {"答对了", "答错了"},
}

// TestCorpusThroughTheBot sends every message of the residents' corpus to
// the bot as main wires it, each from a resident of its own, and checks
// what the resident sees and what is stored: sign-ups and cancellations
// change the rosters as the corpus says, check-ins are recorded, a quiz
// answer is taken as the option written, every other intent gets its
// answer, a third person's wish, a refused number and anything unaddressed
// that is not understood sign no one up, and quiet lines get no answer at
// all. It logs the figures per intent.
func TestCorpusThroughTheBot(t *testing.T) {
	b := newCorpusBot(t)
	code := b.setUp()
	lines := bottest.ReadCorpus(t)
	type tally struct{ ok, all int }
	figures := map[string]*tally{}
	touched := map[bot.UserRef]bottest.CorpusLine{}
	for i, c := range lines {
		u := bot.UserRef(fmt.Sprintf("tg:%d", 5000+i))
		text := strings.ReplaceAll(c.Text, "{code}", code)
		switch c.Intent {
		case "leave":
			b.say(u, false, false, "报名 3")
		case "my":
			b.say(u, false, false, "报名 2")
		case "answer":
			if got := b.say(u, true, false, "答题"); !strings.Contains(got, "A") {
				t.Fatalf("%s: starting the quiz: %q", c, got)
			}
		}
		got := b.say(u, c.Private, c.Reply, text)
		if figures[c.Intent] == nil {
			figures[c.Intent] = &tally{}
		}
		figures[c.Intent].all++
		if ok := corpusAnswerOK(t, b, c, u, got); ok {
			figures[c.Intent].ok++
		}
		touched[u] = c
	}
	stored := b.signedUp()
	for u, c := range touched {
		want := map[int64]int{}
		switch c.Intent {
		case "join":
			if c.ID != 0 && c.ID != 12 {
				want[c.ID] = c.N
			}
		case "my":
			want[2] = 1
		}
		if !maps.Equal(stored[u], want) {
			t.Errorf("%s: stored sign-ups %v, want %v", c, stored[u], want)
		}
	}
	var b2 strings.Builder
	for _, in := range bottest.Intents {
		if f := figures[in]; f != nil {
			fmt.Fprintf(&b2, "\n  %-8s %4d / %4d", in, f.ok, f.all)
		}
	}
	t.Logf("%d messages understood as the corpus says, per intent:%s", len(lines), b2.String())
}

// corpusAnswerOK checks what the bot said to one corpus line and reports
// whether it was right, failing t otherwise.
func corpusAnswerOK(t *testing.T, b *corpusBot, c bottest.CorpusLine, u bot.UserRef, got string) bool {
	t.Helper()
	fail := func(format string, a ...any) bool {
		t.Errorf("%s: "+format, append([]any{c}, a...)...)
		return false
	}
	switch c.Intent {
	case "quiet":
		if got != "" {
			return fail("must stay quiet, bot said %q", got)
		}
		return true
	case "join":
		switch c.ID {
		case 0:
			if !strings.Contains(got, "现在有几个活动在报名") {
				return fail("got %q, want the choice of activities", got)
			}
		case 12:
			if !strings.Contains(got, "没有找到 12 号活动") {
				return fail("got %q, want no such activity", got)
			}
		default:
			if !strings.Contains(got, "报名成功") || !strings.Contains(got, fmt.Sprintf("（%d号）", c.ID)) ||
				!strings.Contains(got, fmt.Sprintf("人数：%d 人", c.N)) {
				return fail("got %q, want signed up for %d with %d", got, c.ID, c.N)
			}
		}
		return true
	case "leave":
		if !strings.Contains(got, "已为您取消") || !strings.Contains(got, fmt.Sprintf("（%d号）", max(c.ID, 3))) {
			return fail("got %q, want the cancellation", got)
		}
		return true
	case "checkin":
		if !strings.Contains(got, "签到成功") || !strings.Contains(got, fmt.Sprintf("（%d号）", c.ID)) {
			return fail("got %q, want checked in at %d", got, c.ID)
		}
		r, err := b.ev.Roster(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range r.Rows {
			if row.User == u && row.Checked != "" {
				return true
			}
		}
		return fail("no check-in stored")
	case "family":
		want := fmt.Sprintf("「报名 %d 2人」", c.ID)
		if c.ID == 0 {
			want = "「报名 3 2人」" // the open activity starting soonest
		}
		if !strings.Contains(got, want) {
			return fail("got %q, want asked back with %s", got, want)
		}
	case "answer":
		if want, ok := quiz.ParseAnswer(c.Text, quiz.MaxOptions); !ok || string(rune('A'+want)) != c.Option {
			return fail("read as option %d/%v, want %s", want, ok, c.Option)
		}
		if right := regexp.MustCompile(`正确答案是：([A-Z])`).FindStringSubmatch(got); right != nil && right[1] == c.Option {
			return fail("answer %s marked wrong though %s is right: %q", c.Option, right[1], got)
		}
	}
	for _, w := range intentReply[c.Intent] {
		if strings.Contains(got, w) {
			return true
		}
	}
	return fail("got %q, want one of %q", got, intentReply[c.Intent])
}

// TestAddressedUnknownByRole says what the bot cannot understand to it as
// a resident, a grid worker and a staff member: each gets a short answer
// with the things people of that role most likely meant, never the whole
// help, and the things nearest to what they wrote first.
func TestAddressedUnknownByRole(t *testing.T) {
	b := newCorpusBot(t)
	ctx := context.Background()
	worker := bot.UserRef("tg:2")
	if _, err := b.dir.AddWorker(ctx, "3网格", worker); err != nil {
		t.Fatal(err)
	}
	resident := bot.UserRef("tg:3")
	for _, c := range []struct {
		who          bot.UserRef
		private      bool
		text         string
		want, absent []string
	}{
		{resident, true, "这个我不太会弄", []string{"您是不是想", "发「活动」", "发「报名」加活动号", "发「帮助」看全部用法"}, []string{"发布活动", "通知 全部", "报表"}},
		{resident, true, "报名的事想问问", []string{"发「报名」加活动号"}, []string{"发布活动"}},
		{resident, false, "@网格助手 这个我不太会弄", []string{"您是不是想", "发「活动」"}, []string{"发布活动"}},
		{worker, true, "这个我不太会弄", []string{"您是不是想", "签到"}, []string{"发布活动", "通知 全部"}},
		{corpusStaff, true, "这个我不太会弄", []string{"您是不是想", "发「发布活动」"}, nil},
		{corpusStaff, true, "想给各个群发个消息", []string{"发「通知 全部」加内容"}, nil},
		{resident, true, "谢谢", []string{"不客气"}, []string{"您是不是想"}},
		{resident, false, "@网格助手 谢谢🙏", []string{"不客气"}, []string{"您是不是想"}},
		{resident, true, "你好", []string{"您好，我是网格助手", "发「活动」"}, nil},
	} {
		got := b.say(c.who, c.private, false, c.text)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s says %q: got %q, want %q in it", c.who, c.text, got, w)
			}
		}
		for _, w := range c.absent {
			if strings.Contains(got, w) {
				t.Errorf("%s says %q: got %q, must not offer %q", c.who, c.text, got, w)
			}
		}
		if strings.Count(got, "•") > 4 || strings.Contains(got, "我能帮您做这些") {
			t.Errorf("%s says %q: got the whole help, want a few hints: %q", c.who, c.text, got)
		}
	}
	if got := b.say(resident, false, false, "这个我不太会弄"); got != "" {
		t.Errorf("unaddressed group chat answered: %q", got)
	}
}

// BenchmarkParseCorpus measures the parser of the bot as main wires it,
// every feature registered, over every message of the residents' corpus:
// the time to understand one message.
func BenchmarkParseCorpus(b *testing.B) {
	r := everyFeatureRouter(b)
	lines := bottest.ReadCorpus(b)
	b.ResetTimer()
	for i := range b.N {
		r.Parse(lines[i%len(lines)].Text)
	}
}

// BenchmarkParseLong measures the parser on a long message of many clauses
// (Telegram allows 4096 characters), the worst a message can cost.
func BenchmarkParseLong(b *testing.B) {
	r := everyFeatureRouter(b)
	long := strings.Repeat("我和老伴看看活动，", 400)
	b.ResetTimer()
	for range b.N {
		r.Parse(long)
	}
}

// TestChatterCostsNoRoundTrip sends every quiet line of the corpus that no
// command takes (group chatter, not addressed to the bot) through the bot
// as main builds it, every feature registered: none is answered and none
// costs a Redis round trip, neither a claim nor a lookup nor a done mark.
// Before, each line of chatter cost three.
func TestChatterCostsNoRoundTrip(t *testing.T) {
	b := newCorpusBot(t)
	cnt := redistest.Count(b.rdb)
	chatter := 0
	for _, c := range bottest.ReadCorpus(t) {
		p, ok := b.r.Parse(c.Text)
		if c.Intent != "quiet" || ok || p.Mentioned {
			continue
		}
		chatter++
		cnt.Reset()
		if got := b.say("tg:777", false, false, c.Text); got != "" {
			t.Errorf("%s: answered %q", c, got)
		}
		if n := cnt.Count(); n != 0 {
			t.Errorf("%s: %d Redis round trips for chatter, want 0", c, n)
		}
	}
	if chatter < 300 {
		t.Fatalf("only %d lines of chatter in the corpus", chatter)
	}
	t.Logf("%d lines of chatter, 0 round trips", chatter)
}
