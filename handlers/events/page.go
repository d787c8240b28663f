package events

import (
	"context"
	"strings"

	"gridbot/bot"
)

// PagePlatform is the platform of households acting from the resident
// pages (居民页): their user reference is "web:<grid>/<door>", so a
// household is one sign-up however many browsers or people it uses.
const PagePlatform = "web"

// PageHousehold is a household acting from a resident page.
type PageHousehold struct {
	// Grid is the household's grid; Door its normalised 楼栋/门牌
	// ("3-2-501"); Name the 称呼 it gave, shown masked in public lists.
	Grid, Door, Name string
}

// User returns the household's user reference, "web:<grid>/<door>".
func (h PageHousehold) User() bot.UserRef {
	return bot.UserRef(PagePlatform + ":" + h.Grid + "/" + h.Door)
}

// FromPage reports whether u is a household that signed up on a page.
func FromPage(u bot.UserRef) bool { return u.Platform() == PagePlatform }

// Source names where a sign-up came from, as the roster shows it: 页面 for
// a resident page, 群聊 for a chat.
func Source(u bot.UserRef) string {
	if FromPage(u) {
		return "页面"
	}
	return "群聊"
}

// PageReply is what a page action did: Text is the reply a chat would
// have got, as plain text (the same wording).
type PageReply struct {
	Text string
}

func (f *Feature) pageActor(h PageHousehold, op string) actor {
	return actor{user: h.User(), name: h.Name, grid: h.Grid, op: op}
}

// JoinAs signs household h up for activity id with n people and a remark
// (cut to the configured length), through the same script as a chat
// sign-up: one capacity, one waitlist, one roster. op is an id of this
// form submission: a submission sent again returns the first reply and
// changes nothing ("" for none). A headcount outside 1..max_headcount, a
// full, closed or other grid's activity come back as a *bot.UserError with
// the chat's wording. The live sign-up lists (接龙) in the groups are
// brought up to date, and the activity's notices refreshed, as after a
// chat sign-up.
func (f *Feature) JoinAs(ctx context.Context, id int64, h PageHousehold, n int, remark, op string) (PageReply, error) {
	if n < 1 || n > f.cfg.MaxHeadcount {
		return PageReply{}, bot.Userf(msgPageHeadBad, f.cfg.MaxHeadcount)
	}
	remark = cutRunes(strings.TrimSpace(strings.Map(printable, remark)), f.cfg.RemarkMax)
	out, err := f.joinAs(ctx, f.pageActor(h, op), joinArgs{ID: id, HasID: true, N: n, HasN: true, Remark: remark})
	if err != nil {
		return PageReply{}, err
	}
	f.pageTouched(ctx, id, out)
	return PageReply{Text: bot.PlainText(out.text)}, nil
}

// LeaveAs cancels household h's sign-up or waitlist place for activity id,
// through the same script as a chat cancel (the waitlist moves up and the
// promoted households are told); op as for JoinAs.
func (f *Feature) LeaveAs(ctx context.Context, id int64, h PageHousehold, op string) (PageReply, error) {
	out, err := f.leaveAs(ctx, f.pageActor(h, op), id)
	if err != nil {
		return PageReply{}, err
	}
	f.pageTouched(ctx, id, out)
	return PageReply{Text: bot.PlainText(out.text)}, nil
}

// pageTouched brings the live lists up to date after a page action: a chat
// action's answer carries the list with it, a page action has no answer in
// any group.
func (f *Feature) pageTouched(ctx context.Context, id int64, out outcome) {
	if out.ans.Live != "" {
		f.touchList(ctx, id)
	}
}

func printable(r rune) rune {
	if r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' {
		return -1
	}
	return r
}

// ListEntry is one household in an activity's public sign-up list, as a
// resident page shows it: masked name, headcount, and whether it came
// from a page.
type ListEntry struct {
	// Name is masked as the public lists mask names (张**); never a phone
	// or a full name.
	Name string
	N    int
	// Page is true for a household that signed up on a resident page.
	Page bool
	// Mine is true for the household asked about.
	Mine bool
}

// PublicList is an activity's 接龙 as anyone with its page link may see
// it: seated households in order, then the waitlist in order.
type PublicList struct {
	Event          *Event
	Seated, Wait   []ListEntry
	People         int
	MineN, MinePos int  // the asked household's headcount and waitlist place (0: seated or not signed up)
	MineIn         bool // the asked household is seated
}

// PublicList returns activity id's public list, marking household mine
// (its zero value marks none). Two round trips.
func (f *Feature) PublicList(ctx context.Context, id int64, mine bot.UserRef) (*PublicList, error) {
	e, err := f.load(ctx, id)
	if err != nil {
		return nil, err
	}
	in, wait, _, err := f.st.roster(ctx, id)
	if err != nil {
		return nil, err
	}
	l := &PublicList{Event: e}
	entries := func(ss []signup) []ListEntry {
		out := make([]ListEntry, len(ss))
		for i, s := range ss {
			out[i] = ListEntry{Name: bot.ShortName(s.Name), N: s.N, Page: FromPage(s.User), Mine: mine != "" && s.User == mine}
		}
		return out
	}
	l.Seated, l.Wait = entries(in), entries(wait)
	for i, s := range in {
		l.People += s.N
		if l.Seated[i].Mine {
			l.MineN, l.MineIn = s.N, true
		}
	}
	for i, s := range wait {
		if l.Wait[i].Mine {
			l.MineN, l.MinePos = s.N, i+1
		}
	}
	return l, nil
}

// MaxHeadcount is the most people one sign-up may bring.
func (f *Feature) MaxHeadcount() int { return f.cfg.MaxHeadcount }

// RemarkMax is the most characters kept of a sign-up remark.
func (f *Feature) RemarkMax() int { return f.cfg.RemarkMax }

// Span shows when e takes place, its start and its end when it has one, as
// the chat shows it (plain text).
func (f *Feature) Span(e *Event) string { return bot.PlainText(f.fmtSpan(e)) }
