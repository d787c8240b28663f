// Package secret holds credentials (app secrets, keys) so that they cannot
// reach a log line, an error or a config dump by accident: a Value prints,
// formats, marshals and logs as "***" and gives its text only to Reveal.
//
// Configuration decodes into a Value like into a string (it implements
// encoding.TextUnmarshaler), so the usual GRIDBOT_<SECTION>_<KEY>
// environment override fills it.
package secret

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Mask is what a Value shows instead of its text.
const Mask = "***"

// Value is a secret string. The zero Value is empty. The text sits behind
// a pointer, so even fmt's dump of a struct holding a Value in an
// unexported field (which bypasses its methods) shows an address only.
type Value struct{ p *string }

// New returns a Value holding s, without surrounding spaces.
func New(s string) Value {
	s = strings.TrimSpace(s)
	if s == "" {
		return Value{}
	}
	return Value{p: &s}
}

// Reveal returns the secret text, for the one place that must send it.
func (v Value) Reveal() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

// IsZero reports whether the Value is empty.
func (v Value) IsZero() bool { return v.p == nil }

// String returns Mask (or "" for an empty Value).
func (v Value) String() string {
	if v.p == nil {
		return ""
	}
	return Mask
}

// GoString returns Mask, so %#v hides the secret too.
func (v Value) GoString() string { return "secret.Value(" + Mask + ")" }

// Format prints Mask for every verb.
func (v Value) Format(f fmt.State, _ rune) { fmt.Fprint(f, v.String()) }

// LogValue makes slog print Mask.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.String()) }

// MarshalText returns Mask, so JSON and YAML dumps of a config hide it.
func (v Value) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText sets the Value from configuration text.
func (v *Value) UnmarshalText(b []byte) error {
	*v = New(string(b))
	return nil
}

// Redact replaces every secret in text, raw and URL-escaped, with Mask, for
// text bound for errors and logs (HTTP libraries put query strings holding
// secrets into their errors).
func Redact(text string, secrets ...Value) string {
	for _, v := range secrets {
		s := v.Reveal()
		if s == "" {
			continue
		}
		text = strings.ReplaceAll(text, s, Mask)
		text = strings.ReplaceAll(text, url.QueryEscape(s), Mask)
		text = strings.ReplaceAll(text, url.PathEscape(s), Mask)
	}
	return text
}
