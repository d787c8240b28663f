package custgroups

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gridbot/bot/bottest"
	"gridbot/bot/outbox"
	"gridbot/handlers/ledger"
)

// reachFigures is what the ledger and the outbox say of notice 1.
type reachFigures struct {
	groups, members, awaiting int64
	state                     string
	reach, summaryGroups      int64
	sent, statusAwaiting      int
	// chats counts the broadcast's chats by state (the console's list).
	chats string
}

func (fx *fixture) figures(lf *ledger.Feature) reachFigures {
	fx.t.Helper()
	r, err := lf.Build(fx.ctx, ledger.MonthPeriod(2026, time.March, bottest.Shanghai))
	if err != nil {
		fx.t.Fatal(err)
	}
	var got reachFigures
	for _, p := range r.Pushes {
		if p.Kind == "notice" {
			got.groups, got.members, got.awaiting, got.state = p.Groups, p.Members, p.Awaiting, p.State()
		}
	}
	got.reach, got.summaryGroups = r.Summary.Reach, r.Summary.Groups
	n, err := fx.nt.Get(fx.ctx, 1)
	if err != nil {
		fx.t.Fatal(err)
	}
	st, err := fx.ob.Status(fx.ctx, n.BID)
	if err != nil {
		fx.t.Fatal(err)
	}
	got.sent, got.statusAwaiting = st.Sent, st.Awaiting
	cs, err := fx.ob.Chats(fx.ctx, n.BID)
	if err != nil {
		fx.t.Fatal(err)
	}
	by := map[string]int{}
	for _, c := range cs {
		by[c.State]++
	}
	got.chats = fmt.Sprintf("sent %d, awaiting %d, failed %d", by["sent"], by["awaiting"], by["failed"])
	return got
}

// A group-send reaches residents only when the group's owner presses
// send: the ledger (送达群数, 覆盖人次) and the broadcast's status count a
// customer group once its task is confirmed, show the others as awaiting,
// and never count one whose task expired unconfirmed.
func TestLedgerCountsCustomerGroupsOnceConfirmed(t *testing.T) {
	for _, lisi := range []string{"confirms", "never confirms"} {
		t.Run(lisi, func(t *testing.T) {
			fx := newFixture(t, testConfig())
			fx.syncAndMap()
			lf := ledger.New(fx.env, ledger.Config{Channels: map[string]outbox.Confirmer{Platform: fx.f.Channel()}}, nil)
			fx.notice("通知 3网格,4网格 明早9点停水，请提前储水")
			fx.runOutbox()
			// Residents: 幸福里1群 3, 幸福里2群 2 (张三's), 阳光苑居民群 4 (李四's).
			want := reachFigures{awaiting: 3, state: "等群主确认", statusAwaiting: 3, chats: "sent 0, awaiting 3, failed 0"}
			if got := fx.figures(lf); got != want {
				t.Fatalf("tasks made, none confirmed: got %+v, want %+v", got, want)
			}

			var lisiTask string
			for _, s := range fx.fake.Sends() {
				if s.Sender == "zhangsan" {
					if err := fx.fake.Confirm(s.MsgID, "zhangsan"); err != nil {
						t.Fatal(err)
					}
				} else {
					lisiTask = s.MsgID
				}
			}
			fx.clock.Add(time.Hour)
			if _, err := fx.f.Track(fx.ctx); err != nil {
				t.Fatal(err)
			}
			want = reachFigures{groups: 2, members: 5, awaiting: 1, state: "部分等群主确认", reach: 5, summaryGroups: 2,
				sent: 2, statusAwaiting: 1, chats: "sent 2, awaiting 1, failed 0"}
			if got := fx.figures(lf); got != want {
				t.Fatalf("two confirmed: got %+v, want %+v", got, want)
			}

			if lisi == "confirms" {
				if err := fx.fake.Confirm(lisiTask, "lisi"); err != nil {
					t.Fatal(err)
				}
				fx.clock.Add(time.Hour)
				want = reachFigures{groups: 3, members: 9, state: "已送达", reach: 9, summaryGroups: 3, sent: 3,
					chats: "sent 3, awaiting 0, failed 0"}
			} else {
				fx.clock.Add(72 * time.Hour)
				want = reachFigures{groups: 2, members: 5, state: "已送达", reach: 5, summaryGroups: 2, sent: 2,
					chats: "sent 2, awaiting 0, failed 1"}
			}
			if _, err := fx.f.Track(fx.ctx); err != nil {
				t.Fatal(err)
			}
			if got := fx.figures(lf); got != want {
				t.Fatalf("李四 %s: got %+v, want %+v", lisi, got, want)
			}
		})
	}
}

// forgetful is a confirmer that no longer knows any task (WeChat Work
// tasks are kept 60 days).
type forgetful struct{}

func (forgetful) Outcomes(context.Context, []string) (map[string]outbox.Outcome, error) {
	return nil, nil
}

// The outbox's monthly roll-up waits while a group-send still waits for
// its owner, and keeps a notice whose group-send expired unconfirmed
// whole, remembering which group it never reached: the ledger leaves that
// group out even once the customer groups have forgotten the task.
func TestRollUpKeepsUnconfirmedGroupSendsOut(t *testing.T) {
	fx := newFixture(t, testConfig())
	fx.syncAndMap()
	lf := ledger.New(fx.env, ledger.Config{Channels: map[string]outbox.Confirmer{Platform: fx.f.Channel()}}, nil)
	fx.notice("通知 3网格,4网格 明早9点停水，请提前储水")
	fx.runOutbox()
	for _, s := range fx.fake.Sends() {
		if s.Sender == "zhangsan" {
			if err := fx.fake.Confirm(s.MsgID, "zhangsan"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := fx.f.Track(fx.ctx); err != nil {
		t.Fatal(err)
	}

	fx.clock.Set(time.Date(2026, 4, 6, 10, 0, 0, 0, bottest.Shanghai))
	if err := fx.ob.RollUp(fx.ctx); err != nil {
		t.Fatal(err)
	}
	want := reachFigures{groups: 2, members: 5, awaiting: 1, state: "部分等群主确认", reach: 5, summaryGroups: 2, sent: 2,
		statusAwaiting: 1, chats: "sent 2, awaiting 1, failed 0"}
	if got := fx.figures(lf); got != want {
		t.Fatalf("roll-up while 李四's task waits: got %+v, want %+v", got, want)
	}

	if res, err := fx.f.Track(fx.ctx); err != nil || res.Failed != 1 {
		t.Fatalf("track after 72 hours: %+v %v; want 李四's task expired", res, err)
	}
	if err := fx.ob.RollUp(fx.ctx); err != nil {
		t.Fatal(err)
	}
	later := ledger.New(fx.env, ledger.Config{Channels: map[string]outbox.Confirmer{Platform: forgetful{}}}, nil)
	want = reachFigures{groups: 2, members: 5, state: "已送达", reach: 5, summaryGroups: 2, sent: 2}
	for _, l := range []*ledger.Feature{later, lf} {
		if got := fx.figures(l); got.groups != want.groups || got.members != want.members || got.awaiting != 0 ||
			got.state != want.state || got.reach != want.reach || got.summaryGroups != want.summaryGroups {
			t.Fatalf("rolled up, task forgotten: got %+v, want %+v", got, want)
		}
	}
}
