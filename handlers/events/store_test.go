package events

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// TestConcurrentJoinsNeverOversell fires 500 joins from different residents
// at a 30-seat activity at once (run it against real Redis with
// GRIDBOT_TEST_REDIS and -race), then 10 leaves.
func TestConcurrentJoinsNeverOversell(t *testing.T) {
	h := newHarness(t)
	id := h.create(fmt.Sprintf(lantern, 30))
	ctx := context.Background()
	const n, seats = 500, 30
	type outcome struct {
		user bot.UserRef
		res  result
		err  error
	}
	outs := make([]outcome, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, name := resident(i)
			<-start
			r, err := h.f.st.join(ctx, id, signup{User: u, N: 1, At: h.clk.Now(), Name: name}, []string{"3网格"}, false, "", h.clk.Now())
			outs[i] = outcome{u, r, err}
		}()
	}
	close(start)
	wg.Wait()

	bySeq := make([]bot.UserRef, n+1)
	ok, waiting := 0, 0
	for _, o := range outs {
		if o.err != nil {
			t.Fatal(o.err)
		}
		var seq int
		fmt.Sscan(o.res.Extra[0], &seq)
		if seq < 1 || seq > n || bySeq[seq] != "" {
			t.Fatalf("sequence %d handed out twice or out of range", seq)
		}
		bySeq[seq] = o.user
		switch o.res.Code {
		case "ok":
			ok++
			if seq > seats {
				t.Errorf("%s got a seat as arrival %d", o.user, seq)
			}
		case "wait":
			waiting++
			if got, want := int(o.res.Num), seq-seats; got != want {
				t.Errorf("%s arrival %d told waitlist position %d, want %d", o.user, seq, got, want)
			}
		default:
			t.Errorf("%s: code %q", o.user, o.res.Code)
		}
	}
	if ok != seats || waiting != n-seats {
		t.Fatalf("got %d seated and %d waiting, want %d and %d", ok, waiting, seats, n-seats)
	}
	in, wait, _, err := h.f.st.roster(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != seats || len(wait) != n-seats {
		t.Fatalf("stored %d seated and %d waiting", len(in), len(wait))
	}
	for i, s := range wait {
		if want := bySeq[seats+1+i]; s.User != want {
			t.Fatalf("waitlist[%d] = %s, want %s (arrival order)", i, s.User, want)
		}
	}
	e, _ := h.f.st.get(ctx, id)
	if e.Taken != seats || e.Left() != 0 {
		t.Fatalf("taken %d, left %d", e.Taken, e.Left())
	}

	var mu sync.Mutex
	var promoted []bot.UserRef
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.f.st.leave(ctx, id, in[i].User, "", h.clk.Now())
			if err != nil || r.Code != "in" {
				t.Errorf("leave %s: %v %q", in[i].User, err, r.Code)
				return
			}
			mu.Lock()
			for _, p := range pairs(r.Extra) {
				promoted = append(promoted, p.User)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	want := bySeq[seats+1 : seats+11]
	slices.Sort(promoted)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(promoted, want) {
		t.Fatalf("promoted %v, want the next 10 in line %v", promoted, want)
	}
	in2, wait2, _, _ := h.f.st.roster(ctx, id)
	if len(in2) != seats || len(wait2) != n-seats-10 || wait2[0].User != bySeq[seats+11] {
		t.Fatalf("after leaves: %d seated, %d waiting, head %s", len(in2), len(wait2), wait2[0].User)
	}
}

// TestResidentActionsAreOneRoundTrip counts Redis round trips of join,
// leave (with a promotion) and a capacity change, after warm-up.
func TestResidentActionsAreOneRoundTrip(t *testing.T) {
	h := newHarness(t)
	warm := h.create(fmt.Sprintf(lantern, 1))
	id := h.create(fmt.Sprintf(lantern, 1))
	ctx := context.Background()
	cnt := redistest.Count(h.rdb)
	as := func(i int) *bot.Context {
		u, n := resident(i)
		return &bot.Context{Update: h.update(group3, u, n), Sender: h.s, Grid: "3网格"}
	}
	for i := 100; i < 103; i++ {
		_, _ = h.f.doJoin(ctx, as(i), joinArgs{ID: warm, N: 1})
	}
	_, _ = h.f.doLeave(ctx, as(100), warm)
	_, _ = h.f.st.setSeats(ctx, warm, 3)

	steps := []struct {
		name string
		do   func() error
	}{
		{"join (seated)", func() error { _, err := h.f.doJoin(ctx, as(1), joinArgs{ID: id, N: 1}); return err }},
		{"join (waitlisted)", func() error { _, err := h.f.doJoin(ctx, as(2), joinArgs{ID: id, N: 1}); return err }},
		{"join (waitlisted 2nd)", func() error { _, err := h.f.doJoin(ctx, as(3), joinArgs{ID: id, N: 1}); return err }},
		{"join twice", func() error { _, err := h.f.doJoin(ctx, as(2), joinArgs{ID: id, N: 1}); return err }},
		{"leave with promotion", func() error { _, err := h.f.doLeave(ctx, as(1), id); return err }},
		{"capacity change with promotion", func() error { _, err := h.f.st.setSeats(ctx, id, 5); return err }},
	}
	for _, s := range steps {
		cnt.Reset()
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := cnt.Count(); got != 1 {
			t.Errorf("%s took %d Redis round trips, want 1", s.name, got)
		}
	}
	e, _ := h.f.st.get(ctx, id)
	if e.Taken != 2 || e.Waiting != 0 {
		t.Errorf("after the steps: taken %d, waiting %d; want 2 and 0", e.Taken, e.Waiting)
	}
}
