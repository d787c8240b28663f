package replies

import "github.com/redis/go-redis/v9"

// Every key shares the hash tag {rp}; scripts build per-chat key names from
// the base "<prefix>:rp:{rp}" in ARGV[1], so each touches one slot. Times
// are Unix milliseconds. A dirty mark is "since:version": since is when the
// oldest change not yet shown was made, version counts changes.

// luaDue is shared by the scripts that make a chat due: a chat being
// worked on (in the lease set) is left alone; its worker looks again when
// it is done.
const luaDue = `
local function due(c, now)
  if redis.call('ZSCORE', KEYS[2], c) then return end
  local s = redis.call('ZSCORE', KEYS[1], c)
  if not s or tonumber(s) > now then redis.call('ZADD', KEYS[1], now, c) end
end
local function touch(b, c, key, now, ttl)
  local d = b .. ':dirty:' .. c
  local v = redis.call('HGET', d, key)
  if v then
    local since, ver = string.match(v, '^(%d+):(%d+)$')
    redis.call('HSET', d, key, since .. ':' .. string.format('%d', tonumber(ver) + 1))
  else
    redis.call('HSET', d, key, string.format('%d', now) .. ':1')
  end
  redis.call('EXPIRE', d, ttl)
  due(c, now)
end
`

// answer: KEYS due, lease, seq. ARGV base, chat, answer JSON, now, live
// key (” for none), ttl s, when the chat is due for it (now, or later for
// an answer held). Returns the answer's id.
var answerScript = redis.NewScript(luaDue + `
local b, c, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[6]
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', b .. ':e:' .. c, id, ARGV[3])
redis.call('ZADD', b .. ':q:' .. c, now, id)
redis.call('EXPIRE', b .. ':e:' .. c, ttl)
redis.call('EXPIRE', b .. ':q:' .. c, ttl)
if ARGV[5] ~= '' then
  local set = b .. ':lives:' .. ARGV[5]
  redis.call('SADD', set, c)
  redis.call('EXPIRE', set, ttl)
  touch(b, c, ARGV[5], now, ttl)
end
due(c, tonumber(ARGV[7]))
return id
`)

// touch: KEYS due, lease. ARGV base, key, now, ttl s, chats to add...
var touchScript = redis.NewScript(luaDue + `
local b, key, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local set = b .. ':lives:' .. key
for i = 5, #ARGV do redis.call('SADD', set, ARGV[i]) end
redis.call('EXPIRE', set, ttl)
local n = 0
for _, c in ipairs(redis.call('SMEMBERS', set)) do touch(b, c, key, now, ttl) n = n + 1 end
return n
`)

// show: KEYS due, lease. ARGV base, key, now, ttl s, then chat, message
// id pairs of messages already posted.
var showScript = redis.NewScript(luaDue + `
local b, key, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local set = b .. ':lives:' .. key
for i = 5, #ARGV, 2 do
  redis.call('SADD', set, ARGV[i])
  redis.call('HSET', b .. ':live:' .. ARGV[i], key, ARGV[i + 1])
  redis.call('EXPIRE', b .. ':live:' .. ARGV[i], ttl)
  touch(b, ARGV[i], key, now, ttl)
end
redis.call('EXPIRE', set, ttl)
return 1
`)

// drop: KEYS the live key's chat set. ARGV base, key. Forgets the live
// message key in every chat.
var dropScript = redis.NewScript(`
local b, key = ARGV[1], ARGV[2]
local set = KEYS[1]
for _, c in ipairs(redis.call('SMEMBERS', set)) do
  redis.call('HDEL', b .. ':dirty:' .. c, key)
  redis.call('HDEL', b .. ':live:' .. c, key)
end
return redis.call('DEL', set)
`)

// claim: KEYS due, lease. ARGV base, now, lease deadline, most chats, most
// answers per chat. Expired leases (a worker died) are due again first.
// Returns {{chat, {{id, answer JSON, told 0/1}...}, {{key, mark, msg
// id}...}}...}, the next due score or ”.
var claimScript = redis.NewScript(`
local b, now = ARGV[1], tonumber(ARGV[2])
for _, c in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', KEYS[2], c)
  redis.call('ZADD', KEYS[1], now, c)
end
local out = {}
for _, c in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))) do
  redis.call('ZREM', KEYS[1], c)
  redis.call('ZADD', KEYS[2], ARGV[3], c)
  local es = {}
  for _, id in ipairs(redis.call('ZRANGE', b .. ':q:' .. c, 0, tonumber(ARGV[5]) - 1)) do
    es[#es + 1] = {id, redis.call('HGET', b .. ':e:' .. c, id) or '', redis.call('HEXISTS', b .. ':p:' .. c, id)}
  end
  local lv = {}
  local d = redis.call('HGETALL', b .. ':dirty:' .. c)
  for i = 1, #d, 2 do
    lv[#lv + 1] = {d[i], d[i + 1], redis.call('HGET', b .. ':live:' .. c, d[i]) or ''}
  end
  out[#out + 1] = {c, es, lv}
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {out, nxt[2] or ''}
`)

// ack: KEYS due, lease. ARGV base, chat, claimed at, next look (0: as soon
// as anything is left), now, ttl s, then: n, ids done...; n, ids told
// privately...; n, (key, mark seen, msg id, op "set"|"forget")... Releases
// the chat and makes it due at next, or now when something arrived after
// the claim. Returns 0 (nothing left), 1 (due later) or 2 (due now).
var ackScript = redis.NewScript(`
local b, c = ARGV[1], ARGV[2]
local claimed, nextAt, now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local q, e, p, d, l = b .. ':q:' .. c, b .. ':e:' .. c, b .. ':p:' .. c, b .. ':dirty:' .. c, b .. ':live:' .. c
local i = 7
local n = tonumber(ARGV[i]) i = i + 1
for _ = 1, n do
  redis.call('ZREM', q, ARGV[i]) redis.call('HDEL', e, ARGV[i]) redis.call('HDEL', p, ARGV[i])
  i = i + 1
end
n = tonumber(ARGV[i]) i = i + 1
for _ = 1, n do redis.call('HSET', p, ARGV[i], '1') i = i + 1 end
if n > 0 then redis.call('EXPIRE', p, ttl) end
n = tonumber(ARGV[i]) i = i + 1
for _ = 1, n do
  local key, seen, mid, op = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  if op == 'forget' then
    redis.call('HDEL', d, key) redis.call('HDEL', l, key) redis.call('SREM', b .. ':lives:' .. key, c)
  else
    if mid ~= '' then redis.call('HSET', l, key, mid) redis.call('EXPIRE', l, ttl) end
    local v = redis.call('HGET', d, key)
    if v == seen then
      redis.call('HDEL', d, key)
    elseif v then
      local ver = string.match(v, ':(%d+)$')
      redis.call('HSET', d, key, ARGV[5] .. ':' .. ver)
    end
  end
end
redis.call('ZREM', KEYS[2], c)
if redis.call('ZCARD', q) + redis.call('HLEN', d) == 0 then return 0 end
local at, code = nextAt, 1
if #redis.call('ZRANGEBYSCORE', q, '(' .. ARGV[3], '+inf', 'LIMIT', 0, 1) > 0 then at = now end
for _, v in ipairs(redis.call('HVALS', d)) do
  if tonumber(string.match(v, '^(%d+)')) > claimed then at = now end
end
if at <= now then at, code = now, 2 end
redis.call('ZADD', KEYS[1], at, c)
return code
`)
