package events

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// Every script takes KEYS meta, reg, in, wait, chk of one event (one hash
// tag). Replies share one shape: {code, number, left, title, start, place,
// flags, ...}: flags has bit 1 when the script set the notice's dirty flag
// (the caller then schedules one refresh) and, from join and leave, bit 2
// when the activity's live sign-up list (接龙) is on.

// promoteLua moves waitlisted households, in order, into free seats; a
// household too large for the seats left keeps its place and the next one
// that fits moves up. It returns the promoted users and their records.
const promoteLua = `
local function promote()
  local seats = tonumber(redis.call('HGET', KEYS[1], 'seats'))
  local taken = tonumber(redis.call('HGET', KEYS[1], 'taken') or '0')
  local out = {}
  if taken >= seats then return out end
  local w = redis.call('ZRANGE', KEYS[4], 0, 499, 'WITHSCORES')
  for i = 1, #w, 2 do
    local u = w[i]
    local rec = redis.call('HGET', KEYS[2], u) or '1'
    local n = tonumber(string.match(rec, '^(%d+)')) or 1
    if taken + n <= seats then
      redis.call('ZREM', KEYS[4], u)
      redis.call('ZADD', KEYS[3], w[i + 1], u)
      taken = taken + n
      out[#out + 1] = u
      out[#out + 1] = rec
      if taken >= seats then break end
    end
  end
  redis.call('HSET', KEYS[1], 'taken', taken)
  return out
end
`

// opLua makes a resident's action idempotent per platform update: the
// last two ARGV are the update id ("" when it has none) and how long to
// remember it (seconds), and KEYS[6] is the update's op key in the event's
// hash tag. A script run again for an update it already applied (the
// router redoes an update whose replica died before marking it done)
// returns the reply of the first run unchanged and changes nothing; done
// stores a reply that changed something.
const opLua = `
local opID, opTTL = ARGV[#ARGV - 1], ARGV[#ARGV]
if opID ~= '' then
  local prev = redis.call('GET', KEYS[6])
  if prev then return cjson.decode(prev) end
end
local function done(res)
  if opID ~= '' then redis.call('SET', KEYS[6], cjson.encode(res), 'EX', opTTL) end
  return res
end
`

// joinScript: ARGV user, n, sign-up time (unix), now, the grids the
// resident may sign up for (␟-joined: the grid of the group it came from,
// or in a private chat the grids the resident is known in; "" none), "1"
// when the headcount was typed ("" when it defaulted to 1), remark ("" when
// none), name, chat ("" for a private chat), then opLua's two. A new
// sign-up takes the first of those grids the event targets and records it;
// with none it gets code "grid" (the resident has grids, none targeted) or
// "nogrid" (no grid known), with the target grids (␟-joined) in Extra[0].
//
// Seats go to whoever fits, in order of arrival: a newcomer whose
// household fits in the seats left takes them at once, and one that does
// not fit joins the end of the waitlist. Promotion (promoteLua) moves
// waiting households up in order, skipping one too large for the seats
// left, which keeps its place. So after every script no waiting household
// fits in the seats left, and the seats shown as left are seats anyone who
// fits can take.
//
// A household already signed up that gives another headcount or remark
// changes its sign-up in place, keeping its place: code "changed" (number:
// the old headcount; Extra: promoted user, record pairs when seats were
// freed), "dupwait" (number: the waitlist position; Extra[0]: the
// headcount) when nothing would change, "chwait" for a waitlisted household
// (number: its position; Extra[0]: the old headcount), or "noroom"
// (number: the old headcount) when more people need more seats than are
// left, and nothing changes.
var joinScript = redis.NewScript(promoteLua + opLua + `
local m = redis.call('HMGET', KEYS[1], 'status', 'start', 'deadline', 'seats', 'taken', 'hh', 'title', 'place', 'grids', 'chain')
if not m[1] then return {'nf', 0, 0, '', 0, '', 0} end
local ch = 0
if m[10] == '1' then ch = 2 end
local seats, taken = tonumber(m[4]), tonumber(m[5] or '0')
local now, n = tonumber(ARGV[4]), tonumber(ARGV[2])
local function out(code, a) return {code, a, seats - taken, m[7], m[2], m[8], 0} end
if m[1] == 'cancelled' then return out('cancelled', 0) end
local rec = redis.call('HGET', KEYS[2], ARGV[1])
local fields, old, wpos
if rec then
  fields = {}
  local i = 1
  while true do
    local j = string.find(rec, '\31', i, true)
    if not j then fields[#fields + 1] = string.sub(rec, i) break end
    fields[#fields + 1] = string.sub(rec, i, j - 1)
    i = j + 1
  end
  old = tonumber(fields[1]) or 1
  local r = redis.call('ZRANK', KEYS[4], ARGV[1])
  if r then wpos = r + 1 end
  local seated = redis.call('ZSCORE', KEYS[3], ARGV[1])
  local more = (ARGV[6] == '1' and n ~= old) or (ARGV[7] ~= '' and ARGV[7] ~= (fields[5] or ''))
  if not more or (not wpos and not seated) then
    if wpos then
      local res = out('dupwait', wpos)
      res[#res + 1] = old
      return res
    end
    return out('dup', old)
  end
  if ARGV[6] ~= '1' then n = old end
end
local grid = ''
if not rec then
  local targets, cands = m[9] or '', ARGV[5]
  if targets == '' then
    grid = string.match(cands, '^[^\31]*')
  else
    for g in string.gmatch(cands, '[^\31]+') do
      if string.find('\31' .. targets .. '\31', '\31' .. g .. '\31', 1, true) then grid = g break end
    end
    if grid == '' then
      local res = out(cands == '' and 'nogrid' or 'grid', 0)
      res[#res + 1] = targets
      return res
    end
  end
end
local dl = tonumber(m[3] or '0')
if dl == 0 then dl = tonumber(m[2]) end
if now >= tonumber(m[2]) then return out('started', 0) end
if now >= dl then return out('closed', 0) end
local hh = tonumber(m[6] or '0')
if hh > 0 and n > hh then return out('toomany', hh) end
if rec then
  local delta = n - old
  if not wpos and delta > 0 and taken + delta > seats then
    return out('noroom', old)
  end
  fields[1] = tostring(n)
  if ARGV[7] ~= '' then
    while #fields < 5 do fields[#fields + 1] = '' end
    fields[5] = ARGV[7]
  end
  redis.call('HSET', KEYS[2], ARGV[1], table.concat(fields, '\31'))
  local dirty = redis.call('HSETNX', KEYS[1], 'dirty', '1')
  if wpos then
    if delta < 0 then
      local moved = promote()
      if redis.call('ZSCORE', KEYS[3], ARGV[1]) then
        taken = tonumber(redis.call('HGET', KEYS[1], 'taken'))
        local res = {'changed', old, seats - taken, m[7], m[2], m[8], dirty + ch}
        for i = 1, #moved, 2 do
          if moved[i] ~= ARGV[1] then res[#res + 1] = moved[i] res[#res + 1] = moved[i + 1] end
        end
        return done(res)
      end
    end
    return done({'chwait', wpos, seats - taken, m[7], m[2], m[8], dirty + ch, old})
  end
  local promoted = {}
  if delta ~= 0 then
    taken = redis.call('HINCRBY', KEYS[1], 'taken', delta)
    if delta < 0 then
      promoted = promote()
      taken = tonumber(redis.call('HGET', KEYS[1], 'taken'))
    end
  end
  local res = {'changed', old, seats - taken, m[7], m[2], m[8], dirty + ch}
  for i = 1, #promoted do res[#res + 1] = promoted[i] end
  return done(res)
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[2], ARGV[1], table.concat({n, seq, ARGV[3], ARGV[8], ARGV[7], grid, ARGV[9]}, '\31'))
local dirty = redis.call('HSETNX', KEYS[1], 'dirty', '1')
if taken + n <= seats then
  redis.call('ZADD', KEYS[3], seq, ARGV[1])
  taken = redis.call('HINCRBY', KEYS[1], 'taken', n)
  return done({'ok', 0, seats - taken, m[7], m[2], m[8], dirty + ch, seq})
end
redis.call('ZADD', KEYS[4], seq, ARGV[1])
return done({'wait', redis.call('ZRANK', KEYS[4], ARGV[1]) + 1, seats - taken, m[7], m[2], m[8], dirty + ch, seq})
`)

// leaveScript: ARGV user, now, then opLua's two. Code "in" or "wait" says
// where the user was; promoted users and records follow the fixed fields.
var leaveScript = redis.NewScript(promoteLua + opLua + `
local m = redis.call('HMGET', KEYS[1], 'status', 'start', 'seats', 'taken', 'title', 'place', 'chain')
if not m[1] then return {'nf', 0, 0, '', 0, '', 0} end
local ch = 0
if m[7] == '1' then ch = 2 end
local rec = redis.call('HGET', KEYS[2], ARGV[1])
if not rec then return {'notin', 0, 0, m[5], m[2], m[6], 0} end
if m[1] ~= 'cancelled' and tonumber(ARGV[2]) >= tonumber(m[2]) then return {'started', 0, 0, m[5], m[2], m[6], 0} end
local n = tonumber(string.match(rec, '^(%d+)')) or 1
redis.call('HDEL', KEYS[2], ARGV[1])
local was = 'wait'
if redis.call('ZREM', KEYS[3], ARGV[1]) == 1 then
  was = 'in'
  redis.call('HINCRBY', KEYS[1], 'taken', -n)
else
  redis.call('ZREM', KEYS[4], ARGV[1])
end
local promoted = {}
if m[1] ~= 'cancelled' then promoted = promote() end
local dirty = redis.call('HSETNX', KEYS[1], 'dirty', '1')
local left = tonumber(redis.call('HGET', KEYS[1], 'seats')) - tonumber(redis.call('HGET', KEYS[1], 'taken'))
local res = {was, n, left, m[5], m[2], m[6], dirty + ch}
for i = 1, #promoted do res[#res + 1] = promoted[i] end
return done(res)
`)

// seatsScript: ARGV seats. Code "below" carries the seats taken.
var seatsScript = redis.NewScript(promoteLua + `
local m = redis.call('HMGET', KEYS[1], 'status', 'start', 'seats', 'taken', 'title', 'place')
if not m[1] then return {'nf', 0, 0, '', 0, '', 0} end
if m[1] == 'cancelled' then return {'cancelled', 0, 0, m[5], m[2], m[6], 0} end
local taken = tonumber(m[4] or '0')
if tonumber(ARGV[1]) < taken then return {'below', taken, 0, m[5], m[2], m[6], 0} end
redis.call('HSET', KEYS[1], 'seats', ARGV[1])
local promoted = promote()
local dirty = redis.call('HSETNX', KEYS[1], 'dirty', '1')
local left = tonumber(ARGV[1]) - tonumber(redis.call('HGET', KEYS[1], 'taken'))
local res = {'ok', #promoted / 2, left, m[5], m[2], m[6], dirty}
for i = 1, #promoted do res[#res + 1] = promoted[i] end
return res
`)

// cancelScript marks the event cancelled and returns every signed-up user
// with their record after the fixed fields.
var cancelScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'status', 'start', 'title', 'place')
if not m[1] then return {'nf', 0, 0, '', 0, '', 0} end
if m[1] == 'cancelled' then return {'again', 0, 0, m[3], m[2], m[4], 0} end
redis.call('HSET', KEYS[1], 'status', 'cancelled')
local dirty = redis.call('HSETNX', KEYS[1], 'dirty', '1')
local res = {'ok', 0, 0, m[3], m[2], m[4], dirty}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all do res[#res + 1] = all[i] end
return res
`)

// checkinScript: ARGV user, code (” when a grid worker checks someone
// in), now, record tail for walk-ins. Codes: ok, again, badcode, nocode,
// expired, cancelled; number is the headcount.
var checkinScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'status', 'start', 'code', 'code_till', 'title', 'place')
if not m[1] then return {'nf', 0, 0, '', 0, '', 0} end
local function out(code, a) return {code, a, 0, m[5], m[2], m[6], 0} end
if m[1] == 'cancelled' then return out('cancelled', 0) end
if ARGV[2] ~= '' then
  if not m[3] then return out('nocode', 0) end
  if tonumber(ARGV[3]) > tonumber(m[4] or '0') then return out('expired', 0) end
  if m[3] ~= ARGV[2] then return out('badcode', 0) end
end
local rec = redis.call('HGET', KEYS[2], ARGV[1])
local n = 1
if rec then n = tonumber(string.match(rec, '^(%d+)')) or 1 end
if redis.call('HSETNX', KEYS[5], ARGV[1], ARGV[3]) == 0 then return out('again', n) end
if not rec then
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('HSET', KEYS[2], ARGV[1], '1\31' .. seq .. '\31' .. ARGV[4])
end
local res = out('ok', n)
res[#res + 1] = rec or ''
return res
`)

// code is a script's first reply value: what the action came to. Each
// script's comment says which codes it gives.
type code string

const (
	codeOK        code = "ok"        // done: signed up, checked in, changed
	codeWait      code = "wait"      // on the waitlist (join), or was (leave)
	codeIn        code = "in"        // had a seat (leave)
	codeNotIn     code = "notin"     // not signed up (leave)
	codeChanged   code = "changed"   // a sign-up changed in place
	codeChWait    code = "chwait"    // a waitlisted sign-up changed in place
	codeNoRoom    code = "noroom"    // more seats asked than are left
	codeGrid      code = "grid"      // the resident's grids are not targeted
	codeNoGrid    code = "nogrid"    // no grid known for the resident
	codeDup       code = "dup"       // signed up already, nothing changes
	codeDupWait   code = "dupwait"   // waitlisted already, nothing changes
	codeClosed    code = "closed"    // sign-up deadline passed
	codeStarted   code = "started"   // the activity has begun
	codeCancelled code = "cancelled" // the activity was cancelled
	codeTooMany   code = "toomany"   // more people than one sign-up may bring
	codeNotFound  code = "nf"        // no such activity
	codeAgain     code = "again"     // done before (check-in, cancel)
	codeBadCode   code = "badcode"   // wrong check-in code
	codeNoCode    code = "nocode"    // no check-in code set
	codeExpired   code = "expired"   // the check-in code has expired
	codeBelow     code = "below"     // seats below those taken
)

// codes are the codes the scripts give; any other is a malformed reply.
var codes = map[code]bool{codeOK: true, codeWait: true, codeIn: true, codeNotIn: true, codeChanged: true,
	codeChWait: true, codeNoRoom: true, codeGrid: true, codeNoGrid: true, codeDup: true, codeDupWait: true,
	codeClosed: true, codeStarted: true, codeCancelled: true, codeTooMany: true, codeNotFound: true,
	codeAgain: true, codeBadCode: true, codeNoCode: true, codeExpired: true, codeBelow: true}

// result is a script reply.
type result struct {
	Code  code
	Num   int64
	Left  int
	Title string
	Start time.Time
	Place string
	Dirty bool
	// Chain is set when the activity's live sign-up list is on (join and
	// leave only).
	Chain bool
	Extra []string
}

func (s *store) run(ctx context.Context, sc *redis.Script, id int64, args ...any) (result, error) {
	return s.runKeys(ctx, sc, id, s.keys(id), args...)
}

// opTTL is how long a resident's action is remembered by update id, so a
// redone update answers as the first run did (the router's dedupe marks
// live as long).
const opTTL = 48 * time.Hour

// runOp runs a script that includes opLua for the update op ("" for none).
func (s *store) runOp(ctx context.Context, sc *redis.Script, id int64, op string, args ...any) (result, error) {
	keys := append(s.keys(id), s.key(id, "op:"+op))
	args = append(args, op, int64(opTTL/time.Second))
	return s.runKeys(ctx, sc, id, keys, args...)
}

func (s *store) runKeys(ctx context.Context, sc *redis.Script, id int64, keys []string, args ...any) (result, error) {
	v, err := sc.Run(ctx, s.rdb, keys, args...).Result()
	if err == nil {
		var r result
		if r, err = parseResult(v); err == nil {
			return r, nil
		}
	}
	return result{}, fmt.Errorf("event %d script: %w", id, err)
}

// parseResult reads a script's reply, {code, number, seats left, title,
// start (Unix s), place, flags (1 dirty, 2 chain), extra...}; an unknown
// code or another shape is a redisx.ErrReply.
func parseResult(v any) (result, error) {
	a, err := redisx.Array(v, 7)
	if err != nil {
		return result{}, err
	}
	c, err := redisx.String(a[0])
	if err != nil {
		return result{}, err
	}
	if !codes[code(c)] {
		return result{}, fmt.Errorf("%w: code %q", redisx.ErrReply, c)
	}
	var n [4]int64
	for i, j := range []int{1, 2, 4, 6} {
		if n[i], err = redisx.Int(a[j]); err != nil {
			return result{}, fmt.Errorf("reply value %d: %w", j, err)
		}
	}
	var str [2]string
	for i, j := range []int{3, 5} {
		if str[i], err = redisx.OptString(a[j]); err != nil {
			return result{}, fmt.Errorf("reply value %d: %w", j, err)
		}
	}
	r := result{Code: code(c), Num: n[0], Left: int(n[1]), Title: str[0], Start: time.Unix(n[2], 0), Place: str[1],
		Dirty: n[3]&1 == 1, Chain: n[3]&2 == 2}
	for _, x := range a[7:] {
		switch t := x.(type) {
		case string:
			r.Extra = append(r.Extra, t)
		case int64:
			r.Extra = append(r.Extra, strconv.FormatInt(t, 10))
		case nil:
			r.Extra = append(r.Extra, "")
		default:
			return result{}, fmt.Errorf("%w: extra value %T", redisx.ErrReply, x)
		}
	}
	return r, nil
}

// join signs a household up from one of grids (see joinScript), or
// changes its headcount (when typed, typedN) or remark; op is the platform
// update it answers ("" when none), so a redone update gets the first
// reply. For "ok" and "wait", Extra[0] is the arrival sequence number; for
// "grid" and "nogrid", the event's target grids joined by sep; see
// joinScript for changes.
func (s *store) join(ctx context.Context, id int64, su signup, grids []string, typedN bool, op string, now time.Time) (result, error) {
	typed := ""
	if typedN {
		typed = "1"
	}
	cands := make([]string, 0, len(grids))
	for _, g := range grids {
		if g = clean(g); g != "" {
			cands = append(cands, g)
		}
	}
	return s.runOp(ctx, joinScript, id, op, string(su.User), su.N, su.At.Unix(), now.Unix(),
		strings.Join(cands, sep), typed, clean(su.Remark), clean(su.Name), clean(string(su.Chat)))
}

// leave removes a household; Extra holds promoted user, record pairs. op
// is as for join.
func (s *store) leave(ctx context.Context, id int64, u bot.UserRef, op string, now time.Time) (result, error) {
	return s.runOp(ctx, leaveScript, id, op, string(u), now.Unix())
}

// setSeats changes capacity and promotes; Extra as for leave.
func (s *store) setSeats(ctx context.Context, id int64, seats int) (result, error) {
	return s.run(ctx, seatsScript, id, seats)
}

// cancel marks the event cancelled; Extra holds user, record pairs of all
// sign-ups.
func (s *store) cancel(ctx context.Context, id int64) (result, error) {
	return s.run(ctx, cancelScript, id)
}

// checkin records attendance; Extra[0] is the user's record ("" for a
// walk-in).
func (s *store) checkin(ctx context.Context, id int64, su signup, code string, now time.Time) (result, error) {
	return s.run(ctx, checkinScript, id, string(su.User), code, now.Unix(), su.tail())
}

func pairs(extra []string) []signup {
	var out []signup
	for i := 0; i+1 < len(extra); i += 2 {
		out = append(out, parseSignup(extra[i], extra[i+1]))
	}
	return out
}
