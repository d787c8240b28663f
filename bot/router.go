package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scope limits where a command may be used.
type Scope uint8

const (
	// Anywhere: group or private chat.
	Anywhere Scope = iota
	// GroupOnly: only in a group chat.
	GroupOnly
	// PrivateOnly: only in a private chat with the bot.
	PrivateOnly
)

// HandlerFunc handles one update. Returning a *UserError replies its message;
// any other error is logged and the user is told the system is busy.
type HandlerFunc func(ctx context.Context, c *Context) error

// Middleware wraps a handler.
type Middleware func(HandlerFunc) HandlerFunc

// Command is one thing users can ask for, by /slash name or Chinese keyword.
type Command struct {
	// Name is the slash command without '/', lower case ("join").
	Name string
	// Aliases are further slash names.
	Aliases []string
	// Keywords are the Chinese words that trigger it without a slash
	// ("报名"); give the simplified form, traditional input is folded.
	// (a|b) spells alternatives and (a|) an optional part
	// ("(近期|)活动(列表|)"). A keyword of an ArgsNumber command may put
	// NumSlot before or after the word ("取消{n}", "{n}不去了"): it then
	// acts only with a number there; KinSlot before it names someone else
	// ("{kin}想报名").
	Keywords []string
	// Args says what may follow a keyword.
	Args ArgKind
	// Intent says more of how people ask for it, with examples; see
	// Intent.
	Intent Intent
	// Role is the least role that may use it.
	Role Role
	// Scope is where it may be used.
	Scope Scope
	// Group is the feature heading in the help ("活动报名").
	Group string
	// Usage shows how to type it ("报名 7 [人数] [备注]"); Help says what it
	// does. Commands with empty Help are not listed.
	Usage string
	Help  string
	// Handle does the work.
	Handle HandlerFunc
	// Prefetch, when set, queues in pipe a read the handler will need that
	// depends on the update alone (not on the speaker or the chat's grid),
	// and returns the function that gives its answer once pipe ran. The
	// router sends it in the claim's pipeline when it pipes the speaker's
	// lookup there, and the handler finds the answer with
	// Context.Prefetched; otherwise the handler reads for itself.
	Prefetch func(ctx context.Context, pipe redis.Pipeliner, u *Update) func() (any, error)
}

// Context is what a handler gets: the update, the Sender to answer through,
// and what the router learned about the speaker and the chat.
type Context struct {
	Update *Update
	Sender Sender
	// Grid is the grid the chat is bound to, "" if none.
	Grid string
	// Homes are the grids of the bound groups the speaker has been seen in
	// (Who.Homes): where a resident lives, also in a private chat.
	Homes []string
	// Role is the speaker's role in this chat.
	Role Role
	// Command is the matched command, nil for callbacks, polls and
	// fallbacks.
	Command *Command
	// Args is the text after the command word; for a button press, the data
	// after "feature:"; for a fallback, the whole normalized text.
	Args string
	Log  *slog.Logger

	router    *Router
	who       *whoAnswer
	prefetch  func() (any, error)
	deferred  bool
	pending   []Answer
	answered  bool
	plain     bool
	addressed bool
}

// Addressed reports whether the speaker spoke to the bot: in a private
// chat, with @网格助手 or @<bot username> in the text, or as the platform
// says (a reply to the bot's message, a WeChat Work robot's callback). A
// message addressed to the bot is never left unanswered.
func (c *Context) Addressed() bool { return c.addressed }

// Reply sends text to the chat the update came from.
func (c *Context) Reply(ctx context.Context, text string) error {
	return c.ReplyMessage(ctx, Message{Text: text})
}

// ReplyMessage sends m to the chat the update came from. In a group with
// a reply coalescer (RouterOptions.Replies) it is queued there as an Answer
// to the speaker. A reply the platform cannot take now is kept and sent
// again (see deliver).
func (c *Context) ReplyMessage(ctx context.Context, m Message) error {
	if m.File == nil && c.coalesced() {
		return c.ReplyAnswer(ctx, Answer{Text: m.Text, ReplyTo: m.ReplyTo, Buttons: m.Buttons})
	}
	return c.deliver(ctx, c.Update.Chat, m)
}

// errUndelivered marks an error of a reply the platform did not take and
// that could not be kept for later: the handler's work is done, so the
// router says nothing more (no 系统繁忙).
var errUndelivered = errors.New("reply not delivered")

// deliver sends m to chat. When the platform fails for now (a 5xx, a
// network failure, a 429) and the router has a Retrier, m is kept there and
// sent again until it goes through, and deliver succeeds: what the handler
// did stands, and the person will be told. Any other failure is returned
// wrapping errUndelivered. Files are not kept.
func (c *Context) deliver(ctx context.Context, chat ChatRef, m Message) error {
	_, err := c.Sender.Send(ctx, chat, m)
	if err == nil || c.keep(ctx, chat, m, err) {
		return nil
	}
	return fmt.Errorf("reply to %s: %w: %w", chat, errUndelivered, err)
}

// keep hands m to the router's Retrier when the send failed for now, and
// reports whether it was kept.
func (c *Context) keep(ctx context.Context, chat ChatRef, m Message, err error) bool {
	k := KindOf(err)
	if m.File != nil || k != Temporary && k != RateLimited || errors.Is(err, ErrUnsupported) || c.router == nil || c.router.opt.Retry == nil {
		return false
	}
	if qerr := c.router.opt.Retry.Retry(context.WithoutCancel(ctx), chat, m); qerr != nil {
		c.Log.Warn("keep reply to send again", "chat", chat, "err", qerr)
		return false
	}
	c.Log.Info("reply kept to send again", "chat", chat, "err", err)
	return true
}

// ReplyAnswer answers the speaker. In a group with a reply coalescer the
// answer is queued there (User, Name and, when empty, ReplyTo are filled in
// from the update, so the answer names or quotes whom it is for);
// elsewhere a.Text is sent at once and the live message a.Live, if any, is
// brought up to date.
func (c *Context) ReplyAnswer(ctx context.Context, a Answer) error {
	if !c.coalesced() {
		if err := c.deliver(ctx, c.Update.Chat, Message{Text: a.Text, ReplyTo: a.ReplyTo, Buttons: a.Buttons}); err != nil {
			return err
		}
		if a.Live != "" && c.router != nil && c.router.opt.Replies != nil {
			var chats []ChatRef
			if c.InGroup() {
				chats = append(chats, c.Update.Chat)
			}
			if err := c.router.opt.Replies.Touch(ctx, a.Live, chats...); err != nil {
				return fmt.Errorf("update %s in %s: %w", a.Live, c.Update.Chat, err)
			}
		}
		return nil
	}
	a.User, a.Name = c.Update.User, c.Update.UserName
	if a.ReplyTo == "" {
		a.ReplyTo = c.Update.MessageID
	}
	if c.deferred {
		c.pending = append(c.pending, a)
		return nil
	}
	if err := c.router.opt.Replies.Answer(ctx, c.Update.Chat, a); err != nil {
		return fmt.Errorf("queue reply to %s: %w", c.Update.Chat, err)
	}
	return nil
}

func (c *Context) coalesced() bool {
	if c.router == nil || c.router.opt.Replies == nil || !c.InGroup() || c.Update.User == "" {
		return false
	}
	if d, ok := c.Sender.(DirectReplier); ok && d.RepliesFree(c.Update.Chat) {
		return false
	}
	return true
}

// Private sends m to the speaker's private chat with the bot. It fails when
// the platform cannot or the user has not started a chat with the bot; a
// platform failing for now is handled as in ReplyMessage.
func (c *Context) Private(ctx context.Context, m Message) error {
	return c.deliver(ctx, c.Update.User.PrivateChat(), m)
}

// Answer answers a button press with a short toast; without it the router
// answers with no text.
func (c *Context) Answer(ctx context.Context, text string) error {
	c.answered = true
	if c.Update.CallbackID == "" {
		return nil
	}
	if a, ok := c.Sender.(CallbackAnswerer); ok {
		return a.AnswerCallback(ctx, c.Update.CallbackID, text)
	}
	return nil
}

// Prefetched returns what the command's Prefetch read in the claim's
// pipeline; ok is false when it was not read there (the handler then reads
// for itself).
func (c *Context) Prefetched() (v any, ok bool, err error) {
	if c.prefetch == nil {
		return nil, false, nil
	}
	v, err = c.prefetch()
	return v, true, err
}

// InGroup reports whether the update came from a group chat.
func (c *Context) InGroup() bool { return c.Update.ChatKind == Group }

// FullRole returns the speaker's role, counting administrators of a bound
// group as its grid workers, and in a private chat the appointed grid
// workers of any grid (Role leaves both checks out, as they cost a platform
// call or a grid scan; the router makes them only for commands that need
// them).
func (c *Context) FullRole(ctx context.Context) Role {
	if c.Role == Resident && c.router.actsAsWorker(ctx, c) {
		c.Role = GridWorker
	}
	return c.Role
}

// HelpFor returns the help text for a role, on one topic or ("") all.
func (c *Context) HelpFor(role Role, topic string) string { return c.router.Help(role, topic) }

// BotName returns the bot's username, when the adapter told the router.
func (c *Context) BotName() string { return c.router.botName }

// RouterOptions configures a Router.
type RouterOptions struct {
	Redis redis.UniversalClient
	Keys  Keys
	// Roles tells who a speaker is (the grid directory); nil leaves
	// everyone a Resident with no grid.
	Roles Roles
	Log   *slog.Logger
	// DedupeTTL is how long handled update ids are remembered (default 48h).
	DedupeTTL time.Duration
	// HandlerTimeout bounds one handler (default 30s).
	HandlerTimeout time.Duration
	// ClaimTTL is how long an update being handled stays claimed by its
	// process without renewal (default 6s; renewed every ClaimTTL/3 while
	// the handler runs). Another replica takes over the update of a process
	// that died at most this long after it died.
	ClaimTTL time.Duration
	// Instance names this process in claims; it must differ between
	// processes, restarts included (default InstanceID("")).
	Instance string
	// Replies, when set, coalesces replies in groups (see Answer).
	Replies Replies
	// Retry, when set, keeps the replies the platform cannot take now and
	// sends them again (see Context.ReplyMessage).
	Retry Retrier
	// Metrics counts updates and their outcomes (nil: not counted).
	Metrics *Metrics
	// BotName is the bot's username, so /cmd@otherbot is ignored and
	// deep links can be built (see SetBotName).
	BotName string
}

// Retrier keeps a message the platform could not take now (a 5xx, a
// network failure, a 429) and sends it to chat later, durably, until it goes
// through or the chat is gone.
type Retrier interface {
	Retry(ctx context.Context, chat ChatRef, m Message) error
}

// Router matches updates to handlers. Register everything before the first
// Handle; Handle is safe for concurrent use.
type Router struct {
	opt       RouterOptions
	log       *slog.Logger
	botName   string
	boot      string
	commands  []*Command
	slash     map[string]*Command
	lex       lexicon
	callbacks map[string]HandlerFunc
	fallbacks []fallback
	starts    map[string]HandlerFunc
	onPoll    HandlerFunc
	onMember  HandlerFunc
	onMigrate HandlerFunc
	onUnknown HandlerFunc
	mw        []Middleware
}

// NewRouter returns an empty router.
func NewRouter(opt RouterOptions) *Router {
	if opt.DedupeTTL == 0 {
		opt.DedupeTTL = 48 * time.Hour
	}
	if opt.HandlerTimeout == 0 {
		opt.HandlerTimeout = 30 * time.Second
	}
	if opt.ClaimTTL <= 0 {
		opt.ClaimTTL = 6 * time.Second
	}
	if opt.Instance == "" {
		opt.Instance = InstanceID("")
	}
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	return &Router{
		opt: opt, log: log, botName: strings.TrimPrefix(opt.BotName, "@"),
		boot:      "p:" + opt.Instance,
		slash:     map[string]*Command{},
		callbacks: map[string]HandlerFunc{},
		starts:    map[string]HandlerFunc{},
	}
}

// SetBotName tells the router the bot's username (RouterOptions.BotName
// when it is known at construction), so /cmd@otherbot is
// ignored and deep links can be built.
func (r *Router) SetBotName(name string) { r.botName = strings.TrimPrefix(name, "@") }

// Use adds middleware around every handler.
func (r *Router) Use(mw ...Middleware) { r.mw = append(r.mw, mw...) }

// Add registers commands. A slash name or keyword registered twice panics:
// that is a programming error.
func (r *Router) Add(cmds ...*Command) {
	for _, c := range cmds {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if n == "" {
				continue
			}
			n = strings.ToLower(n)
			if r.slash[n] != nil {
				panic("bot: duplicate command /" + n)
			}
			r.slash[n] = c
		}
		for _, kw := range c.Keywords {
			r.lex.add(kw, c)
		}
		r.commands = append(r.commands, c)
	}
}

// Commands returns the registered commands in registration order.
func (r *Router) Commands() []*Command { return r.commands }

// OnCallback routes button presses whose data starts with prefix+":".
func (r *Router) OnCallback(prefix string, h HandlerFunc) { r.callbacks[prefix] = h }

// OnStart routes "/start <prefix>_<rest>" (a Telegram deep link such as
// t.me/bot?start=quiz_12) to h with Args "<rest>"; other /start messages go to
// the "start" command.
func (r *Router) OnStart(prefix string, h HandlerFunc) { r.starts[prefix] = h }

// OnText adds a fallback for text that matched no command; fallbacks run in
// order until one does not return ErrSkip. Prefer OnTextWhen: a fallback
// added here makes every line of group chatter cost its Redis round trips.
func (r *Router) OnText(h HandlerFunc) { r.OnTextWhen(nil, h) }

// OnTextWhen adds a fallback that runs only for the updates wants accepts
// (nil: all). wants must touch no Redis and depend on the update alone: it
// decides, before any round trip, whether an unparsed line is worth
// claiming at all, so that chatter nobody wants costs none.
func (r *Router) OnTextWhen(wants func(*Update) bool, h HandlerFunc) {
	r.fallbacks = append(r.fallbacks, fallback{wants: wants, h: h})
}

// fallback is a handler of text that matched no command, with its cheap
// pre-check.
type fallback struct {
	wants func(*Update) bool
	h     HandlerFunc
}

func (f fallback) takes(u *Update) bool { return f.wants == nil || f.wants(u) }

// OnUnknown sets the handler of text addressed to the bot (see
// Context.Addressed) that nothing else took, so a person speaking to the bot
// always gets an answer. Unaddressed text in a group is ordinary chat and
// stays unanswered.
func (r *Router) OnUnknown(h HandlerFunc) { r.onUnknown = h }

// OnPoll sets the handler of poll answers.
func (r *Router) OnPoll(h HandlerFunc) { r.onPoll = h }

// OnMember sets the handler of the bot's own membership changes.
func (r *Router) OnMember(h HandlerFunc) { r.onMember = h }

// OnMigrate sets the handler of chat migrations.
func (r *Router) OnMigrate(h HandlerFunc) { r.onMigrate = h }

// Help lists the commands a role may use, in Chinese. Residents get every
// command with its usage. Grid workers and staff get a compact overview, one
// line per feature, because their full list does not fit a phone screen; a
// topic ("活动", "通知") gives the full usage of that feature's commands.
func (r *Router) Help(role Role, topic string) string {
	topic = strings.TrimSpace(topic)
	if topic != "" {
		return r.helpTopic(role, topic)
	}
	if role == Resident {
		return r.helpFull(role, "")
	}
	var b strings.Builder
	b.WriteString("<b>网格助手 · 我能帮您做这些</b>\n")
	var everyone []string
	for _, c := range r.commands {
		if c.Help != "" && c.Role == Resident {
			everyone = append(everyone, Esc(c.Usage))
		}
	}
	fmt.Fprintf(&b, "<b>居民常用</b>：%s\n", strings.Join(everyone, "、"))
	for _, g := range r.groups() {
		var words []string
		for _, c := range r.commands {
			if c.Help != "" && c.Group == g && c.Role > Resident && c.Role <= role {
				words = append(words, Esc(c.Usage))
			}
		}
		if len(words) > 0 {
			fmt.Fprintf(&b, "\n<b>【%s】</b>%s", Esc(g), strings.Join(words, "、"))
		}
	}
	b.WriteString("\n\n发「帮助 活动」「帮助 通知」这样，可以看某一类的详细用法。")
	return b.String()
}

func (r *Router) groups() []string {
	var out []string
	for _, c := range r.commands {
		if c.Help != "" && !slices.Contains(out, c.Group) {
			out = append(out, c.Group)
		}
	}
	return out
}

func (r *Router) helpTopic(role Role, topic string) string {
	for _, g := range r.groups() {
		if strings.Contains(g, topic) || strings.Contains(topic, g) {
			return r.helpFull(role, g)
		}
	}
	return r.Help(role, "")
}

// helpFull lists every command of the group ("" for all) a role may use,
// with its usage and what it does.
func (r *Router) helpFull(role Role, only string) string {
	var b strings.Builder
	if only == "" {
		b.WriteString("<b>网格助手 · 我能帮您做这些</b>\n")
		b.WriteString("直接发中文就行，不用加斜杠。\n")
	}
	group := "\x00"
	for _, c := range r.commands {
		if c.Help == "" || c.Role > role || only != "" && c.Group != only {
			continue
		}
		if c.Group != group {
			group = c.Group
			fmt.Fprintf(&b, "\n<b>【%s】</b>\n", Esc(group))
		}
		fmt.Fprintf(&b, "• <code>%s</code>：%s\n", Esc(c.Usage), Esc(c.Help))
	}
	if role == Resident && only == "" {
		b.WriteString("\n有疑问请联系您的网格员。")
	}
	return strings.TrimSpace(b.String())
}

func (r *Router) dedupeKey(id string) string { return r.opt.Keys.Key("upd", Tag(id)) }

// Handled reports, in one round trip, which of the update ids have been
// handled to the end already. Adapters use it to skip a batch's done part
// after a restart.
func (r *Router) Handled(ctx context.Context, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := r.opt.Redis.Pipeline()
	cmds := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.Get(ctx, r.dedupeKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("handled: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for i, id := range ids {
		out[id] = cmds[i].Val() == "d"
	}
	return out, nil
}

// Handle routes one update and answers through s. It never panics and
// returns only when the update is finished with, here or, when another
// replica has it in hand, there (see claim). Errors are logged; the
// speaker gets a friendly reply.
func (r *Router) Handle(ctx context.Context, s Sender, u *Update) {
	start := time.Now()
	kind := updateKind(u)
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("handler panic", "update", u.ID, "kind", kind, "panic", p)
			r.opt.Metrics.Update(kind, "panic")
			r.busy(context.WithoutCancel(ctx), s, u)
		}
		r.opt.Metrics.Handled(kind, time.Since(start))
	}()
	c, h := r.pick(u)
	c.Sender = s
	if h == nil {
		if u.CallbackID != "" {
			_ = c.Answer(ctx, "")
		}
		r.opt.Metrics.Update(kind, "ignored")
		return
	}
	stopHold := func() {}
	if u.ID != "" {
		ok, err := r.claim(ctx, c)
		if err != nil {
			r.log.Warn("dedupe unavailable", "update", u.ID, "err", err)
			r.opt.Metrics.Update(kind, "busy")
			r.busy(ctx, s, u)
			return
		}
		if !ok {
			r.opt.Metrics.Update(kind, "duplicate")
			return
		}
		stopHold = r.holdClaim(context.WithoutCancel(ctx), u.ID)
		defer stopHold()
	}
	ctx, cancel := context.WithTimeout(ctx, r.opt.HandlerTimeout)
	defer cancel()
	_, c.deferred = r.opt.Replies.(AnswerPiper)
	c.deferred = c.deferred && u.ID != ""
	outcome := r.route(ctx, c, h)
	stopHold()
	outcome = r.finish(ctx, c, outcome)
	r.opt.Metrics.Update(kind, outcome)
}

// finish sends what the handler left for the end in one pipeline: the
// answers it gave in a group (kept when Replies is an AnswerPiper), then
// the done mark of the update (not after a busy outcome: the update may be
// tried again). Redis runs a pipeline's commands in order, so the mark
// lands after the answers. When an answer could not be queued, the update
// is given back to its claim, which lapses (the update may be redone, as
// when a handler fails), the speaker is told the system is busy, and the
// outcome becomes busy.
func (r *Router) finish(ctx context.Context, c *Context, outcome string) string {
	u := c.Update
	done := u.ID != "" && outcome != "busy"
	if !done && len(c.pending) == 0 {
		return outcome
	}
	pipe := r.opt.Redis.Pipeline()
	var queued []func(context.Context) error
	if len(c.pending) > 0 {
		ap := r.opt.Replies.(AnswerPiper)
		for _, a := range c.pending {
			queued = append(queued, ap.AnswerIn(ctx, pipe, u.Chat, a))
		}
	}
	var mark *redis.StatusCmd
	if done {
		mark = pipe.Set(ctx, r.dedupeKey(u.ID), "d", r.opt.DedupeTTL)
	}
	_, _ = pipe.Exec(ctx)
	var qerr error
	for _, q := range queued {
		if err := q(ctx); err != nil && qerr == nil {
			qerr = err
		}
	}
	switch {
	case qerr != nil:
		r.log.Error("queue reply", "update", u.ID, "chat", u.Chat, "command", cmdName(c.Command), "err", qerr)
		if done && mark.Err() == nil {
			if err := r.opt.Redis.Set(ctx, r.dedupeKey(u.ID), r.boot, r.opt.ClaimTTL).Err(); err != nil {
				r.log.Warn("give the update back to its claim", "update", u.ID, "err", err)
			}
		}
		if outcome != "busy" {
			r.busy(context.WithoutCancel(ctx), c.Sender, u)
		}
		return "busy"
	case done && mark.Err() != nil:
		r.log.Warn("mark update done", "update", u.ID, "err", mark.Err())
	}
	return outcome
}

func updateKind(u *Update) string {
	switch {
	case u.Member != nil:
		return "member"
	case u.MigratedTo != "":
		return "migrate"
	case u.Poll != nil:
		return "poll"
	case u.Data != "":
		return "callback"
	case u.Text != "":
		return "text"
	}
	return "other"
}

func (r *Router) busy(ctx context.Context, s Sender, u *Update) {
	if u.CallbackID != "" {
		if a, ok := s.(CallbackAnswerer); ok {
			_ = a.AnswerCallback(ctx, u.CallbackID, MsgBusy)
		}
		return
	}
	if u.Text == "" || u.ChatKind == Group && !r.looksLikeCommand(u.Text) {
		return
	}
	if _, err := s.Send(ctx, u.Chat, Message{Text: MsgBusy, ReplyTo: u.MessageID}); err != nil {
		r.log.Warn("send busy reply", "chat", u.Chat, "err", err)
	}
}

func (r *Router) looksLikeCommand(text string) bool {
	_, ok := r.Parse(text)
	return ok
}

// pick finds the handler of an update, touching no Redis: a member change,
// a migration, a poll answer, a button's callback, or a command parsed from
// the text (else the fallback). It returns a nil handler for an update
// nothing handles (chatter in a group, a stale button), which then costs
// no round trip: no claim, no lookup, no done mark.
func (r *Router) pick(u *Update) (*Context, HandlerFunc) {
	c := &Context{Update: u, Log: r.log, router: r}
	switch {
	case u.Member != nil:
		return c, r.onMember
	case u.MigratedTo != "":
		return c, r.onMigrate
	case u.Poll != nil:
		return c, r.onPoll
	case u.Data != "":
		prefix, rest, _ := strings.Cut(u.Data, ":")
		c.Args = rest
		return c, r.callbacks[prefix]
	case u.Text != "":
		p, ok := r.Parse(u.Text)
		c.addressed = u.ChatKind == Private || u.Addressed || p.Mentioned
		if ok && !p.Plain && !c.addressed && u.ChatKind == Group && p.Command.Args == ArgsText {
			ok = false // free text in group chat must be typed as a command: 帮助了很多人 is chat
		}
		switch {
		case ok:
			c.Command, c.Args, c.plain = p.Command, p.Args, p.Plain
			if p.Command.Name == "start" {
				prefix, rest, _ := strings.Cut(p.Args, "_")
				if sh := r.starts[prefix]; sh != nil {
					c.Command, c.Args = nil, rest
					return c, sh
				}
			}
			return c, p.Command.Handle
		case r.onUnknown != nil && c.addressed || slices.ContainsFunc(r.fallbacks, func(f fallback) bool { return f.takes(u) }):
			c.Args = Normalize(u.Text)
			return c, r.fallback
		}
	}
	return c, nil
}

// route runs the handler h that pick chose for c, after the speaker's
// lookup and the command's scope and role checks; it returns the outcome
// label for metrics: ok, ignored, user_error, denied, busy.
func (r *Router) route(ctx context.Context, c *Context, h HandlerFunc) string {
	u := c.Update
	if r.asksWho(u) {
		var who Who
		var err error
		if c.who != nil {
			who, err = c.who.who, c.who.err
		} else {
			who, err = r.opt.Roles.Whois(ctx, u.Chat, u.User, u.UserName, u.Username)
		}
		if err != nil {
			r.log.Warn("whois", "chat", u.Chat, "err", err)
			r.busy(ctx, c.Sender, u)
			return "busy"
		}
		c.Grid, c.Role, c.Homes = who.Grid, who.Role, who.Homes
		switch {
		case who.Name != "":
			u.UserName = who.Name
		case u.UserName == "":
			u.UserName = u.User.ID()
		}
	}
	if c.Command != nil {
		if msg := r.check(ctx, c); msg != "" {
			if !c.plain && !c.addressed && u.ChatKind == Group && c.Role < c.Command.Role {
				return "ignored"
			}
			if err := c.Reply(ctx, msg); err != nil {
				r.log.Warn("send refusal", "chat", u.Chat, "err", err)
			}
			return "denied"
		}
	}
	for i := len(r.mw) - 1; i >= 0; i-- {
		h = r.mw[i](h)
	}
	err := h(ctx, c)
	if u.CallbackID != "" && !c.answered {
		msg, _ := UserMessage(err)
		_ = c.Answer(ctx, PlainText(msg))
	}
	switch {
	case err == nil, errors.Is(err, ErrSkip):
		return "ok"
	}
	if msg, ok := UserMessage(err); ok {
		if u.CallbackID == "" || u.ChatKind == Private {
			if err := c.ReplyMessage(ctx, Message{Text: msg, ReplyTo: u.MessageID}); err != nil {
				r.log.Warn("send user error", "chat", u.Chat, "err", err)
			}
		}
		return "user_error"
	}
	if errors.Is(err, errUndelivered) {
		r.log.Warn("reply not delivered; the work was done", "update", u.ID, "chat", u.Chat, "command", cmdName(c.Command), "err", err)
		return "undelivered"
	}
	r.log.Error("handler failed", "update", u.ID, "chat", u.Chat, "command", cmdName(c.Command), "err", err)
	if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.busy(context.WithoutCancel(ctx), c.Sender, u)
	}
	return "busy"
}

// asksWho reports whether the router looks the speaker of u up.
func (r *Router) asksWho(u *Update) bool {
	return u.User != "" && u.Chat != "" && r.opt.Roles != nil
}

func cmdName(c *Command) string {
	if c == nil {
		return ""
	}
	return c.Name
}

func (r *Router) fallback(ctx context.Context, c *Context) error {
	for _, f := range r.fallbacks {
		if !f.takes(c.Update) {
			continue
		}
		if err := f.h(ctx, c); !errors.Is(err, ErrSkip) {
			return err
		}
	}
	if r.onUnknown != nil && c.addressed {
		return r.onUnknown(ctx, c)
	}
	return ErrSkip
}

// check returns a refusal message, or "" when the speaker may run the
// command here.
func (r *Router) check(ctx context.Context, c *Context) string {
	cmd := c.Command
	switch {
	case cmd.Scope == GroupOnly && c.Update.ChatKind != Group:
		return MsgGroupOnly
	case cmd.Scope == PrivateOnly && c.Update.ChatKind != Private:
		return MsgPrivateOnly
	}
	if c.Role >= cmd.Role {
		return ""
	}
	if cmd.Role == GridWorker && c.Role == Resident && r.actsAsWorker(ctx, c) {
		c.Role = GridWorker
		return ""
	}
	if cmd.Role == GridWorker {
		if c.Update.ChatKind == Private {
			return fmt.Sprintf(MsgDenied, MsgWorkersAndStaff) + MsgWorkerInGroup
		}
		return fmt.Sprintf(MsgDenied, MsgWorkersAndStaff)
	}
	return fmt.Sprintf(MsgDenied, cmd.Role.String())
}

// actsAsWorker asks Roles whether a Resident speaker counts as a grid
// worker here (an administrator of this bound group, or in a private chat
// an appointed grid worker); a failure to tell is logged and answers no.
func (r *Router) actsAsWorker(ctx context.Context, c *Context) bool {
	if r.opt.Roles == nil {
		return false
	}
	ci, _ := c.Sender.(ChatInspector)
	ok, err := r.opt.Roles.ActsAsWorker(ctx, ci, c.Update, c.Grid)
	if err != nil {
		r.log.Warn("worker check", "chat", c.Update.Chat, "user", c.Update.User, "err", err)
	}
	return ok
}
