package replies

import (
	"errors"
	"testing"

	"gridbot/bot/redisx"
)

// TestParseClaim: a well-formed claim reply gives the groups, their answers
// and live messages; any other shape is an error, never a panic.
func TestParseClaim(t *testing.T) {
	good := []any{[]any{
		[]any{"tg:-1",
			[]any{[]any{"7", `{}`, int64(1)}, []any{"8", "{", int64(0)}},
			[]any{[]any{"ev:3", "1700:2", "55|ab"}}},
	}, "1800000"}
	cls, next, err := parseClaim(good, 99)
	if err != nil {
		t.Fatal(err)
	}
	if len(cls) != 1 || cls[0].chat != "tg:-1" || len(cls[0].answers) != 2 || len(cls[0].lives) != 1 {
		t.Fatalf("claimed = %+v", cls)
	}
	if a := cls[0].answers; !a[0].told || a[0].done || !a[1].done || a[1].bad == nil {
		t.Errorf("answers: told %v done %v, bad JSON done %v bad %v", a[0].told, a[0].done, a[1].done, a[1].bad)
	}
	if l := cls[0].lives[0]; l.msgID != "55" || l.hash != "ab" || l.since != 1700 {
		t.Errorf("live = %+v", l)
	}
	if next.UnixMilli() != 1800000 {
		t.Errorf("next = %v", next)
	}
	for _, bad := range []any{
		nil, "nf", []any{}, []any{"x", ""}, []any{[]any{}, int64(3)},
		[]any{[]any{"tg:-1"}, ""},
		[]any{[]any{[]any{int64(1), []any{}, []any{}}}, ""},
		[]any{[]any{[]any{"tg:-1", []any{[]any{"7", `{}`}}, []any{}}}, ""},
		[]any{[]any{[]any{"tg:-1", []any{}, []any{[]any{"ev:3", int64(2), ""}}}}, ""},
		[]any{[]any{}, "soon"},
	} {
		if _, _, err := parseClaim(bad, 0); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseClaim(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
