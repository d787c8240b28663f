package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redisx"
)

// delivery is one claimed (chat, broadcast) pair.
type delivery struct {
	member  string
	id      string
	chat    bot.ChatRef
	msg     bot.Message
	kind    string
	urgent  bool
	tries   int
	members int // cached count for today, -1 unknown
}

// Run claims due deliveries and sends them with cfg.Workers sends in flight
// until ctx ends; sends under way then finish and are recorded, and claimed
// deliveries not yet started go back to the queue. Several Runs, in one
// replica or many, share the work.
func (o *Outbox) Run(ctx context.Context) error {
	jobs := make(chan delivery)
	hand := &inHand{m: map[string]bool{}}
	o.reclaim(ctx)
	var wg sync.WaitGroup
	for range max(o.cfg.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				o.deliver(ctx, d)
				hand.drop(d.member)
			}
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		o.renew(ctx, hand)
	}()
	go func() {
		defer wg.Done()
		o.countMembers(ctx)
	}()
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	for {
		ds, next, err := o.claim(ctx, max(o.cfg.Batch, 1))
		if err != nil && ctx.Err() == nil {
			o.log.Error("outbox claim", "err", err)
		}
		hand.add(ds)
		for i, d := range ds {
			select {
			case jobs <- d:
			case <-ctx.Done():
				for _, d := range ds[i:] {
					o.retry(context.WithoutCancel(ctx), d, o.now(), false)
				}
				return nil
			}
		}
		if len(ds) == max(o.cfg.Batch, 1) {
			continue
		}
		wait := o.cfg.Poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(o.now()), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-o.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// inHand is the set of deliveries one Run has claimed and not finished.
type inHand struct {
	mu sync.Mutex
	m  map[string]bool
}

func (h *inHand) add(ds []delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, d := range ds {
		h.m[d.member] = true
	}
}

func (h *inHand) drop(member string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, member)
}

func (h *inHand) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Keys(h.m))
}

// renew extends the lease of every delivery in hand every third of Lease
// until ctx ends, so a lease lapses only when its worker is gone, and Lease
// can be short: a dead replica's deliveries go out again soon.
func (o *Outbox) renew(ctx context.Context, hand *inHand) {
	t := time.NewTicker(o.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ms := hand.list()
		if len(ms) == 0 {
			continue
		}
		deadline := float64(o.now().Add(o.cfg.Lease).UnixMilli())
		zs := make([]redis.Z, len(ms))
		for i, m := range ms {
			zs[i] = redis.Z{Score: deadline, Member: m}
		}
		if err := o.rdb.ZAddXX(ctx, o.key("inflight"), zs...).Err(); err != nil && ctx.Err() == nil {
			o.log.Error("outbox: renew leases", "err", err)
		}
	}
}

// reclaim puts back in the queue, due now, the deliveries this replica's
// previous run left in flight (it was killed): they go out again at once
// instead of after their leases.
func (o *Outbox) reclaim(ctx context.Context) {
	if o.cfg.Replica == "" {
		return
	}
	n, err := reclaimScript.Run(ctx, o.rdb, []string{o.key("inflight"), o.key("pending"), o.key("holders")},
		o.cfg.Replica, o.now().UnixMilli()).Int()
	if err != nil {
		o.log.Error("outbox: take back deliveries of the last run", "err", err)
		return
	}
	if n > 0 {
		o.log.Info("outbox: took back deliveries the last run left in flight", "deliveries", n)
	}
}

// claim takes up to n due deliveries, returning them and the due time of
// the next one still waiting (zero if none).
func (o *Outbox) claim(ctx context.Context, n int) ([]delivery, time.Time, error) {
	now := o.now()
	v, err := claimScript.Run(ctx, o.rdb, []string{o.key("pending"), o.key("inflight"), o.key("holders")},
		o.base, now.UnixMilli(), now.Add(o.cfg.Lease).UnixMilli(), n,
		o.key("members", o.day(now)), o.cfg.Replica).Result()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claim: %w", err)
	}
	res, err := parseClaim(v)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claim: %w", err)
	}
	o.metrics.QueueDepth("outbox", float64(res.depth))
	out := make([]delivery, 0, len(res.rows))
	for _, r := range res.rows {
		d := r.d
		if err := json.Unmarshal([]byte(r.msg), &d.msg); err != nil {
			o.log.Error("outbox: bad message", "broadcast", d.id, "err", err)
			o.fail(ctx, d, fmt.Sprintf(ReasonPermanent, "消息格式错误"))
			continue
		}
		out = append(out, d)
	}
	return out, res.next, nil
}

// claimReply is claimScript's reply: the deliveries claimed (their message
// still JSON), when the next waiting one is due, and the queue's depth.
type claimReply struct {
	rows  []claimRow
	next  time.Time
	depth int64
}

type claimRow struct {
	d   delivery
	msg string
}

// parseClaim reads claimScript's reply, {{member, msg, kind, urgent,
// tries, grid, cached members}...}, next due score or "", depth; any other
// shape is a redisx.ErrReply.
func parseClaim(v any) (claimReply, error) {
	top, err := redisx.Array(v, 3)
	if err != nil {
		return claimReply{}, err
	}
	var res claimReply
	nxt, err := redisx.String(top[1])
	if err != nil {
		return claimReply{}, err
	}
	if nxt != "" {
		ms, err := strconv.ParseFloat(nxt, 64)
		if err != nil {
			return claimReply{}, fmt.Errorf("%w: next due %q", redisx.ErrReply, nxt)
		}
		res.next = time.UnixMilli(int64(ms))
	}
	if res.depth, err = redisx.Int(top[2]); err != nil {
		return claimReply{}, err
	}
	rows, err := redisx.Array(top[0], 0)
	if err != nil {
		return claimReply{}, err
	}
	for _, r := range rows {
		f, err := redisx.Array(r, 7)
		if err != nil {
			return claimReply{}, err
		}
		var s [7]string
		for i := range s {
			if s[i], err = redisx.OptString(f[i]); err != nil {
				return claimReply{}, fmt.Errorf("delivery field %d: %w", i, err)
			}
		}
		id, chat, ok := strings.Cut(s[0], "|")
		if !ok {
			return claimReply{}, fmt.Errorf("%w: delivery %q", redisx.ErrReply, s[0])
		}
		d := delivery{member: s[0], id: id, chat: bot.ChatRef(chat), kind: s[2], urgent: s[3] == "1", members: -1}
		d.tries, _ = strconv.Atoi(s[4])
		if m, err := strconv.Atoi(s[6]); err == nil {
			d.members = m
		}
		res.rows = append(res.rows, claimRow{d: d, msg: s[1]})
	}
	return res, nil
}

// parseRecorded reads the {recorded 1/0, report due 1/0} that sentScript,
// countScript and failedScript return, passing err through; it reports
// whether the broadcast's report is now due. Another shape is a
// redisx.ErrReply.
func parseRecorded(v any, err error) (reportDue bool, _ error) {
	if err != nil {
		return false, err
	}
	ns, err := redisx.Ints(v, 2)
	if err != nil {
		return false, err
	}
	return ns[1] == 1, nil
}

// buckets names the rate-limit buckets of a chat (see ratelimit.Buckets).
func buckets(c bot.ChatRef) (global, chat string) { return ratelimit.Buckets(c) }

// deliver sends one delivery and records the outcome.
func (o *Outbox) deliver(ctx context.Context, d delivery) {
	wctx := context.WithoutCancel(ctx)
	if !d.urgent && o.quiet.in(o.now()) {
		o.retry(wctx, d, o.quiet.hold(o.now()), false)
		return
	}
	global, chat := buckets(d.chat)
	if slices.Contains(o.cfg.Paid, d.chat.Platform()) {
		global = d.chat.Platform() + ":paid"
		d.msg.PaidBroadcast = true
	}
	if !o.takeTokens(ctx, d, global, chat) {
		return
	}
	sctx, cancel := context.WithTimeout(wctx, o.cfg.SendTimeout)
	msgID, err := o.send.Send(sctx, d.chat, d.msg)
	cancel()
	if err == nil {
		o.sent(wctx, d, msgID)
		return
	}
	o.failed(wctx, d, err, chat)
}

// sent records a delivery that went out. Its members come from today's
// cache; when the cache has none, the count is owed: looked up later by
// countMembers, off the send path, so no platform call but the send is
// made here.
func (o *Outbox) sent(ctx context.Context, d delivery, msgID string) {
	o.metrics.Delivery(d.chat.Platform(), "sent")
	members, owed := max(d.members, 0), boolStr(d.members < 0 && d.kind != KindReport)
	now := o.now()
	count := boolStr(d.kind != KindReport)
	res, err := sentScript.Run(ctx, o.rdb,
		[]string{o.key("inflight"), o.key("pending"), o.key("reach", o.day(now)), o.key("counts"), o.key("holders")},
		o.base, d.member, msgID, members, owed, int64(o.cfg.Retention.Seconds()), o.day(now), count).Result()
	reportDue, err := parseRecorded(res, err)
	if err != nil {
		o.log.Error("outbox: record sent", "broadcast", d.id, "chat", d.chat, "err", err)
		return
	}
	if reportDue {
		o.report(ctx, d.id)
	}
	if owed == "1" {
		select {
		case o.counts <- struct{}{}:
		default:
		}
	}
}

// memberCount asks the platform for a chat's members, falling back to the
// Directory's count (0 if unknown). A platform call first takes a token
// from the platform's bucket, like a send.
func (o *Outbox) memberCount(ctx context.Context, chat bot.ChatRef) int {
	if ci, ok := o.send.(bot.ChatInspector); ok {
		global, _ := buckets(chat)
		if err := o.lim.Wait(ctx, global); err != nil {
			return 0
		}
		if n, err := ci.MemberCount(ctx, chat); err == nil && n > 0 {
			if o.dir != nil {
				_ = o.dir.SetMembers(ctx, chat, n)
			}
			return n
		}
	}
	if o.dir != nil {
		if c, err := o.dir.Chat(ctx, chat); err == nil {
			return c.Members
		}
	}
	return 0
}

// countMembers looks up the member counts owed by sent deliveries (see
// sent) whenever no delivery is due or in flight in any replica, each
// look-up spending a token of the platform's bucket, and adds them to the
// broadcasts and reach records; a broadcast's report waits for them.
// Several replicas may look up the same chat; each count is added once.
func (o *Outbox) countMembers(ctx context.Context) {
	t := time.NewTimer(o.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.counts:
		case <-t.C:
		}
		// A page of HSCAN may be empty before the end (a large hash whose
		// first buckets were emptied), so the cursor goes on to 0.
		for cursor := uint64(0); ctx.Err() == nil; {
			if idle, err := o.idle(ctx, false); err != nil || !idle {
				break
			}
			owed, next, err := o.rdb.HScan(ctx, o.key("counts"), cursor, "", 32).Result()
			if err != nil {
				break
			}
			ok := true
			for i := 0; ok && i+1 < len(owed) && ctx.Err() == nil; i += 2 {
				ok = o.countOne(ctx, owed[i], owed[i+1])
			}
			if cursor = next; !ok || cursor == 0 && len(owed) == 0 {
				break
			}
		}
		t.Reset(o.cfg.Poll)
	}
}

// countOne adds the members of one owed delivery (member "<id>|<chat>",
// sent on day); false if that could not be recorded.
func (o *Outbox) countOne(ctx context.Context, member, day string) bool {
	id, chat, _ := strings.Cut(member, "|")
	cache := o.key("members", day)
	n, err := o.rdb.HGet(ctx, cache, chat).Int()
	if err != nil {
		n = o.memberCount(ctx, bot.ChatRef(chat))
	}
	if ctx.Err() != nil {
		return false
	}
	res, err := countScript.Run(ctx, o.rdb, []string{o.key("counts"), o.key("reach", day), cache},
		o.base, member, n, int64(o.cfg.Retention.Seconds()), int64((48 * time.Hour).Seconds())).Result()
	reportDue, err := parseRecorded(res, err)
	if err != nil {
		o.log.Error("outbox: record members", "broadcast", id, "chat", chat, "err", err)
		return false
	}
	if reportDue {
		o.report(ctx, id)
	}
	return true
}

func (o *Outbox) failed(ctx context.Context, d delivery, err error, chatBucket string) {
	kind := bot.KindOf(err)
	p := d.chat.Platform()
	o.metrics.Delivery(p, bot.KindLabel(kind))
	o.log.Warn("outbox send", "broadcast", d.id, "chat", d.chat, "kind", bot.KindLabel(kind), "err", err)
	now := o.now()
	switch kind {
	case bot.RateLimited:
		ra := time.Second
		if se := (*bot.SendError)(nil); errors.As(err, &se) && se.RetryAfter > ra {
			ra = se.RetryAfter
		}
		if err := o.lim.Backoff(ctx, chatBucket, ra); err != nil {
			o.log.Error("outbox backoff", "err", err)
		}
		if d.tries+1 >= 3*o.cfg.MaxTries {
			o.fail(ctx, d, fmt.Sprintf(ReasonLimited, d.tries+1))
			return
		}
		o.retry(ctx, d, now.Add(ra), true)
	case bot.Temporary:
		if d.tries+1 >= o.cfg.MaxTries {
			o.fail(ctx, d, fmt.Sprintf(ReasonTemporary, d.tries+1))
			return
		}
		o.retry(ctx, d, now.Add(o.backoff(d.tries)), true)
	case bot.Gone:
		o.markGone(ctx, d.chat)
		o.fail(ctx, d, ReasonGone)
	default:
		desc := err.Error()
		if se := (*bot.SendError)(nil); errors.As(err, &se) && se.Desc != "" {
			desc = se.Desc
		}
		o.fail(ctx, d, fmt.Sprintf(ReasonPermanent, bot.Truncate(desc, 80)))
	}
}

// backoff is the wait after the given number of failed tries: Backoff
// doubled per try, capped at MaxBackoff, then jittered to 50–100%.
func (o *Outbox) backoff(tries int) time.Duration {
	d := o.cfg.Backoff
	for range tries {
		if d >= o.cfg.MaxBackoff {
			break
		}
		d *= 2
	}
	d = min(d, o.cfg.MaxBackoff)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (o *Outbox) fail(ctx context.Context, d delivery, reason string) {
	res, err := failedScript.Run(ctx, o.rdb, []string{o.key("inflight"), o.key("pending"), o.key("holders")},
		o.base, d.member, reason, int64(o.cfg.Retention.Seconds())).Result()
	reportDue, err := parseRecorded(res, err)
	if err != nil {
		o.log.Error("outbox: record failure", "broadcast", d.id, "chat", d.chat, "err", err)
		return
	}
	if reportDue {
		o.report(ctx, d.id)
	}
}

func (o *Outbox) retry(ctx context.Context, d delivery, due time.Time, bump bool) {
	if bump {
		o.metrics.Delivery(d.chat.Platform(), "retry")
	}
	err := retryScript.Run(ctx, o.rdb, []string{o.key("inflight"), o.key("pending"), o.key("holders")},
		o.base, d.member, due.UnixMilli(), boolStr(bump), int64(o.cfg.Retention.Seconds())).Err()
	if err != nil {
		o.log.Error("outbox: requeue", "broadcast", d.id, "chat", d.chat, "err", err)
	}
}

// takeTokens takes the delivery's rate-limit tokens, sleeping for them up to
// MaxWait; a longer wait (or ctx ending) puts the delivery back in the queue
// and reports false.
func (o *Outbox) takeTokens(ctx context.Context, d delivery, global, chat string) bool {
	for {
		w, err := o.lim.Take(ctx, global, chat)
		if err != nil {
			if ctx.Err() != nil {
				o.retry(context.WithoutCancel(ctx), d, o.now(), false)
				return false
			}
			o.log.Error("outbox rate limit", "err", err)
			w = time.Second
		}
		if w == 0 {
			return true
		}
		if w > o.cfg.MaxWait {
			o.retry(context.WithoutCancel(ctx), d, o.now().Add(w), false)
			return false
		}
		t := time.NewTimer(w)
		select {
		case <-ctx.Done():
			t.Stop()
			o.retry(context.WithoutCancel(ctx), d, o.now(), false)
			return false
		case <-t.C:
		}
	}
}

// markGone records that the bot can no longer post in chat and, the first
// time, tells staff in private.
func (o *Outbox) markGone(ctx context.Context, chat bot.ChatRef) {
	if o.dir == nil {
		return
	}
	changed, err := o.dir.MarkGone(ctx, chat)
	if err != nil {
		o.log.Error("outbox: mark chat gone", "chat", chat, "err", err)
		return
	}
	if !changed || chat.Platform() == "" {
		return
	}
	info, err := o.dir.Chat(ctx, chat)
	if err != nil {
		o.log.Error("outbox: gone chat", "chat", chat, "err", err)
		return
	}
	if err := grid.NotifyStaff(ctx, o.dir, o, KindReport, "群已失效", grid.GoneAlert(info)); err != nil {
		o.log.Error("outbox: tell staff of gone chat", "chat", chat, "err", err)
	}
}
