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
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
)

const helpGroup = "知识竞答"

// rankWords and meWords are how residents ask for the ranking and their
// own points.
var (
	rankWords = []string{"(积分|竞答|答题|知识竞答|本季度|本季|这季度|比赛|)(排行|排行榜|排名|榜单|名次)", "积分榜",
		"(竞答|答题|积分|)谁(是|排|)第一(名|)", "(我|我的)(排|排名|名次)(第几|多少|怎么样)(名|)", "我的(排名|名次)", "我(是|)第几(名|)",
		"(我们|咱们|我们的|咱们的|咱|)(网格|楼|小区)(现在|)(排|排在|排到|排名|是|)第几(名|位|)", "哪个(网格|楼|小区|)(排|是|)第一(名|)",
		"哪个(网格|楼|小区)(积分|分数|分)最高",
		"(本期|这期|这周|本周|)(竞答|答题|积分|比赛)(我|我们|咱们|我们网格|)(排|排在|排到|排名|)第几(名|位|)"}
	// playWords ask for the quiz or the way to it: 答题, 竞答在哪, 怎么答题.
	playWords = []string{"答题", "参加竞答", "(参加|我要|开始|)(知识竞答|答题)", "(怎么|去哪|在哪|去哪里|在哪里|到哪|从哪)(参加|)(知识竞答|竞答|答题)",
		"(知识竞答|竞答|答题)(入口|在哪|在哪里|怎么参加|怎么答|在哪答|在哪里答|从哪进)"}
	meWords = []string{"我的", "(我的|我)(积分|成绩|分数|得分)", "我(有|得了|)(几|多少)分"}
)

// Register adds the quiz commands to r: 答题 (anyone; in a group it points
// to the private chat), /rank 排行, /me 我的 (也: 我的积分), and for staff
// /quiz start|stop|stats with the keywords 开始竞答, 结束竞答, 竞答统计.
// It also routes deep links /start quiz_<round>[_<grid>], poll answers
// (r.OnPoll) and typed answers in private chats (r.OnText, ErrSkip when the
// speaker has no attempt in progress).
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Keywords: playWords, Args: bot.ArgsNone, Role: bot.Resident,
			Group: helpGroup, Usage: "答题", Help: "参加本期知识竞答（私聊我答题，别人看不到您的答案）",
			Handle: f.cmdPlay, Intent: bot.Intent{Hint: "参加知识竞答：发「答题」", After: []string{"在哪", "在哪里"},
				Examples: []string{"我要答题", "参加知识竞答", "答题呢", "竞答在哪", "怎么答题", "知识竞赛在哪"},
				Quiet:    []string{"答题好难啊", "你答题了吗", "竞答题目挺难"}}},
		&bot.Command{Name: "rank", Keywords: rankWords, Args: bot.ArgsNone,
			Role: bot.Resident, Group: helpGroup, Usage: "排行", Help: "看本季度竞答积分榜", Handle: f.cmdRank,
			Intent: bot.Intent{Hint: "看竞答积分排行：发「排行」", After: []string{"怎么样", "出来了", "出来", "咋样"},
				Examples: []string{"排行榜发一下", "看看排名", "积分排名呢", "谁是第一名", "我排第几", "竞答排行榜谢谢", "排行榜[抱拳]",
					"哪个网格第一", "我们网格排第几", "积分排名怎么样了", "竞赛排行", "排行榜出来没", "这周竞答排第几了", "答题我排第几名"},
				Quiet: []string{"排名不重要", "排行榜上有我妈", "我们网格排第一", "谁第一个到的", "你排第几", "孩子考试排第几"}}},
		&bot.Command{Name: "me", Keywords: meWords, Args: bot.ArgsNone,
			Role: bot.Resident, Group: helpGroup, Usage: "我的", Help: "看我的积分、参加期数和正确率", Handle: f.cmdMe,
			Intent: bot.Intent{Hint: "看自己的竞答积分：发「我的积分」",
				Examples: []string{"我的积分", "查一下我的积分", "我有多少分", "我的成绩呢"},
				Quiet:    []string{"我的天", "我的手机坏了"}}},
		&bot.Command{Name: "quiz", Args: bot.ArgsText, Role: bot.Staff, Group: helpGroup,
			Usage: "/quiz start|stop|stats", Help: "开始、结束本期竞答，或看统计", Handle: f.cmdQuiz},
		&bot.Command{Keywords: []string{"开始竞答"}, Args: bot.ArgsNone, Role: bot.Staff, Group: helpGroup,
			Usage: "开始竞答", Help: "马上开始新一期知识竞答并通知各网格群", Handle: f.cmdStart},
		&bot.Command{Keywords: []string{"结束竞答"}, Args: bot.ArgsNone, Role: bot.Staff, Group: helpGroup,
			Usage: "结束竞答", Help: "提前结束本期并公布结果", Handle: f.cmdStop},
		&bot.Command{Keywords: []string{"竞答统计"}, Args: bot.ArgsNone, Role: bot.Staff, Group: helpGroup,
			Usage: "竞答统计", Help: "看本期参与人数、完成率、各题正确率和各网格情况", Handle: f.cmdStats},
	)
	r.OnStart("quiz", f.onStart)
	r.OnPoll(f.onPoll)
	r.OnTextWhen(privateFromSomeone, f.onText)
}

// privateFromSomeone: typed answers come only in a private chat.
func privateFromSomeone(u *bot.Update) bool { return u.ChatKind == bot.Private && u.User != "" }

func (f *Feature) cmdQuiz(ctx context.Context, c *bot.Context) error {
	switch strings.ToLower(strings.TrimSpace(c.Args)) {
	case "start", "开始", "open":
		return f.cmdStart(ctx, c)
	case "stop", "结束", "close", "end":
		return f.cmdStop(ctx, c)
	case "stats", "统计", "stat":
		return f.cmdStats(ctx, c)
	}
	return c.Reply(ctx, msgQuizUsage)
}

// cmdPlay is 答题: in a group, the way to the private chat; in private,
// the first (or current) question.
func (f *Feature) cmdPlay(ctx context.Context, c *bot.Context) error {
	if !c.InGroup() {
		return f.begin(ctx, c, 0, "")
	}
	r, err := f.current(ctx)
	if err != nil {
		return err
	}
	if r == nil {
		return bot.Userf(msgNoRound)
	}
	if c.Grid != "" {
		if err := f.env.Redis.HSet(ctx, f.key("ugrid"), string(c.Update.User), c.Grid).Err(); err != nil {
			f.env.Log.Warn("quiz: remember grid", "err", err)
		}
	}
	gi := 0
	for i, g := range r.Grids {
		if g == c.Grid {
			gi = i + 1
		}
	}
	m := bot.Message{Text: msgGroupGoPlain, ReplyTo: c.Update.MessageID}
	if link := f.deepLink(c.Update.Chat.Platform(), r.ID, gi); link != "" {
		m.Text = fmt.Sprintf(msgGroupGoLink, bot.Esc(link))
		m.Buttons = [][]bot.Button{{{Text: btnStart, URL: link}}}
	}
	return c.ReplyMessage(ctx, m)
}

// onStart handles the deep link /start quiz_<round>[_<grid number>].
func (f *Feature) onStart(ctx context.Context, c *bot.Context) error {
	idStr, giStr, _ := strings.Cut(c.Args, "_")
	id, err := strconv.Atoi(idStr)
	if err != nil || id <= 0 {
		return f.begin(ctx, c, 0, "")
	}
	grid := ""
	if gi, err := strconv.Atoi(giStr); err == nil && gi > 0 {
		if r, err := f.round(ctx, id); err == nil && r != nil && gi <= len(r.Grids) {
			grid = r.Grids[gi-1]
		}
	}
	return f.begin(ctx, c, id, grid)
}

func (f *Feature) cmdStart(ctx context.Context, c *bot.Context) error {
	id, err := f.open(ctx, "staff "+string(c.Update.User))
	if errors.Is(err, ErrRoundOpen) {
		r, rerr := f.round(ctx, id)
		if rerr != nil || r == nil {
			return errors.Join(err, rerr)
		}
		return bot.Userf(msgBusyRound, id, f.when(r.Closes))
	}
	if err != nil {
		return err
	}
	r, err := f.round(ctx, id)
	if err != nil || r == nil {
		return err
	}
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return err
	}
	groups := len(grid.ActiveChats(grids))
	if at, held := f.goesOut(time.Time{}); held {
		return c.Reply(ctx, fmt.Sprintf(msgStartedHeld, id, len(r.Questions), f.when(r.Closes), outbox.When(at, f.env.Now(), f.env.Loc), groups))
	}
	return c.Reply(ctx, fmt.Sprintf(msgStarted, id, len(r.Questions), f.when(r.Closes), groups))
}

// goesOut tells when a group message of the quiz queued now (not before
// notBefore) goes out, and whether quiet hours hold it.
func (f *Feature) goesOut(notBefore time.Time) (time.Time, bool) {
	return outbox.Held(f.env.Outbox, f.env.Now(), notBefore, false)
}

// resultsAt is when the results of a round closing at closes reach the
// groups, in the words residents read.
func (f *Feature) resultsAt(closes time.Time) string {
	at, _ := f.goesOut(closes)
	return f.when(at)
}

func (f *Feature) cmdStop(ctx context.Context, c *bot.Context) error {
	r, err := f.current(ctx)
	if err != nil {
		return err
	}
	if r == nil {
		return bot.Userf(msgNothingOpen)
	}
	if err := f.env.Due.Cancel(ctx, DueKey(r.ID)); err != nil {
		f.env.Log.Warn("quiz: cancel due close", "round", r.ID, "err", err)
	}
	if err := f.CloseRound(ctx, r.ID); err != nil {
		return err
	}
	if at, held := f.goesOut(time.Time{}); held {
		return c.Reply(ctx, fmt.Sprintf(msgStoppedHeld, r.ID, outbox.When(at, f.env.Now(), f.env.Loc)))
	}
	return c.Reply(ctx, fmt.Sprintf(msgStopped, r.ID))
}

func (f *Feature) cmdStats(ctx context.Context, c *bot.Context) error {
	id, err := f.LastRound(ctx)
	if err != nil {
		return err
	}
	if id == 0 {
		return c.Reply(ctx, msgStatsNone)
	}
	rec, err := f.Record(ctx, id)
	if err != nil {
		return err
	}
	if rec == nil {
		return c.Reply(ctx, msgStatsNone)
	}
	grids, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return err
	}
	return c.Reply(ctx, f.statsText(rec, withAllGrids(rec.Grids, grids)))
}

func (f *Feature) statsText(rec *RoundRecord, grids []GridStat) string {
	var b strings.Builder
	status := statusClosed
	if rec.Open {
		status = statusOpen
	}
	fmt.Fprintf(&b, msgStatsTitle, rec.ID, status, rec.Players, rec.Done, percent(rec.Done, rec.Players),
		f.when(rec.Opened), f.when(rec.Closes))
	b.WriteString(msgStatsQ)
	for i, q := range rec.Questions {
		fmt.Fprintf(&b, msgStatsQRow, i+1, bot.Esc(bot.Truncate(q.Text, 30)), percent(q.Correct, q.Answered), q.Correct, q.Answered)
	}
	b.WriteString(msgStatsGrid)
	for _, g := range grids {
		fmt.Fprintf(&b, msgStatsGridRow, bot.Esc(gridName(g.Grid)), g.Players, max(g.Members, 0),
			percent(g.Players, g.Members), g.Done, avg(g.Average()))
	}
	return strings.TrimRight(b.String(), "\n")
}

// season is the id of the season now.
func (f *Feature) season() string { return SeasonOf(f.cfg.Season, f.env.Now(), f.env.Loc) }

// SeasonTop returns the best n residents of a season, by points then time.
func (f *Feature) SeasonTop(ctx context.Context, season string, n int) ([]Entry, error) {
	zs, err := f.env.Redis.ZRevRangeWithScores(ctx, f.seasonKey(season, "board"), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("quiz season board: %w", err)
	}
	if len(zs) == 0 {
		return nil, nil
	}
	users := make([]string, len(zs))
	for i, z := range zs {
		users[i] = z.Member.(string)
	}
	names, err := f.env.Redis.HMGet(ctx, f.seasonKey(season, "names"), users...).Result()
	if err != nil {
		return nil, fmt.Errorf("quiz season names: %w", err)
	}
	out := make([]Entry, len(zs))
	for i, z := range zs {
		pts, t := decodeScore(z.Score)
		name, _ := names[i].(string)
		out[i] = Entry{User: bot.UserRef(users[i]), Name: name, Points: pts, Time: t}
	}
	return out, nil
}

func (f *Feature) cmdRank(ctx context.Context, c *bot.Context) error {
	s := f.season()
	top, err := f.SeasonTop(ctx, s, 10)
	if err != nil {
		return err
	}
	if len(top) == 0 {
		return c.Reply(ctx, msgRankEmpty)
	}
	var b strings.Builder
	fmt.Fprintf(&b, msgRankTitle, seasonLabel(s))
	for i, e := range top {
		fmt.Fprintf(&b, msgGridTopRow, i+1, bot.Esc(bot.ShortName(e.Name)), e.Points, duration(e.Time))
	}
	rank, score, err := f.seasonRank(ctx, s, c.Update.User)
	if err != nil {
		return err
	}
	if rank > 0 {
		pts, _ := decodeScore(score)
		fmt.Fprintf(&b, msgRankMine, rank, pts)
	}
	return c.Reply(ctx, strings.TrimRight(b.String(), "\n"))
}

// seasonRank returns the user's 1-based place in a season (0 when absent)
// and board score.
func (f *Feature) seasonRank(ctx context.Context, s string, u bot.UserRef) (int, float64, error) {
	pipe := f.env.Redis.Pipeline()
	rk := pipe.ZRevRank(ctx, f.seasonKey(s, "board"), string(u))
	sc := pipe.ZScore(ctx, f.seasonKey(s, "board"), string(u))
	if _, err := pipe.Exec(ctx); err != nil {
		if errors.Is(err, redis.Nil) {
			return 0, 0, nil
		}
		return 0, 0, fmt.Errorf("quiz rank: %w", err)
	}
	return int(rk.Val()) + 1, sc.Val(), nil
}

// Stats is a resident's record in a season.
type Stats struct {
	Points   int
	Rounds   int
	Answered int
	Correct  int
	// Rank is the 1-based place in the season, 0 if not ranked.
	Rank int
}

// UserStats returns u's record in season.
func (f *Feature) UserStats(ctx context.Context, season string, u bot.UserRef) (Stats, error) {
	pipe := f.env.Redis.Pipeline()
	h := pipe.HGetAll(ctx, f.seasonKey(season, "u", string(u)))
	rk := pipe.ZRevRank(ctx, f.seasonKey(season, "board"), string(u))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Stats{}, fmt.Errorf("quiz user stats: %w", err)
	}
	v := h.Val()
	var s Stats
	s.Points, _ = strconv.Atoi(v["pts"])
	s.Rounds, _ = strconv.Atoi(v["rounds"])
	s.Answered, _ = strconv.Atoi(v["answered"])
	s.Correct, _ = strconv.Atoi(v["correct"])
	if rk.Err() == nil {
		s.Rank = int(rk.Val()) + 1
	}
	return s, nil
}

func (f *Feature) cmdMe(ctx context.Context, c *bot.Context) error {
	season := f.season()
	s, err := f.UserStats(ctx, season, c.Update.User)
	if err != nil {
		return err
	}
	if s.Rounds == 0 {
		return c.Reply(ctx, msgMeEmpty)
	}
	rank := ""
	if s.Rank > 0 {
		rank = fmt.Sprintf(msgMeRank, s.Rank)
	}
	return c.Reply(ctx, fmt.Sprintf(msgMe, seasonLabel(season), s.Points, rank, s.Rounds, s.Answered, s.Correct,
		percent(s.Correct, s.Answered)))
}
