package bot

import (
	"fmt"
	"testing"
	"time"
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
