package quiz

import "github.com/redis/go-redis/v9"

// All quiz keys share the hash tag {quiz}: base is "<prefix>:quiz:{quiz}:".
// Scripts build the keys of a round from base and the round id, so one
// script touches one slot (valid on Redis Cluster).
//
//	cur                   id of the open round
//	seq                   last round id
//	act                   hash user → round id of the attempt in progress
//	ugrid                 hash user → grid last seen
//	r:<id>                hash: status, opened, closes, closed, season, n,
//	                      qids, q<i> (JSON), a<i> (",1,"), o<i> options,
//	                      grids, players, done, members (snapshot taken),
//	                      open|<grid>|<platform>, opened_all, ann|<grid>,
//	                      announced (broadcasts enqueued)
//	                      (<user> is "web:<grid>/<door>" for a page household)
//	r:<id>:a:<user>       hash: grid, name, started, sent, pos, score,
//	                      correct, time, done, poll, c<i> choice, t<i> ms
//	r:<id>:board          zset user → points·1e9 − time ms
//	r:<id>:gb:<grid>      the same, per grid
//	r:<id>:names          hash user → display name
//	r:<id>:gstat          hash <grid>|n, |done, |pts, |members
//	r:<id>:qstat          hash <i>|n, <i>|ok, <i>|c<k>
//	s:<season>:board      zset user → points·1e9 − time ms
//	s:<season>:names      hash user → display name
//	s:<season>:u:<user>   hash pts, rounds, correct, answered, time

// tieScale separates points from time in board scores: a board score is
// points*tieScale − total answering time in ms, so higher is better.
const tieScale = 1e9

var openScript = redis.NewScript(`
local base, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = redis.call('GET', KEYS[1])
if cur then
  local r = redis.call('HMGET', base .. 'r:' .. cur, 'status', 'closes')
  if r[1] == 'open' and tonumber(r[2]) > now then return {'busy', cur} end
end
local id = redis.call('INCR', KEYS[2])
local rk = base .. 'r:' .. id
redis.call('HSET', rk, unpack(ARGV, 4))
redis.call('SET', KEYS[1], id)
if ttl > 0 then redis.call('EXPIRE', rk, ttl) end
return {'ok', tostring(id)}
`)

var closeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return -1 end
if st ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`)

// luaStart defines start(), the body of startScript: it begins (or takes
// up again) user's attempt at round rid. actKey is the act hash, ugridKey
// the ugrid hash. Chat and page attempts share it, so both count alike.
const luaStart = `
local function start(base, rid, user, grid, name, now, ttl, actKey, ugridKey)
local rk = base .. 'r:' .. rid
local r = redis.call('HMGET', rk, 'status', 'closes', 'n', 'season')
if not r[1] then return {'none'} end
local ak = rk .. ':a:' .. user
local a = redis.call('HMGET', ak, 'pos', 'score', 'correct', 'time', 'done', 'grid')
local open = r[1] == 'open' and now < tonumber(r[2]) * 1000
if a[1] then
  if a[5] == '1' then return {'done', a[1], a[2], a[3], a[4], a[6]} end
  if not open then return {'closed'} end
  redis.call('HSET', actKey, user, rid)
  redis.call('HSET', ak, 'poll', '')
  return {'resume', a[1], a[2], a[3], a[4], a[6]}
end
if not open then return {'closed'} end
if grid == '' then
  grid = redis.call('HGET', ugridKey, user) or ''
else
  redis.call('HSET', ugridKey, user, grid)
end
redis.call('HSET', ak, 'grid', grid, 'name', name, 'started', now, 'sent', now, 'pos', 0,
  'score', 0, 'correct', 0, 'time', 0, 'done', 0, 'poll', '')
redis.call('HSET', actKey, user, rid)
redis.call('ZADD', rk .. ':board', 0, user)
redis.call('ZADD', rk .. ':gb:' .. grid, 0, user)
redis.call('HSET', rk .. ':names', user, name)
redis.call('HINCRBY', rk .. ':gstat', grid .. '|n', 1)
redis.call('HINCRBY', rk, 'players', 1)
local sk = base .. 's:' .. r[4]
redis.call('HINCRBY', sk .. ':u:' .. user, 'rounds', 1)
redis.call('HSET', sk .. ':names', user, name)
redis.call('ZINCRBY', sk .. ':board', 0, user)
if ttl > 0 then
  for _, k in ipairs({ak, rk .. ':board', rk .. ':gb:' .. grid, rk .. ':names', rk .. ':gstat',
      sk .. ':u:' .. user, sk .. ':names', sk .. ':board'}) do
    redis.call('EXPIRE', k, ttl)
  end
end
return {'new', '0', '0', '0', '0', grid}
end
`

var startScript = redis.NewScript(luaStart + `
return start(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), KEYS[1], KEYS[2])
`)

// luaAnswer defines answer(), the body of answerScript: it records
// user's choice for the current question of their attempt in progress
// (actKey is the act hash) at now (ms), and every leaderboard with it.
// Chat and page answers share it, so both count alike.
const luaAnswer = `
local function answer(base, user, poll, choice, now, cap, ttl, actKey)
local rid = redis.call('HGET', actKey, user)
if not rid then return {'none'} end
local rk = base .. 'r:' .. rid
local ak = rk .. ':a:' .. user
local a = redis.call('HMGET', ak, 'pos', 'poll', 'sent', 'grid', 'done')
if not a[1] or a[5] == '1' then return {'none'} end
if poll ~= '' and poll ~= a[2] then return {'stale', rid} end
local r = redis.call('HMGET', rk, 'status', 'closes', 'n', 'season')
if r[1] ~= 'open' or now >= tonumber(r[2]) * 1000 then return {'closed', rid} end
local pos, n, grid = tonumber(a[1]), tonumber(r[3]), a[4]
local nopt = tonumber(redis.call('HGET', rk, 'o' .. pos) or '0')
if choice < 0 or choice >= nopt then return {'range', rid, tostring(pos), tostring(nopt)} end
local ans = redis.call('HGET', rk, 'a' .. pos) or ''
local ok = 0
if string.find(ans, ',' .. choice .. ',', 1, true) then ok = 1 end
local dt = now - tonumber(a[3])
if dt < 0 then dt = 0 end
if dt > cap then dt = cap end
local pts = 10 * ok
local delta = string.format('%.0f', pts * 1e9 - dt)
redis.call('HSET', ak, 'pos', pos + 1, 'c' .. pos, choice, 't' .. pos, dt, 'sent', now, 'poll', '')
local score = redis.call('HINCRBY', ak, 'score', pts)
local correct = redis.call('HINCRBY', ak, 'correct', ok)
local total = redis.call('HINCRBY', ak, 'time', dt)
redis.call('ZINCRBY', rk .. ':board', delta, user)
redis.call('ZINCRBY', rk .. ':gb:' .. grid, delta, user)
redis.call('HINCRBY', rk .. ':gstat', grid .. '|pts', pts)
local qk = rk .. ':qstat'
redis.call('HINCRBY', qk, pos .. '|n', 1)
redis.call('HINCRBY', qk, pos .. '|ok', ok)
redis.call('HINCRBY', qk, pos .. '|c' .. choice, 1)
local sk = base .. 's:' .. r[4]
local uk = sk .. ':u:' .. user
redis.call('HINCRBY', uk, 'pts', pts)
redis.call('HINCRBY', uk, 'correct', ok)
redis.call('HINCRBY', uk, 'answered', 1)
redis.call('HINCRBY', uk, 'time', dt)
redis.call('ZINCRBY', sk .. ':board', delta, user)
local done = 0
if pos + 1 >= n then
  done = 1
  redis.call('HSET', ak, 'done', 1, 'finished', now)
  redis.call('HDEL', actKey, user)
  redis.call('HINCRBY', rk .. ':gstat', grid .. '|done', 1)
  redis.call('HINCRBY', rk, 'done', 1)
end
if ttl > 0 then
  for _, k in ipairs({ak, qk, uk, sk .. ':board'}) do redis.call('EXPIRE', k, ttl) end
end
return {'ok', rid, tostring(pos), tostring(ok), tostring(done), tostring(score), tostring(correct), tostring(total)}
end
`

var answerScript = redis.NewScript(luaAnswer + `
return answer(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), KEYS[1])
`)

// armScript records the poll that asks an attempt's current question, so
// that only an answer to that poll counts. KEYS[1] is the attempt
// (r:<id>:a:<user>); ARGV pos, poll id.
var armScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'pos') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'poll', ARGV[2])
return 1
`)
