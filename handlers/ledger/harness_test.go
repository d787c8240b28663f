package ledger

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
	"gridbot/handlers/tips"
)

type sent = bottest.Sent

// errChatNotFound is how Telegram refuses a chat the bot cannot reach.
var errChatNotFound = &bot.SendError{Kind: bot.Permanent, Code: 400, Desc: "Bad Request: chat not found"}

// inspector shows a Sender to the features as a bot.Sender and
// bot.ChatInspector only: with bot.Editor, events would edit its group
// posts and these tests would see the edits.
type inspector struct{ s *bottest.Sender }

var _ bot.ChatInspector = inspector{}

func (i inspector) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	return i.s.Send(ctx, chat, m)
}

func (i inspector) MemberCount(ctx context.Context, chat bot.ChatRef) (int, error) {
	return i.s.MemberCount(ctx, chat)
}

// Delete lets the outbox recall: a notice recalled in these tests is
// deleted from the groups (unless told to fail).
func (i inspector) Delete(ctx context.Context, chat bot.ChatRef, id string) error {
	return i.s.Delete(ctx, chat, id)
}

func (i inspector) IsAdmin(ctx context.Context, chat bot.ChatRef, user bot.UserRef) (bool, error) {
	return i.s.IsAdmin(ctx, chat, user)
}

const staffID bot.UserRef = "tg:1"

// world is a community with the real features wired as main wires them.
type world struct {
	t    testing.TB
	rdb  redis.UniversalClient
	keys bot.Keys
	clk  *bottest.Clock
	send *bottest.Sender
	// members, when set, gives a chat's member count on a day (2006-01-02).
	members func(chat bot.ChatRef, day string) int
	env     feature.Env
	dir     *grid.Directory
	ob      *outbox.Outbox
	router  *bot.Router
	tips    *tips.Feature
	events  *events.Feature
	quiz    *quiz.Feature
	ledger  *Feature
	seq     int
}

func newWorld(t testing.TB, start time.Time) *world {
	t.Helper()
	rdb, keys, _ := redistest.New(t)
	clk := bottest.NewClock(start)
	snd := &bottest.Sender{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{staffID})
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Send: inspector{snd}, Log: log, Now: clk.Now, Loc: bottest.Shanghai}
	oc := outbox.DefaultConfig()
	oc.Poll, oc.QuietStart, oc.QuietEnd = 5*time.Millisecond, "00:00", "00:00"
	oc.Backoff, oc.MaxBackoff, oc.Workers = time.Millisecond, 2*time.Millisecond, 4
	ob := outbox.New(env, ratelimit.New(rdb, keys, ratelimit.Config{}, nil), oc)
	env.Outbox = ob
	env.Out, env.Due = bottest.Delivery(inspector{snd}, ob, nil, nil, clk.Now), &bottest.Due{}
	w := &world{t: t, rdb: rdb, keys: keys, clk: clk, send: snd, env: env, dir: dir, ob: ob}
	snd.Members = func(chat bot.ChatRef) (int, error) {
		if w.members == nil {
			return 0, bot.ErrUnsupported
		}
		return w.members(chat, clk.Now().In(bottest.Shanghai).Format(time.DateOnly)), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ob.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	var err error
	if w.tips, err = tips.New(env, tips.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	w.events = events.New(env, events.DefaultConfig())
	qc := quiz.DefaultConfig()
	qc.Polls, qc.Questions = false, 3
	if w.quiz, err = quiz.New(env, qc, nil); err != nil {
		t.Fatal(err)
	}
	w.ledger = New(env, DefaultConfig(), w.quiz)
	w.router = bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Log: log})
	w.events.Register(w.router)
	w.quiz.Register(w.router)
	w.ledger.Register(w.router)
	return w
}

func (w *world) at(t time.Time) { w.clk.Set(t) }

// say handles one text update and returns what the bot sent meanwhile.
func (w *world) say(chat bot.ChatRef, user bot.UserRef, name, text string, reply *bot.Reply) []sent {
	w.t.Helper()
	w.seq++
	kind := bot.Group
	if chat == user.PrivateChat() {
		kind = bot.Private
	}
	i := w.send.Len()
	w.router.Handle(context.Background(), w.env.Send, &bot.Update{ID: fmt.Sprintf("u%d", w.seq), Chat: chat, ChatKind: kind,
		User: user, UserName: name, MessageID: fmt.Sprint(w.seq), Time: w.clk.Now(), Text: text, ReplyTo: reply})
	return w.send.Since(i)
}

// drain waits until the outbox has delivered everything and looked up every
// member count owed: a condition, not a time (a Redis Cluster on a loaded
// machine may take long; go test's -timeout bounds the wait). It fails at
// once if Redis answers with an error.
func (w *world) drain() {
	w.t.Helper()
	ctx := context.Background()
	p := w.keys.Key("ob", "{ob}", "pending")
	f := w.keys.Key("ob", "{ob}", "inflight")
	owed := w.keys.Key("ob", "{ob}", "counts")
	for {
		pipe := w.rdb.Pipeline()
		a, b, c := pipe.ZCard(ctx, p), pipe.ZCard(ctx, f), pipe.HLen(ctx, owed)
		if _, err := pipe.Exec(ctx); err != nil {
			w.t.Fatalf("outbox drain: %v", err)
		}
		if a.Val()+b.Val()+c.Val() == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func texts(ss []sent) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(string(s.Chat) + ": " + s.Msg.Text + "\n")
	}
	return b.String()
}

// The keys and fields below are the events feature's and the outbox's own
// record formats (events.Records, outbox.Figures read them); tests write
// them directly to set up a period's figures in those formats.
func attKey(k bot.Keys, day string) string  { return k.Key("ev", "att", day) }
func volKey(k bot.Keys, year string) string { return k.Key("ev", "vol", year) }
func reachKey(k bot.Keys, day time.Time, loc *time.Location) string {
	return k.Key("ob", "{ob}", "reach", day.In(loc).Format(time.DateOnly))
}
func reachField(grid, kind, measure string) string { return grid + "|" + kind + "|" + measure }
