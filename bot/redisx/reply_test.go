package redisx

import (
	"errors"
	"testing"
)

// TestReplyShapes: a reply of another shape than asked for is an ErrReply,
// never a panic.
func TestReplyShapes(t *testing.T) {
	if a, err := Array([]any{"x", int64(1)}, 2); err != nil || len(a) != 2 {
		t.Errorf("Array = %v, %v", a, err)
	}
	if n, err := Int("42"); err != nil || n != 42 {
		t.Errorf("Int(\"42\") = %d, %v", n, err)
	}
	if ns, err := Ints([]any{int64(3), "4"}, 2); err != nil || ns[0] != 3 || ns[1] != 4 {
		t.Errorf("Ints = %v, %v", ns, err)
	}
	if s, err := OptString(nil); err != nil || s != "" {
		t.Errorf("OptString(nil) = %q, %v", s, err)
	}
	for name, f := range map[string]func() error{
		"array of a string":     func() error { _, err := Array("x", 0); return err },
		"array too short":       func() error { _, err := Array([]any{}, 1); return err },
		"string of an int":      func() error { _, err := String(int64(1)); return err },
		"opt string of an int":  func() error { _, err := OptString(int64(1)); return err },
		"int of nil":            func() error { _, err := Int(nil); return err },
		"int of a word":         func() error { _, err := Int("nf"); return err },
		"ints with a word":      func() error { _, err := Ints([]any{int64(1), "x"}, 2); return err },
		"ints of a short array": func() error { _, err := Ints([]any{int64(1)}, 2); return err },
	} {
		if err := f(); !errors.Is(err, ErrReply) {
			t.Errorf("%s: err = %v, want ErrReply", name, err)
		}
	}
}
