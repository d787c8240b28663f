package outbox

import "github.com/redis/go-redis/v9"

// All outbox keys share the hash tag {ob}; scripts build the per-broadcast
// key names from the base "<prefix>:ob:{ob}" they get in ARGV[1], so each
// script touches one slot. Times are Unix milliseconds (13 digits, which
// Redis prints exactly from Lua numbers).

// luaDone is appended to scripts that finish a delivery: it returns 1 when
// this call finished the broadcast's last delivery (and member count) and a
// report is due.
const luaDone = `
local function done(b)
  local f = redis.call('HMGET', b, 'total', 'sent', 'failed', 'cancelled', 'report_to', 'counting')
  local left = tonumber(f[1] or 0) - tonumber(f[2] or 0) - tonumber(f[3] or 0) - tonumber(f[4] or 0)
  if left > 0 or tonumber(f[6] or 0) > 0 or not f[5] or f[5] == '' then return 0 end
  return redis.call('HSETNX', b, 'reported', '1')
end
local function split(m)
  local sep = string.find(m, '|', 1, true)
  return string.sub(m, 1, sep - 1), string.sub(m, sep + 1)
end
`

// enqueue: KEYS seq, pending, recent. ARGV base, due, retention s, created
// s, kind, ref, title, msg, report_to, urgent, not_before, listed (1/0),
// then chat, grid pairs. Returns the new id.
var enqueueScript = redis.NewScript(`
local id = redis.call('INCR', KEYS[1])
local b = ARGV[1] .. ':b:' .. id
local n = (#ARGV - 12) / 2
redis.call('HSET', b, 'kind', ARGV[5], 'ref', ARGV[6], 'title', ARGV[7], 'msg', ARGV[8],
  'report_to', ARGV[9], 'urgent', ARGV[10], 'created', ARGV[4], 'not_before', ARGV[11],
  'due', ARGV[2], 'total', n, 'sent', 0, 'failed', 0, 'cancelled', 0, 'members', 0)
for i = 13, #ARGV, 2 do
  redis.call('HSET', b .. ':grid', ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[2], id .. '|' .. ARGV[i])
end
redis.call('EXPIRE', b, ARGV[3])
redis.call('EXPIRE', b .. ':grid', ARGV[3])
if ARGV[12] == '1' then redis.call('ZADD', KEYS[3], ARGV[4], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[3]))
return id
`)

// claim: KEYS pending, inflight, holders. ARGV base, now, lease deadline,
// max, member-count cache key, replica name (” for none). Expired leases
// go back to pending first. Returns
// {{member, msg, kind, urgent, tries, grid, cached members}...}, next due
// score or ”, queue depth.
var claimScript = redis.NewScript(luaDone + `
local exp = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, 1000)
for _, m in ipairs(exp) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('HDEL', KEYS[3], m)
  redis.call('ZADD', KEYS[1], ARGV[2], m)
end
local out = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  local id, chat = split(m)
  local b = ARGV[1] .. ':b:' .. id
  local f = redis.call('HMGET', b, 'msg', 'kind', 'urgent', 'state')
  if f[1] and f[4] and redis.call('HEXISTS', b .. ':sent', chat) == 0
    and redis.call('HEXISTS', b .. ':failed', chat) == 0 then
    redis.call('HINCRBY', b, 'cancelled', 1)
  elseif f[1] and not f[4] and redis.call('HEXISTS', b .. ':sent', chat) == 0 then
    redis.call('ZADD', KEYS[2], ARGV[3], m)
    if ARGV[6] ~= '' then redis.call('HSET', KEYS[3], m, ARGV[6]) end
    out[#out + 1] = {m, f[1], f[2], f[3],
      redis.call('HGET', b .. ':tries', chat) or '0',
      redis.call('HGET', b .. ':grid', chat) or '',
      redis.call('HGET', ARGV[5], chat) or ''}
  end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local depth = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
return {out, nxt[2] or '', depth}
`)

// sent: KEYS inflight, pending, reach day key, counts owed, holders. ARGV base,
// member, msg id, members, count owed (1/0: the members are looked up
// later, see count), retention s, day, count reach (1/0). Returns
// {recorded 1/0, report due 1/0}.
var sentScript = redis.NewScript(luaDone + `
local m = ARGV[2]
redis.call('ZREM', KEYS[1], m)
redis.call('ZREM', KEYS[2], m)
redis.call('HDEL', KEYS[5], m)
local id, chat = split(m)
local b = ARGV[1] .. ':b:' .. id
if redis.call('HSETNX', b .. ':sent', chat, ARGV[3]) == 0 then return {0, 0} end
redis.call('EXPIRE', b .. ':sent', ARGV[6])
redis.call('HINCRBY', b, 'sent', 1)
redis.call('HINCRBY', b, 'members', ARGV[4])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[4], m, ARGV[7])
  redis.call('HINCRBY', b, 'counting', 1)
end
if ARGV[8] == '1' then
  local grid = redis.call('HGET', b .. ':grid', chat) or ''
  local kind = redis.call('HGET', b, 'kind') or ''
  for _, g in ipairs({grid, '*'}) do
    if redis.call('SADD', b .. ':grids', ARGV[7] .. '|' .. g) == 1 then
      redis.call('HINCRBY', KEYS[3], g .. '|' .. kind .. '|pushes', 1)
    end
    redis.call('HINCRBY', KEYS[3], g .. '|' .. kind .. '|groups', 1)
    redis.call('HINCRBY', KEYS[3], g .. '|' .. kind .. '|members', ARGV[4])
  end
  redis.call('EXPIRE', b .. ':grids', ARGV[6])
  redis.call('EXPIRE', KEYS[3], ARGV[6])
end
return {1, done(b)}
`)

// count: KEYS counts owed, reach day key, member cache key. ARGV base,
// member, members, retention s, cache ttl s. Adds the members of one sent
// delivery whose count was owed, once. Returns {recorded 1/0, report due
// 1/0}.
var countScript = redis.NewScript(luaDone + `
local m = ARGV[2]
if redis.call('HDEL', KEYS[1], m) == 0 then return {0, 0} end
local id, chat = split(m)
local b = ARGV[1] .. ':b:' .. id
redis.call('HSET', KEYS[3], chat, ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[5])
if redis.call('EXISTS', b) == 0 then return {0, 0} end
redis.call('HINCRBY', b, 'members', ARGV[3])
redis.call('HINCRBY', b, 'counting', -1)
local kind = redis.call('HGET', b, 'kind') or ''
if kind ~= 'report' then
  local grid = redis.call('HGET', b .. ':grid', chat) or ''
  for _, g in ipairs({grid, '*'}) do
    redis.call('HINCRBY', KEYS[2], g .. '|' .. kind .. '|members', ARGV[3])
  end
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return {1, done(b)}
`)

// failed: KEYS inflight, pending, holders. ARGV base, member, reason,
// retention s. Returns {recorded 1/0, report due 1/0}.
var failedScript = redis.NewScript(luaDone + `
local m = ARGV[2]
redis.call('ZREM', KEYS[1], m)
redis.call('ZREM', KEYS[2], m)
redis.call('HDEL', KEYS[3], m)
local id, chat = split(m)
local b = ARGV[1] .. ':b:' .. id
if redis.call('HEXISTS', b .. ':sent', chat) == 1 then return {0, 0} end
if redis.call('HSETNX', b .. ':failed', chat, ARGV[3]) == 0 then return {0, 0} end
redis.call('EXPIRE', b .. ':failed', ARGV[4])
redis.call('HINCRBY', b, 'failed', 1)
return {1, done(b)}
`)

// retry: KEYS inflight, pending, holders. ARGV base, member, due, bump
// tries (1/0), retention s. A delivery this worker no longer holds is left
// alone.
var retryScript = redis.NewScript(luaDone + `
local m = ARGV[2]
if redis.call('ZREM', KEYS[1], m) == 0 then return 0 end
redis.call('HDEL', KEYS[3], m)
redis.call('ZADD', KEYS[2], ARGV[3], m)
if ARGV[4] == '1' then
  local id, chat = split(m)
  local t = ARGV[1] .. ':b:' .. id .. ':tries'
  redis.call('HINCRBY', t, chat, 1)
  redis.call('EXPIRE', t, ARGV[5])
end
return 1
`)

// cancel: KEYS pending. ARGV base, id. Returns the deliveries dropped, or
// -1 for an unknown broadcast.
var cancelScript = redis.NewScript(`
local b = ARGV[1] .. ':b:' .. ARGV[2]
if redis.call('EXISTS', b) == 0 then return -1 end
local n = 0
for _, chat in ipairs(redis.call('HKEYS', b .. ':grid')) do
  n = n + redis.call('ZREM', KEYS[1], ARGV[2] .. '|' .. chat)
end
if n > 0 then
  redis.call('HINCRBY', b, 'cancelled', n)
  redis.call('HSET', b, 'state', 'cancelled')
end
return n
`)

// reclaim: KEYS inflight, pending, holders. ARGV replica, now. Puts back
// in the queue, due now, every delivery in flight under this replica's
// name (left by its previous run). Returns how many.
var reclaimScript = redis.NewScript(`
local h = redis.call('HGETALL', KEYS[3])
local n = 0
for i = 1, #h, 2 do
  if h[i + 1] == ARGV[1] then
    redis.call('HDEL', KEYS[3], h[i])
    if redis.call('ZREM', KEYS[1], h[i]) == 1 then
      redis.call('ZADD', KEYS[2], ARGV[2], h[i])
      n = n + 1
    end
  end
end
return n
`)
