package outbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// Report is the state of one broadcast, for staff commands.
type Report struct {
	ID      string
	Kind    string
	Ref     string
	Title   string
	Created time.Time
	// Due is when delivery was (or will be) first due, after NotBefore and
	// quiet hours.
	Due    time.Time
	Urgent bool
	// Total chats; Pending counts those not yet sent, failed or cancelled
	// (in flight included).
	Total, Pending, Sent, Failed, Cancelled int
	// Members is the sum of the member counts of the chats reached;
	// Counting is how many of those counts are still being looked up.
	Members, Counting int
	// State is "" while active, "cancelled" or "recalled".
	State string
	// Awaiting counts chats of a Channel (customer groups) that got a
	// request someone still has to act on (every chat of a Channel that is
	// not a Confirmer); Status leaves them out of Sent and Members, counts
	// those a Confirmer says were never reached as Failed, and the delivery
	// report lets the channel say where they stand.
	Awaiting int
	// Failures, with the chat titles the Directory knows; only Status
	// fills it.
	Failures []Failure
}

// Failure is one chat a broadcast could not reach.
type Failure struct {
	Chat   bot.ChatRef
	Title  string
	Reason string
}

// Done reports whether every delivery has finished and every member count
// of the chats reached is in.
func (r Report) Done() bool { return r.Pending == 0 && r.Counting == 0 }

func (o *Outbox) parse(id string, h map[string]string) Report {
	n := func(f string) int { v, _ := strconv.Atoi(h[f]); return v }
	t := func(f string) time.Time {
		v, _ := strconv.ParseInt(h[f], 10, 64)
		if v == 0 {
			return time.Time{}
		}
		return time.Unix(v, 0).In(o.loc)
	}
	r := Report{ID: id, Kind: h["kind"], Ref: h["ref"], Title: h["title"], Created: t("created"),
		Urgent: h["urgent"] == "1", Total: n("total"), Sent: n("sent"), Failed: n("failed"),
		Cancelled: n("cancelled"), Members: n("members"), Counting: max(n("counting"), 0), State: h["state"]}
	if ms, err := strconv.ParseInt(h["due"], 10, 64); err == nil && ms > 0 {
		r.Due = time.UnixMilli(ms).In(o.loc)
	}
	r.Pending = max(r.Total-r.Sent-r.Failed-r.Cancelled, 0)
	return r
}

// Status returns a broadcast's progress with every failure and its reason;
// ErrNotFound for an unknown id.
func (o *Outbox) Status(ctx context.Context, id string) (Report, error) {
	pipe := o.rdb.Pipeline()
	hc := pipe.HGetAll(ctx, o.bkey(id))
	fc := pipe.HGetAll(ctx, o.bkey(id, "failed"))
	var sc *redis.MapStringStringCmd
	if len(o.chans) > 0 {
		sc = pipe.HGetAll(ctx, o.bkey(id, "sent"))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return Report{}, fmt.Errorf("status of broadcast %s: %w", id, err)
	}
	if len(hc.Val()) == 0 {
		return Report{}, fmt.Errorf("broadcast %s: %w", id, ErrNotFound)
	}
	r := o.parse(id, hc.Val())
	if sc != nil {
		o.settleChannels(ctx, id, &r, sc.Val())
	}
	for c, reason := range fc.Val() {
		f := Failure{Chat: bot.ChatRef(c), Reason: reason, Title: c}
		if o.dir != nil {
			if info, err := o.dir.Chat(ctx, f.Chat); err == nil && info.Title != "" {
				f.Title = info.Title
			}
		}
		r.Failures = append(r.Failures, f)
	}
	slices.SortFunc(r.Failures, func(a, b Failure) int { return strings.Compare(a.Title, b.Title) })
	return r, nil
}

// List returns the n most recent broadcasts, newest first, without their
// failures.
func (o *Outbox) List(ctx context.Context, n int) ([]Report, error) {
	if n <= 0 {
		return nil, nil
	}
	ids, err := o.rdb.ZRevRange(ctx, o.key("recent"), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("recent broadcasts: %w", err)
	}
	pipe := o.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, o.bkey(id))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("recent broadcasts: %w", err)
		}
	}
	out := make([]Report, 0, len(ids))
	for i, id := range ids {
		if h := cmds[i].Val(); len(h) > 0 {
			out = append(out, o.parse(id, h))
		}
	}
	return out, nil
}

// Cancel drops the deliveries of a broadcast that have not started (a
// scheduled notice, or the rest of one under way) and returns how many; a
// delivery being sent at that moment still completes. ErrNotFound for an
// unknown id.
func (o *Outbox) Cancel(ctx context.Context, id string) (int, error) {
	n, err := cancelScript.Run(ctx, o.rdb, []string{o.key("pending")}, o.base, id).Int()
	if err != nil {
		return 0, fmt.Errorf("cancel broadcast %s: %w", id, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("broadcast %s: %w", id, ErrNotFound)
	}
	return n, nil
}

// Recall cancels what is still pending of a broadcast and deletes the
// messages already sent, where the platform allows it (under the
// platform's global rate limit). It returns how many messages it deleted
// and how many it could not; chats recalled before are not counted again.
func (o *Outbox) Recall(ctx context.Context, id string) (deleted, failed int, err error) {
	if _, err := o.Cancel(ctx, id); err != nil {
		return 0, 0, err
	}
	if err := o.rdb.HSet(ctx, o.bkey(id), "state", "recalled").Err(); err != nil {
		return 0, 0, fmt.Errorf("recall broadcast %s: %w", id, err)
	}
	pipe := o.rdb.Pipeline()
	sc := pipe.HGetAll(ctx, o.bkey(id, "sent"))
	rc := pipe.HGetAll(ctx, o.bkey(id, "recalled"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, 0, fmt.Errorf("recall broadcast %s: %w", id, err)
	}
	del, _ := o.send.(bot.Deleter)
	chats := make([]string, 0, len(sc.Val()))
	for c := range sc.Val() {
		if rc.Val()[c] == "" {
			chats = append(chats, c)
		}
	}
	slices.Sort(chats)
	for _, c := range chats {
		chat := bot.ChatRef(c)
		if del == nil {
			failed++
			continue
		}
		global, _ := buckets(chat)
		if err := o.lim.Wait(ctx, global); err != nil {
			return deleted, failed, err
		}
		if err := del.Delete(ctx, chat, sc.Val()[c]); err != nil {
			o.log.Warn("outbox recall", "broadcast", id, "chat", chat, "err", err)
			failed++
			continue
		}
		deleted++
		if err := o.rdb.HSet(ctx, o.bkey(id, "recalled"), c, "1").Err(); err != nil {
			return deleted, failed, fmt.Errorf("recall broadcast %s: %w", id, err)
		}
		o.rdb.Expire(ctx, o.bkey(id, "recalled"), o.cfg.Retention)
	}
	return deleted, failed, nil
}

// ReportText is the delivery report staff get: how many groups and
// members were reached, and each failure with its reason.
func ReportText(r Report) string {
	title := r.Title
	if title == "" {
		title = msgUntitled
	}
	var b strings.Builder
	fmt.Fprintf(&b, msgReportHead, bot.Esc(title), r.Sent, r.Members)
	switch {
	case len(r.Failures) > 0:
		fmt.Fprintf(&b, msgReportFailed, len(r.Failures))
		for _, f := range r.Failures {
			fmt.Fprintf(&b, msgReportLine, bot.Esc(f.Title), bot.Esc(f.Reason))
		}
	case r.Cancelled == 0 && r.State != "recalled" && r.Awaiting == 0:
		b.WriteString(msgReportAllOK)
	}
	if r.Cancelled > 0 {
		fmt.Fprintf(&b, msgReportCancel, r.Cancelled)
	}
	if r.State == "recalled" {
		b.WriteString(msgReportRecall)
	}
	return b.String()
}

// report queues the delivery report of a finished broadcast to its
// ReportTo; the caller won the atomic "reported" flag, so it runs once.
func (o *Outbox) report(ctx context.Context, id string) {
	r, err := o.Status(ctx, id)
	if err != nil {
		o.log.Error("outbox: delivery report", "broadcast", id, "err", err)
		return
	}
	to, err := o.rdb.HGet(ctx, o.bkey(id), "report_to").Result()
	if err != nil || to == "" {
		return
	}
	notes := o.channelNotes(ctx, id)
	_, err = o.Enqueue(ctx, bot.Broadcast{Kind: KindReport, Ref: id, Title: r.Title,
		Chats: []bot.ChatRef{bot.ChatRef(to)}, Urgent: true,
		Message: bot.Message{Text: ReportText(r) + notes}})
	if err != nil {
		o.log.Error("outbox: delivery report", "broadcast", id, "err", err)
	}
}

// channelNotes is what the channels add to the report of broadcast id about
// their chats it reached (Status has already counted only those a
// Confirmer says were reached as Sent).
func (o *Outbox) channelNotes(ctx context.Context, id string) string {
	if len(o.chans) == 0 {
		return ""
	}
	sent, err := o.Sent(ctx, id)
	if err != nil {
		o.log.Error("outbox: delivery report", "broadcast", id, "err", err)
		return ""
	}
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(o.chans)) {
		mine := map[bot.ChatRef]string{}
		for c, m := range sent {
			if c.Platform() == p {
				mine[c] = m
			}
		}
		if len(mine) > 0 {
			if note := o.chans[p].ReportNote(ctx, mine); note != "" {
				b.WriteString("\n" + note)
			}
		}
	}
	return b.String()
}

// Idle reports whether no delivery is due now or being sent and no member
// count of a sent delivery is still to be looked up (the delivery report
// waits for those): the local trial waits for it before exiting so a
// scripted run shows every message. Deliveries held for later (quiet hours,
// NotBefore, backoff) do not count.
func (o *Outbox) Idle(ctx context.Context) (bool, error) {
	return o.idle(ctx, true)
}

// idle is Idle; counts says whether owed member counts keep it busy (the
// member-count look-ups themselves wait only for the sends).
func (o *Outbox) idle(ctx context.Context, counts bool) (bool, error) {
	now := strconv.FormatInt(o.now().UnixMilli(), 10)
	pipe := o.rdb.Pipeline()
	due := pipe.ZCount(ctx, o.key("pending"), "-inf", now)
	inflight := pipe.ZCard(ctx, o.key("inflight"))
	var owed *redis.IntCmd
	if counts {
		owed = pipe.HLen(ctx, o.key("counts"))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("outbox idle: %w", err)
	}
	return due.Val() == 0 && inflight.Val() == 0 && (owed == nil || owed.Val() == 0), nil
}
