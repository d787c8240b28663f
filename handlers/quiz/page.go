package quiz

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

// PagePlatform is the platform of residents answering on a resident page.
const PagePlatform = "web"

// PageResident is a resident answering on a resident page: their
// household, as the pages know it for sign-ups (grid and normalised
// 楼栋/门牌), and the 称呼 shown on leaderboards. However many browsers or
// cookies a household uses, it is one participant and answers a round once.
type PageResident struct {
	Grid, Door, Name string
}

// User returns the participant's user reference, "web:<grid>/<door>" (the
// same reference as the household's sign-ups).
func (p PageResident) User() bot.UserRef {
	return bot.UserRef(PagePlatform + ":" + p.Grid + "/" + p.Door)
}

// PageAnswer is one submission of the page's answer sheet.
type PageAnswer struct {
	// Choices is the zero-based option chosen for each question, in the
	// round's order; -1 for a question left unanswered.
	Choices []int
	// Shown is when the sheet was shown; the answering time (the
	// leaderboards' tie-break) runs from it, shared evenly among the
	// questions and capped per question as in chat. Zero: no time.
	Shown time.Time
}

// PageItem is one question of an attempt, as a page shows it. Every text
// is plain (no markup), to be escaped by the page.
type PageItem struct {
	N    int
	Text string
	// Options are the choices, "A. 甲" and so on.
	Options []string
	// Choice is the option the resident chose (-1: none); Mine its text.
	Choice int
	Mine   string
	// Right are the correct options; OK whether Choice is one of them.
	Right []int
	OK    bool
	// Verdict is the chat's feedback: 答对了！ +10 分, or 答错了。正确答案是：….
	Verdict     string
	Explanation string
}

// PageResult is a resident's finished attempt at a round, as a page shows
// it after the answers are in.
type PageResult struct {
	Round int
	// Fresh is true when this submission was recorded now; false when an
	// earlier one stands (nothing changed).
	Fresh bool
	// Text is what the chat says at this point, plain: the final score
	// when Fresh, else that the round was already answered.
	Text                  string
	Score, Correct, Total int
	Time                  time.Duration
	// Grid is the grid the attempt counts for.
	Grid  string
	Items []PageItem
}

// Text of the answer sheet on the resident pages.
const (
	msgPageMissing = "第 %s 题还没有选答案。请每道题都选一个，再点「交卷」。什么也没有改。"
	msgPageRange   = "第 %d 题只有 %d 个选项（%s），请重新选一下。什么也没有改。"
	msgPageStale   = "题目和页面上的对不上了，请刷新页面再答。什么也没有改。"
)

// RoundQuestions returns the questions of round id in the order asked, or
// nil when there is no such round.
func (f *Feature) RoundQuestions(ctx context.Context, id int) ([]Question, error) {
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return nil, err
	}
	return r.Questions, nil
}

// AnswerAs records resident p's answers to every question of round id in
// one script that runs the chat's own start and answer steps (luaStart,
// luaAnswer): the attempt, its score, the round's and the grid's
// leaderboards, the question stats, the season's board and the ledger's
// figures count a page answer exactly as a chat one, and p counts for
// p.Grid. A round is answered once: a submission after the first (double
// click, back button, another browser of the household) returns the first
// result with Fresh false and changes nothing. An unknown round, a closed
// one, an unanswered question or an option out of range is a
// *bot.UserError with a polite sentence, and nothing changes. One Redis
// round trip once the round is known.
func (f *Feature) AnswerAs(ctx context.Context, id int, p PageResident, a PageAnswer) (PageResult, error) {
	r, err := f.round(ctx, id)
	if err != nil {
		return PageResult{}, err
	}
	if r == nil {
		return PageResult{}, bot.Userf(msgNoRound)
	}
	if len(a.Choices) != len(r.Questions) {
		return PageResult{}, bot.Userf(msgPageStale)
	}
	var missing []string
	for i, c := range a.Choices {
		n := len(r.Questions[i].Options)
		switch {
		case c < 0:
			missing = append(missing, strconv.Itoa(i+1))
		case c >= n:
			return PageResult{}, bot.Userf(msgPageRange, i+1, n, optionLetters(n))
		}
	}
	if len(missing) > 0 {
		return PageResult{}, bot.Userf(msgPageMissing, strings.Join(missing, "、"))
	}
	now := f.env.Now()
	shown := a.Shown.UnixMilli()
	if a.Shown.IsZero() {
		shown = now.UnixMilli()
	}
	args := []any{f.base, id, string(p.User()), p.Grid, p.Name, shown, now.UnixMilli(), answerCap.Milliseconds(), f.ttl}
	for _, c := range a.Choices {
		args = append(args, c)
	}
	v, err := pageScript.Run(ctx, f.env.Redis, []string{f.key("act"), f.key("ugrid")}, args...).Result()
	var pa pageAttempt
	if err == nil {
		pa, err = parsePageAttempt(v, len(r.Questions))
	}
	if err != nil {
		return PageResult{}, fmt.Errorf("quiz page answer: %w", err)
	}
	switch pa.status {
	case stNone:
		return PageResult{}, bot.Userf(msgNoRound)
	case stClosed:
		return PageResult{}, bot.Userf(msgRoundOver, id)
	case stRange:
		return PageResult{}, bot.Userf(msgPageStale)
	}
	res := f.pageResult(r, pa)
	if pa.status == stOK {
		res.Fresh = true
		res.Text = bot.PlainText(fmt.Sprintf(msgFinishScore, pa.correct, len(r.Questions), pa.score, duration(pa.time), f.resultsAt(r.Closes)))
	} else {
		res.Text = f.doneText(r, pa.score, pa.correct)
	}
	return res, nil
}

// doneText is the chat's answer to a resident who finished round r
// before, plain.
func (f *Feature) doneText(r *round, score, correct int) string {
	if f.env.Now().Before(r.Closes) {
		return bot.PlainText(fmt.Sprintf(msgFinishedOpen, r.ID, score, correct, len(r.Questions), f.resultsAt(r.Closes)))
	}
	return bot.PlainText(fmt.Sprintf(msgFinishedClosed, r.ID, score, correct, len(r.Questions)))
}

// ResultOf returns resident p's finished attempt at round id (Text as for
// a submission made again), and false when p has not finished it. One
// Redis round trip once the round is known.
func (f *Feature) ResultOf(ctx context.Context, id int, p PageResident) (PageResult, bool, error) {
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return PageResult{}, false, err
	}
	fields := []string{"done", "score", "correct", "time", "grid"}
	for i := range r.Questions {
		fields = append(fields, "c"+strconv.Itoa(i))
	}
	v, err := f.env.Redis.HMGet(ctx, f.roundKey(id, "a", string(p.User())), fields...).Result()
	if err != nil {
		return PageResult{}, false, fmt.Errorf("quiz page result: %w", err)
	}
	if len(v) != len(fields) || v[0] != "1" {
		return PageResult{}, false, nil
	}
	num := func(x any) int {
		s, _ := x.(string)
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return n
	}
	pa := pageAttempt{status: stDone, score: num(v[1]), correct: num(v[2]), time: time.Duration(num(v[3])) * time.Millisecond}
	pa.grid, _ = v[4].(string)
	for _, x := range v[5:] {
		pa.choices = append(pa.choices, num(x))
	}
	res := f.pageResult(r, pa)
	res.Text = f.doneText(r, pa.score, pa.correct)
	return res, true, nil
}

// pageResult lays out attempt pa at round r, question by question, in the
// chat's words.
func (f *Feature) pageResult(r *round, pa pageAttempt) PageResult {
	res := PageResult{Round: r.ID, Score: pa.score, Correct: pa.correct, Total: len(r.Questions), Time: pa.time, Grid: pa.grid}
	for i, q := range r.Questions {
		it := PageItem{N: i + 1, Text: q.Text, Choice: -1, Right: q.Answer, Explanation: q.Explanation}
		for k, o := range q.Options {
			it.Options = append(it.Options, fmt.Sprintf("%c. %s", 'A'+k, o))
		}
		if i < len(pa.choices) && pa.choices[i] >= 0 && pa.choices[i] < len(q.Options) {
			it.Choice = pa.choices[i]
			it.Mine = it.Options[it.Choice]
			for _, k := range q.Answer {
				it.OK = it.OK || k == it.Choice
			}
		}
		if it.OK {
			it.Verdict = bot.PlainText(msgRight)
		} else {
			it.Verdict = bot.PlainText(fmt.Sprintf(msgWrong, bot.Esc(correctText(q))))
		}
		res.Items = append(res.Items, it)
	}
	return res
}

// pageAttempt is pageScript's reply.
type pageAttempt struct {
	status         attemptStatus
	score, correct int
	time           time.Duration
	grid           string
	choices        []int
}

// parsePageAttempt reads pageScript's reply: {"ok" or "done", score,
// correct, time ms, grid, choice per question…}, {"closed"}, {"none"} or
// {"range", …}; any other shape is a redisx.ErrReply.
func parsePageAttempt(v any, n int) (pageAttempt, error) {
	arr, err := redisx.Array(v, 1)
	if err != nil {
		return pageAttempt{}, err
	}
	st, err := redisx.String(arr[0])
	if err != nil {
		return pageAttempt{}, err
	}
	pa := pageAttempt{status: attemptStatus(st)}
	switch pa.status {
	case stNone, stClosed, stRange:
		return pa, nil
	case stOK, stDone:
	default:
		return pageAttempt{}, fmt.Errorf("%w: quiz page attempt %q", redisx.ErrReply, st)
	}
	if len(arr) != 5+n {
		return pageAttempt{}, fmt.Errorf("%w: quiz page attempt has %d values, want %d", redisx.ErrReply, len(arr), 5+n)
	}
	nums := make([]int, len(arr))
	for i := 1; i < len(arr); i++ {
		if i == 4 {
			if pa.grid, err = redisx.String(arr[i]); err != nil {
				return pageAttempt{}, err
			}
			continue
		}
		s, err := redisx.String(arr[i])
		if err != nil {
			return pageAttempt{}, err
		}
		if nums[i], err = strconv.Atoi(s); err != nil {
			if i < 5 {
				return pageAttempt{}, fmt.Errorf("%w: quiz page attempt value %d %q", redisx.ErrReply, i, s)
			}
			nums[i] = -1
		}
	}
	pa.score, pa.correct, pa.time = nums[1], nums[2], time.Duration(nums[3])*time.Millisecond
	pa.choices = nums[5:]
	return pa, nil
}

// pageScript answers a whole round for one page participant: it checks
// every choice against the round, then runs start() and answer() for each
// question in turn, exactly as a chat attempt would, in one script.
// KEYS act, ugrid; ARGV base, round id, user, grid, name, shown ms, now
// ms, cap ms, ttl, then one choice per question. A finished attempt is
// left as it is and returned ("done"). The answering time from shown to
// now is shared evenly among the questions.
var pageScript = redis.NewScript(luaStart + luaAnswer + `
local base, rid, user, grid, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local shown, now, cap, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local rk = base .. 'r:' .. rid
local r = redis.call('HMGET', rk, 'n', 'opened')
if not r[1] then return {'none'} end
local n = tonumber(r[1])
local ak = rk .. ':a:' .. user
local function result(st)
  local out = {st}
  local a = redis.call('HMGET', ak, 'score', 'correct', 'time', 'grid')
  for i = 1, 4 do out[#out + 1] = a[i] or '' end
  for i = 0, n - 1 do out[#out + 1] = redis.call('HGET', ak, 'c' .. i) or '' end
  return out
end
if redis.call('HGET', ak, 'done') == '1' then return result('done') end
if #ARGV - 9 ~= n then return {'range'} end
for i = 0, n - 1 do
  local c = tonumber(ARGV[10 + i])
  if not c or c < 0 or c >= tonumber(redis.call('HGET', rk, 'o' .. i) or '0') then return {'range'} end
end
local s = start(base, rid, user, grid, name, now, ttl, KEYS[1], KEYS[2])
if s[1] == 'done' then return result('done') end
if s[1] ~= 'new' and s[1] ~= 'resume' then return {s[1]} end
local pos = tonumber(s[2])
local from = tonumber(r[2]) * 1000
if shown > now then shown = now end
if shown < from then shown = from end
if s[1] == 'new' then redis.call('HSET', ak, 'sent', shown) end
for i = pos, n - 1 do
  local at = shown + math.floor((now - shown) * (i + 1 - pos) / (n - pos))
  local a = answer(base, user, '', tonumber(ARGV[10 + i]), at, cap, ttl, KEYS[1])
  if a[1] ~= 'ok' then return {a[1]} end
end
return result('ok')
`)
