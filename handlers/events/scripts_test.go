package events

import (
	"errors"
	"testing"

	"gridbot/bot/redisx"
)

// TestParseResult: a script reply is read into its code and figures; an
// unknown code or another shape is an error, not a panic.
func TestParseResult(t *testing.T) {
	r, err := parseResult([]any{"dupwait", int64(2), int64(5), "读书会", "1764900000", nil, int64(3), "4", int64(9)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != codeDupWait || r.Num != 2 || r.Left != 5 || r.Title != "读书会" || r.Start.Unix() != 1764900000 ||
		r.Place != "" || !r.Dirty || !r.Chain || len(r.Extra) != 2 || r.Extra[1] != "9" {
		t.Errorf("result = %+v", r)
	}
	ok := []any{"ok", int64(0), int64(0), "", int64(0), "", int64(0)}
	for _, bad := range []any{
		nil, "nf", ok[:6],
		[]any{"yes", int64(0), int64(0), "", int64(0), "", int64(0)},
		[]any{int64(1), int64(0), int64(0), "", int64(0), "", int64(0)},
		[]any{"ok", "many", int64(0), "", int64(0), "", int64(0)},
		[]any{"ok", int64(0), int64(0), int64(5), int64(0), "", int64(0)},
		append(ok[:7:7], []any{"x"}),
	} {
		if _, err := parseResult(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseResult(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
