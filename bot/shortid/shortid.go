// Package shortid makes short, URL-safe identifiers from crypto/rand.
//
// Two kinds, for two needs:
//   - Token: 16 characters of [0-9A-Za-z], about 95 bits of entropy, for
//     links that must not be guessable (a roster, a staff page). At 95 bits
//     an attacker making a billion guesses a second against a billion live
//     tokens needs on average over half a million years for one hit.
//   - Code: a short readable code (default 6 characters) from an alphabet
//     without look-alikes (no 0/o, 1/l/i), for public links whose target is
//     public anyway (an activity page, a poster), where shortness and
//     reading aloud matter more than secrecy. A 6-character Code has about
//     29.7 bits: never use it to protect anything.
//
// Both are uniform (rejection sampling, no modulo bias). Parse functions
// accept what arrives in a URL or is typed and return the canonical form.
package shortid

import (
	"crypto/rand"
	"errors"
	"strings"
)

const (
	// TokenLen is the length of a Token.
	TokenLen = 16
	// TokenAlphabet is the characters of a Token (62).
	TokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// CodeAlphabet is the characters of a Code (31): lowercase letters and
	// digits without 0, 1, i, l, o.
	CodeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"
	// DefaultCodeLen is the length Code uses.
	DefaultCodeLen = 6
	// MaxCodeLen bounds NewCode and ParseCode.
	MaxCodeLen = 32
)

// ErrInvalid is returned by the Parse functions for text that is not an id
// of the kind asked for.
var ErrInvalid = errors.New("shortid: not a valid id")

// Token returns a new unguessable Token.
func Token() string { return random(TokenAlphabet, TokenLen) }

// Code returns a new readable Code of DefaultCodeLen characters.
func Code() string { return random(CodeAlphabet, DefaultCodeLen) }

// NewCode returns a readable Code of n characters (1..MaxCodeLen; other n
// panic, as a programming error).
func NewCode(n int) string {
	if n < 1 || n > MaxCodeLen {
		panic("shortid: code length out of range")
	}
	return random(CodeAlphabet, n)
}

// ParseToken returns s if it is a well-formed Token (exact case, exact
// length), else ErrInvalid.
func ParseToken(s string) (string, error) {
	if len(s) != TokenLen || !only(s, TokenAlphabet) {
		return "", ErrInvalid
	}
	return s, nil
}

// ParseCode returns the canonical (lowercase) form of a Code that someone
// typed or that arrived in a URL: surrounding spaces are dropped and case
// is ignored. It returns ErrInvalid for anything else, including look-alike
// characters the alphabet leaves out.
func ParseCode(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > MaxCodeLen || !only(s, CodeAlphabet) {
		return "", ErrInvalid
	}
	return s, nil
}

func only(s, alphabet string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// random draws n characters uniformly from alphabet (len ≤ 256), rejecting
// bytes past the largest multiple of len(alphabet).
func random(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
