package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gridbot/bot"
	"gridbot/bot/when"
)

// The live sign-up list (接龙): with it on, each target group shows one
// message with the numbered households of that group signed up and
// waiting, and the seats left; the group's reply coalescer keeps it
// current (an edit per burst of changes, posted again when buried) and
// sign-up answers in the group are shown by it instead of one by one.

// listKey is the live message key of activity id's list; noticeKey that of
// its notice.
func listKey(id int64) string   { return "ev:" + strconv.FormatInt(id, 10) }
func noticeKey(id int64) string { return "evn:" + strconv.FormatInt(id, 10) }

func liveID(key string) (int64, bool) {
	_, s, ok := strings.Cut(key, ":")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

func (f *Feature) chainOn(ctx context.Context, c *bot.Context) error {
	e, err := f.chainTarget(ctx, c)
	if err != nil {
		return err
	}
	if e.Cancelled() {
		return bot.Userf(msgCancelled, bot.Esc(e.Title), e.ID)
	}
	if e.Chain {
		return bot.Userf(msgChainAlready, bot.Esc(e.Title), e.ID)
	}
	if err := f.st.set(ctx, e.ID, "chain", "1"); err != nil {
		return err
	}
	n, err := f.showList(ctx, e)
	if err != nil {
		return err
	}
	if n == 0 {
		return c.Reply(ctx, fmt.Sprintf(msgChainOnNoCh, bot.Esc(e.Title), e.ID))
	}
	return c.Reply(ctx, fmt.Sprintf(msgChainOn, bot.Esc(e.Title), e.ID, n, e.ID))
}

// showList posts the list in every active chat of the activity's grids and
// returns how many.
func (f *Feature) showList(ctx context.Context, e *Event) (int, error) {
	chats, _, err := f.chatsOf(ctx, e)
	if err != nil {
		return 0, err
	}
	if len(chats) == 0 {
		return 0, nil
	}
	return len(chats), f.env.Replies.Touch(ctx, listKey(e.ID), chats...)
}

func (f *Feature) chainOff(ctx context.Context, c *bot.Context) error {
	e, err := f.chainTarget(ctx, c)
	if err != nil {
		return err
	}
	if !e.Chain {
		return bot.Userf(msgChainNotOn, bot.Esc(e.Title), e.ID)
	}
	if err := f.st.set(ctx, e.ID, "chain", "0"); err != nil {
		return err
	}
	if err := f.env.Replies.Drop(ctx, listKey(e.ID)); err != nil {
		return err
	}
	return c.Reply(ctx, fmt.Sprintf(msgChainOffDone, bot.Esc(e.Title), e.ID))
}

func (f *Feature) chainTarget(ctx context.Context, c *bot.Context) (*Event, error) {
	if f.env.Replies == nil {
		return nil, bot.Userf(msgChainNoRoom)
	}
	id, ok := parseID(c.Args)
	if !ok {
		return nil, bot.Userf(msgChainUsage)
	}
	return f.load(ctx, id)
}

// touchList brings the activity's lists up to date after a change that no
// resident's answer carries (staff changed seats, cancelled it).
func (f *Feature) touchList(ctx context.Context, id int64) {
	if f.env.Replies == nil {
		return
	}
	if err := f.env.Replies.Touch(ctx, listKey(id)); err != nil {
		f.log.Warn("touch sign-up list", "event", id, "err", err)
	}
}

// RenderList renders the live sign-up list key ("ev:<id>") for chat: the
// households that signed up in chat, by name as the group sees them (no
// remarks or phones), seated then waiting, and the seats left. It
// reports false once the list is off or the activity is gone.
func (f *Feature) RenderList(ctx context.Context, chat bot.ChatRef, key string) (bot.Message, bool, error) {
	e, ok, err := f.liveEvent(ctx, key)
	if !ok || err != nil {
		return bot.Message{}, false, err
	}
	if !e.Chain {
		return bot.Message{}, false, nil
	}
	in, wait, _, err := f.st.roster(ctx, e.ID)
	if err != nil {
		return bot.Message{}, false, err
	}
	return bot.Message{Text: f.listText(e, chat, in, wait)}, true, nil
}

func (f *Feature) listText(e *Event, chat bot.ChatRef, in, wait []signup) string {
	var b strings.Builder
	fmt.Fprintf(&b, msgChainHead, e.ID, bot.Esc(e.Title), f.fmtTime(e.Start), bot.Esc(e.Place))
	if e.Left() > 0 {
		fmt.Fprintf(&b, msgChainSeats, e.Seats, e.Left())
	} else {
		fmt.Fprintf(&b, msgChainFull, e.Seats)
	}
	others := 0
	mine := func(ss []signup) []signup {
		var out []signup
		for _, s := range ss {
			if s.Chat == chat {
				out = append(out, s)
			} else {
				others++
			}
		}
		return out
	}
	ins, waits := mine(in), mine(wait)
	if len(ins)+len(waits) == 0 {
		b.WriteString(msgChainNone)
	}
	if len(ins) > 0 {
		people := 0
		for _, s := range ins {
			people += s.N
		}
		fmt.Fprintf(&b, msgChainIn, len(ins), people)
		writeLines(&b, ins)
	}
	if len(waits) > 0 {
		b.WriteString(msgChainWait)
		writeLines(&b, waits)
	}
	if others > 0 {
		fmt.Fprintf(&b, msgChainOthers, others)
	}
	switch {
	case e.Cancelled():
		b.WriteString(msgChainCancel)
	case e.open(f.now()):
		fmt.Fprintf(&b, msgChainHowTo, e.ID, e.ID, e.ID)
	default:
		b.WriteString(msgChainClosed)
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeLines(b *strings.Builder, ss []signup) {
	for i, s := range ss {
		n := ""
		if s.N > 1 {
			n = fmt.Sprintf(msgChainN, s.N)
		}
		name := s.Name
		if strings.TrimSpace(name) == "" {
			name = msgSomeone
		}
		fmt.Fprintf(b, msgChainLine, i+1, bot.Esc(name), n)
	}
}

// RenderNotice renders the live notice key ("evn:<id>"): the activity's
// notice as it stands now. It reports false once the activity is gone.
func (f *Feature) RenderNotice(ctx context.Context, _ bot.ChatRef, key string) (bot.Message, bool, error) {
	e, ok, err := f.liveEvent(ctx, key)
	if !ok || err != nil {
		return bot.Message{}, false, err
	}
	return f.render(e), true, nil
}

// cutChainField removes a 「接龙：开」 line (or "| 接龙 开" segment) from a
// 发布活动 form and reports whether it asked for the list.
func cutChainField(args string) (string, bool) {
	on := false
	keep := func(part string) bool {
		t := strings.TrimSpace(when.Fold(part))
		if !strings.HasPrefix(t, "接龙") {
			return true
		}
		v := strings.TrimSpace(strings.TrimLeft(strings.TrimPrefix(t, "接龙"), " :：=,，"))
		switch v {
		case "", "开", "开启", "打开", "是", "要", "有", "需要", "1", "on", "yes":
			on = true
		}
		return false
	}
	var lines []string
	for _, line := range strings.Split(args, "\n") {
		if keep(line) {
			lines = append(lines, line)
		}
	}
	args = strings.Join(lines, "\n")
	first, rest, _ := strings.Cut(args, "\n")
	if !strings.ContainsAny(first, "|｜") {
		return args, on
	}
	var segs []string
	for _, seg := range strings.Split(strings.ReplaceAll(first, "｜", "|"), "|") {
		if keep(seg) {
			segs = append(segs, seg)
		}
	}
	first = strings.Join(segs, "|")
	if rest != "" {
		first += "\n" + rest
	}
	return first, on
}

// liveEvent loads the activity of a live key ("ev:<id>", "evn:<id>"); ok is
// false when the key names none or the activity is gone.
func (f *Feature) liveEvent(ctx context.Context, key string) (*Event, bool, error) {
	id, ok := liveID(key)
	if !ok {
		return nil, false, nil
	}
	e, err := f.st.get(ctx, id)
	if errors.Is(err, errNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return e, true, nil
}
