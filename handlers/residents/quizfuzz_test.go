package residents

import (
	"net/url"
	"testing"
	"time"

	"gridbot/bot/feature"
	"gridbot/bot/secret"
)

// FuzzReadChoices: whatever a form says, the sheet has one entry per
// question, each an option letter's index (0–25) or -1; a field that is
// one letter is read as that letter whatever its case or spaces.
func FuzzReadChoices(f *testing.F) {
	for _, s := range []string{"q1=B&q2=c&q3=+D+", "q1=BB&q2=%E4%B9%99&q3=%3Cb%3E", "q1=&q2=1&q5=Z", "q1=B&q1=C", "%zz", ""} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, raw string, n int) {
		if n < 0 || n > 50 {
			return
		}
		form, _ := url.ParseQuery(raw)
		got := readChoices(form, n)
		if len(got) != n {
			t.Fatalf("readChoices(%q, %d) has %d entries", raw, n, len(got))
		}
		for i, c := range got {
			if c < -1 || c > 25 {
				t.Fatalf("readChoices(%q) question %d = %d", raw, i+1, c)
			}
			if v := form.Get("q" + string(rune('1'+i))); i < 9 && len(v) == 1 && (v[0] >= 'A' && v[0] <= 'Z' || v[0] >= 'a' && v[0] <= 'z') && c < 0 {
				t.Fatalf("readChoices(%q) missed the letter %q of question %d", raw, v, i+1)
			}
		}
	})
}

// FuzzReadShown: only a stamp the site signed for this round gives a
// time; anything else is zero, never a panic.
func FuzzReadShown(f *testing.F) {
	p := &more{s: &Site{cfg: Config{Secret: secret.New(testKey)}, env: feature.Env{}}}
	at := time.UnixMilli(1_800_000_000_123)
	good := p.shownStamp(3, at)
	f.Add(good, 3)
	f.Add(good, 4)
	f.Add("1800000000123.forged", 3)
	f.Add("", 3)
	f.Add("-5."+good, 3)
	f.Fuzz(func(t *testing.T, stamp string, id int) {
		got := p.readShown(id, stamp)
		if stamp == good && id == 3 {
			if !got.Equal(at) {
				t.Fatalf("own stamp read as %v, want %v", got, at)
			}
			return
		}
		if !got.IsZero() && p.shownStamp(id, got) != stamp {
			t.Fatalf("readShown(%d, %q) = %v from a stamp the site did not sign", id, stamp, got)
		}
	})
}
