package events

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/when"
	"gridbot/bot/zh"
)

// checkinArgs reads "7 4821", "7号 4821", "7" and "4821" (numbers only).
func checkinArgs(s string) (nums []string) {
	s = when.Fold(s)
	for _, w := range bot.Fields(strings.NewReplacer("号", " ", "第", " ", "签到码", " ", "#", " ").Replace(s)) {
		if n, rest, ok := zh.LeadingNumber(w); ok && rest == "" {
			if w[0] >= '0' && w[0] <= '9' {
				nums = append(nums, w)
			} else {
				nums = append(nums, strconv.Itoa(n))
			}
		}
		if len(nums) == 2 {
			break
		}
	}
	return nums
}

// isWorker reports whether the speaker may run check-in here: staff, an
// appointed grid worker, or an administrator of this bound group (the
// router's own check, through the grid directory's admin cache).
func (f *Feature) isWorker(ctx context.Context, c *bot.Context) bool {
	if c.Role >= bot.GridWorker {
		return true
	}
	return c.InGroup() && c.FullRole(ctx) >= bot.GridWorker
}

func (f *Feature) checkinWindow(e *Event) (opens, closes time.Time) {
	opens = e.Start.Add(-time.Duration(f.cfg.CheckinBeforeMinutes) * time.Minute)
	closes = e.End
	if closes.IsZero() {
		closes = e.Start.Add(time.Duration(f.cfg.DefaultLengthMinutes) * time.Minute)
	}
	return opens, closes
}

func (f *Feature) checkin(ctx context.Context, c *bot.Context) error {
	nums := checkinArgs(c.Args)
	worker := f.isWorker(ctx, c)
	var id int64
	var code string
	switch len(nums) {
	case 2:
		n, _ := strconv.ParseInt(nums[0], 10, 64)
		id, code = n, nums[1]
	case 1:
		n, _ := strconv.ParseInt(nums[0], 10, 64)
		id = n
		if !worker && len(nums[0]) == 4 {
			if e := f.eventWithCode(ctx, c, nums[0]); e != nil {
				id, code = e.ID, nums[0]
			}
		}
	}
	if id == 0 && (worker || len(nums) == 0) {
		e, err := f.pickCheckin(ctx, c, worker)
		if err != nil {
			return err
		}
		id = e.ID
	}
	e, err := f.load(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case worker && c.Update.ReplyTo != nil && c.Update.ReplyTo.User != "":
		r := c.Update.ReplyTo
		return f.checkinPerson(ctx, c, e, signup{User: r.User, Name: r.UserName, N: 1}, "", true)
	case code != "":
		return f.checkinPerson(ctx, c, e, signup{User: c.Update.User, Name: c.Update.UserName, N: 1}, code, false)
	case worker:
		return f.openCheckin(ctx, c, e)
	}
	return bot.Userf(msgCheckinNeed, strconv.FormatInt(e.ID, 10))
}

// pickCheckin returns the one activity of this grid whose check-in window
// is open now.
func (f *Feature) pickCheckin(ctx context.Context, c *bot.Context, worker bool) (*Event, error) {
	evs, err := f.st.upcoming(ctx, f.now().Add(-48*time.Hour))
	if err != nil {
		return nil, err
	}
	var live []*Event
	for _, e := range evs {
		opens, closes := f.checkinWindow(e)
		if e.targets(c.Grid) && !f.now().Before(opens) && f.now().Before(closes) {
			live = append(live, e)
		}
	}
	if len(live) == 0 {
		if worker {
			return nil, bot.Userf(msgCheckinWhich, f.exampleID(ctx, signupGrids(c)))
		}
		return nil, bot.Userf(msgCheckinNeed, f.exampleID(ctx, signupGrids(c)))
	}
	return f.pickOne(live, "签到")
}

func (f *Feature) eventWithCode(ctx context.Context, c *bot.Context, code string) *Event {
	evs, err := f.st.upcoming(ctx, f.now().Add(-48*time.Hour))
	if err != nil {
		return nil
	}
	for _, e := range evs {
		if e.Code == code && f.now().Before(e.CodeTill) && e.targets(c.Grid) {
			return e
		}
	}
	return nil
}

func (f *Feature) openCheckin(ctx context.Context, c *bot.Context, e *Event) error {
	if e.Cancelled() {
		return bot.Gonef(msgCancelled, bot.Esc(e.Title), e.ID)
	}
	opens, closes := f.checkinWindow(e)
	now := f.now()
	switch {
	case now.Before(opens):
		return bot.Userf(msgCheckinEarly, bot.Esc(e.Title), e.ID, f.fmtTime(e.Start), f.cfg.CheckinBeforeMinutes)
	case !now.Before(closes):
		return bot.Gonef(msgCheckinOver, bot.Esc(e.Title), e.ID)
	}
	code := e.Code
	if code == "" || !now.Before(e.CodeTill) {
		n, err := rand.Int(rand.Reader, big.NewInt(9000))
		if err != nil {
			return fmt.Errorf("check-in code: %w", err)
		}
		code = strconv.FormatInt(n.Int64()+1000, 10)
		if err := f.st.set(ctx, e.ID, "code", code, "code_till", closes.Unix()); err != nil {
			return err
		}
	}
	return c.Reply(ctx, fmt.Sprintf(msgCheckinCode, bot.Esc(e.Title), e.ID, code, e.ID, code, when.FormatClock(closes, f.env.Loc)))
}

// checkinPerson records attendance; by a grid worker (byWorker) no code is
// needed but the check-in window must be open.
func (f *Feature) checkinPerson(ctx context.Context, c *bot.Context, e *Event, su signup, code string, byWorker bool) error {
	now := f.now()
	if byWorker {
		opens, closes := f.checkinWindow(e)
		if now.Before(opens) {
			return bot.Userf(msgCheckinEarly, bot.Esc(e.Title), e.ID, f.fmtTime(e.Start), f.cfg.CheckinBeforeMinutes)
		}
		if !now.Before(closes) {
			return bot.Gonef(msgCheckinOver, bot.Esc(e.Title), e.ID)
		}
	}
	su.At, su.Grid = now, c.Grid
	if su.Grid == "" && !byWorker {
		su.Grid = firstTargeted(e, c.Homes)
	}
	if c.InGroup() {
		su.Chat = c.Update.Chat
	}
	res, err := f.st.checkin(ctx, e.ID, su, code, now)
	if err != nil {
		return err
	}
	title, name := bot.Esc(e.Title), displayName(su.Name)
	switch res.Code {
	case codeOK:
		walkIn := len(res.Extra) == 0 || res.Extra[0] == ""
		if !walkIn {
			rec := parseSignup(string(su.User), res.Extra[0])
			su.N = rec.N
			if rec.Grid != "" {
				su.Grid = rec.Grid
			}
		}
		if err := f.record(ctx, e, su, now); err != nil {
			return err
		}
		var text string
		switch {
		case byWorker:
			text = fmt.Sprintf(msgCheckinFor, name, title, e.ID)
			if walkIn {
				text += msgCheckinWalkFor
			}
		default:
			text = fmt.Sprintf(msgCheckinOK, name, title, e.ID)
			if walkIn {
				text += msgCheckinWalkIn
			}
		}
		if e.Hours > 0 {
			text += fmt.Sprintf(msgCheckinHours, hoursText(e.Hours))
		}
		return c.ReplyMessage(ctx, bot.Message{Text: text, ReplyTo: c.Update.MessageID})
	case codeAgain:
		return bot.Conflictf(msgCheckinAgain, name, title, e.ID)
	case codeBadCode:
		return bot.Userf(msgCheckinBad, e.ID)
	case codeNoCode:
		return bot.Userf(msgCheckinNoCode, title, e.ID)
	case codeExpired:
		return bot.Gonef(msgCheckinOver, title, e.ID)
	case codeCancelled:
		return bot.Gonef(msgCancelled, title, e.ID)
	case codeNotFound:
		return bot.NotFoundf(msgNotFound, e.ID)
	}
	return fmt.Errorf("checkin %d: unexpected reply %q", e.ID, res.Code)
}

// attendanceKey returns the Redis hash holding one day's attendance
// records (day in the configured zone, "20270212"). Fields are
// "<event id>:<user>", values "grid␟headcount␟hours␟unix time␟name"
// (␟ is \x1f). Records are kept Config.RecordDays (over three years).
func attendanceKey(k bot.Keys, day string) string { return k.Key("ev", "att", day) }

// volunteerKey returns the Redis hash of volunteer hours per user for one
// year ("2027"), credited once per person per activity at check-in.
func volunteerKey(k bot.Keys, year string) string { return k.Key("ev", "vol", year) }

// record writes the attendance record and volunteer hours of a check-in
// the script has just marked. The ledger keys live outside the event's hash
// tag (and in two slots of their own on Redis Cluster), so they cannot be
// written by the script or by one MULTI. The attendance record goes first
// (a field per event and person, so writing it again is harmless), then the
// hours; if either fails the check-in mark is taken back so the resident is
// told to retry (系统繁忙) and the retry counts again.
func (f *Feature) record(ctx context.Context, e *Event, su signup, now time.Time) error {
	local := now.In(f.env.Loc)
	ttl := time.Duration(f.cfg.RecordDays) * 24 * time.Hour
	day, year := local.Format("20060102"), local.Format("2006")
	val := strings.Join([]string{clean(su.Grid), strconv.Itoa(max(1, su.N)), hoursText(e.Hours), strconv.FormatInt(now.Unix(), 10), clean(su.Name)}, sep)
	_, err := f.env.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, attendanceKey(f.env.Keys, day), strconv.FormatInt(e.ID, 10)+":"+string(su.User), val)
		p.Expire(ctx, attendanceKey(f.env.Keys, day), ttl)
		return nil
	})
	if err == nil && e.Hours > 0 {
		_, err = f.env.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HIncrByFloat(ctx, volunteerKey(f.env.Keys, year), string(su.User), e.Hours)
			p.Expire(ctx, volunteerKey(f.env.Keys, year), ttl+366*24*time.Hour)
			return nil
		})
	}
	if err == nil {
		return nil
	}
	if uerr := f.env.Redis.HDel(context.WithoutCancel(ctx), f.st.key(e.ID, "chk"), string(su.User)).Err(); uerr != nil {
		f.log.Error("check-in recorded without attendance", "event", e.ID, "user", su.User, "err", uerr)
	}
	return fmt.Errorf("attendance record of event %d: %w", e.ID, err)
}

// firstTargeted returns the first of grids that e is for, "" if none.
func firstTargeted(e *Event, grids []string) string {
	for _, g := range grids {
		if slices.Contains(e.Grids, g) {
			return g
		}
	}
	return ""
}
