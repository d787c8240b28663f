package bot

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"gridbot/bot/redisx"
)

// TestFloodGateRefills: after a flood the bucket refills one update per
// Every, and a person asked to slow down is asked again only after a new
// flood that starts with a full bucket.
func TestFloodGateRefills(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	g := &floodGate{l: FloodLimit{Burst: 3, Every: 2 * time.Second}, users: map[UserRef]*floodState{}, now: func() time.Time { return now }}
	u := &Update{Chat: "tg:7", ChatKind: Private, User: "tg:7", Text: "活动"}
	var got []string
	step := func() {
		ok, ask := g.admit(u)
		got = append(got, map[bool]string{true: "ok", false: "no"}[ok]+map[bool]string{true: "+ask", false: ""}[ask])
	}
	for range 5 {
		step()
	}
	now = now.Add(2 * time.Second)
	step()
	step()
	now = now.Add(time.Minute)
	for range 4 {
		step()
	}
	want := "[ok ok ok no+ask no ok no ok ok ok no+ask]"
	if s := fmt.Sprint(got); s != want {
		t.Errorf("admissions %s, want %s", s, want)
	}
}

// TestParseClaimReply: the router's claim reply is read into its state and
// the holder's remaining time; another shape is an error, not a panic.
func TestParseClaimReply(t *testing.T) {
	got, err := parseClaimReply([]any{int64(-1), int64(250)})
	if err != nil || got.state != claimElsewhere || got.left != 250*time.Millisecond {
		t.Errorf("parseClaimReply = %+v, %v", got, err)
	}
	for _, bad := range []any{nil, "nf", []any{int64(1)}, []any{"x", int64(0)}, []any{int64(7), int64(0)}} {
		if _, err := parseClaimReply(bad); !errors.Is(err, redisx.ErrReply) {
			t.Errorf("parseClaimReply(%#v) err = %v, want ErrReply", bad, err)
		}
	}
}
