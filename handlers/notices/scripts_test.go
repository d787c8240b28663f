package notices

import (
	"errors"
	"testing"

	"gridbot/bot/redisx"
)

// TestParseDrop: the drop reply gives the draft's status and number; a
// draft without a number gives ""; another shape is an error, not a panic.
func TestParseDrop(t *testing.T) {
	if st, n, err := parseDrop([]any{"sent", "12"}); err != nil || st != dsSent || n != "12" {
		t.Errorf("parseDrop = %q, %q, %v", st, n, err)
	}
	if st, n, err := parseDrop([]any{"draft", nil}); err != nil || st != dsDraft || n != "" {
		t.Errorf("parseDrop without a number = %q, %q, %v", st, n, err)
	}
	for _, bad := range []any{nil, "expired", []any{"draft"}, []any{int64(1), ""}} {
		if _, _, err := parseDrop(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseDrop(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
