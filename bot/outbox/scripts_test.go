package outbox

import (
	"errors"
	"testing"

	"gridbot/bot/redisx"
)

// TestParseClaim: a claim reply gives the deliveries, the next due time
// and the depth; a field the script read as missing is empty; any other
// shape is an error, not a panic.
func TestParseClaim(t *testing.T) {
	res, err := parseClaim([]any{[]any{
		[]any{"b7|tg:-1", `{"text":"通知"}`, "notice", nil, "2", "", "30"},
	}, "1800000", int64(5)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.rows) != 1 || res.depth != 5 || res.next.UnixMilli() != 1800000 {
		t.Fatalf("reply = %+v", res)
	}
	if d := res.rows[0].d; d.id != "b7" || d.chat != "tg:-1" || d.kind != "notice" || d.urgent || d.tries != 2 || d.members != 30 {
		t.Errorf("delivery = %+v", d)
	}
	row := []any{"b7|tg:-1", "{}", "notice", "1", "0", "", ""}
	for _, bad := range []any{
		nil, "nf", []any{[]any{}, ""},
		[]any{[]any{}, int64(1), int64(0)},
		[]any{[]any{}, "", "deep"},
		[]any{[]any{}, "later", int64(0)},
		[]any{[]any{row[:6]}, "", int64(0)},
		[]any{[]any{[]any{"b7", "{}", "notice", "1", "0", "", ""}}, "", int64(0)},
		[]any{[]any{[]any{"b7|tg:-1", int64(3), "notice", "1", "0", "", ""}}, "", int64(0)},
	} {
		if _, err := parseClaim(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseClaim(%#v) err = %v, want ErrReply", bad, err)
		}
	}
	if due, err := parseRecorded([]any{int64(1), int64(1)}, nil); err != nil || !due {
		t.Errorf("parseRecorded = %v, %v; want the report due", due, err)
	}
	if _, err := parseRecorded([]any{int64(1)}, nil); !errors.Is(err, redisx.ErrReply) {
		t.Errorf("parseRecorded of one value: %v, want ErrReply", err)
	}
}
