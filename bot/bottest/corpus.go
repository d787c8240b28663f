package bottest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// CorpusLine is one message of the residents' corpus (testdata/corpus.tsv
// at the repository's root) and what the bot must make of it; the file's
// header documents the format.
type CorpusLine struct {
	Line int
	Text string
	// Intent is the outcome: quiet, join, leave, events, my, rank, me,
	// tip, hours, help, play, checkin, answer, family, refuse, unknown.
	Intent string
	// ID is the activity number, 0 for none ("-").
	ID int64
	// N is the headcount of a sign-up (default 1).
	N int
	// Remark is a sign-up's remark.
	Remark string
	// Option is a quiz answer's letter ("B").
	Option string
	// Private and Reply say the message is sent in a private chat with the
	// bot, or as a reply to the bot's message.
	Private, Reply bool
}

func (c CorpusLine) String() string { return fmt.Sprintf("corpus.tsv:%d %q", c.Line, c.Text) }

// Addressed reports whether the message is said to the bot: privately, as
// a reply to it, or naming it.
func (c CorpusLine) Addressed() bool {
	return c.Private || c.Reply || strings.Contains(c.Text, "@网格助手") || strings.Contains(c.Text, "@gridbot_bot")
}

// Intents are the outcomes a corpus line may name.
var Intents = []string{"quiet", "join", "leave", "events", "my", "rank", "me", "tip", "hours", "help", "play", "checkin",
	"answer", "family", "refuse", "unknown"}

// CorpusPath is the corpus file, found from this source file's place.
func CorpusPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "corpus.tsv")
}

// ReadCorpus reads the residents' corpus, failing t on a malformed line.
func ReadCorpus(t testing.TB) []CorpusLine {
	t.Helper()
	f, err := os.Open(CorpusPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []CorpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		c, err := parseCorpusLine(n, raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseCorpusLine(n int, raw string) (CorpusLine, error) {
	text, want, ok := strings.Cut(raw, "\t")
	if !ok {
		return CorpusLine{}, fmt.Errorf("corpus.tsv:%d: no outcome column", n)
	}
	c := CorpusLine{Line: n, Text: strings.ReplaceAll(text, `\n`, "\n"), N: 1}
	if i := strings.Index(want, "remark="); i >= 0 {
		want, c.Remark = want[:i], want[i+len("remark="):]
	}
	fields := strings.Fields(want)
	if len(fields) == 0 {
		return c, fmt.Errorf("corpus.tsv:%d: empty outcome", n)
	}
	c.Intent = fields[0]
	known := false
	for _, i := range Intents {
		known = known || i == c.Intent
	}
	if !known {
		return c, fmt.Errorf("corpus.tsv:%d: unknown outcome %q", n, c.Intent)
	}
	for i, fld := range fields[1:] {
		switch {
		case fld == "private":
			c.Private = true
		case fld == "reply":
			c.Reply = true
		case strings.HasPrefix(fld, "n="):
			c.N, _ = strconv.Atoi(fld[2:])
		case i == 0 && c.Intent == "answer":
			c.Option = fld
		case i == 0 && fld == "-":
		case i == 0:
			id, err := strconv.ParseInt(fld, 10, 64)
			if err != nil {
				return c, fmt.Errorf("corpus.tsv:%d: activity number %q", n, fld)
			}
			c.ID = id
		default:
			return c, fmt.Errorf("corpus.tsv:%d: unknown outcome field %q", n, fld)
		}
	}
	return c, nil
}
