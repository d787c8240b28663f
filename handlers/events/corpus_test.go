package events

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"gridbot/bot"
)

// corpusLine is one message of testdata/corpus.tsv and what it must do.
type corpusLine struct {
	line   int
	text   string
	cmd    string // "quiet", "join", "leave", or another command's name
	id     int64  // activity number, 0 for none
	n      int
	remark string
}

func (c corpusLine) String() string {
	return fmt.Sprintf("corpus.tsv:%d %q", c.line, c.text)
}

func readCorpus(t testing.TB) []corpusLine {
	t.Helper()
	f, err := os.Open("testdata/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		text, want, ok := strings.Cut(raw, "\t")
		if !ok {
			t.Fatalf("corpus.tsv:%d: no outcome column", n)
		}
		c := corpusLine{line: n, text: strings.ReplaceAll(text, `\n`, "\n"), n: 1}
		fields := strings.Fields(want)
		c.cmd = fields[0]
		for i, fld := range fields[1:] {
			switch {
			case i == 0 && fld == "-":
			case i == 0:
				id, err := strconv.ParseInt(fld, 10, 64)
				if err != nil {
					t.Fatalf("corpus.tsv:%d: activity number %q", n, fld)
				}
				c.id = id
			case strings.HasPrefix(fld, "n="):
				c.n, _ = strconv.Atoi(fld[2:])
			case strings.HasPrefix(fld, "remark="):
				c.remark = fld[len("remark="):]
			default:
				t.Fatalf("corpus.tsv:%d: unknown outcome field %q", n, fld)
			}
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusRouter is a router with the events commands as the bot registers
// them, and the Telegram username the corpus mentions.
func corpusRouter() *bot.Router {
	r := bot.NewRouter(bot.RouterOptions{})
	r.SetBotName("gridbot_bot")
	New(bot.Env{}, DefaultConfig()).Register(r)
	return r
}

// TestCorpus runs every message of testdata/corpus.tsv through the router's
// parser and the sign-up argument parser, and reports each line that comes
// out otherwise than the corpus says.
func TestCorpus(t *testing.T) {
	r := corpusRouter()
	lines := readCorpus(t)
	if len(lines) < 200 {
		t.Fatalf("corpus has %d messages, want at least 200", len(lines))
	}
	quiet, acting := 0, 0
	for _, c := range lines {
		got := "quiet"
		p, ok := r.Parse(c.text)
		if ok {
			got = p.Command.Name
		}
		if got != c.cmd {
			t.Errorf("%s: got %s (args %q), want %s", c, got, p.Args, c.cmd)
			continue
		}
		switch c.cmd {
		case "quiet":
			quiet++
		case "join":
			acting++
			a, err := parseJoinArgs(p.Args, maxHeadcount, 60)
			if err != nil {
				t.Errorf("%s: args %q: %v", c, p.Args, err)
				continue
			}
			if a.ID != c.id || a.HasID != (c.id != 0) || a.N != c.n || a.Remark != c.remark {
				t.Errorf("%s: join %d n=%d remark=%q (args %q), want join %d n=%d remark=%q",
					c, a.ID, a.N, a.Remark, p.Args, c.id, c.n, c.remark)
			}
		case "leave":
			acting++
			if id, ok := parseID(p.Args); id != c.id || ok != (c.id != 0) {
				t.Errorf("%s: leave %d/%v (args %q), want leave %d", c, id, ok, p.Args, c.id)
			}
		}
	}
	t.Logf("%d messages: %d sign-ups and cancellations, %d that must stay quiet", len(lines), acting, quiet)
}

// FuzzResidentText feeds the router's parser and the sign-up argument
// parser arbitrary text, seeded with the corpus: nothing panics, an acting
// command's arguments parse or give a polite error.
func FuzzResidentText(f *testing.F) {
	for _, c := range readCorpus(f) {
		f.Add(c.text)
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
		case "leave":
			if id, ok := parseID(p.Args); ok && id < 0 {
				t.Fatalf("Parse(%q) args %q: id %d", s, p.Args, id)
			}
		}
	})
}
