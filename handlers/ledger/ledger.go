// Package ledger keeps the community's ledgers (台账) and builds the
// reports staff write their monthly and year-end summaries from: pushes
// and their reach, activities with sign-ups and check-ins, quiz rounds,
// a grid rating and volunteer hours. It reads the other features' records
// through their typed readers (outbox.Figures, events.Records, the quiz's
// RoundsIn and Record), never their keys, rolls settled months up into
// compact hashes of its own, and offers
// /report (报表) to staff, /volunteer (志愿时长) to residents, a weekly
// digest job and read-only JSON endpoints.
package ledger

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/outbox"
	"gridbot/handlers/events"
	"gridbot/handlers/quiz"
)

// QuizSource gives the quiz rounds; *quiz.Feature implements it.
type QuizSource interface {
	// RoundsIn returns the ids of the rounds opened in [from, to).
	RoundsIn(ctx context.Context, from, to time.Time) ([]int, error)
	Record(ctx context.Context, id int) (*quiz.RoundRecord, error)
}

var _ QuizSource = (*quiz.Feature)(nil)

// activityRecords is what the ledger reads of the events feature's records;
// *events.Records implements it.
type activityRecords interface {
	ActivitiesIn(ctx context.Context, from, to time.Time) ([]events.ActivityFigures, error)
	QueueCheckIns(ctx context.Context, pipe redis.Pipeliner, day time.Time) func() []events.CheckIn
	VolunteerHours(ctx context.Context, years []int, users []bot.UserRef) ([][]float64, error)
}

// reachRecords is what the ledger reads of the outbox's records;
// *outbox.Figures implements it.
type reachRecords interface {
	QueueReach(ctx context.Context, pipe redis.Pipeliner, from, to time.Time) func() outbox.PeriodReach
	Broadcasts(ctx context.Context, ids []string) ([]outbox.Delivered, error)
}

var (
	_ activityRecords = (*events.Records)(nil)
	_ reachRecords    = (*outbox.Figures)(nil)
)

// Feature is the ledger. Build it with New, Register it with the router,
// register Digest with the scheduler and mount API on the HTTP server.
type Feature struct {
	env  feature.Env
	cfg  Config
	quiz QuizSource
	// events and reach give the other features' figures.
	events activityRecords
	reach  reachRecords
	log    *slog.Logger
}

// New returns the ledger. env.Redis, Keys, Dir, Send, Now and Loc are
// used; q may be nil (the reports then have no quiz figures).
func New(env feature.Env, cfg Config, q QuizSource) *Feature {
	if env.Log == nil {
		env.Log = slog.Default()
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	return &Feature{env: env, cfg: cfg.withDefaults(), quiz: q, events: events.NewRecords(env), reach: outbox.NewFigures(env).WithChannels(cfg.Channels),
		log: env.Log.With("feature", "ledger")}
}

// volunteerWords are how residents ask for their hours and stars.
var volunteerWords = []string{"(我的|)(志愿|志愿者|志愿服务|义工)(时长|时间|小时|时数|小时数|记录)", "(我的|)服务时长",
	"(我的|)星级", "我(是|)几星(了|)", "我(有|)(几|多少)(颗|个|)星", "我(做|干|服务)了(多少|几)(个|)小时(志愿|志愿服务|)"}

// Register adds /report (报表) for staff and /volunteer (志愿时长) for
// everyone.
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "report", Aliases: []string{"ledger"}, Keywords: []string{"报表", "工作报表", "台账"},
			Args: bot.ArgsText, Role: bot.GridWorker, Group: helpGroup,
			Intent: bot.Intent{Hint: "要本月的统计报表：发「报表 本月」"},
			Usage:  "报表 本月 [网格]", Help: "把统计报表（含表格文件）私信发给我：本月、上月、今年、2026-11、2026-10-01 2026-12-31；后面加网格名只看那个网格。网格员收到自己网格的报表",
			Handle: f.report},
		&bot.Command{Name: "volunteer", Keywords: volunteerWords,
			Args: bot.ArgsNone, Group: helpGroupVol,
			Usage: "志愿时长", Help: "看看自己的志愿服务时长和星级", Handle: f.volunteer,
			Intent: bot.Intent{Hint: "看自己的志愿服务时长和星级：发「志愿时长」",
				Examples: []string{"我的志愿时长", "志愿时长查一下", "我几星了", "我是几星", "我的星级", "我有几颗星",
					"我做了多少小时志愿", "志願時長"},
				Quiet: []string{"服务时间是几点", "志愿者辛苦了", "星期几"}}},
	)
}
