package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
		return bot.Gonef(msgCancelled, bot.Esc(e.Title), e.ID)
	}
	if e.Chain {
		return bot.Conflictf(msgChainAlready, bot.Esc(e.Title), e.ID)
	}
	if err := f.st.set(ctx, e.ID, "chain", "1"); err != nil {
		return err
	}
	n, at, err := f.showList(ctx, e, false)
	if err != nil {
		return err
	}
	switch {
	case n == 0:
		return c.Reply(ctx, fmt.Sprintf(msgChainOnNoCh, bot.Esc(e.Title), e.ID))
	case !at.IsZero():
		return c.Reply(ctx, fmt.Sprintf(msgChainOnHeld, bot.Esc(e.Title), e.ID, f.outAt(at), n, e.ID))
	}
	return c.Reply(ctx, fmt.Sprintf(msgChainOn, bot.Esc(e.Title), e.ID, n, e.ID))
}

// showList posts the list in every active chat of the activity's grids and
// returns how many. Inside the quiet hours a new post would wake the
// groups, so with a due queue it is put off until they end (returned as at,
// zero when posted now), unless urgent (the notice went out urgently).
func (f *Feature) showList(ctx context.Context, e *Event, urgent bool) (n int, at time.Time, err error) {
	chats, _, err := f.chatsOf(ctx, e)
	if err != nil || len(chats) == 0 {
		return 0, time.Time{}, err
	}
	if held, _ := f.goesOut(time.Time{}); !urgent && held.Sub(f.now()) > heldFor {
		f.schedule(ctx, dueKey(e.ID, "list"), held)
		return len(chats), held, nil
	}
	return len(chats), time.Time{}, f.env.Replies.Touch(ctx, listKey(e.ID), chats...)
}

// showHeldList posts the list put off by the quiet hours, unless it was
// turned off or the activity cancelled meanwhile.
func (f *Feature) showHeldList(ctx context.Context, id int64) error {
	e, err := f.st.get(ctx, id)
	if errors.Is(err, errNotFound) || err == nil && (!e.Chain || e.Cancelled()) || f.env.Replies == nil {
		return nil
	}
	if err != nil {
		return err
	}
	chats, _, err := f.chatsOf(ctx, e)
	if err != nil || len(chats) == 0 {
		return err
	}
	return f.env.Replies.Touch(ctx, listKey(e.ID), chats...)
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
		return nil, bot.Unavailablef(msgChainNoRoom)
	}
	id, ok := parseID(c.Args)
	if !ok {
		n := f.exampleID(ctx, nil)
		return nil, bot.Userf(msgChainUsage, n, n)
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
	grid := ""
	if slices.ContainsFunc(append(slices.Clip(in), wait...), func(s signup) bool { return FromPage(s.User) }) {
		info, err := f.env.Dir.Chat(ctx, chat)
		if err != nil {
			return bot.Message{}, false, err
		}
		grid = info.Grid
	}
	return bot.Message{Text: f.listText(e, chat, grid, in, wait)}, true, nil
}

// listText is the list as chat shows it: the households that signed up in
// chat, and those of its grid (grid, "" for none) that signed up on a page.
func (f *Feature) listText(e *Event, chat bot.ChatRef, grid string, in, wait []signup) string {
	var b strings.Builder
	fmt.Fprintf(&b, msgChainHead, e.ID, bot.Esc(e.Title), f.fmtSpan(e), bot.Esc(e.Place))
	if e.Left() > 0 {
		fmt.Fprintf(&b, msgChainSeats, e.Seats, e.Left())
	} else {
		fmt.Fprintf(&b, msgChainFull, e.Seats)
	}
	others := 0
	mine := func(ss []signup) []signup {
		var out []signup
		for _, s := range ss {
			if s.Chat == chat || grid != "" && s.Grid == grid && FromPage(s.User) {
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
		switch {
		case FromPage(s.User):
			name = bot.ShortName(name)
		case strings.TrimSpace(name) == "":
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

// chainWords are the values of a 「接龙」 field: on, then off.
var (
	chainOnWords  = []string{"开", "开启", "打开", "是", "要", "有", "需要", "1", "on", "yes"}
	chainOffWords = []string{"关", "关闭", "否", "不", "不要", "没有", "无", "0", "off", "no"}
)

// chainField reads one line or one-line segment as the 接龙 option: the
// word 接龙 alone, or followed by a separator and a value ("接龙：开",
// "接龙 关"). isField is false for anything else, such as a title 接龙游戏
// or a place 接龙广场 (or 接龙 广场); 「接龙：」 with a value that is neither
// on nor off is an error.
func chainField(part string) (on, isField bool, err error) {
	t := strings.TrimSpace(when.Fold(part))
	rest, ok := strings.CutPrefix(t, "接龙")
	if !ok {
		return false, false, nil
	}
	if rest == "" {
		return true, true, nil
	}
	if !strings.ContainsAny(rest[:1], " :：=,，") {
		return false, false, nil
	}
	v := strings.ToLower(strings.TrimSpace(strings.Trim(rest, " :：=,，。.")))
	switch {
	case v == "" || slices.Contains(chainOnWords, v):
		return true, true, nil
	case slices.Contains(chainOffWords, v):
		return false, true, nil
	case strings.ContainsAny(rest[:1], ":：="):
		return false, false, bot.Userf(msgChainBad)
	}
	return false, false, nil
}

// cutChainField removes a 「接龙：开」 line (or "| 接龙 开" segment) from a
// 发布活动 form and reports whether it asked for the list.
func cutChainField(args string) (string, bool, error) {
	on := false
	var bad error
	keep := func(part string) bool {
		v, isField, err := chainField(part)
		if err != nil && bad == nil {
			bad = err
		}
		if isField {
			on = v
		}
		return !isField && err == nil
	}
	var lines []string
	for _, line := range strings.Split(args, "\n") {
		if strings.ContainsAny(line, "|｜") || keep(line) {
			lines = append(lines, line)
		}
	}
	args = strings.Join(lines, "\n")
	first, rest, _ := strings.Cut(args, "\n")
	if strings.ContainsAny(first, "|｜") {
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
		args = first
	}
	return args, on, bad
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
