package bot_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

// pipedReplies is a bot.Replies and bot.AnswerPiper that queues answers as
// texts on a list, or, when broken, in a command the server refuses.
type pipedReplies struct {
	list   string
	broken bool
}

func (p *pipedReplies) Answer(context.Context, bot.ChatRef, bot.Answer) error {
	panic("the router queues answers with AnswerIn")
}
func (p *pipedReplies) Touch(context.Context, string, ...bot.ChatRef) error        { return nil }
func (p *pipedReplies) Drop(context.Context, string) error                         { return nil }
func (p *pipedReplies) Show(context.Context, string, map[bot.ChatRef]string) error { return nil }

func (p *pipedReplies) AnswerIn(ctx context.Context, pipe redis.Pipeliner, _ bot.ChatRef, a bot.Answer) func(context.Context) error {
	if p.broken {
		cmd := pipe.Do(ctx, "nosuchcommand", p.list)
		return func(context.Context) error { return cmd.Err() }
	}
	cmd := pipe.RPush(ctx, p.list, a.Text)
	return func(context.Context) error { return cmd.Err() }
}

func pipedRouter(t *testing.T, broken bool) (*bot.Router, redis.UniversalClient, bot.Keys, *pipedReplies) {
	rdb, keys, _ := redistest.New(t)
	rep := &pipedReplies{list: keys.Key("answers", "{t}"), broken: broken}
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: grid.NewDirectory(rdb, keys, nil),
		Replies: rep, Instance: "a", ClaimTTL: 6 * time.Second})
	r.Add(&bot.Command{Name: "join", Keywords: []string{"报名"}, Args: bot.ArgsNumber, Handle: func(ctx context.Context, c *bot.Context) error {
		if err := c.Reply(ctx, "报好了"); err != nil {
			return err
		}
		return c.Reply(ctx, "还有名额")
	}})
	return r, rdb, keys, rep
}

// A group answer goes out with the update's done mark: both land, in one
// round trip at the client, after the claim with the speaker lookup.
func TestAnswersTravelWithTheDoneMark(t *testing.T) {
	r, rdb, _, rep := pipedRouter(t, false)
	ctx := context.Background()
	r.Handle(ctx, newSender(), &bot.Update{ID: "tg:70", Chat: "tg:-5", User: "tg:7", Text: "报名 1"})
	calls := redistest.CountCalls(rdb)
	s := newSender()
	r.Handle(ctx, s, &bot.Update{ID: "tg:71", Chat: "tg:-5", User: "tg:7", Text: "报名 1"})
	if got := calls.Count(); got != 2 {
		t.Errorf("round trips = %d, want 2 (claim with whois; answers with the done mark)", got)
	}
	if got := rdb.LRange(ctx, rep.list, 0, -1).Val(); !slices.Equal(got, []string{"报好了", "还有名额", "报好了", "还有名额"}) {
		t.Errorf("queued answers = %q", got)
	}
	if done, err := r.Handled(ctx, []string{"tg:71"}); err != nil || !done["tg:71"] {
		t.Errorf("Handled = %v, %v; want done", done, err)
	}
	if n := s.Len(); n != 0 {
		t.Errorf("%d messages sent directly, want none (the answers are queued)", n)
	}
}

// When the answers cannot be queued, the update is not marked done: it is
// given back to its claim (which lapses, so the update is redone, as after
// a failed handler), and the speaker is told the system is busy.
func TestUnqueuedAnswerLeavesTheUpdateUndone(t *testing.T) {
	r, rdb, keys, _ := pipedRouter(t, true)
	ctx := context.Background()
	s := newSender()
	r.Handle(ctx, s, &bot.Update{ID: "tg:72", Chat: "tg:-5", User: "tg:7", Text: "报名 1"})
	if done, err := r.Handled(ctx, []string{"tg:72"}); err != nil || done["tg:72"] {
		t.Errorf("Handled = %v, %v; want not done", done, err)
	}
	key := keys.Key("upd", bot.Tag("tg:72"))
	if v := rdb.Get(ctx, key).Val(); v != "p:a" {
		t.Errorf("dedupe key holds %q, want the claim p:a", v)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 0 || ttl > 6*time.Second {
		t.Errorf("claim TTL = %s, want at most the claim TTL (6s)", ttl)
	}
	if got := s.Texts(); !slices.Equal(got, []string{bot.MsgBusy}) {
		t.Errorf("sent %q, want only the busy reply", got)
	}
}

// A command's Prefetch travels in the claim's pipeline: its handler finds
// the read in Prefetched at no round trip of its own.
func TestPrefetchTravelsWithTheClaim(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	key := keys.Key("pre", "{p}")
	if err := rdb.Set(ctx, key, "3号活动", 0).Err(); err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: grid.NewDirectory(rdb, keys, nil)})
	var got []any
	r.Add(&bot.Command{Name: "events", Keywords: []string{"活动"},
		Prefetch: func(ctx context.Context, pipe redis.Pipeliner, _ *bot.Update) func() (any, error) {
			cmd := pipe.Get(ctx, key)
			return func() (any, error) { return cmd.Result() }
		},
		Handle: func(ctx context.Context, c *bot.Context) error {
			v, ok, err := c.Prefetched()
			got = append(got, v, ok, err)
			return nil
		}})
	r.Handle(ctx, newSender(), &bot.Update{ID: "tg:80", Chat: "tg:-5", User: "tg:7", Text: "活动"})
	calls := redistest.CountCalls(rdb)
	r.Handle(ctx, newSender(), &bot.Update{ID: "tg:81", Chat: "tg:-5", User: "tg:7", Text: "活动"})
	if n := calls.Count(); n != 2 {
		t.Errorf("round trips = %d, want 2 (claim with whois and the prefetch; done)", n)
	}
	if want := []any{"3号活动", true, nil, "3号活动", true, nil}; !slices.Equal(got, want) {
		t.Errorf("Prefetched gave %v, want %v", got, want)
	}
}
