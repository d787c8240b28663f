package ledger

import (
	"context"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// TestDigestGoesThroughTheSharedBucket: the weekly digest to each staff
// member takes a token from the bot-wide tg:global bucket (a raw send
// takes none); a staff member's digest the Bot API fails with a 502 is kept
// to be sent again; inside the quiet hours the digest is held until they
// end, and either way it is not sent twice.
func TestDigestGoesThroughTheSharedBucket(t *testing.T) {
	monday := time.Date(2026, 1, 19, 9, 0, 0, 0, bottest.Shanghai)
	for _, c := range []struct {
		name           string
		fail           bool
		hold           time.Time
		sent, kept, at int
	}{
		{name: "sent", sent: 2},
		{name: "502", fail: true, sent: 1, kept: 1},
		{name: "quiet hours", hold: monday.Add(time.Hour), kept: 2, at: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, monday)
			ctx := context.Background()
			if _, err := w.dir.AddStaff(ctx, "tg:2"); err != nil {
				t.Fatal(err)
			}
			s := &bottest.Sender{}
			if c.fail {
				s.FailChat("tg:2", &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "Bad Gateway"})
			}
			lim, keep := &bottest.Limiter{}, &bottest.Keeper{}
			env := w.env
			env.Out = bottest.Delivery(s, &bottest.Outbox{Hold: c.hold}, lim, keep, w.clk.Now)
			f := New(env, DefaultConfig(), w.quiz)
			for range 2 {
				if err := f.Digest(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if s.Total() != c.sent || len(keep.Kept()) != c.kept {
				t.Errorf("%d digests sent and %d kept, want %d and %d", s.Total(), len(keep.Kept()), c.sent, c.kept)
			}
			if want := c.sent + c.kept - c.at; lim.Taken("tg:global") != want {
				t.Errorf("%d tg:global tokens, want %d (one per digest tried now)", lim.Taken("tg:global"), want)
			}
			for _, k := range keep.Kept() {
				if !c.hold.IsZero() && !k.At.Equal(c.hold) {
					t.Errorf("digest to %s held until %v, want %v", k.Chat, k.At, c.hold)
				}
			}
		})
	}
}
