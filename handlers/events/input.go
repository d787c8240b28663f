package events

import (
	"context"
	"strconv"
	"strings"

	"gridbot/bot"
	"gridbot/bot/when"
)

// EventInput is a new activity as staff typed its fields, on the chat form
// of 发布活动 or on the console's page. Each value is read the way the chat
// form's line of the same name is ("2月12日 19:00", "30人", "2小时"), by
// the same code, so both front ends accept and refuse the same input with
// the same words. Title, Start, Place and Seats are required; Grids too
// when the activity is not published from a group bound to a grid.
type EventInput struct {
	Title string
	// Start is when it begins; a range ("2月12日 14:00-16:00") sets the
	// end too.
	Start string
	// End is when it ends: a clock after Start or a date and time.
	End string
	// Deadline is when sign-ups close; "" means at Start.
	Deadline string
	Place    string
	// Seats is how many people may sign up in all.
	Seats string
	// Grids is who it is for, as Directory.Resolve reads it: "全部", or
	// grid names separated by commas or 、; "" means the chat's grid.
	Grids string
	// PerHousehold limits the people one household signs up ("" = the
	// bot's default).
	PerHousehold string
	// Hours is the volunteer service time each attendee is credited.
	Hours string
	Desc  string
	// Chain keeps a live sign-up list (接龙) in each group.
	Chain bool
}

// raw is in as the chat form's fields, folded the way the chat form is.
func (in EventInput) raw() map[*field]string {
	raw := map[*field]string{}
	for f, v := range map[*field]string{fTitle: in.Title, fStart: in.Start, fEnd: in.End, fDeadline: in.Deadline,
		fPlace: in.Place, fSeats: in.Seats, fGrids: in.Grids, fHH: in.PerHousehold, fHours: in.Hours, fDesc: in.Desc} {
		if v = strings.TrimSpace(when.Fold(v)); v != "" {
			raw[f] = v
		}
	}
	return raw
}

// inputOf is the chat form's fields as an EventInput.
func inputOf(raw map[*field]string, chain bool) EventInput {
	return EventInput{Title: raw[fTitle], Start: raw[fStart], End: raw[fEnd], Deadline: raw[fDeadline],
		Place: raw[fPlace], Seats: raw[fSeats], Grids: raw[fGrids], PerHousehold: raw[fHH], Hours: raw[fHours],
		Desc: raw[fDesc], Chain: chain}
}

// chatInput reads the text after 发布活动 (the one-line or the multi-line
// form) into an EventInput.
func (f *Feature) chatInput(text string) (EventInput, error) {
	text, chain, err := cutChainField(text)
	if err != nil {
		return EventInput{}, err
	}
	if err := f.chainRoom(chain); err != nil {
		return EventInput{}, err
	}
	raw, err := parseRaw(text)
	if err != nil {
		return EventInput{}, err
	}
	return inputOf(raw, chain), nil
}

// chainRoom refuses a live sign-up list where no reply coalescer keeps it.
func (f *Feature) chainRoom(chain bool) error {
	if chain && f.env.Replies == nil {
		return bot.Unavailablef(msgChainNoRoom)
	}
	return nil
}

// Reply is an answer for staff in the chat's markup (the Telegram HTML
// subset of bot.Message.Text, which the WeChat Work adapter shows as plain
// text). The chat sends it as it is; other front ends show Plain.
type Reply string

// HTML returns the reply as the chat sends it.
func (r Reply) HTML() string { return string(r) }

// Plain returns the reply as plain text, the same words without markup.
func (r Reply) Plain() string { return bot.PlainText(string(r)) }

// EventPatch is a change to an activity, as staff typed it for 修改活动 or
// on the console: each non-empty field is read like the chat form's line of
// the same name; empty fields stay as they are. At least one is set.
type EventPatch struct {
	Seats    string
	Start    string
	Deadline string
	Place    string
}

// fields returns the patch's changes in the order they are applied.
func (p EventPatch) fields() []patchField {
	var out []patchField
	for _, c := range []patchField{{fSeats, p.Seats}, {fStart, p.Start}, {fDeadline, p.Deadline}, {fPlace, p.Place}} {
		if c.v = strings.TrimSpace(when.Fold(c.v)); c.v != "" {
			out = append(out, c)
		}
	}
	return out
}

type patchField struct {
	f *field
	v string
}

// EditEvent applies p to activity id, one field after another (名额, 时间,
// 截止, 地点), telling households of a new time or place, and stops at the
// first refusal. It returns the confirmations of the changes made, one a
// line, with the refusal (a *bot.UserError) if any; an empty patch is
// refused with the list of what can be changed.
func (f *Feature) EditEvent(ctx context.Context, id int64, p EventPatch) (Reply, error) {
	changes := p.fields()
	if len(changes) == 0 {
		return "", bot.Userf(msgEditUsage, strconv.FormatInt(id, 10))
	}
	var done []string
	for _, c := range changes {
		r, err := f.editField(ctx, id, c.f, c.v)
		if err != nil {
			return Reply(strings.Join(done, "\n")), err
		}
		done = append(done, r)
	}
	return Reply(strings.Join(done, "\n")), nil
}
