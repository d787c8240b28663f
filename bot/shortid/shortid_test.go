package shortid_test

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"

	"gridbot/bot/shortid"
)

func TestTokenShapeAndEntropy(t *testing.T) {
	bits := float64(shortid.TokenLen) * math.Log2(float64(len(shortid.TokenAlphabet)))
	if bits < 80 {
		t.Fatalf("a token carries %.1f bits, want at least 80", bits)
	}
	seen := map[string]bool{}
	for range 20000 {
		tok := shortid.Token()
		if len(tok) != shortid.TokenLen || url.PathEscape(tok) != tok || url.QueryEscape(tok) != tok {
			t.Fatalf("token %q is not %d URL-safe characters", tok, shortid.TokenLen)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
		if got, err := shortid.ParseToken(tok); err != nil || got != tok {
			t.Fatalf("ParseToken(%q) = %q, %v", tok, got, err)
		}
	}
}

// TestUniform draws many characters and checks that every one of the
// alphabet appears about equally often (a chi-square bound far above what
// a fair draw reaches, far below what modulo bias would give).
func TestUniform(t *testing.T) {
	for _, c := range []struct {
		name     string
		alphabet string
		draw     func() string
	}{
		{"token", shortid.TokenAlphabet, shortid.Token},
		{"code", shortid.CodeAlphabet, shortid.Code},
	} {
		counts := map[rune]int{}
		total := 0
		for range 20000 {
			for _, r := range c.draw() {
				counts[r]++
				total++
			}
		}
		k := len(c.alphabet)
		if len(counts) != k {
			t.Fatalf("%s: %d distinct characters, want %d", c.name, len(counts), k)
		}
		want := float64(total) / float64(k)
		chi := 0.0
		for _, n := range counts {
			chi += (float64(n) - want) * (float64(n) - want) / want
		}
		if limit := float64(k) * 3; chi > limit {
			t.Errorf("%s: chi-square %.1f over %d characters exceeds %.0f", c.name, chi, k, limit)
		}
	}
}

func TestCodeReadable(t *testing.T) {
	for _, bad := range "01ilo" {
		if strings.ContainsRune(shortid.CodeAlphabet, bad) {
			t.Errorf("code alphabet holds look-alike %q", bad)
		}
	}
	c := shortid.NewCode(8)
	if len(c) != 8 {
		t.Fatalf("NewCode(8) = %q", c)
	}
	if len(shortid.Code()) != shortid.DefaultCodeLen {
		t.Fatal("Code() has the wrong length")
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{" AB3K7M ", "ab3k7m", true},
		{"ab3k7m", "ab3k7m", true},
		{"ab0k7m", "", false}, // 0 is left out
		{"abok7m", "", false},
		{"", "", false},
		{"ab3k7m/../", "", false},
		{"ab３k7m", "", false},
		{strings.Repeat("a", shortid.MaxCodeLen+1), "", false},
	} {
		got, err := shortid.ParseCode(c.in)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, shortid.ErrInvalid) {
			t.Errorf("ParseCode(%q) error %v is not ErrInvalid", c.in, err)
		}
	}
	for _, bad := range []string{"", "short", "AAAAAAAAAAAAAAA-", "AAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA%"} {
		if _, err := shortid.ParseToken(bad); !errors.Is(err, shortid.ErrInvalid) {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}

func TestNewCodePanicsOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewCode(0) did not panic")
		}
	}()
	shortid.NewCode(0)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"ab3k7m", " AB3K7M", "0Aa9zZ0Aa9zZ0Aa9", "%2F", "報名", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := shortid.ParseCode(s); err == nil {
			if c2, err := shortid.ParseCode(c); err != nil || c2 != c || url.PathEscape(c) != c {
				t.Fatalf("code %q not canonical", c)
			}
		}
		if tok, err := shortid.ParseToken(s); err == nil && (tok != s || url.PathEscape(tok) != tok) {
			t.Fatalf("token %q not canonical", tok)
		}
	})
}

func BenchmarkToken(b *testing.B) {
	for b.Loop() {
		shortid.Token()
	}
}
