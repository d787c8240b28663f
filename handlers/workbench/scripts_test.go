package workbench

import (
	"errors"
	"testing"

	"gridbot/bot/redisx"
)

// TestParseSession: the session reply gives the user, token, flash and
// grids; another shape is an error, not a panic.
func TestParseSession(t *testing.T) {
	s, err := parseSession([]any{"tg:7", "c5", "已保存", "1网格\x1f2网格"})
	if err != nil || s.User != "tg:7" || s.CSRF != "c5" || s.Flash != "已保存" || len(s.Grids) != 2 {
		t.Errorf("parseSession = %+v, %v", s, err)
	}
	for _, bad := range []any{nil, "tg:7", []any{"tg:7"}, []any{"tg:7", int64(1), "", ""}} {
		if _, err := parseSession(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseSession(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
