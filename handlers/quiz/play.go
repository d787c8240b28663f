package quiz

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// attemptStatus is the first value of startScript's and answerScript's
// replies.
type attemptStatus string

const (
	stNone   attemptStatus = "none"   // no round, or no attempt in progress
	stNew    attemptStatus = "new"    // an attempt begun now
	stResume attemptStatus = "resume" // an attempt in progress, taken up again
	stDone   attemptStatus = "done"   // the attempt was finished before
	stClosed attemptStatus = "closed" // the round is over
	stStale  attemptStatus = "stale"  // an answer to a question already past
	stRange  attemptStatus = "range"  // an answer outside the options
	stOK     attemptStatus = "ok"     // the answer was recorded
)

// attemptLen is how many values a reply of each status has at least.
var attemptLen = map[attemptStatus]int{stNone: 1, stNew: 5, stResume: 5, stDone: 5, stClosed: 1, stStale: 2,
	stRange: 4, stOK: 8}

// attempt is what the start and answer scripts report of an attempt.
type attempt struct {
	status  attemptStatus
	round   int
	pos     int
	ok      bool
	done    bool
	score   int
	correct int
	time    time.Duration
	grid    string
	nopt    int
}

// begin starts (or resumes) the speaker's attempt at the open round, or
// at round want when it is given, and sends the current question to the
// speaker's private chat. grid is where the resident came from ("" when
// unknown: the grid last seen is used).
func (f *Feature) begin(ctx context.Context, c *bot.Context, want int, grid string) error {
	r, err := f.current(ctx)
	if err != nil {
		return err
	}
	if want > 0 && (r == nil || r.ID != want) {
		if r == nil {
			return bot.Userf(msgRoundOver, want)
		}
	}
	if r == nil {
		return bot.Userf(msgNoRound)
	}
	u := c.Update
	res, err := startScript.Run(ctx, f.env.Redis, []string{f.key("act"), f.key("ugrid")},
		f.base, r.ID, string(u.User), grid, u.UserName, f.env.Now().UnixMilli(), f.ttl).Result()
	var a attempt
	if err == nil {
		a, err = parseAttempt(res)
	}
	if err != nil {
		return fmt.Errorf("start quiz attempt: %w", err)
	}
	switch a.status {
	case stNone:
		return bot.Userf(msgNoRound)
	case stClosed:
		return bot.Userf(msgRoundOver, r.ID)
	case stDone:
		return bot.Userf(msgAlreadyDone, r.ID, a.score, f.resultsAt(r.Closes))
	}
	intro := fmt.Sprintf(msgWelcome, r.ID, len(r.Questions))
	if a.status == stResume {
		intro = fmt.Sprintf(msgResume, a.pos+1)
	}
	if a.pos < len(r.Questions) && f.usesPoll(c, r.Questions[a.pos]) {
		intro += "\n" + msgPollHint
	}
	return f.ask(ctx, c, r, a.pos, intro)
}

// parseAttempt reads startScript's and answerScript's replies: a status
// and its numbers (see the scripts); an unknown status, a missing value or
// a number that is not one is a redisx.ErrReply.
func parseAttempt(v any) (attempt, error) {
	arr, err := redisx.Array(v, 1)
	if err != nil {
		return attempt{}, err
	}
	res := make([]string, len(arr))
	for i, x := range arr {
		if res[i], err = redisx.String(x); err != nil {
			return attempt{}, fmt.Errorf("value %d: %w", i, err)
		}
	}
	a := attempt{status: attemptStatus(res[0])}
	want, known := attemptLen[a.status]
	if !known || len(res) < want {
		return attempt{}, fmt.Errorf("%w: quiz attempt %q", redisx.ErrReply, res)
	}
	var bad error
	at := func(i int) int {
		if i >= len(res) {
			return 0
		}
		n, err := strconv.Atoi(res[i])
		if err != nil {
			bad = fmt.Errorf("%w: quiz attempt value %d %q", redisx.ErrReply, i, res[i])
		}
		return n
	}
	switch a.status {
	case stDone, stResume, stNew:
		a.pos, a.score, a.correct = at(1), at(2), at(3)
		a.time = time.Duration(at(4)) * time.Millisecond
		if len(res) > 5 {
			a.grid = res[5]
		}
	case stOK:
		a.round, a.pos, a.ok, a.done = at(1), at(2), at(3) == 1, at(4) == 1
		a.score, a.correct = at(5), at(6)
		a.time = time.Duration(at(7)) * time.Millisecond
	case stStale, stClosed:
		a.round = at(1)
	case stRange:
		a.round, a.pos, a.nopt = at(1), at(2), at(3)
	}
	if bad != nil {
		return attempt{}, bad
	}
	return a, nil
}

// ask sends question pos of round r to the speaker's private chat, after
// the text before (feedback or welcome): a native quiz poll on Telegram,
// text elsewhere.
func (f *Feature) ask(ctx context.Context, c *bot.Context, r *round, pos int, before string) error {
	user := c.Update.User
	chat := user.PrivateChat()
	q := r.Questions[pos]
	n := len(r.Questions)
	if p, ok := bot.PollerOn(c.Sender, chat.Platform()); ok && f.usesPoll(c, q) {
		if before != "" {
			if err := c.Private(ctx, bot.Message{Text: before}); err != nil {
				return fmt.Errorf("quiz send: %w", err)
			}
		}
		poll := bot.QuizPoll{Question: bot.Truncate(fmt.Sprintf(msgPollPrefix, pos+1, n, q.Text), MaxQuestion-1),
			Options: q.Options, Correct: q.Answer[0], Explanation: bot.Truncate(q.Explanation, MaxExplanation-1),
			OpenPeriod: time.Duration(f.cfg.PollSeconds) * time.Second}
		pollID, _, err := p.SendQuiz(ctx, chat, poll)
		if err == nil {
			err = armScript.Run(ctx, f.env.Redis, []string{f.roundKey(r.ID, "a", string(user))}, pos, pollID).Err()
			if err != nil {
				return fmt.Errorf("quiz arm poll: %w", err)
			}
			return nil
		}
		if !errors.Is(err, bot.ErrUnsupported) {
			return fmt.Errorf("quiz send poll: %w", err)
		}
		before = ""
	}
	text := fmt.Sprintf(msgTextQuestion, pos+1, n, bot.Esc(q.Text), optionLines(q.Options))
	if before != "" {
		text = before + "\n\n" + text
	}
	if err := c.Private(ctx, bot.Message{Text: text}); err != nil {
		return fmt.Errorf("quiz send: %w", err)
	}
	return nil
}

// usesPoll reports whether q is asked as a native quiz poll: where the
// speaker's platform sends quiz polls (Telegram), when polls are on and the
// question has exactly one correct option.
func (f *Feature) usesPoll(c *bot.Context, q Question) bool {
	_, ok := bot.PollerOn(c.Sender, c.Update.User.Platform())
	return ok && f.cfg.Polls && len(q.Answer) == 1
}

func optionLines(opts []string) string {
	var b strings.Builder
	for i, o := range opts {
		fmt.Fprintf(&b, "%c. %s\n", 'A'+i, bot.Esc(o))
	}
	return b.String()
}

func optionLetters(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = string(rune('A' + i))
	}
	return strings.Join(parts, "、")
}

// answer records choice for the speaker's attempt in one script run, then
// sends the feedback and the next question (or the final score). poll is
// the poll answered ("" for text). It returns bot.ErrSkip when the speaker
// has no attempt in progress.
func (f *Feature) answer(ctx context.Context, c *bot.Context, poll string, choice int) error {
	user := c.Update.User
	res, err := answerScript.Run(ctx, f.env.Redis, []string{f.key("act")},
		f.base, string(user), poll, choice, f.env.Now().UnixMilli(), answerCap.Milliseconds(), f.ttl).Result()
	var a attempt
	if err == nil {
		a, err = parseAttempt(res)
	}
	if err != nil {
		return fmt.Errorf("quiz answer: %w", err)
	}
	switch a.status {
	case stNone:
		return bot.ErrSkip
	case stStale:
		return nil
	case stClosed:
		return f.tell(ctx, c, fmt.Sprintf(msgRoundOver, a.round))
	case stRange:
		return bot.Userf(msgAnswerHow, a.nopt, optionLetters(a.nopt))
	}
	r, err := f.round(ctx, a.round)
	if err != nil {
		return err
	}
	if r == nil || a.pos >= len(r.Questions) {
		return fmt.Errorf("quiz answer: round %d question %d missing", a.round, a.pos)
	}
	q := r.Questions[a.pos]
	fb := msgRight
	if !a.ok {
		fb = fmt.Sprintf(msgWrong, bot.Esc(correctText(q)))
	}
	fb += fmt.Sprintf(msgExplain, bot.Esc(q.Explanation))
	if a.done {
		fb += "\n\n" + fmt.Sprintf(msgFinish, a.correct, len(r.Questions), a.score, duration(a.time), f.resultsAt(r.Closes))
		return f.tell(ctx, c, fb)
	}
	return f.ask(ctx, c, r, a.pos+1, fb)
}

func correctText(q Question) string {
	parts := make([]string, 0, len(q.Answer))
	for _, k := range q.Answer {
		if k >= 0 && k < len(q.Options) {
			parts = append(parts, fmt.Sprintf("%c. %s", 'A'+k, q.Options[k]))
		}
	}
	return strings.Join(parts, "；")
}

// tell sends text to the speaker's private chat (kept and sent again after
// a failure of the moment, see bot.Context.Private).
func (f *Feature) tell(ctx context.Context, c *bot.Context, text string) error {
	if err := c.Private(ctx, bot.Message{Text: text}); err != nil {
		return fmt.Errorf("quiz send: %w", err)
	}
	return nil
}

// onPoll handles an answer to a quiz poll. Answers to polls the bot did not
// send for the speaker's current question change nothing.
func (f *Feature) onPoll(ctx context.Context, c *bot.Context) error {
	p := c.Update.Poll
	if p == nil || p.PollID == "" || len(p.Options) != 1 || c.Update.User == "" {
		return nil
	}
	err := f.answer(ctx, c, p.PollID, p.Options[0])
	if errors.Is(err, bot.ErrSkip) {
		return nil
	}
	return err
}

// onText takes a typed answer in a private chat from a resident with an
// attempt in progress; everything else is bot.ErrSkip.
func (f *Feature) onText(ctx context.Context, c *bot.Context) error {
	u := c.Update
	if choice, ok := ParseAnswer(u.Text, MaxOptions); ok {
		err := f.answer(ctx, c, "", choice)
		if errors.Is(err, bot.ErrSkip) {
			return f.finished(ctx, c)
		}
		return err
	}
	rid, err := f.env.Redis.HGet(ctx, f.key("act"), string(u.User)).Int()
	if err != nil || rid == 0 {
		return bot.ErrSkip
	}
	r, err := f.current(ctx)
	if err != nil || r == nil || r.ID != rid {
		return bot.ErrSkip
	}
	pos, err := f.env.Redis.HGet(ctx, f.roundKey(rid, "a", string(u.User)), "pos").Int()
	if err != nil || pos >= len(r.Questions) {
		return bot.ErrSkip
	}
	n := len(r.Questions[pos].Options)
	return bot.Userf(msgAnswerHow, n, optionLetters(n))
}

// finished answers a typed answer from a resident with no attempt in
// progress who finished the latest round: that round is over for them,
// their score, and when the results come. Anyone else gets bot.ErrSkip.
func (f *Feature) finished(ctx context.Context, c *bot.Context) error {
	id, err := f.LastRound(ctx)
	if err != nil || id == 0 {
		return bot.ErrSkip
	}
	p := f.env.Redis.Pipeline()
	st := p.HGet(ctx, f.roundKey(id), "status")
	av := p.HMGet(ctx, f.roundKey(id, "a", string(c.Update.User)), "done", "score", "correct")
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("quiz finished attempt: %w", err)
	}
	v := av.Val()
	if len(v) < 3 || v[0] != "1" {
		return bot.ErrSkip
	}
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return bot.ErrSkip
	}
	score, _ := strconv.Atoi(fmt.Sprint(v[1]))
	correct, _ := strconv.Atoi(fmt.Sprint(v[2]))
	if st.Val() == "open" && f.env.Now().Before(r.Closes) {
		return f.tell(ctx, c, fmt.Sprintf(msgFinishedOpen, id, score, correct, len(r.Questions), f.resultsAt(r.Closes)))
	}
	return f.tell(ctx, c, fmt.Sprintf(msgFinishedClosed, id, score, correct, len(r.Questions)))
}
