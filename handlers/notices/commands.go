package notices

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/bot/when"
	"gridbot/bot/zh"
)

const group = "通知"

// Register adds /notice (通知), /notice! (紧急通知), /notices (通知列表),
// /recall N (撤回通知 N), 取消通知 N (also /notice cancel N), the confirm
// buttons (callback prefix "nt") and the text fallback 确认 that confirms
// the speaker's latest draft. All are for staff.
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "notice", Keywords: []string{"通知", "发通知"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: group, Usage: "通知 全部 内容", Help: "给全部或部分网格群发通知，先预览，确认后发出", Handle: f.cmdNotice,
			Intent: bot.Intent{Hint: "给各网格群发通知：发「通知 全部」加内容"}},
		&bot.Command{Name: "notice!", Aliases: []string{"notice！", "urgent"}, Keywords: []string{"紧急通知"},
			Args: bot.ArgsText, Role: bot.Staff, Group: group, Usage: "紧急通知 全部 内容",
			Help: "紧急通知，夜间免打扰时段也立即发出", Handle: f.cmdUrgent},
		&bot.Command{Name: "notices", Keywords: []string{"通知列表"}, Args: bot.ArgsNone, Role: bot.Staff,
			Group: group, Usage: "通知列表", Help: "最近和定时的通知及编号", Handle: f.cmdList},
		&bot.Command{Name: "recall", Keywords: []string{"撤回通知"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: group, Usage: "撤回通知 3", Help: "从各群删除已发出的通知", Handle: f.cmdRecall},
		&bot.Command{Keywords: []string{"取消通知"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: group, Usage: "取消通知 3", Help: "取消还没发出的定时通知", Handle: f.cmdCancel},
	)
	r.OnCallback("nt", f.onButton)
	r.OnTextWhen(saysConfirm, f.onConfirmText)
}

func (f *Feature) cmdNotice(ctx context.Context, c *bot.Context) error {
	orig := c.Args
	sub, rest := cutField(c.Args)
	c.Args = rest
	switch strings.ToLower(sub) {
	case "cancel", "取消":
		return f.cmdCancel(ctx, c)
	case "recall", "撤回":
		return f.cmdRecall(ctx, c)
	case "list", "列表":
		return f.cmdList(ctx, c)
	}
	c.Args = orig
	return f.composeCmd(ctx, c, false)
}

func (f *Feature) cmdUrgent(ctx context.Context, c *bot.Context) error {
	return f.composeCmd(ctx, c, true)
}

// compose parses the notice, resolves its targets, stores a draft and
// shows the preview with the confirm buttons. Nothing is sent.
func (f *Feature) composeCmd(ctx context.Context, c *bot.Context, urgent bool) error {
	d, err := f.compose(ctx, c.Update.User, c.Args, urgent)
	if err != nil {
		return err
	}
	return c.ReplyMessage(ctx, f.preview(*d))
}

// goesOut returns when draft d would start going out if confirmed now,
// and whether quiet hours hold it past its time.
func (f *Feature) goesOut(d draft) (time.Time, bool) {
	return outbox.Held(f.env.Outbox, f.now(), d.At, d.Urgent)
}

// preview shows the draft as the groups will get it, who gets it and,
// inside quiet hours, when it would really go out, with a button to send
// it as urgent instead.
func (f *Feature) preview(d draft) bot.Message {
	now := f.now()
	var head string
	if d.Urgent {
		head += msgPreviewUrg
	}
	if !d.At.IsZero() {
		head += fmt.Sprintf(msgPreviewAt, when.Format(d.At, now, f.env.Loc))
	}
	lines := []string{
		fmt.Sprintf(msgPreviewHead, head),
		fmt.Sprintf(msgPreviewTo, bot.Esc(d.Label), d.Grids, len(d.Targets), d.Members),
	}
	if p := f.pace(d); p != "" {
		lines = append(lines, p)
	}
	buttons := []bot.Button{
		{Text: btnConfirm, Data: "nt:ok:" + d.ID, Say: sayConfirm},
		{Text: btnDrop, Data: "nt:no:" + d.ID, Say: sayDrop},
	}
	at, held := f.goesOut(d)
	switch {
	case held && d.At.IsZero():
		lines = append(lines, fmt.Sprintf(msgPreviewHeld, outbox.When(at, now, f.env.Loc)))
	case held:
		lines = append(lines, fmt.Sprintf(msgPreviewAtHeld, when.Format(d.At, now, f.env.Loc), outbox.When(at, now, f.env.Loc)))
	}
	lines = append(lines, d.Warnings...)
	if held {
		buttons = append(buttons, bot.Button{Text: btnUrgent, Data: "nt:urg:" + d.ID, Say: sayUrgent})
	}
	lines = append(lines, msgPreviewSep, f.message(d).Text, msgPreviewSep,
		fmt.Sprintf(msgPreviewTail, int(f.cfg.DraftTTL.Minutes())))
	return bot.Message{Text: strings.Join(lines, "\n"), Buttons: [][]bot.Button{buttons}}
}

// Telegram's published paces: 30 messages a second free (the outbox keeps
// to about 29), 1,000 a second as paid broadcasts at 0.1 Stars a message.
const (
	freePerSecond  = 29
	paidPerSecond  = 1000
	starsPerTenMsg = 1
	paceShownFrom  = 300
)

// pace is the preview's line on how long the Telegram groups take and,
// with paid broadcasts on, what they cost; empty for a small free notice.
func (f *Feature) pace(d draft) string {
	n := 0
	for c := range d.Targets {
		if c.Platform() == "tg" {
			n++
		}
	}
	switch {
	case n == 0:
		return ""
	case f.cfg.PaidBroadcast:
		tenths := n * starsPerTenMsg
		return fmt.Sprintf(msgPreviewPaid, n, fmt.Sprintf("%d.%d", tenths/10, tenths%10), spell(n, paidPerSecond))
	case n >= paceShownFrom:
		return fmt.Sprintf(msgPreviewPace, n, spell(n, freePerSecond))
	}
	return ""
}

// spell says how long n messages take at perSecond, rounded up: 「12 秒」,
// 「6 分钟」.
func spell(n, perSecond int) string {
	secs := (n + perSecond - 1) / perSecond
	if secs < 60 {
		return fmt.Sprintf("%d 秒", secs)
	}
	return fmt.Sprintf("%d 分钟", (secs+59)/60)
}

// message is what the groups get.
func (f *Feature) message(d draft) bot.Message {
	head := msgHeader
	if d.Urgent {
		head = msgHeaderUrg
	}
	return bot.Message{Text: head + "\n" + bot.Esc(d.Body)}
}

// linked adds the notice page's link to m as a URL button, when links
// are on; without one (or when it cannot be made) m goes as it is.
func (f *Feature) linked(ctx context.Context, m bot.Message, n int) bot.Message {
	if f.ops.Link == nil {
		return m
	}
	url, err := f.ops.Link(ctx, n)
	if err != nil {
		f.env.Log.Warn("notice link", "notice", n, "err", err)
		return m
	}
	if url != "" {
		m.Buttons = [][]bot.Button{{{Text: btnPage, URL: url}}}
	}
	return m
}

func title(body string) string {
	first, _, _ := strings.Cut(body, "\n")
	return bot.Truncate(first, 20)
}

// confirm sends draft id once: the first confirmation enqueues it, later
// ones are told it went already. It returns the reply for the confirmer.
func (f *Feature) confirm(ctx context.Context, id string) (string, error) {
	d, err := f.claim(ctx, id)
	var ec *errClaim
	if errors.As(err, &ec) {
		switch ec.Status {
		case dsSent:
			return "", bot.Conflictf(msgAlreadySent, ec.N)
		case dsSending:
			return "", bot.Conflictf(msgSending, ec.N)
		case dsCancelled:
			return "", bot.Gonef(msgDropped)
		}
		return "", bot.Gonef(msgExpired, int(f.cfg.DraftTTL.Minutes()))
	}
	if err != nil {
		return "", err
	}
	now := f.now()
	at, held := f.goesOut(d)
	bid, err := f.env.Outbox.Enqueue(ctx, bot.Broadcast{
		Kind: "notice", Ref: strconv.Itoa(d.N), Title: title(d.Body),
		Grids: d.Targets, Chats: d.chats(), Message: f.linked(ctx, f.message(d), d.N),
		Urgent: d.Urgent, NotBefore: d.At, ReportTo: d.User.PrivateChat(),
	})
	if err != nil {
		if uerr := f.unclaim(context.WithoutCancel(ctx), id); uerr != nil {
			f.env.Log.Error("release notice draft", "draft", id, "err", uerr)
		}
		return "", fmt.Errorf("enqueue notice %d: %w", d.N, err)
	}
	if err := f.record(context.WithoutCancel(ctx), d, bid, at); err != nil {
		f.env.Log.Error("notice enqueued but not recorded", "notice", d.N, "broadcast", bid, "err", err)
	}
	chats, goes := len(d.Targets), outbox.When(at, now, f.env.Loc)
	switch {
	case held && d.At.IsZero():
		return fmt.Sprintf(msgHeld, d.N, goes, chats, d.Members, d.N), nil
	case held:
		return fmt.Sprintf(msgScheduledHeld, when.Format(d.At, now, f.env.Loc), d.N, goes, chats, d.Members, d.N), nil
	case d.At.After(now):
		return fmt.Sprintf(msgScheduled, d.N, when.Format(d.At, now, f.env.Loc), chats, d.Members, d.N), nil
	}
	return fmt.Sprintf(msgConfirmed, d.N, chats, d.Members, d.N), nil
}

func (f *Feature) onButton(ctx context.Context, c *bot.Context) error {
	action, id, _ := strings.Cut(c.Args, ":")
	if c.Role < bot.Staff {
		return c.Answer(ctx, msgStaffOnly)
	}
	var reply string
	var err error
	switch action {
	case "ok":
		reply, err = f.confirm(ctx, id)
	case "urg":
		reply, err = f.confirmUrgent(ctx, id)
	case "no":
		reply, err = f.dropReply(ctx, id)
	default:
		return c.Answer(ctx, "")
	}
	if err != nil {
		return err
	}
	_ = c.Answer(ctx, bot.Truncate(bot.PlainText(reply), 60))
	if ed, ok := c.Sender.(bot.Editor); ok && c.Update.MessageID != "" {
		_ = ed.Edit(ctx, c.Update.Chat, c.Update.MessageID, bot.Message{Text: reply})
		return nil
	}
	return c.Reply(ctx, reply)
}

func (f *Feature) dropReply(ctx context.Context, id string) (string, error) {
	st, n, err := f.drop(ctx, id)
	if err != nil {
		return "", err
	}
	switch st {
	case dsDraft, dsCancelled:
		return msgDropOK, nil
	case dsSent:
		return "", bot.Conflictf(msgAlreadySent, n)
	case dsSending:
		return "", bot.Conflictf(msgSending, n)
	}
	return "", bot.Gonef(msgExpired, int(f.cfg.DraftTTL.Minutes()))
}

// confirmUrgent confirms draft id as urgent: it goes out now (or at its
// time), quiet hours or not.
func (f *Feature) confirmUrgent(ctx context.Context, id string) (string, error) {
	if err := f.makeUrgent(ctx, id); err != nil {
		return "", err
	}
	return f.confirm(ctx, id)
}

var (
	confirmWords = []string{"确认", "确认发送", "确定", "确定发送"}
	urgentWords  = []string{"紧急发出", "紧急发送", "确认紧急发出", "确认紧急发送"}
)

// confirmWord is text as a confirm word would be compared: simplified,
// with polite tails and punctuation trimmed.
func confirmWord(text string) string { return strings.Trim(bot.Simplify(text), " 。.!！~～吧啊") }

// saysConfirm reports whether an update's text is a confirm or urgent word
// (确认, 紧急发出…), the only text onConfirmText takes.
func saysConfirm(u *bot.Update) bool {
	t := confirmWord(bot.Normalize(u.Text))
	return slices.Contains(confirmWords, t) || slices.Contains(urgentWords, t)
}

// onConfirmText takes "确认" (or "紧急发出", which confirms it as urgent)
// from staff who have a recent draft.
func (f *Feature) onConfirmText(ctx context.Context, c *bot.Context) error {
	if c.Role < bot.Staff {
		return bot.ErrSkip
	}
	confirm := f.confirm
	if slices.Contains(urgentWords, confirmWord(c.Args)) {
		confirm = f.confirmUrgent
	}
	id, err := f.env.Redis.Get(ctx, f.key("latest", string(c.Update.User))).Result()
	if err != nil || id == "" {
		return bot.ErrSkip
	}
	reply, err := confirm(ctx, id)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

// number reads the notice number after cmd; without one, the reply's
// example uses the newest notice's real number.
func (f *Feature) number(ctx context.Context, c *bot.Context, cmd string) (int, error) {
	n, _, ok := zh.LeadingNumber(strings.TrimLeft(strings.TrimSpace(c.Args), "#第"))
	if ok && n > 0 {
		return n, nil
	}
	latest, err := f.env.Redis.ZRevRange(ctx, f.key("list"), 0, 0).Result()
	if err != nil {
		return 0, fmt.Errorf("newest notice: %w", err)
	}
	if len(latest) == 0 {
		return 0, bot.Userf(msgListEmpty)
	}
	return 0, bot.Userf(msgNumUsage, cmd, latest[0], latest[0])
}

func (f *Feature) loadUser(ctx context.Context, n int) (notice, error) {
	nt, err := f.load(ctx, n)
	if errors.Is(err, errNoNotice) {
		return notice{}, bot.NotFoundf(msgNoSuch, n)
	}
	return nt, err
}

func statusText(st string) string {
	switch st {
	case nsCancelled:
		return stCancelled
	case nsRecalled:
		return stRecalled
	}
	return st
}

func (f *Feature) cmdCancel(ctx context.Context, c *bot.Context) error {
	n, err := f.number(ctx, c, "取消通知")
	if err != nil {
		return err
	}
	reply, err := f.Cancel(ctx, n)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

func (f *Feature) cmdRecall(ctx context.Context, c *bot.Context) error {
	n, err := f.number(ctx, c, "撤回通知")
	if err != nil {
		return err
	}
	reply, err := f.Recall(ctx, n)
	if err != nil {
		return err
	}
	return c.Reply(ctx, reply)
}

func (f *Feature) recallBroadcast(ctx context.Context, bid string) (deleted, failed int, err error) {
	d, fl, err := f.ops.Recaller.Recall(ctx, bid)
	if err != nil {
		return 0, 0, fmt.Errorf("recall %s: %w", bid, err)
	}
	return d, fl, nil
}

func (f *Feature) cmdList(ctx context.Context, c *bot.Context) error {
	ns, err := f.Recent(ctx, f.cfg.ListSize)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return c.Reply(ctx, msgListEmpty)
	}
	lines := []string{msgListHead}
	for _, nt := range ns {
		urg := ""
		if nt.Urgent {
			urg = msgListUrg
		}
		lines = append(lines, fmt.Sprintf(msgListLine, nt.N, nt.State, urg,
			bot.Esc(nt.Label), nt.Chats, bot.Esc(bot.Truncate(strings.ReplaceAll(nt.Body, "\n", " "), 40))))
	}
	return c.Reply(ctx, strings.Join(lines, "\n"))
}
