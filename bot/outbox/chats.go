package outbox

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gridbot/bot"
)

// ChatState is where one target chat of a broadcast stands.
type ChatState struct {
	Chat  bot.ChatRef
	Grid  string
	Title string
	// State is "sent", "failed" (Reason says why), "recalled" (sent, then
	// deleted), "awaiting" (a channel's request someone still has to act
	// on, see Confirmer) or "pending" (waiting, in flight, or cancelled
	// before it went). A channel's request that never reached its chat is
	// "failed" with ReasonMissed.
	State  string
	Reason string
}

// Chats returns every target chat of broadcast id with its delivery state,
// sorted by grid and title; ErrNotFound for an unknown id.
func (o *Outbox) Chats(ctx context.Context, id string) ([]ChatState, error) {
	pipe := o.rdb.Pipeline()
	gc := pipe.HGetAll(ctx, o.bkey(id, "grid"))
	sc := pipe.HGetAll(ctx, o.bkey(id, "sent"))
	fc := pipe.HGetAll(ctx, o.bkey(id, "failed"))
	rc := pipe.HGetAll(ctx, o.bkey(id, "recalled"))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("chats of broadcast %s: %w", id, err)
	}
	if len(gc.Val()) == 0 {
		return nil, fmt.Errorf("broadcast %s: %w", id, ErrNotFound)
	}
	titles := map[bot.ChatRef]string{}
	if o.dir != nil {
		if gs, err := o.dir.Grids(ctx); err == nil {
			for _, g := range gs {
				for _, c := range g.Chats {
					titles[c.Ref] = c.Title
				}
			}
		}
	}
	var got map[string]Outcome
	if conf := o.confirmers(); conf != nil {
		var err error
		if got, err = outcomes(ctx, conf, sc.Val()); err != nil {
			o.log.Error("outbox: channel outcomes", "broadcast", id, "err", err)
		}
	}
	out := make([]ChatState, 0, len(gc.Val()))
	for c, grid := range gc.Val() {
		st := ChatState{Chat: bot.ChatRef(c), Grid: grid, Title: c, State: "pending"}
		switch {
		case rc.Val()[c] != "":
			st.State = "recalled"
		case sc.Val()[c] != "" && got[c] == Awaiting:
			st.State = "awaiting"
		case sc.Val()[c] != "" && got[c] == Missed:
			st.State, st.Reason = "failed", ReasonMissed
		case sc.Val()[c] != "":
			st.State = "sent"
		case fc.Val()[c] != "":
			st.State, st.Reason = "failed", fc.Val()[c]
		}
		if t := titles[st.Chat]; t != "" {
			st.Title = t
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b ChatState) int {
		if a.Grid != b.Grid {
			return strings.Compare(a.Grid, b.Grid)
		}
		return strings.Compare(a.Title, b.Title)
	})
	return out, nil
}
