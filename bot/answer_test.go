package bot_test

import (
	"context"
	"sync"
	"testing"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// recReplies records what a router hands its reply coalescer.
type recReplies struct {
	mu      sync.Mutex
	answers map[bot.ChatRef][]bot.Answer
	touched []string
}

func (r *recReplies) Answer(_ context.Context, chat bot.ChatRef, a bot.Answer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[chat] = append(r.answers[chat], a)
	return nil
}

func (r *recReplies) Touch(_ context.Context, key string, chats ...bot.ChatRef) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.touched = append(r.touched, key)
	for _, c := range chats {
		r.touched = append(r.touched, string(c))
	}
	return nil
}

func (r *recReplies) Drop(context.Context, string) error                         { return nil }
func (r *recReplies) Show(context.Context, string, map[bot.ChatRef]string) error { return nil }

// free is a sender whose replies to its own chat cost the group nothing.
type free struct{ *bottest.Sender }

func (free) RepliesFree(bot.ChatRef) bool { return true }

// TestGroupRepliesGoToTheCoalescer: with RouterOptions.Replies, a reply in a
// group (user errors too) is queued as an answer naming the speaker and
// quoting their message; private replies, and replies a sender makes for
// free, go at once, a live message they name still brought up to date.
func TestGroupRepliesGoToTheCoalescer(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	rec := &recReplies{answers: map[bot.ChatRef][]bot.Answer{}}
	dir := grid.NewDirectory(rdb, keys, nil)
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Replies: rec})
	r.Add(
		&bot.Command{Name: "join", Keywords: []string{"报名"}, Args: bot.ArgsNumber, Handle: func(ctx context.Context, c *bot.Context) error {
			return c.ReplyAnswer(ctx, bot.Answer{Text: "报名成功", Kind: "ev:join:1", Item: "2 人", Live: "ev:1"})
		}},
		&bot.Command{Name: "fail", Handle: func(context.Context, *bot.Context) error { return bot.Userf("没有 9 号活动。") }},
	)
	s := &bottest.Sender{}
	ctx := context.Background()
	group := bot.ChatRef("tg:-5")
	r.Handle(ctx, s, &bot.Update{ID: "u1", Chat: group, User: "tg:7", UserName: "张阿姨", MessageID: "41", Text: "报名 1"})
	r.Handle(ctx, s, &bot.Update{ID: "u2", Chat: group, User: "tg:8", UserName: "李叔", MessageID: "42", Text: "/fail"})
	got := rec.answers[group]
	if len(got) != 2 || s.Count(group) != 0 {
		t.Fatalf("queued %+v and sent %d; want both queued, none sent", got, s.Count(group))
	}
	if a := got[0]; a.User != "tg:7" || a.Name != "张阿姨" || a.ReplyTo != "41" || a.Kind != "ev:join:1" || a.Live != "ev:1" {
		t.Errorf("answer = %+v", a)
	}
	if a := got[1]; a.User != "tg:8" || a.ReplyTo != "42" || a.Text != "没有 9 号活动。" {
		t.Errorf("user error answer = %+v", a)
	}
	r.Handle(ctx, s, &bot.Update{ID: "u3", Chat: "tg:7", ChatKind: bot.Private, User: "tg:7", UserName: "张阿姨", Text: "报名 1"})
	if s.LastTo("tg:7") != "报名成功" || len(rec.touched) != 1 || rec.touched[0] != "ev:1" {
		t.Errorf("private: sent %q, touched %v; want the answer sent and ev:1 touched (no chat)", s.LastTo("tg:7"), rec.touched)
	}
	fs := free{&bottest.Sender{}}
	r.Handle(ctx, fs, &bot.Update{ID: "u4", Chat: group, User: "tg:9", UserName: "王奶奶", MessageID: "43", Text: "报名 1"})
	if fs.LastTo(group) != "报名成功" || len(rec.answers[group]) != 2 {
		t.Errorf("a free reply was queued (%d) or not sent (%q)", len(rec.answers[group]), fs.LastTo(group))
	}
	if len(rec.touched) != 3 || rec.touched[2] != string(group) {
		t.Errorf("touched %v, want ev:1 in %s after the free reply", rec.touched, group)
	}
}
