package when

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
)

// dateCase is one line of testdata/dates.txt.
type dateCase struct {
	line          int
	now           time.Time
	in, want, rst string
	hasRest       bool
}

func loadCorpus(tb testing.TB) []dateCase {
	tb.Helper()
	f, err := os.Open("testdata/dates.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var (
		cases []dateCase
		now   time.Time
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "@now "):
			if now, err = time.ParseInLocation("2006-01-02 15:04", strings.TrimPrefix(line, "@now "), shanghai); err != nil {
				tb.Fatalf("dates.txt:%d: %v", n, err)
			}
			continue
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
			continue
		}
		in, want, ok := strings.Cut(line, " => ")
		if !ok || now.IsZero() {
			tb.Fatalf("dates.txt:%d: want \"input => expectation\" after an @now line", n)
		}
		c := dateCase{line: n, now: now, in: in, want: want}
		if w, r, ok := strings.Cut(want, " ;; rest="); ok {
			c.want, c.rst, c.hasRest = w, r, true
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return cases
}

func parseWant(s string) (time.Time, error) {
	layout := "2006-01-02 15:04"
	if len(s) == len("2006-01-02 15:04:05") {
		layout += ":05"
	}
	return time.ParseInLocation(layout, s, shanghai)
}

func show(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.In(shanghai).Format("2006-01-02 15:04:05")
}

// check compares what Read gave for c with the expectation; "" when it
// matches.
func (c dateCase) check(r Reading, err error) string {
	switch {
	case strings.HasPrefix(c.want, "err "):
		msg, ok := bot.UserMessage(err)
		if !ok || !strings.Contains(msg, strings.TrimPrefix(c.want, "err ")) {
			return fmt.Sprintf("got %s %v, want a refusal containing %q", show(r.Start), err, strings.TrimPrefix(c.want, "err "))
		}
		return ""
	case strings.HasPrefix(c.want, "ask "):
		return c.checkAsk(r, err)
	case err != nil:
		return fmt.Sprintf("error %v, want %s", err, c.want)
	}
	want, rolled := strings.CutSuffix(c.want, " rolled")
	startS, endS, isRange := strings.Cut(want, " ~ ")
	start, err1 := parseWant(startS)
	end := time.Time{}
	var err2 error
	if isRange {
		end, err2 = parseWant(endS)
	}
	if err := errors.Join(err1, err2); err != nil {
		return "bad expectation: " + err.Error()
	}
	var bad []string
	if !r.Start.Equal(start) || !r.End.Equal(end) {
		bad = append(bad, fmt.Sprintf("got %s ~ %s, want %s ~ %s", show(r.Start), show(r.End), show(start), show(end)))
	}
	if r.Start.Location() != shanghai {
		bad = append(bad, "start not in the location asked for")
	}
	if r.Rolled != rolled || (r.Check() != nil) != rolled {
		bad = append(bad, fmt.Sprintf("rolled %v (check %v), want %v", r.Rolled, r.Check(), rolled))
	}
	if c.hasRest && r.Rest != c.rst || !c.hasRest && r.Rest != "" {
		bad = append(bad, fmt.Sprintf("rest %q, want %q", r.Rest, c.rst))
	}
	return strings.Join(bad, "; ")
}

func (c dateCase) checkAsk(r Reading, err error) string {
	var de *dateError
	if !errors.As(err, &de) || len(de.choices) != 2 {
		return fmt.Sprintf("got %s %v, want a question", show(r.Start), err)
	}
	if _, ok := bot.UserMessage(err); !ok {
		return "the question is not a *bot.UserError"
	}
	a, b, _ := strings.Cut(strings.TrimPrefix(c.want, "ask "), " | ")
	ta, err1 := parseWant(a)
	tb, err2 := parseWant(b)
	if err := errors.Join(err1, err2); err != nil {
		return "bad expectation: " + err.Error()
	}
	if !de.choices[0].Equal(ta) || !de.choices[1].Equal(tb) {
		return fmt.Sprintf("asked %s | %s, want %s | %s", show(de.choices[0]), show(de.choices[1]), show(ta), show(tb))
	}
	return ""
}

// TestCorpus runs every expression of testdata/dates.txt at its @now.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	distinct := map[string]bool{}
	for _, c := range cases {
		distinct[c.in] = true
		r, err := Read(c.in, c.now, shanghai)
		if msg := c.check(r, err); msg != "" {
			t.Errorf("dates.txt:%d: Read(%q) at %s: %s", c.line, c.in, c.now.Format("2006-01-02 15:04"), msg)
		}
	}
	if len(distinct) < 200 {
		t.Errorf("the corpus has %d distinct expressions, want at least 200", len(distinct))
	}
	t.Logf("%d lines, %d distinct expressions", len(cases), len(distinct))
}

// FuzzRead checks, for any text, that the reader does not panic, refuses
// only with a *bot.UserError, keeps times within sane bounds, and returns a
// rest that is a suffix of the folded input.
func FuzzRead(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add(c.in)
	}
	for _, s := range []string{"2027年", "周", "下周", "99月99日 99:99", "T", "2027-1-1T", "农历", "闰四月初一 9点",
		"腊月三十 19:00", "十一月初五", "半", "1个半", "从", "9点到", "14:00-", "周六（", "12月5日（周六", "卅号 9点"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Read(s, now, shanghai)
		if err != nil {
			if _, ok := bot.UserMessage(err); !ok {
				t.Fatalf("Read(%q) error %v is not a UserError", s, err)
			}
		} else {
			if !strings.HasSuffix(Fold(s), r.Rest) {
				t.Fatalf("Read(%q) rest %q is not a suffix of the input", s, r.Rest)
			}
			if y := r.Start.Year(); y < 2000 || y > 2201 {
				t.Fatalf("Read(%q) = %v, out of range", s, r.Start)
			}
			if !r.End.IsZero() && !r.End.After(r.Start) {
				t.Fatalf("Read(%q) ends %v, not after its start %v", s, r.End, r.Start)
			}
			if _, ok := bot.UserMessage(r.Check()); ok != r.Rolled {
				t.Fatalf("Read(%q) rolled %v but Check gave %v", s, r.Rolled, r.Check())
			}
		}
		if _, rest, err := ParseClock(s, now); err == nil && !strings.HasSuffix(Fold(s), rest) {
			t.Fatalf("ParseClock(%q) rest %q is not a suffix", s, rest)
		}
		if end, _, err := ReadEnd(s, now, now, shanghai); err == nil && !end.After(now) {
			t.Fatalf("ReadEnd(%q) = %v, not after the start", s, end)
		}
	})
}

// BenchmarkRead reads every corpus expression once per iteration.
func BenchmarkRead(b *testing.B) {
	cases := loadCorpus(b)
	for _, c := range cases {
		_, _ = Read(c.in, c.now, shanghai)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cases {
			_, _ = Read(c.in, c.now, shanghai)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cases)), "ns/expr")
}
