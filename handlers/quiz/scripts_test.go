package quiz

import (
	"errors"
	"testing"

	"gridbot/bot/redisx"
)

// TestParseReplies: the quiz scripts' replies are read into attempts and
// round ids; an unknown status, a missing value or a word where a number
// belongs is an error, not a panic.
func TestParseReplies(t *testing.T) {
	a, err := parseAttempt([]any{"ok", "3", "1", "1", "0", "20", "1", "4200"})
	if err != nil || a.status != stOK || a.round != 3 || a.pos != 1 || !a.ok || a.done || a.score != 20 {
		t.Errorf("parseAttempt = %+v, %v", a, err)
	}
	if a, err := parseAttempt([]any{"closed"}); err != nil || a.status != stClosed {
		t.Errorf("parseAttempt(closed) = %+v, %v", a, err)
	}
	for _, bad := range []any{nil, "none", []any{}, []any{"maybe"}, []any{"ok", "3"}, []any{"range", "3", "x", "4"},
		[]any{"new", int64(0), "0", "0", "0"}} {
		if _, err := parseAttempt(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseAttempt(%#v) err = %v, want ErrReply", bad, err)
		}
	}
	if id, busy, err := parseOpen([]any{"busy", "7"}); err != nil || id != 7 || !busy {
		t.Errorf("parseOpen = %d, %v, %v", id, busy, err)
	}
	for _, bad := range []any{nil, []any{"ok"}, []any{"later", "7"}, []any{"ok", "seven"}} {
		if _, _, err := parseOpen(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseOpen(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
