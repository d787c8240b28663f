package events

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/when"
	"gridbot/bot/zh"
)

func formatWhen(t, now time.Time, loc *time.Location) string { return when.Format(t, now, loc) }

func displayName(name string) string {
	if strings.TrimSpace(name) == "" {
		return "您"
	}
	return bot.Esc(name)
}

// shown escapes user text for a chat, masking phone numbers in groups.
func shown(s string, group bool) string {
	if group {
		s = bot.MaskPhones(s)
	}
	return bot.Esc(s)
}

func (f *Feature) join(ctx context.Context, c *bot.Context) error {
	a, err := parseJoinArgs(c.Args, f.cfg.MaxHeadcount, f.cfg.RemarkMax)
	if err != nil {
		return err
	}
	note := ""
	if !a.HasID {
		e, err := f.pickOpen(ctx, c, "报名")
		if err != nil {
			return err
		}
		a.ID, note = e.ID, fmt.Sprintf(msgTookOnly, e.ID)
	}
	out, err := f.doJoin(ctx, c, a)
	if err != nil {
		return err
	}
	return f.answer(ctx, c, out, note)
}

// outcome is what a resident's action did: the full reply, a short toast
// for a button, and the parts a busy group's merged answer is made of.
type outcome struct {
	text, toast string
	ans         bot.Answer
}

// answer replies with the outcome, note first, to the speaker's message.
func (f *Feature) answer(ctx context.Context, c *bot.Context, o outcome, note string) error {
	a := o.ans
	a.Text, a.ReplyTo = note+o.text, c.Update.MessageID
	return c.ReplyAnswer(ctx, a)
}

// merged fills the parts of a merged answer for activity id: kind, head
// (with the title), the speaker's item and the tail; with the live list
// on, the answer is bound to the list.
func merged(kind string, id int64, title, head, item, tail string, live bool) bot.Answer {
	a := bot.Answer{Kind: fmt.Sprintf("ev:%s:%d", kind, id), Head: fmt.Sprintf(head, title, id), Item: item, Tail: tail}
	if live {
		a.Live = listKey(id)
	}
	return a
}

// actor is who signs up or cancels: a speaker in a chat, or a household
// on a resident page.
type actor struct {
	user bot.UserRef
	name string
	// chat is the group the action came from; "" for a private chat or a
	// page.
	chat bot.ChatRef
	// grid is the bound group's grid, or the page household's; homes the
	// grids a private-chat speaker is known in.
	grid  string
	homes []string
	// op makes the action idempotent: the update id, or the page's action
	// id ("" for none).
	op string
}

func actorOf(c *bot.Context) actor {
	a := actor{user: c.Update.User, name: c.Update.UserName, grid: c.Grid, homes: c.Homes, op: c.Update.ID}
	if c.InGroup() {
		a.chat = c.Update.Chat
	}
	return a
}

// grids returns the grids the actor may sign up for: the grid of a bound
// group they write in (or their page household's), else the grids of the
// bound groups they are known in.
func (a actor) grids() []string {
	if a.grid != "" {
		return []string{a.grid}
	}
	return a.homes
}

// doJoin signs the speaker up and returns what it did.
func (f *Feature) doJoin(ctx context.Context, c *bot.Context, a joinArgs) (outcome, error) {
	return f.joinAs(ctx, actorOf(c), a)
}

// joinAs signs the actor up and returns what it did.
func (f *Feature) joinAs(ctx context.Context, who actor, a joinArgs) (outcome, error) {
	su := signup{User: who.user, N: a.N, At: f.now(), Name: who.name, Remark: a.Remark, Grid: who.grid, Chat: who.chat}
	res, err := f.st.join(ctx, a.ID, su, who.grids(), a.HasN, who.op, f.now())
	if err != nil {
		return outcome{}, err
	}
	f.touched(ctx, a.ID, res.Dirty)
	name, title := displayName(who.name), bot.Esc(res.Title)
	group := who.chat != ""
	live := res.Chain
	seats := fmt.Sprintf(msgMergeSeats, max(0, res.Left))
	private := ""
	if a.Remark != "" {
		private = fmt.Sprintf(msgRemark, bot.Esc(a.Remark))
	}
	switch res.Code {
	case codeOK:
		text := fmt.Sprintf(msgJoinOK, name, title, a.ID, f.fmtTime(res.Start), bot.Esc(res.Place), a.N, res.Left)
		ans := merged("join", a.ID, title, msgMergeJoin, fmt.Sprintf(msgMergeN, a.N), seats, live)
		ans.Private = text + private
		if a.Remark != "" {
			text += fmt.Sprintf(msgRemark, shown(a.Remark, group))
		}
		return outcome{text, fmt.Sprintf(msgToastOK, res.Left), ans}, nil
	case codeWait:
		text := fmt.Sprintf(msgJoinWait, name, res.Num, title, a.ID, f.fmtTime(res.Start), bot.Esc(res.Place))
		if res.Left > 0 {
			text = fmt.Sprintf(msgJoinShort, name, res.Left, a.N, res.Num, title, a.ID, f.fmtTime(res.Start), bot.Esc(res.Place), a.ID, res.Left)
		}
		ans := merged("wait", a.ID, title, msgMergeWait, fmt.Sprintf(msgMergeWaitN, res.Num, a.N), msgMergeWaitTail, live)
		ans.Private = text + private
		return outcome{text, fmt.Sprintf(msgToastWait, res.Num), ans}, nil
	case codeChanged:
		if p := pairs(res.Extra); len(p) > 0 {
			f.notifyPromoted(ctx, a.ID, res, p, msgWhyFewer)
		}
		n := a.N
		if !a.HasN {
			n = int(res.Num)
		}
		text := fmt.Sprintf(msgChanged, name, title, a.ID, f.fmtTime(res.Start), bot.Esc(res.Place), n, wasN(n, int(res.Num)), res.Left)
		ans := merged("chg", a.ID, title, msgMergeChg, fmt.Sprintf(msgMergeN, n), seats, live)
		ans.Private = text + private
		if a.Remark != "" {
			text += fmt.Sprintf(msgRemark, shown(a.Remark, group))
		}
		return outcome{text, fmt.Sprintf(msgToastChg, n), ans}, nil
	case codeChWait:
		old := 0
		if len(res.Extra) > 0 {
			old, _ = strconv.Atoi(res.Extra[0])
		}
		n := a.N
		if !a.HasN {
			n = old
		}
		text := fmt.Sprintf(msgChangedW, name, n, wasN(n, old), res.Num, title, a.ID, f.fmtTime(res.Start), bot.Esc(res.Place))
		ans := merged("chg", a.ID, title, msgMergeChg, fmt.Sprintf(msgMergeWaitN, res.Num, n), seats, live)
		ans.Private = text + private
		if a.Remark != "" {
			text += fmt.Sprintf(msgRemark, shown(a.Remark, group))
		}
		return outcome{text, fmt.Sprintf(msgToastChg, n), ans}, nil
	case codeNoRoom:
		return outcome{}, bot.Conflictf(msgNoRoom, name, a.N, title, a.ID, max(0, res.Left), res.Num)
	case codeGrid, codeNoGrid:
		return outcome{}, gridRefusal(who, res, a.ID)
	case codeDup:
		ans := merged("dup", a.ID, title, msgMergeDup, fmt.Sprintf(msgMergeN, res.Num), fmt.Sprintf(msgMergeDupTail, a.ID), false)
		return outcome{fmt.Sprintf(msgJoinDup, name, title, a.ID, res.Num) + who.howToChange(a.ID, int(res.Num)), msgToastDup, ans}, nil
	case codeDupWait:
		n := 1
		if len(res.Extra) > 0 {
			n, _ = strconv.Atoi(res.Extra[0])
		}
		ans := merged("dup", a.ID, title, msgMergeDup, fmt.Sprintf(msgMergeWaitN, res.Num, n), fmt.Sprintf(msgMergeDupTail, a.ID), false)
		return outcome{fmt.Sprintf(msgJoinDupW, name, res.Num, title, a.ID, n) + who.howToChange(a.ID, n), msgToastDup, ans}, nil
	case codeClosed:
		return outcome{}, bot.Gonef(msgClosed, title, a.ID)
	case codeStarted:
		return outcome{}, bot.Gonef(msgStarted, title, a.ID)
	case codeCancelled:
		return outcome{}, bot.Gonef(msgCancelledJoin, title, a.ID)
	case codeTooMany:
		if res.Num <= 1 {
			return outcome{}, bot.Userf(msgTooManyOne, a.ID)
		}
		return outcome{}, bot.Userf(msgTooMany, res.Num, a.ID, res.Num)
	case codeNotFound:
		return outcome{}, bot.NotFoundf(msgNotFound, a.ID)
	}
	return outcome{}, fmt.Errorf("join %d: unexpected reply %q", a.ID, res.Code)
}

func wasN(n, old int) string {
	if n == old {
		return ""
	}
	return fmt.Sprintf(msgWasN, old)
}

// howToChange tells a household already signed up with n people how to
// change the headcount in chat; a page has its own form for it.
func (a actor) howToChange(id int64, n int) string {
	if FromPage(a.user) {
		return ""
	}
	ex := n + 1
	if ex > maxHeadcount {
		ex = n - 1
	}
	return fmt.Sprintf(msgJoinHowTo, id, id, ex)
}

func (f *Feature) leave(ctx context.Context, c *bot.Context) error {
	if zh.BadNumberAt(c.Args) {
		return bot.Userf(msgIDBad)
	}
	id, ok := parseID(c.Args)
	if !ok {
		e, err := f.pickMine(ctx, c)
		if err != nil {
			return err
		}
		id = e.ID
	}
	out, err := f.doLeave(ctx, c, id)
	if err != nil {
		return err
	}
	return f.answer(ctx, c, out, "")
}

func (f *Feature) doLeave(ctx context.Context, c *bot.Context, id int64) (outcome, error) {
	return f.leaveAs(ctx, actorOf(c), id)
}

// leaveAs cancels the actor's sign-up and returns what it did.
func (f *Feature) leaveAs(ctx context.Context, who actor, id int64) (outcome, error) {
	res, err := f.st.leave(ctx, id, who.user, who.op, f.now())
	if err != nil {
		return outcome{}, err
	}
	f.touched(ctx, id, res.Dirty)
	title := bot.Esc(res.Title)
	live := res.Chain
	switch res.Code {
	case codeIn, codeWait:
		if p := pairs(res.Extra); len(p) > 0 {
			f.notifyPromoted(ctx, id, res, p, msgWhyLeft)
		}
		if res.Code == codeWait {
			ans := merged("leave", id, title, msgMergeLeave, msgMergeLeftWait, fmt.Sprintf(msgMergeLeaveTail, id), live)
			return outcome{fmt.Sprintf(msgLeaveWait, title, id), msgToastLeave, ans}, nil
		}
		ans := merged("leave", id, title, msgMergeLeave, msgMergeLeftIn, fmt.Sprintf(msgMergeLeaveTail, id), live)
		return outcome{fmt.Sprintf(msgLeaveOK, title, id, id), msgToastLeave, ans}, nil
	case codeNotIn:
		return outcome{}, bot.Userf(msgLeaveNotIn, title, id)
	case codeStarted:
		return outcome{}, bot.Gonef(msgStarted, title, id)
	case codeNotFound:
		return outcome{}, bot.NotFoundf(msgNotFound, id)
	}
	return outcome{}, fmt.Errorf("leave %d: unexpected reply %q", id, res.Code)
}

// notifyPromoted tells each promoted household, privately where the bot
// can reach them (held in quiet hours unless the activity starts within
// the hour after they end), otherwise by a mention in the group they
// signed up in, and why a seat came free (why: msgWhyLeft, msgWhyMore,
// msgWhyFewer).
func (f *Feature) notifyPromoted(ctx context.Context, id int64, res result, ps []signup, why string) {
	title := bot.Esc(res.Title)
	for _, p := range ps {
		if FromPage(p.User) {
			f.log.Info("promoted page household sees it on its page", "event", id)
			continue
		}
		text := fmt.Sprintf(msgPromoted, displayName(p.Name), why, title, id, f.fmtTime(res.Start), bot.Esc(res.Place), id)
		if _, err := f.env.Out.Notify(ctx, p.User, bot.Message{Text: text}, res.Start.Add(-time.Hour)); err == nil {
			continue
		}
		if p.Chat == "" {
			f.log.Info("promoted user unreachable", "event", id, "user", p.User)
			continue
		}
		name := p.Name
		if strings.TrimSpace(name) == "" {
			name = msgSomeone
		}
		grp := fmt.Sprintf(msgPromotedGrp, bot.MentionHTML(p.User, name), why, title, id)
		if f.env.Replies != nil {
			a := merged("promo", id, title, msgMergePromo, msgMergePromoted, "", res.Chain)
			a.User, a.Name, a.Text = p.User, name, grp
			if err := f.env.Replies.Answer(ctx, p.Chat, a); err != nil {
				f.log.Warn("tell promoted user in group", "event", id, "chat", p.Chat, "err", err)
			}
			continue
		}
		if _, err := f.env.Out.Post(ctx, p.Chat, bot.Message{Text: grp}); err != nil {
			f.log.Warn("tell promoted user in group", "event", id, "chat", p.Chat, "err", err)
		}
	}
}

func (f *Feature) button(ctx context.Context, c *bot.Context) error {
	verb, idStr, _ := strings.Cut(c.Args, ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		return c.Answer(ctx, "")
	}
	var out outcome
	switch verb {
	case "join":
		out, err = f.doJoin(ctx, c, joinArgs{ID: id, HasID: true, N: 1})
	case "leave":
		out, err = f.doLeave(ctx, c, id)
	case "cancel", "keep":
		return f.cancelButton(ctx, c, verb, id)
	default:
		return c.Answer(ctx, "")
	}
	if err != nil {
		return err
	}
	_ = c.Answer(ctx, out.toast)
	if c.InGroup() {
		if perr := c.Private(ctx, bot.Message{Text: out.text}); perr != nil {
			f.log.Debug("button reply not delivered privately", "user", c.Update.User, "err", perr)
		}
		return nil
	}
	return c.Reply(ctx, out.text)
}

// family answers a third person's wish (我妈想报名, 我老伴想去3号): the bot
// signs up the speaker's own household only when they ask for it, so it
// says how, with the activity they named or the first open one here.
func (f *Feature) family(ctx context.Context, c *bot.Context) error {
	if zh.BadNumberAt(c.Args) {
		return bot.Userf(msgIDBad)
	}
	id, ok := parseID(c.Args)
	if !ok {
		evs, err := f.openHere(ctx, c)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return bot.Userf(msgNoneOpen)
		}
		id = evs[0].ID
	}
	return c.ReplyMessage(ctx, bot.Message{Text: fmt.Sprintf(msgFamily, id), ReplyTo: c.Update.MessageID})
}

// open reports whether sign-up is still possible.
func (e *Event) open(now time.Time) bool {
	return !e.Cancelled() && now.Before(e.Deadline) && now.Before(e.Start)
}

func (e *Event) targets(grid string) bool {
	return grid == "" || slices.Contains(e.Grids, grid)
}

// targetsAny reports whether e is for residents of one of grids; with no
// grids (nothing known) every activity counts.
func (e *Event) targetsAny(grids []string) bool {
	if len(grids) == 0 || len(e.Grids) == 0 {
		return true
	}
	for _, g := range grids {
		if slices.Contains(e.Grids, g) {
			return true
		}
	}
	return false
}

// signupGrids returns the grids the speaker may sign up for: the grid of a
// bound group they write in, else (a private chat, a group bound to no
// grid) the grids of the bound groups they are known in.
func signupGrids(c *bot.Context) []string { return actorOf(c).grids() }

// gridRefusal explains a "grid" or "nogrid" reply: the activity's grids,
// and why the speaker is not among them.
func gridRefusal(who actor, res result, id int64) error {
	var grids []string
	if len(res.Extra) > 0 {
		grids = strings.Split(res.Extra[0], sep)
	}
	targets, title := bot.Esc(strings.Join(grids, "、")), bot.Esc(res.Title)
	switch {
	case who.grid != "" && who.chat != "":
		return bot.Forbiddenf(msgOtherGrid, targets, title, id)
	case res.Code == codeGrid:
		return bot.Forbiddenf(msgNotMyGrid, title, id, targets, bot.Esc(strings.Join(who.grids(), "、")))
	}
	return bot.Userf(msgNoGrid, title, id, targets, id)
}

// pickOpen returns the only activity open for sign-up in the chat's grid;
// with none or several it returns a *bot.UserError saying so.
func (f *Feature) pickOpen(ctx context.Context, c *bot.Context, verb string) (*Event, error) {
	open, err := f.openHere(ctx, c)
	if err != nil {
		return nil, err
	}
	return f.pickOne(open, verb)
}

// openHere returns the activities open for sign-up in the chat's grid.
func (f *Feature) openHere(ctx context.Context, c *bot.Context) ([]*Event, error) {
	evs, err := f.st.upcoming(ctx, f.now())
	if err != nil {
		return nil, err
	}
	var open []*Event
	for _, e := range evs {
		if e.open(f.now()) && e.targetsAny(signupGrids(c)) {
			open = append(open, e)
		}
	}
	return open, nil
}

func (f *Feature) pickOne(evs []*Event, verb string) (*Event, error) {
	switch len(evs) {
	case 0:
		return nil, bot.Userf(msgNoneOpen)
	case 1:
		return evs[0], nil
	}
	var lines []string
	for _, e := range evs {
		lines = append(lines, fmt.Sprintf(msgWhichItem, e.ID, bot.Esc(e.Title), f.fmtSpan(e)))
	}
	return nil, bot.Userf(msgWhichOne, strings.Join(lines, "\n"), verb, evs[0].ID)
}

// mine is one of the speaker's sign-ups.
type mine struct {
	ev   *Event
	n    int
	wait int // waitlist position, 0 when confirmed
}

func (f *Feature) mySignups(ctx context.Context, c *bot.Context) ([]mine, error) {
	u := c.Update.User
	ids, err := f.openIDs(ctx, c)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	p := f.env.Redis.Pipeline()
	load := f.st.queueMany(ctx, p, ids)
	regs := make([]*redis.StringCmd, len(ids))
	ranks := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		regs[i] = p.HGet(ctx, f.st.key(id, "reg"), string(u))
		ranks[i] = p.ZRank(ctx, f.st.key(id, "wait"), string(u))
	}
	if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("my sign-ups: %w", err)
	}
	var out []mine
	for i, e := range load() {
		if e == nil || e.Cancelled() {
			continue
		}
		rec, err := regs[i].Result()
		if err != nil {
			continue
		}
		m := mine{ev: e, n: parseSignup(string(u), rec).N}
		if r, err := ranks[i].Result(); err == nil {
			m.wait = int(r) + 1
		}
		out = append(out, m)
	}
	return out, nil
}

func (f *Feature) pickMine(ctx context.Context, c *bot.Context) (*Event, error) {
	ms, err := f.mySignups(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, bot.Userf(msgMyNone)
	}
	evs := make([]*Event, len(ms))
	for i, m := range ms {
		evs[i] = m.ev
	}
	return f.pickOne(evs, "取消报名")
}

func (f *Feature) my(ctx context.Context, c *bot.Context) error {
	ms, err := f.mySignups(ctx, c)
	if err != nil {
		return err
	}
	ans := bot.Answer{Kind: "ev:my", Head: msgMergeMy}
	if len(ms) == 0 {
		ans.Text, ans.Item = msgMyNone, msgMergeMyNone
		return c.ReplyAnswer(ctx, ans)
	}
	var b strings.Builder
	var items []string
	fmt.Fprintf(&b, msgMyHead, displayName(c.Update.UserName))
	for _, m := range ms {
		if m.wait > 0 {
			fmt.Fprintf(&b, msgMyWait+"\n", m.ev.ID, bot.Esc(m.ev.Title), m.wait, f.fmtSpan(m.ev))
			items = append(items, fmt.Sprintf(msgMergeMyWait, m.ev.ID, m.wait))
		} else {
			fmt.Fprintf(&b, msgMyIn+"\n", m.ev.ID, bot.Esc(m.ev.Title), m.n, f.fmtSpan(m.ev))
			items = append(items, fmt.Sprintf(msgMergeMyIn, m.ev.ID, m.n))
		}
	}
	ans.Text, ans.Item = strings.TrimRight(b.String(), "\n"), strings.Join(items, "；")
	return c.ReplyAnswer(ctx, ans)
}

// prefetchOpen is the Prefetch of 活动 and 我的报名: the ids of the
// activities still to come, read in the claim's pipeline.
func (f *Feature) prefetchOpen(ctx context.Context, pipe redis.Pipeliner, _ *bot.Update) func() (any, error) {
	read := f.st.queueUpcomingIDs(ctx, pipe, f.now())
	return func() (any, error) { return read() }
}

// openIDs returns the ids of the activities still to come: prefetched
// with the claim, or read now.
func (f *Feature) openIDs(ctx context.Context, c *bot.Context) ([]int64, error) {
	if v, ok, err := c.Prefetched(); ok {
		if err != nil {
			return nil, err
		}
		if ids, ok := v.([]int64); ok {
			return ids, nil
		}
	}
	return f.st.upcomingIDs(ctx, f.now())
}

func (f *Feature) list(ctx context.Context, c *bot.Context) error {
	ids, err := f.openIDs(ctx, c)
	if err != nil {
		return err
	}
	evs, err := f.st.getMany(ctx, ids)
	if err != nil {
		return err
	}
	evs = liveOnly(evs)
	var b strings.Builder
	b.WriteString(msgListHead)
	var first int64
	forStaff := false
	for _, e := range evs {
		if !e.targetsAny(signupGrids(c)) {
			continue
		}
		if first == 0 {
			first = e.ID
		}
		dead := ""
		if e.open(f.now()) && !e.Deadline.IsZero() && e.Deadline.Before(e.Start) {
			dead = fmt.Sprintf(msgListDead, f.fmtTime(e.Deadline))
		}
		fmt.Fprintf(&b, msgListItem, e.ID, bot.Esc(e.Title), f.fmtSpan(e), bot.Esc(e.Place), dead, f.seatsState(e))
		if c.Role >= bot.GridWorker && f.held(e) {
			fmt.Fprintf(&b, msgListHeld, f.outAt(e.NoticeAt))
			forStaff = true
		}
	}
	if first == 0 {
		return c.Reply(ctx, msgListNone)
	}
	fmt.Fprintf(&b, msgListTail, first)
	return c.ReplyAnswer(ctx, bot.Answer{Text: b.String(), Kind: "ev:list", Same: !forStaff})
}

// seatsState says how sign-up stands, as the list shows it.
func (f *Feature) seatsState(e *Event) string {
	switch {
	case !e.open(f.now()):
		return msgListShut
	case e.Left() == 0:
		return fmt.Sprintf(msgListFull, e.Waiting)
	case e.Waiting > 0:
		return fmt.Sprintf(msgListWait, e.Left(), e.Waiting)
	}
	return fmt.Sprintf(msgListSeats, e.Left())
}
