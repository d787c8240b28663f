// Package events runs activities and sign-ups (活动报名): staff publish an
// activity to grid groups, residents sign up with 报名 3 or a button, a
// waitlist moves up when someone cancels, staff get the roster privately as
// CSV and XLSX, people check in with a code, and reminders go out 24 hours
// and 1 hour before the start.
//
// Every resident action (join, leave) and every capacity change is one Lua
// script on the event's hash tag, so seats are never oversold.
package events

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/when"
)

const maxHeadcount = 10

// Config tunes the events feature.
type Config struct {
	// RefreshSeconds is the least time between two notice edits in one
	// chat (Telegram allows about 20 messages a minute per group).
	RefreshSeconds int `yaml:"refresh_seconds"`
	// MaxHeadcount is the most people one sign-up may bring (at most 10).
	MaxHeadcount int `yaml:"max_headcount"`
	// RemarkMax is the most characters kept of a sign-up remark.
	RemarkMax int `yaml:"remark_max"`
	// CheckinBeforeMinutes is how early before the start check-in may open.
	CheckinBeforeMinutes int `yaml:"checkin_before_minutes"`
	// DefaultLengthMinutes is how long an activity without 结束 is taken
	// to last (check-in codes stay valid that long).
	DefaultLengthMinutes int `yaml:"default_length_minutes"`
	// RecordDays is how long attendance records are kept (default 3 years
	// and a month).
	RecordDays int `yaml:"record_days"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{RefreshSeconds: 6, MaxHeadcount: maxHeadcount, RemarkMax: 60,
		CheckinBeforeMinutes: 60, DefaultLengthMinutes: 180, RecordDays: 3*366 + 31}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.RefreshSeconds <= 0 {
		c.RefreshSeconds = d.RefreshSeconds
	}
	if c.MaxHeadcount <= 0 || c.MaxHeadcount > maxHeadcount {
		c.MaxHeadcount = d.MaxHeadcount
	}
	if c.RemarkMax <= 0 {
		c.RemarkMax = d.RemarkMax
	}
	if c.CheckinBeforeMinutes <= 0 {
		c.CheckinBeforeMinutes = d.CheckinBeforeMinutes
	}
	if c.DefaultLengthMinutes <= 0 {
		c.DefaultLengthMinutes = d.DefaultLengthMinutes
	}
	if c.RecordDays < d.RecordDays {
		c.RecordDays = d.RecordDays
	}
	return c
}

// Feature is the events feature. Build it with New, then Register it with
// the router and register HandleDue with the scheduler under kind "ev".
type Feature struct {
	env feature.Env
	cfg Config
	st  *store
	log *slog.Logger
}

// New returns the events feature. env.Redis, Keys, Dir, Out, Outbox, Due,
// Now and Loc are required; env.Replies is nil when replies are not
// coalesced (replies.coalesce off): notices are then edited directly and
// sign-up lists are not offered.
func New(env feature.Env, cfg Config) *Feature {
	if env.Log == nil {
		env.Log = slog.Default()
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	return &Feature{env: env, cfg: cfg.withDefaults(), st: &store{rdb: env.Redis, k: env.Keys}, log: env.Log.With("feature", "events")}
}

// joinWords and leaveWords are how residents ask to sign up and to cancel.
// A bot.NumSlot marks a phrase that acts only with the activity number there:
// "取消{n}" takes "取消 3" but leaves a bare "取消" alone, and "{n}去"
// takes "3号我去" but not "我去3号" (a place, perhaps).
var (
	joinWords = []string{"报名", "我报名", "参加", "我参加", "报个名", "报一个", "报名参加", "参加报名", "报一下名", "报上名",
		"报" + bot.NumSlot, "算我一个" + bot.NumSlot, bot.NumSlot + "算我一个", "加我一个" + bot.NumSlot, bot.NumSlot + "加我一个",
		bot.NumSlot + "去", bot.NumSlot + "报上", "(给我|帮我|)报上" + bot.NumSlot, bot.NumSlot + "(我|)(也|)要去",
		bot.NumSlot + "(我|)(也|)想去", bot.NumSlot + "(我|)(也|)参加", "报(个|一个|下|一下)" + bot.NumSlot, "(都|也)(要|)去" + bot.NumSlot,
		bot.NumSlot + "(+1|加1|加一)"}
	leaveWords = []string{"取消报名", "退出报名", "取消我的报名", "撤销报名", "取消候补", "退出候补", "(把|)报名取消",
		"取消" + bot.NumSlot, bot.NumSlot + "取消", "撤销" + bot.NumSlot, "退出" + bot.NumSlot, bot.NumSlot + "退出", "退掉" + bot.NumSlot,
		bot.NumSlot + "退掉", "不参加了" + bot.NumSlot, "不参加" + bot.NumSlot, bot.NumSlot + "不参加了", bot.NumSlot + "不参加",
		"不去了" + bot.NumSlot, "不去" + bot.NumSlot, bot.NumSlot + "不去了", bot.NumSlot + "不去", bot.NumSlot + "去不了了", bot.NumSlot + "去不了",
		bot.NumSlot + "来不了了", bot.NumSlot + "来不了", bot.NumSlot + "参加不了了", bot.NumSlot + "参加不了", bot.NumSlot + "不报了",
		bot.NumSlot + "不报名了", "退出活动" + bot.NumSlot, "退" + bot.NumSlot, bot.NumSlot + "(的|)报名取消",
		bot.NumSlot + "的取消", bot.NumSlot + "(去|来|参加)不成(了|)", bot.NumSlot + "不能(去|来|参加)(了|)",
		bot.NumSlot + "没法(去|来|参加)(了|)", bot.NumSlot + "我就不去(了|)", "取消一下" + bot.NumSlot,
		bot.NumSlot + "(帮我|给我|)退(了吧|掉吧|一下|下)", bot.NumSlot + "(帮我|给我)退(了|掉)"}
	// familyWords are a third person's wish: 我妈想报名, 3号我老伴想去.
	familyWords = []string{bot.KinSlot + "(说|)(也|都|还|)(想|想要|要|打算|准备)(报名|参加|报个名|去|报|报个|报一个)",
		bot.NumSlot + bot.KinSlot + "(也|都|还|)(想|想要|要)(报名|参加|去|报)"}
	eventsWords = append([]string{"(近期|最近|这周|本周|下周|这个月|本月|社区|现在|今天|明天|周末|)(的|)活动(列表|安排|预告|)",
		"(这周|本周|下周|最近|近期|这个月|本月|今天|明天|周末|这几天|现在|)(有|都有|还有)(什么|哪些|啥|)活动",
		"(社区|咱们社区|我们社区|咱们)(最近|近期|这周|本周|现在|)(有|都有|还有)(什么|哪些|啥|)活动", "有没有活动", "(什么|哪些|啥)活动", "(还|)(能|可以|在|正在)(报名|参加|报)的活动", "报名中的活动",
		"(搞|在搞|要搞|有|都有|还有|)(什么|哪些|啥|)(好玩的|有意思的|新)活动", "(搞|在搞|要搞)(什么|哪些|啥|)活动",
	}, seatsWords...)
	// seatsWords ask how many places are left; with an activity number the
	// number is dropped as for any question that shows something, and the
	// list shows every activity's 剩余名额.
	seatsWords = []string{"(活动|报名|)(还有|还剩|剩|剩下|还能报|还可以报)(几个|多少|多少个|)(名额|位置|空位|空名额|位子)",
		"(活动|报名|)名额(还有|还剩|剩|剩下|还剩下)(几个|多少|多少个|)"}
	myWords = []string{"我的报名(记录|情况|信息|)", "我的活动", "我报(名|)(的|)活动",
		"我(报|报名|参加)(了|的)(哪些|什么|啥|几号|哪个|哪几个)(活动|)(来着|)", "我(报|报名|报上|报进|报成功|报名成功)(了|)(吗|没|没有)",
		"我(报|报名)的是(几号|哪个|哪个活动|什么活动|啥)", "我(在|)名单(里|上|里面|上面)(吗|没|没有)", "名单(里|上|里面|上面)有我(吗|没|没有)",
		"有我(吗|没有)", "我(是|)(排|)候补第几(个|名|)", "我候补(排|排到|到|排在|)第几(个|名|位|)", "我(排|排在|排到)第几(个|位)",
		"我(报|报名|参加)了(几个|多少个)(活动|)", "我(都|)(报|报名|参加|报过|参加过)(了|的|)(哪些|什么|啥|哪几个)(活动|)",
		"我(的报名|报名的|报的名)(记录|情况|信息|)"}
)

// Register adds the events commands and the "ev" button callbacks.
func (f *Feature) Register(r *bot.Router) {
	r.Add(
		&bot.Command{Name: "events", Keywords: eventsWords, Args: bot.ArgsNone,
			Group: helpGroup, Usage: "活动", Help: helpEvents, Handle: f.list, Prefetch: f.prefetchOpen,
			Intent: bot.Intent{After: []string{"可以报名", "能报名", "在报名", "报名", "可以参加", "能参加", "参加", "有几个", "能报", "可以报",
				"还能报", "在报", "能报的", "可以报的", "能参加的", "可以参加的"},
				Hint: "看看近期有哪些活动、还剩几个名额：发「活动」",
				Examples: []string{"看看活动", "有什么活动可以报名啊", "活动发一下，谢谢", "最近有啥活动", "活动呢？", "查一下近期活动",
					"這週有什麼活動", "@网格助手 活动安排发一下", "能报名的活动有哪些", "有活动吗", "最近有啥活动没", "有没有啥活动能报名",
					"求活动列表", "最近搞什么活动", "有啥好玩的活动不", "还有名额吗", "3号活动还剩几个名额啊", "1号还有位置吗",
					"请问还有空位吗", "名额还有吗", "還有名額嗎"},
				Quiet: []string{"活动挺好的", "今天活动真热闹", "活动什么时候开始", "好活动", "社区活动中心在哪", "参加什么活动",
					"你们去活动没", "有没有人去活动", "停车场还有空位吗", "幼儿园还有名额吗", "车上还有位置吗", "名额满了吧"}}},
		&bot.Command{Name: "join", Keywords: joinWords, Args: bot.ArgsNumber,
			Group: helpGroup, Usage: usageJoin, Help: helpJoin, Handle: f.join,
			Intent: bot.Intent{Hint: "报名参加活动：发「报名」加活动号",
				Examples: []string{"报名3 → 3", "报名3好 → 3", "3号我和老伴都去 → 3 我和老伴都", "報名３號 → 3", "@网格助手 报名3[抱拳] → 3",
					"报名 3 2 人 → 3 2人", "报名 -3 → -3", "我们老两口报名3号 → 3 我们老两口", "我们老两口都去 3号 → 3 我们老两口都",
					"3号+1 → 3", "给我报个3号 → 3"},
				Quiet: []string{"王姐你报了没", "我昨天报了", "3号楼报名", "报名了吗", "参加3点的活动", "你报名3号吧", "我去3号", "3号楼+1",
					"给我报个价"}}},
		&bot.Command{Name: "leave", Keywords: leaveWords, Args: bot.ArgsNumber,
			Group: helpGroup, Usage: usageLeave, Help: helpLeave, Handle: f.leave,
			Intent: bot.Intent{Hint: "取消报名：发「取消报名」加活动号",
				Examples: []string{"取消3号 家里有事 → 3 家里有事", "3号报名取消 → 3", "把我3号的取消了 → 3", "退出活动3 → 3",
					"3号去不成了 → 3", "3號不去了 → 3", "3号退了吧 → 3", "帮我把3号退了 → 3", "麻烦把3号给我取消一下 → 3"},
				Quiet: []string{"3号活动取消了", "取消了吗", "为什么取消了", "已经取消了", "老张3号不去了", "王姐把3号退了", "3号退货了"}}},
		&bot.Command{Name: "my", Keywords: myWords, Args: bot.ArgsNone,
			Group: helpGroup, Usage: "我的报名", Help: helpMy, Handle: f.my, Prefetch: f.prefetchOpen,
			Intent: bot.Intent{Hint: "看看自己报了哪些活动：发「我的报名」",
				Examples: []string{"我报上了吗", "我报了哪些活动", "查一下我的报名", "我报的是几号", "名单里有我吗", "我的报名呢",
					"我候补第几", "我報上了嗎", "我有没有报上", "我是不是报名了", "3号我报上了吗", "我报了几个活动", "我候补到第几了",
					"查一下我报的名"},
				Quiet: []string{"我报上了", "我昨天报了", "我报名了3号", "你报上了吗", "我已经报名了", "你报了几个", "我排第二个"}}},
		&bot.Command{Name: "checkin", Keywords: []string{"签到", "签个到", "签到码"}, Args: bot.ArgsNumber,
			Group: helpGroup, Usage: usageCheckin, Help: helpCheckin, Handle: f.checkin,
			Intent: bot.Intent{Hint: "到场签到：发「签到」加签到码",
				Examples: []string{"签到 3 4821 → 3 4821", "我签到4821 → 4821", "签到码4821 → 4821", "3号签到 4821 → 3 4821", "簽到 4821 → 4821"},
				Quiet:    []string{"签到了吗", "今天签到了", "在哪签到"}}},
		&bot.Command{Name: "startcheckin", Args: bot.ArgsNumber, Role: bot.GridWorker,
			Group: helpGroup, Usage: usageStart, Help: helpStart, Handle: f.checkin,
			Intent: bot.Intent{Hint: "开始签到、在群里显示签到码：发「签到」加活动号"}},
		&bot.Command{Name: "family", Keywords: familyWords, Args: bot.ArgsNumber, Handle: f.family,
			Intent: bot.Intent{Examples: []string{"我妈想报名", "我老伴也想参加3号 → 3", "3号我老伴想去 → 3", "张阿姨想报名",
				"我老伴想报3号 → 3", "我女儿也想去3号 → 3", "隔壁王阿姨想报3号 → 3"},
				Quiet: []string{"我想报名3号了吗", "我妈报名了", "王姐想报舞蹈班", "我老伴报了3号"}}},
		&bot.Command{Name: "newevent", Keywords: []string{"发布活动", "新建活动"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: helpGroup, Usage: "发布活动", Help: helpNew, Handle: f.create,
			Intent: bot.Intent{Hint: "发布新活动：发「发布活动」，下面每行写一项"}},
		&bot.Command{Name: "roster", Keywords: []string{"名单", "报名名单"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageRoster, Help: helpRoster, Handle: f.roster,
			Intent: bot.Intent{Hint: "要报名名单（含表格）：发「名单」加活动号"}},
		&bot.Command{Name: "editevent", Keywords: []string{"修改活动"}, Args: bot.ArgsText, Role: bot.Staff,
			Group: helpGroup, Usage: usageEdit, Help: helpEdit, Handle: f.edit},
		&bot.Command{Name: "chain", Keywords: []string{"接龙", "开启接龙", "开接龙"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageChain, Help: helpChain, Handle: f.chainOn},
		&bot.Command{Name: "unchain", Keywords: []string{"关闭接龙", "停止接龙"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageUnchain, Handle: f.chainOff},
		&bot.Command{Name: "cancelevent", Keywords: []string{"取消活动"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageCancel, Help: helpCancel, Handle: f.cancel},
		&bot.Command{Name: "confirmcancel", Keywords: []string{"确认取消活动"}, Args: bot.ArgsNumber, Role: bot.Staff,
			Group: helpGroup, Usage: usageCancelOK, Handle: f.cancelConfirm},
	)
	r.OnCallback("ev", f.button)
}

// HandleDue runs a due-queue item of kind "ev": "ev:<id>:refresh" and
// "ev:<id>:close" (at the sign-up deadline) edit the posted notices, "ev:<id>:r24" and "ev:<id>:r1" send reminders. The "ev:"
// prefix is optional. Reminders are sent at most once each, and never for a
// cancelled or started activity.
func (f *Feature) HandleDue(ctx context.Context, key string) error {
	return f.handleDue(ctx, key)
}

func (f *Feature) now() time.Time { return f.env.Now() }

func (f *Feature) fmtTime(t time.Time) string {
	return formatWhen(t, f.now(), f.env.Loc)
}

// fmtSpan shows when e takes place: its start, and its end when it has one.
func (f *Feature) fmtSpan(e *Event) string {
	if e.End.IsZero() {
		return f.fmtTime(e.Start)
	}
	return when.FormatRange(e.Start, e.End, f.now(), f.env.Loc)
}

// userErr converts a not-found error into the reply for event id.
func (f *Feature) load(ctx context.Context, id int64) (*Event, error) {
	e, err := f.st.get(ctx, id)
	if errors.Is(err, errNotFound) {
		return nil, bot.NotFoundf(msgNotFound, id)
	}
	return e, err
}

func (f *Feature) schedule(ctx context.Context, key string, at time.Time) {
	if err := f.env.Due.Schedule(ctx, key, at); err != nil {
		f.log.Warn("schedule", "key", key, "err", err)
	}
}

func (f *Feature) unschedule(ctx context.Context, key string) {
	if err := f.env.Due.Cancel(ctx, key); err != nil {
		f.log.Warn("cancel due", "key", key, "err", err)
	}
}

// touched schedules one notice refresh after a change that set the dirty
// flag.
func (f *Feature) touched(ctx context.Context, id int64, dirty bool) {
	if dirty {
		f.schedule(ctx, dueKey(id, "refresh"), f.now().Add(time.Duration(f.cfg.RefreshSeconds)*time.Second))
	}
}
