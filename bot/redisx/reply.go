package redisx

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrReply is wrapped by every error about a script reply whose shape is
// not the one the script documents (a script and its caller out of step,
// say during a rolling upgrade). Parsing such a reply gives this error,
// never a panic.
var ErrReply = errors.New("unexpected script reply")

// Array returns v as an array reply of at least n elements.
func Array(v any, n int) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: want an array, got %T", ErrReply, v)
	}
	if len(a) < n {
		return nil, fmt.Errorf("%w: want at least %d elements, got %d", ErrReply, n, len(a))
	}
	return a, nil
}

// String returns v as a string (bulk or status) reply.
func String(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: want a string, got %T", ErrReply, v)
	}
	return s, nil
}

// Int returns v as an integer reply, or a string reply holding an integer
// (what a script gives for a number it read from a key).
func Int(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: want an integer, got %q", ErrReply, x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%w: want an integer, got %T", ErrReply, v)
}

// Ints returns v as an array reply of at least n integers.
func Ints(v any, n int) ([]int64, error) {
	a, err := Array(v, n)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(a))
	for i, e := range a {
		if out[i], err = Int(e); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
	}
	return out, nil
}

// OptString returns v as a string reply, "" for a nil one (a field a script
// read that was not there).
func OptString(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	return String(v)
}
