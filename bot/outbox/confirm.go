package outbox

import (
	"context"
	"maps"
	"slices"

	"gridbot/bot"
)

// Outcome is where a channel's request to one chat stands.
type Outcome uint8

// The outcomes of a channel's request.
const (
	// Awaiting: someone still has to act (the owner has not pressed send).
	Awaiting Outcome = iota + 1
	// Reached: it was acted on and reached the chat.
	Reached
	// Missed: it never will (refused, over the cap, expired, cancelled).
	Missed
)

// Confirmer is a Channel whose requests are confirmed, or not, after the
// send (WeChat Work customer groups: the owner presses send). Status, the
// delivery report and Figures count such a chat as reached only once its
// request is Reached.
type Confirmer interface {
	// Outcomes returns the outcome of each request of msgIDs (the message
	// ids the channel's Sender returned) that it knows of.
	Outcomes(ctx context.Context, msgIDs []string) (map[string]Outcome, error)
}

// outcomes asks the confirmers of cs about the requests of sent (a key
// that starts with the chat ref → the message id) on their platforms, one
// call per platform, and returns the outcome by key; a request on a
// platform with no confirmer, or one its confirmer does not know, is left
// out.
func outcomes(ctx context.Context, cs map[string]Confirmer, sent map[string]string) (map[string]Outcome, error) {
	byPlatform := map[string][]string{}
	for c, id := range sent {
		if p := bot.ChatRef(c).Platform(); cs[p] != nil && id != "" {
			byPlatform[p] = append(byPlatform[p], id)
		}
	}
	out := map[string]Outcome{}
	for _, p := range slices.Sorted(maps.Keys(byPlatform)) {
		ids := byPlatform[p]
		slices.Sort(ids)
		got, err := cs[p].Outcomes(ctx, ids)
		if err != nil {
			return nil, err
		}
		for c, id := range sent {
			if o, ok := got[id]; ok && bot.ChatRef(c).Platform() == p {
				out[c] = o
			}
		}
	}
	return out, nil
}

// confirmers returns the registered channels that are Confirmers.
func (o *Outbox) confirmers() map[string]Confirmer {
	var out map[string]Confirmer
	for p, ch := range o.chans {
		if c, ok := ch.(Confirmer); ok {
			if out == nil {
				out = map[string]Confirmer{}
			}
			out[p] = c
		}
	}
	return out
}

// settleChannels moves the chats of registered channels (sent: chat →
// message id) out of r's Sent and Members, unless their confirmer says
// their request reached them: still awaiting (or unknown) into Awaiting,
// missed into Failed.
func (o *Outbox) settleChannels(ctx context.Context, id string, r *Report, sent map[string]string) {
	mine := map[string]string{}
	for c, m := range sent {
		if _, ok := o.chans[bot.ChatRef(c).Platform()]; ok {
			mine[c] = m
		}
	}
	if len(mine) == 0 {
		return
	}
	got, err := outcomes(ctx, o.confirmers(), mine)
	if err != nil {
		o.log.Error("outbox: channel outcomes", "broadcast", id, "err", err)
	}
	var sizes map[bot.ChatRef]int
	for c := range mine {
		out := got[c]
		if out == Reached {
			continue
		}
		r.Sent--
		if out == Missed {
			r.Failed++
		} else {
			r.Awaiting++
		}
		if sizes == nil {
			sizes = o.chatSizes(ctx)
		}
		r.Members = max(r.Members-sizes[bot.ChatRef(c)], 0)
	}
}

// chatSizes returns the members of every chat in the Directory (as the
// channels' syncs left them), in one round trip; empty without one.
func (o *Outbox) chatSizes(ctx context.Context) map[bot.ChatRef]int {
	out := map[bot.ChatRef]int{}
	if o.dir == nil {
		return out
	}
	gs, err := o.dir.Grids(ctx)
	if err != nil {
		o.log.Warn("outbox: chat sizes", "err", err)
		return out
	}
	for _, g := range gs {
		for _, c := range g.Chats {
			out[c.Ref] = c.Members
		}
	}
	return out
}
