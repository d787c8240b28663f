package events

import (
	"slices"
	"strings"
	"testing"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
)

// corpusLine is one message of the residents' corpus.
type corpusLine = bottest.CorpusLine

// eventsIntents are the corpus outcomes this feature answers; the other
// lines belong to other features (the bot's own corpus test runs them all).
var eventsIntents = []string{"quiet", "join", "leave", "events", "my", "checkin", "family", "refuse"}

// readCorpus returns the corpus lines this feature answers, sent in a group
// (private lines are the quiz's and the unknown-text reply's).
func readCorpus(t testing.TB) []corpusLine {
	t.Helper()
	var out []corpusLine
	for _, c := range bottest.ReadCorpus(t) {
		if slices.Contains(eventsIntents, c.Intent) && !c.Private && !c.Reply {
			out = append(out, c)
		}
	}
	return out
}

// corpusCode stands for the check-in code in the corpus's messages.
const corpusCode = "4821"

func corpusText(c corpusLine) string { return strings.ReplaceAll(c.Text, "{code}", corpusCode) }

// corpusRouter is a router with the events commands as the bot registers
// them, and the Telegram username the corpus mentions.
func corpusRouter() *bot.Router {
	r := bot.NewRouter(bot.RouterOptions{})
	r.SetBotName("gridbot_bot")
	New(feature.Env{}, DefaultConfig()).Register(r)
	return r
}

// TestCorpus runs the corpus's messages through the router's parser and the
// sign-up argument parser, and reports each line that comes out otherwise
// than the corpus says.
func TestCorpus(t *testing.T) {
	r := corpusRouter()
	lines := readCorpus(t)
	if len(lines) < 600 {
		t.Fatalf("corpus has %d messages for events, want at least 600", len(lines))
	}
	quiet, acting := 0, 0
	for _, c := range lines {
		got := "quiet"
		p, ok := r.Parse(corpusText(c))
		if ok {
			got = p.Command.Name
		}
		want := c.Intent
		if want == "refuse" && (got == "join" || got == "leave") {
			got = want
		}
		if got != want {
			t.Errorf("%s: got %s (args %q), want %s", c, got, p.Args, want)
			continue
		}
		switch c.Intent {
		case "quiet":
			quiet++
		case "join":
			acting++
			a, err := parseJoinArgs(p.Args, maxHeadcount, 60)
			if err != nil {
				t.Errorf("%s: args %q: %v", c, p.Args, err)
				continue
			}
			if a.ID != c.ID || a.HasID != (c.ID != 0) || a.N != c.N || a.Remark != c.Remark {
				t.Errorf("%s: join %d n=%d remark=%q (args %q), want join %d n=%d remark=%q",
					c, a.ID, a.N, a.Remark, p.Args, c.ID, c.N, c.Remark)
			}
		case "leave", "family":
			acting++
			if id, ok := parseID(p.Args); id != c.ID || ok != (c.ID != 0) {
				t.Errorf("%s: %s %d/%v (args %q), want %d", c, c.Intent, id, ok, p.Args, c.ID)
			}
		case "refuse":
			if _, err := parseJoinArgs(p.Args, maxHeadcount, 60); err == nil && p.Command.Name == "join" {
				t.Errorf("%s: args %q accepted", c, p.Args)
			}
		}
	}
	t.Logf("%d messages: %d sign-ups, cancellations and asks for family, %d that must stay quiet", len(lines), acting, quiet)
}

// FuzzResidentText feeds the router's parser and the sign-up argument
// parser arbitrary text, seeded with the corpus: nothing panics, an acting
// command's arguments parse or give a polite error.
func FuzzResidentText(f *testing.F) {
	for _, c := range bottest.ReadCorpus(f) {
		f.Add(corpusText(c))
	}
	r := corpusRouter()
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := r.Parse(s)
		if !ok {
			return
		}
		switch p.Command.Name {
		case "join":
			a, err := parseJoinArgs(p.Args, maxHeadcount, 60)
			if err != nil {
				if _, user := bot.UserMessage(err); !user {
					t.Fatalf("Parse(%q) args %q: error %v is not a UserError", s, p.Args, err)
				}
				return
			}
			if a.N < 1 || a.N > maxHeadcount || a.ID < 0 {
				t.Fatalf("Parse(%q) args %q: %+v", s, p.Args, a)
			}
		case "leave", "family":
			if id, ok := parseID(p.Args); ok && id < 0 {
				t.Fatalf("Parse(%q) args %q: id %d", s, p.Args, id)
			}
		}
	})
}
