package custgroups

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/bot/wecom/custgroup"
)

// Channel is the outbox's way to customer groups: a bot.Sender for chats
// "wxc:<chat id>" that creates one group-send task per delivery, and the
// outbox.Channel that adds to delivery reports who still has to press
// send. Put it in the Mux under Platform and register it with
// Outbox.AddChannel.
type Channel struct{ f *Feature }

// Channel returns the feature's outbox channel.
func (f *Feature) Channel() *Channel { return &Channel{f: f} }

// The Channel is the sender the outbox calls for "wxc" chats (main puts
// it in the Mux, which checks it is one); features never call it.
var (
	_ bot.ChatInspector = (*Channel)(nil)
	_ outbox.Channel    = (*Channel)(nil)
)

// Carries implements outbox.Channel: the kinds of Config.Kinds.
func (c *Channel) Carries(kind string) bool { return slices.Contains(c.f.cfg.Kinds, kind) }

// Send creates the group-send task of one message to one customer group,
// owned by the group's owner, and returns its msgid; nothing reaches the
// group until the owner presses send. The same message to the same group
// within 24 hours makes one task however often it is sent (a delivery
// repeated after a crash, two replicas at once). A group whose sends are
// at the cap is refused with a Permanent error saying so, and so is a try
// WeChat Work left unsure (the task may exist; staff check before sending
// again).
func (c *Channel) Send(ctx context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	f := c.f
	chatID := chat.ID()
	g, ok, err := f.store.group(ctx, chatID)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", &bot.SendError{Kind: bot.Permanent, Desc: reasonNoGroup}
	case g.Dissolved:
		return "", &bot.SendError{Kind: bot.Gone, Desc: msgDissolved}
	case g.Owner == "":
		return "", &bot.SendError{Kind: bot.Permanent, Desc: reasonOwner}
	}
	send := toGroupSend(g, m)
	sum := sha256.Sum256([]byte(send.Text + "\x00" + fmt.Sprint(send.Links)))
	hash := hex.EncodeToString(sum[:8])
	made, mine, unsure, err := f.store.claimMade(ctx, chatID, hash)
	switch {
	case err != nil:
		return "", err
	case made != "":
		return made, nil
	case unsure:
		return "", &bot.SendError{Kind: bot.Permanent, Desc: (&custgroup.Error{Kind: custgroup.KindUncertain}).Advice()}
	case !mine:
		return "", &bot.SendError{Kind: bot.Temporary, Desc: "group-send being made by another worker"}
	}
	recv, pend, err := f.store.history(ctx, chatID)
	if err != nil {
		_ = f.store.releaseMade(ctx, chatID, hash, false)
		return "", err
	}
	if st := f.cfg.Cap.Check(f.now(), recv, pend); st.Full() {
		_ = f.store.releaseMade(ctx, chatID, hash, false)
		return "", &bot.SendError{Kind: bot.Permanent, Desc: fmt.Sprintf(reasonCap, st.Describe())}
	}
	res, err := f.api.SendToGroups(ctx, send)
	if err != nil {
		unsure := custgroup.KindOf(err) == custgroup.KindUncertain
		if e := f.store.releaseMade(ctx, chatID, hash, unsure); e != nil {
			f.log.Error("customer groups: release claim", "chat", chatID, "err", e)
		}
		return "", sendError(err)
	}
	if slices.Contains(res.Failed, chatID) || res.MsgID == "" {
		_ = f.store.releaseMade(ctx, chatID, hash, false)
		return "", &bot.SendError{Kind: bot.Permanent, Desc: reasonFailed}
	}
	t := task{MsgID: res.MsgID, ChatID: chatID, Owner: g.Owner, Grid: g.Grid, Title: titleOf(send.Text), Created: f.now()}
	if err := f.store.recordTask(ctx, hash, t); err != nil {
		f.log.Error("customer groups: record task", "msgid", res.MsgID, "err", err)
	}
	return res.MsgID, nil
}

// sendError classifies a client error for the outbox.
func sendError(err error) error {
	se := &bot.SendError{Kind: bot.Permanent, Desc: advice(err)}
	var e *custgroup.Error
	if errors.As(err, &e) {
		se.Code = e.Code
		switch e.Kind {
		case custgroup.KindTemporary:
			se.Kind = bot.Temporary
		case custgroup.KindRateLimited:
			se.Kind, se.RetryAfter = bot.RateLimited, e.RetryAfter
		}
		if e.Code == custgroup.CodeGroupDissolved {
			se.Kind = bot.Gone
		}
	} else {
		se.Kind = bot.Temporary
	}
	return se
}

// toGroupSend turns a bot message into a text group-send (HTML to plain
// text) with a link card for each URL button.
func toGroupSend(g group, m bot.Message) custgroup.GroupSend {
	s := custgroup.GroupSend{Sender: g.Owner, ChatIDs: []string{g.ChatID}, Text: bot.PlainText(m.Text)}
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.URL != "" && len(s.Links) < custgroup.MaxAttachments {
				s.Links = append(s.Links, custgroup.Link{Title: bot.Truncate(b.Text, 40), URL: b.URL})
			}
		}
	}
	if len(s.Text) > custgroup.MaxTextBytes {
		s.Text = truncBytes(s.Text, custgroup.MaxTextBytes-3) + "…"
	}
	return s
}

func truncBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// titleOf is a short label of a message: its first line.
func titleOf(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return bot.Truncate(line, 30)
}

// MemberCount implements bot.ChatInspector: the residents (external
// members) of the group at its last sync.
func (c *Channel) MemberCount(ctx context.Context, chat bot.ChatRef) (int, error) {
	g, ok, err := c.f.store.group(ctx, chat.ID())
	if err != nil || !ok {
		return 0, err
	}
	return g.Externals, nil
}

// IsAdmin implements bot.ChatInspector; there are no admins to ask about.
func (c *Channel) IsAdmin(context.Context, bot.ChatRef, bot.UserRef) (bool, error) {
	return false, bot.ErrUnsupported
}

// ReportNote implements outbox.Channel: how many customer groups got a
// group-send task, and per owner which still have to press send.
func (c *Channel) ReportNote(ctx context.Context, sent map[bot.ChatRef]string) string {
	ids := make([]string, 0, len(sent))
	for _, id := range sent {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ts, err := c.f.store.tasks(ctx, ids)
	if err != nil {
		c.f.log.Error("customer groups: report note", "err", err)
		return ""
	}
	return c.f.progress(ctx, ts, true)
}

var (
	_ bot.Editor       = (*Channel)(nil)
	_ bot.Deleter      = (*Channel)(nil)
	_ outbox.Confirmer = (*Channel)(nil)
)

// Outcomes implements outbox.Confirmer, so broadcasts count a customer
// group as reached only once its owner pressed send and the group got the
// message (as Track last found): a task still waiting is Awaiting; one
// over the cap, refused, expired or cancelled is Missed. A task no longer
// recorded (60 days) is left out. One round trip.
func (c *Channel) Outcomes(ctx context.Context, msgIDs []string) (map[string]outbox.Outcome, error) {
	ts, err := c.f.store.tasks(ctx, msgIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]outbox.Outcome, len(ts))
	for _, t := range ts {
		switch t.State {
		case tsWaiting:
			out[t.MsgID] = outbox.Awaiting
		case tsSent:
			out[t.MsgID] = outbox.Reached
		default:
			out[t.MsgID] = outbox.Missed
		}
	}
	return out, nil
}

// Edit implements bot.Editor as a no-op: a group-send cannot be changed
// once made, so a live message (an activity's seats left) stays as it was
// in customer groups rather than being sent again as a new task.
func (c *Channel) Edit(context.Context, bot.ChatRef, string, bot.Message) error { return nil }

// Delete implements bot.Deleter for a recall: a task whose owner has not
// pressed send is cancelled, so it never reaches the group; one already
// sent cannot be taken back (bot.ErrUnsupported).
func (c *Channel) Delete(ctx context.Context, chat bot.ChatRef, msgID string) error {
	f := c.f
	ts, err := f.store.tasks(ctx, []string{msgID})
	if err != nil {
		return err
	}
	if len(ts) == 0 || ts[0].State != tsWaiting {
		return bot.ErrUnsupported
	}
	if err := f.api.Cancel(ctx, msgID); err != nil {
		return sendError(err)
	}
	ok, err := f.store.settle(ctx, ts[0], tsCancelled, f.now(), time.Time{})
	if err != nil {
		return err
	}
	if !ok {
		return bot.ErrUnsupported
	}
	return nil
}
