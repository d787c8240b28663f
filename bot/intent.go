package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"gridbot/bot/zh"
)

// Intent declares, in one place beside a command's Keywords and Args, how
// people ask for it in their own words, and proves it with examples. The
// shared layer (bot/zh: normalisation, traditional characters, emoji and
// WeChat codes, @mentions, polite words, request tails, numbers in words,
// people phrases, the 把 order) serves every command, so a command declares
// only its own words:
//
//	&bot.Command{Name: "events",
//		Keywords: []string{"活动", "(近期|最近|这周|本周|)活动(列表|安排|)", "(有|)(什么|哪些|啥)活动"},
//		Args:     bot.ArgsNone,
//		Intent: bot.Intent{
//			After:    []string{"可以报名", "在报名"},
//			Hint:     "看近期活动：发「活动」",
//			Examples: []string{"看看活动", "有什么活动可以报名啊", "活动发一下，谢谢"},
//			Quiet:    []string{"活动挺好的", "今天活动真热闹"},
//		}}
//
// Keywords may spell alternatives as (a|b) and make a part optional as
// (a|); NumSlot and KinSlot mark the activity number and a third person.
type Intent struct {
	// After lists words that may follow a stand-alone keyword of an
	// ArgsNone command and still ask for it: "可以报名" in "有什么活动可以
	// 报名啊". The shared tails (发一下, 看看, 呢, 谢谢 …) need no listing.
	After []string
	// Hint is one short line offered when the bot is addressed and did not
	// understand, saying what the command does and what to send
	// ("看近期有哪些活动：发「活动」"). Commands with a Hint are the
	// candidates; it has no placeholder numbers.
	Hint string
	// Examples are messages that must reach the command. An example may
	// give the arguments the handler must then get after " → "
	// ("3号我和老伴都去 → 3 我和老伴都"). CheckIntents checks them, and
	// each feature's tests run it.
	Examples []string
	// Quiet are messages close to the command's words that must reach no
	// resident command at all (talk to neighbours, statements, questions
	// about something else).
	Quiet []string
}

// ExampleArrow separates an example message from the arguments it must
// give.
const ExampleArrow = " → "

// CheckIntents parses every command's Examples and Quiet messages and
// returns one error for each that comes out otherwise than declared: an
// example that reaches another command, none, or other arguments; a quiet
// message that reaches a command a resident may run. Run it with every
// feature registered, so one feature's words cannot take another's.
func (r *Router) CheckIntents() []error {
	var errs []error
	for _, c := range r.commands {
		for _, ex := range c.Intent.Examples {
			say, args, withArgs := strings.Cut(ex, ExampleArrow)
			p, ok := r.Parse(say)
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: example %q is not understood", cmdLabel(c), say))
			case p.Command != c:
				errs = append(errs, fmt.Errorf("%s: example %q reaches %s", cmdLabel(c), say, cmdLabel(p.Command)))
			case withArgs && p.Args != args:
				errs = append(errs, fmt.Errorf("%s: example %q gives %q, want %q", cmdLabel(c), say, p.Args, args))
			}
		}
		for _, q := range c.Intent.Quiet {
			if p, ok := r.Parse(q); ok && (p.Command == c || p.Command.Role == Resident) {
				errs = append(errs, fmt.Errorf("%s: quiet %q reaches %s", cmdLabel(c), q, cmdLabel(p.Command)))
			}
		}
	}
	return errs
}

func cmdLabel(c *Command) string {
	if c == nil {
		return "nothing"
	}
	if c.Name != "" {
		return "/" + c.Name
	}
	if len(c.Keywords) > 0 {
		return c.Keywords[0]
	}
	return c.Usage
}

// Suggest returns at most n commands a person of role most likely meant by
// text, which the router did not understand: commands with an Intent.Hint
// that role may use, those sharing the most words with text first, then
// those made for the role itself (a grid worker's, staff's own work), then
// in registration order.
func (r *Router) Suggest(role Role, text string, n int) []*Command {
	t := zh.Blank(zh.Simplify(Normalize(text)))
	type scored struct {
		c     *Command
		score int
		i     int
	}
	var cands []scored
	for i, c := range r.commands {
		if c.Intent.Hint == "" || c.Role > role {
			continue
		}
		cands = append(cands, scored{c, r.overlap(c, t), i})
	}
	slices.SortStableFunc(cands, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(own(b.c, role), own(a.c, role)), cmp.Compare(a.i, b.i))
	})
	out := make([]*Command, 0, n)
	for _, s := range cands[:min(n, len(cands))] {
		out = append(out, s.c)
	}
	return out
}

func own(c *Command, role Role) int {
	if c.Role == role {
		return 1
	}
	return 0
}

// overlap counts the pairs of adjacent characters text shares with one of
// the command's keywords or its hint: "报名的事" shares 报名 with 报名.
func (r *Router) overlap(c *Command, text string) int {
	if text == "" {
		return 0
	}
	best := bigrams(c.Intent.Hint, text)
	for _, e := range r.lex.entries {
		if e.cmd == c {
			best = max(best, bigrams(e.word, text))
		}
	}
	return best
}

func bigrams(word, text string) int {
	rs, k := []rune(word), 0
	for i := 0; i+1 < len(rs); i++ {
		if unicode.Is(unicode.Han, rs[i]) && strings.Contains(text, string(rs[i:i+2])) {
			k++
		}
	}
	return k
}

// NotUnderstood returns the reply to text addressed to the bot that no
// command or fallback took: thanks get a warm word; a greeting a hello and,
// like anything else, the three things the speaker most likely meant, by
// their role (Suggest), and the way to the full help. It reads the
// speaker's full role (see FullRole).
func (c *Context) NotUnderstood(ctx context.Context) string {
	text, _ := zh.StripMentions(Normalize(c.Update.Text), c.router.botName, DefaultBotName)
	if zh.OnlyCourtesy(text) {
		return MsgYoureWelcome
	}
	var b strings.Builder
	if zh.OnlyGreeting(text) {
		b.WriteString(MsgHello)
	} else {
		b.WriteString(MsgNotUnderstood)
	}
	for _, cmd := range c.router.Suggest(c.FullRole(ctx), text, 3) {
		fmt.Fprintf(&b, MsgHintLine, Esc(cmd.Intent.Hint))
	}
	b.WriteString(MsgMoreHelp)
	return b.String()
}
