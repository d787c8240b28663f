package replies

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gridbot/bot"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redisx"
)

// maxAnswers is the most answers of one group a claim takes.
const maxAnswers = 200

// claimed is one group a worker holds: what it owes the group as of the
// claim.
type claimed struct {
	chat    bot.ChatRef
	at      int64
	answers []*entry
	lives   []*live
}

type entry struct {
	id   string
	a    stored
	told bool
	done bool
	tell bool  // told privately in this round
	bad  error // the stored answer did not decode
}

type live struct {
	key   string
	mark  string
	since int64
	msgID string
	hash  string // of the content last shown
	op    string // "set" or "forget" once handled in this round
	newID string // "msgID|hash" to store
}

// digest identifies a live message's content, to skip edits that would
// change nothing (Telegram counts them against the budget all the same).
func digest(m bot.Message) string {
	h := sha256.New()
	h.Write([]byte(m.Text))
	for _, row := range m.Buttons {
		for _, b := range row {
			h.Write([]byte("\x00" + b.Text + "\x00" + b.Data + "\x00" + b.URL))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Run claims due groups and sends to them until ctx ends; sends under way
// then finish and are recorded. Several Runs, in one replica or many, share
// the work.
func (c *Coalescer) Run(ctx context.Context) error {
	sem := make(chan struct{}, c.cfg.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		free := c.cfg.Workers - len(sem)
		var next time.Time
		if free > 0 {
			cls, nx, err := c.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				c.log.Error("claim", "err", err)
			}
			next = nx
			for _, cl := range cls {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					c.process(context.WithoutCancel(ctx), cl)
				}()
			}
		}
		wait := c.cfg.Poll
		if !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-c.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (c *Coalescer) claim(ctx context.Context, n int) ([]claimed, time.Time, error) {
	now := c.now()
	res, err := claimScript.Run(ctx, c.rdb, []string{c.key("due"), c.key("lease")},
		c.base, now.UnixMilli(), now.Add(c.cfg.Lease).UnixMilli(), n, maxAnswers).Result()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claim: %w", err)
	}
	out, next, err := parseClaim(res, now.UnixMilli())
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claim: %w", err)
	}
	for _, cl := range out {
		for _, en := range cl.answers {
			if en.bad != nil {
				c.log.Error("bad queued answer", "chat", cl.chat, "id", en.id, "err", en.bad)
			}
		}
	}
	return out, next, nil
}

// parseClaim reads claimScript's reply: {{chat, {{id, answer JSON, told
// 0/1}...}, {{key, mark, "msgID|hash"}...}}...}, then the next due score
// or "". An answer whose JSON does not decode comes back done, with bad
// set; any other shape is a redisx.ErrReply.
func parseClaim(res any, at int64) ([]claimed, time.Time, error) {
	top, err := redisx.Array(res, 2)
	if err != nil {
		return nil, time.Time{}, err
	}
	var next time.Time
	if s, err := redisx.String(top[1]); err != nil {
		return nil, time.Time{}, err
	} else if s != "" {
		ms, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("%w: next due %q", redisx.ErrReply, s)
		}
		next = time.UnixMilli(int64(ms))
	}
	rows, err := redisx.Array(top[0], 0)
	if err != nil {
		return nil, time.Time{}, err
	}
	out := make([]claimed, 0, len(rows))
	for _, r := range rows {
		cl, err := parseClaimed(r, at)
		if err != nil {
			return nil, time.Time{}, err
		}
		out = append(out, cl)
	}
	return out, next, nil
}

func parseClaimed(r any, at int64) (claimed, error) {
	f, err := redisx.Array(r, 3)
	if err != nil {
		return claimed{}, err
	}
	chat, err := redisx.String(f[0])
	if err != nil {
		return claimed{}, err
	}
	cl := claimed{chat: bot.ChatRef(chat), at: at}
	es, err := redisx.Array(f[1], 0)
	if err != nil {
		return claimed{}, err
	}
	for _, e := range es {
		ef, err := redisx.Array(e, 3)
		if err != nil {
			return claimed{}, err
		}
		id, err1 := redisx.String(ef[0])
		js, err2 := redisx.String(ef[1])
		told, err3 := redisx.Int(ef[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return claimed{}, err
		}
		en := &entry{id: id, told: told == 1}
		if err := json.Unmarshal([]byte(js), &en.a); err != nil {
			en.done, en.bad = true, err
		}
		cl.answers = append(cl.answers, en)
	}
	ls, err := redisx.Array(f[2], 0)
	if err != nil {
		return claimed{}, err
	}
	for _, l := range ls {
		lf, err := redisx.Array(l, 3)
		if err != nil {
			return claimed{}, err
		}
		key, err1 := redisx.String(lf[0])
		mark, err2 := redisx.String(lf[1])
		stored, err3 := redisx.String(lf[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return claimed{}, err
		}
		lv := &live{key: key, mark: mark}
		lv.msgID, lv.hash, _ = strings.Cut(stored, "|")
		since, _, _ := strings.Cut(mark, ":")
		lv.since, _ = strconv.ParseInt(since, 10, 64)
		cl.lives = append(cl.lives, lv)
	}
	return cl, nil
}

// process spends the group's tokens on what it is owed, tells privately
// whoever the group cannot answer in time, and records the outcome.
func (c *Coalescer) process(ctx context.Context, cl claimed) {
	global, bucket := ratelimit.Buckets(cl.chat)
	var interval time.Duration
	if r := c.lim.Rule(bucket); !r.Unlimited() {
		interval = r.Interval()
	}
	var next time.Time
	c.skipUnchanged(ctx, cl)
	for {
		owed, lives := c.owed(cl)
		if len(owed) == 0 && len(lives) == 0 {
			break
		}
		w, err := c.lim.Take(ctx, global, bucket)
		if err != nil {
			c.log.Warn("rate limit", "chat", cl.chat, "err", err)
			next = c.now().Add(time.Second)
			break
		}
		if w > 0 {
			next = c.fallback(ctx, cl, owed, lives, w, interval)
			break
		}
		if l := c.nextLive(lives, len(owed) > 0); l != nil && (len(owed) == 0 || l.since <= owed[0].a.At) {
			if err := c.showLive(ctx, cl, l); err != nil {
				if next = c.failed(ctx, cl.chat, bucket, err); !next.IsZero() {
					break
				}
			}
			continue
		}
		if err := c.sendMerged(ctx, cl, owed); err != nil {
			if next = c.failed(ctx, cl.chat, bucket, err); !next.IsZero() {
				break
			}
		}
	}
	if h := heldUntil(cl); !h.IsZero() && (next.IsZero() || h.Before(next)) {
		next = h
	}
	if c.ack(ctx, cl, next) == ackDueNow {
		c.kick()
	}
}

// heldUntil returns when the first answer held past the claim may go out,
// zero when none is held.
func heldUntil(cl claimed) time.Time {
	var h int64
	for _, e := range cl.answers {
		if !e.done && e.a.Hold > cl.at && (h == 0 || e.a.Hold < h) {
			h = e.a.Hold
		}
	}
	if h == 0 {
		return time.Time{}
	}
	return time.UnixMilli(h)
}

// owed returns the answers the group still has to see as messages (oldest
// first) and the live messages to bring up to date. An answer bound to a
// live message is owed only as that message; an answer held past the claim
// is not owed yet.
func (c *Coalescer) owed(cl claimed) ([]*entry, []*live) {
	var lives []*live
	for _, l := range cl.lives {
		if l.op == "" {
			lives = append(lives, l)
		}
	}
	var owed []*entry
	for _, e := range cl.answers {
		if e.done || e.a.Hold > cl.at {
			continue
		}
		if l := findLive(cl.lives, e.a.Live); l != nil && l.op != "forget" {
			if l.op == "set" {
				e.done = true
			} else if e.a.At < l.since {
				l.since = e.a.At
			}
			continue
		}
		owed = append(owed, e)
	}
	slices.SortStableFunc(owed, func(a, b *entry) int { return int(a.a.At - b.a.At) })
	return owed, lives
}

func findLive(ls []*live, key string) *live {
	if key == "" {
		return nil
	}
	for _, l := range ls {
		if l.key == key {
			return l
		}
	}
	return nil
}

// nextLive returns the live message to bring up to date first: the one
// changed longest ago, idle ones only when nothing else is owed.
func (c *Coalescer) nextLive(ls []*live, owed bool) *live {
	var best, idle *live
	for _, l := range ls {
		if c.idle(l.key) {
			if idle == nil || l.since < idle.since {
				idle = l
			}
			continue
		}
		if best == nil || l.since < best.since {
			best = l
		}
	}
	if best == nil && !owed {
		return idle
	}
	return best
}

func (c *Coalescer) idle(key string) bool {
	k, _ := c.kindOf(key)
	return k.opt.Idle
}

// failed handles a failed group send: it returns when to try again, or
// zero when the answers concerned were dropped and the round goes on.
func (c *Coalescer) failed(ctx context.Context, chat bot.ChatRef, bucket string, err error) time.Time {
	c.log.Warn("group reply", "chat", chat, "kind", bot.KindLabel(bot.KindOf(err)), "err", err)
	if !isRetried(err) {
		return time.Time{}
	}
	switch bot.KindOf(err) {
	case bot.RateLimited:
		ra := time.Second
		if se := (*bot.SendError)(nil); errors.As(err, &se) && se.RetryAfter > ra {
			ra = se.RetryAfter
		}
		if err := c.lim.Backoff(ctx, bucket, ra); err != nil {
			c.log.Warn("back off", "chat", chat, "err", err)
		}
		return c.now().Add(ra)
	case bot.Temporary:
		return c.now().Add(2 * time.Second)
	}
	return time.Time{}
}

// sendMerged sends the owed answers that fit one message and marks them
// done; on a permanent failure they are dropped (and the error returned).
func (c *Coalescer) sendMerged(ctx context.Context, cl claimed, owed []*entry) error {
	m, used := compose(owed, c.cfg.MaxText)
	sctx, cancel := context.WithTimeout(ctx, c.cfg.SendTimeout)
	_, err := c.send.Send(sctx, cl.chat, m)
	cancel()
	if err == nil || !isRetried(err) {
		for _, e := range used {
			e.done = true
		}
	}
	return err
}

func isRetried(err error) bool {
	if errors.Is(err, bot.ErrUnsupported) {
		return false
	}
	k := bot.KindOf(err)
	return k == bot.RateLimited || k == bot.Temporary
}

// skipUnchanged marks done, without spending a token, the live messages
// whose content is what the group already sees.
func (c *Coalescer) skipUnchanged(ctx context.Context, cl claimed) {
	for _, l := range cl.lives {
		if l.op != "" || l.hash == "" {
			continue
		}
		k, found := c.kindOf(l.key)
		if !found {
			continue
		}
		m, ok, err := k.r(ctx, cl.chat, l.key)
		if err == nil && ok && digest(m) == l.hash {
			l.op = "set"
		}
	}
}

// showLive brings one live message up to date: an edit in place while it is
// near the bottom of the chat, else a new message (the old one deleted).
func (c *Coalescer) showLive(ctx context.Context, cl claimed, l *live) error {
	k, found := c.kindOf(l.key)
	if !found {
		l.op = "forget"
		return nil
	}
	m, ok, err := k.r(ctx, cl.chat, l.key)
	if err != nil {
		return fmt.Errorf("render %s: %w", l.key, err)
	}
	if !ok {
		l.op = "forget"
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, c.cfg.SendTimeout)
	defer cancel()
	if ed, ok := c.send.(bot.Editor); ok && l.msgID != "" && (!k.opt.Repost || !c.buried(cl, l.msgID)) {
		err := ed.Edit(sctx, cl.chat, l.msgID, m)
		if err == nil {
			l.op, l.newID = "set", l.msgID+"|"+digest(m)
			return nil
		}
		if isRetried(err) {
			return err
		}
	}
	if !k.opt.Repost {
		l.op = "forget"
		return nil
	}
	id, err := c.send.Send(sctx, cl.chat, m)
	if err != nil {
		if !isRetried(err) {
			l.op = "forget"
		}
		return err
	}
	if d, ok := c.send.(bot.Deleter); ok && l.msgID != "" {
		if err := d.Delete(sctx, cl.chat, l.msgID); err != nil && !errors.Is(err, bot.ErrUnsupported) {
			c.log.Debug("delete old live message", "chat", cl.chat, "key", l.key, "err", err)
		}
	}
	l.op, l.newID = "set", id+"|"+digest(m)
	return nil
}

// buried reports whether more than Repost messages came after msgID in the
// group, judging by the newest message an answer replies to (Telegram
// numbers a group's messages in order).
func (c *Coalescer) buried(cl claimed, msgID string) bool {
	id, err := strconv.ParseInt(msgID, 10, 64)
	if err != nil {
		return false
	}
	var newest int64
	for _, e := range cl.answers {
		if n, err := strconv.ParseInt(e.a.ReplyTo, 10, 64); err == nil && n > newest {
			newest = n
		}
	}
	return newest-id > int64(c.cfg.Repost)
}

// fallback tells privately, at once, each person the group will not show
// an answer to within PrivateAfter, judging by when the group's tokens come
// (w from now, then one per interval, oldest first). It returns when to
// look at the group again.
func (c *Coalescer) fallback(ctx context.Context, cl claimed, owed []*entry, lives []*live, w, interval time.Duration) time.Time {
	now := c.now()
	next := now.Add(w)
	slot := func(since int64) time.Time {
		k := 0
		for _, l := range lives {
			if l.since < since && !c.idle(l.key) {
				k++
			}
		}
		return now.Add(w + time.Duration(k)*interval)
	}
	type cand struct {
		e    *entry
		show time.Time
	}
	var cands []cand
	for _, e := range cl.answers {
		if e.done || e.told || e.a.User == "" || e.a.Live == "" && !slices.Contains(owed, e) {
			continue
		}
		show := slot(e.a.At)
		if l := findLive(lives, e.a.Live); l != nil {
			show = slot(l.since)
		}
		limit := time.UnixMilli(e.a.At).Add(c.cfg.PrivateAfter)
		if !show.After(limit) {
			if limit.Before(next) {
				next = limit
			}
			continue
		}
		cands = append(cands, cand{e, show})
	}
	if len(cands) == 0 {
		return next
	}
	users := make([]string, len(cands))
	for i, cd := range cands {
		users[i] = string(cd.e.a.User)
	}
	refused := c.refused(ctx, users)
	for _, cd := range cands {
		u := cd.e.a.User
		if refused[string(u)] {
			continue
		}
		pg, pb := ratelimit.Buckets(u.PrivateChat())
		if pw, err := c.lim.Take(ctx, pg, pb); err != nil || pw > 0 {
			continue
		}
		text := cd.e.a.Private
		if text == "" {
			text = cd.e.a.Text
		}
		sctx, cancel := context.WithTimeout(ctx, c.cfg.SendTimeout)
		_, err := c.send.Send(sctx, u.PrivateChat(), bot.Message{Text: text})
		cancel()
		switch {
		case err == nil:
			cd.e.told, cd.e.tell = true, true
			refused[string(u)] = false
		case errors.Is(err, bot.ErrUnsupported) || bot.KindOf(err) == bot.Gone || bot.KindOf(err) == bot.Permanent:
			refused[string(u)] = true
			c.refuse(ctx, u)
		default:
			c.log.Debug("private answer", "user", u, "err", err)
		}
	}
	return next
}

// refused returns which users recently refused private messages (never
// started the bot or blocked it).
func (c *Coalescer) refused(ctx context.Context, users []string) map[string]bool {
	out := make(map[string]bool, len(users))
	p := c.rdb.Pipeline()
	cmds := make([]interface{ Val() int64 }, len(users))
	for i, u := range users {
		cmds[i] = p.Exists(ctx, c.key("np", u))
	}
	if _, err := p.Exec(ctx); err != nil {
		c.log.Warn("private refusals", "err", err)
		return out
	}
	for i, u := range users {
		out[u] = cmds[i].Val() == 1
	}
	return out
}

func (c *Coalescer) refuse(ctx context.Context, u bot.UserRef) {
	if err := c.rdb.Set(ctx, c.key("np", string(u)), "1", 10*time.Minute).Err(); err != nil {
		c.log.Warn("record private refusal", "user", u, "err", err)
	}
}

// ackResult is what ackScript returns: where the released group stands.
type ackResult int64

const (
	ackEmpty    ackResult = 0 // nothing left for the group
	ackDueLater ackResult = 1 // due again at the next look
	ackDueNow   ackResult = 2 // something arrived meanwhile: due now
)

// ack records the round in one round trip and releases the group.
func (c *Coalescer) ack(ctx context.Context, cl claimed, next time.Time) ackResult {
	args := []any{c.base, string(cl.chat), cl.at, unixMilliOrZero(next), c.now().UnixMilli(), int64(c.ttl / time.Second)}
	var done, told []any
	for _, e := range cl.answers {
		switch {
		case e.done:
			done = append(done, e.id)
		case e.tell:
			told = append(told, e.id)
		}
	}
	args = append(append(args, len(done)), done...)
	args = append(append(args, len(told)), told...)
	var ls []any
	for _, l := range cl.lives {
		if l.op != "" {
			ls = append(ls, l.key, l.mark, l.newID, l.op)
		}
	}
	args = append(append(args, len(ls)/4), ls...)
	code, err := ackScript.Run(ctx, c.rdb, []string{c.key("due"), c.key("lease")}, args...).Int64()
	if err != nil {
		c.log.Error("record group replies", "chat", cl.chat, "err", err)
	}
	return ackResult(code)
}

func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
