package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/console"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redisx"
	"gridbot/bot/replies"
	"gridbot/bot/server"
	"gridbot/bot/telegram"
	"gridbot/bot/wecom"
	"gridbot/bot/wecom/custgroup"
	"gridbot/bot/wxoa"
	"gridbot/handlers/custgroups"
	"gridbot/handlers/events"
	"gridbot/handlers/grids"
	"gridbot/handlers/ledger"
	"gridbot/handlers/links"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/residents"
	"gridbot/handlers/tips"
	"gridbot/handlers/workbench"
	"gridbot/scheduler"
)

// subcommand runs the offline tools; ok is false when args name none.
func subcommand(args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "tips":
		return tips.CLI(args[1:], stdout, stderr), true
	case "quiz":
		return quiz.CLI(args[1:], stdout, stderr), true
	}
	return 0, false
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openRedis opens the Redis cfg names, or with none configured an
// in-process store for the local trial (run never passes the trial a
// configured Redis).
func openRedis(cfg RedisConfig, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if !cfg.configured() {
		mr := miniredis.NewMiniRedis()
		mr.ClockTTL(true)
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("start in-process redis: %w", err)
		}
		log.Warn("redis.addr is empty: using the in-process store for the local trial; nothing is kept after exit")
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		return rdb, func() { _ = rdb.Close(); mr.Close() }, nil
	}
	rdb, err := redisx.Open(redisx.Options{
		Addr: cfg.Addr, Addrs: cfg.Addrs,
		SentinelMaster: cfg.Sentinel.Master, SentinelAddrs: cfg.Sentinel.Addrs, SentinelPassword: cfg.Sentinel.Password,
		DB: cfg.DB, Password: cfg.Password, WaitReplicas: cfg.WaitReplicas, WaitTimeout: cfg.WaitTimeout,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open redis: %w", err)
	}
	return rdb, func() { _ = rdb.Close() }, nil
}

func staffRefs(cfg StaffConfig) []bot.UserRef {
	var out []bot.UserRef
	for _, id := range cfg.Telegram {
		out = append(out, telegram.UserRef(id))
	}
	for _, id := range cfg.Wecom {
		out = append(out, bot.UserRef("wecom:"+id))
	}
	return out
}

// run wires the parts and runs until ctx ends (or, in the trial, until the
// end of input).
func run(ctx context.Context, cfg Config, stdin io.Reader, stdout, stderr io.Writer) error {
	return runOn(ctx, cfg, time.Now, stdin, stdout, stderr)
}

// runOn is run on the clock now: the features, the outbox and the
// scheduler's slots and due items read it (time.Now but in tests that play
// simulated time); leases, rate limits and the reply coalescer keep real
// time.
func runOn(ctx context.Context, cfg Config, now func() time.Time, stdin io.Reader, stdout, stderr io.Writer) error {
	logOut := stderr
	if cfg.trial() && cfg.Log.Level == "info" {
		cfg.Log.Level = "warn"
	}
	log := newLogger(cfg.Log, logOut)
	instance := replicaInstance(&cfg.Replica)
	if !cfg.trial() {
		log = log.With("replica", cfg.Replica.Name)
	}
	loc, _ := time.LoadLocation(cfg.Timezone)
	redisCfg := cfg.Redis
	if cfg.trial() {
		redisCfg = RedisConfig{}
	}
	rdb, closeRedis, err := openRedis(redisCfg, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	keys := bot.Keys(cfg.Redis.Prefix)
	staff := staffRefs(cfg.Staff)
	if cfg.trial() {
		staff = append(staff, console.StaffSpeaker.User)
	}
	reg := newRegistry()
	metrics := bot.NewMetrics(reg)
	dir := grid.NewDirectory(rdb, keys, staff)
	pl, err := openPlatforms(ctx, cfg, stdin, stdout, dir, metrics, log)
	if err != nil {
		return err
	}

	lim := ratelimit.New(rdb, keys, cfg.Limits, metrics)
	core := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Send: pl.mux, Log: log, Metrics: metrics, Now: now, Loc: loc}
	cfg.Outbox.Replica = cfg.Replica.Name
	if cfg.Telegram.PaidBroadcast {
		cfg.Outbox = cfg.Outbox.WithPaid(telegram.Platform)
		cfg.Notices.PaidBroadcast = true
	}
	ob := outbox.New(core, lim, cfg.Outbox)
	sch := scheduler.New(rdb, keys, loc, log, scheduler.Options{Config: cfg.Schedule.Config, ID: instance, Now: now})
	co := newReplies(core, cfg)
	env := feature.Env{Redis: rdb, Keys: keys, Dir: dir, Send: pl.mux, Log: log, Metrics: metrics, Now: now, Loc: loc,
		Outbox: ob, Due: sch, Replies: repliesOf(co, cfg),
		Out: bot.NewDelivery(bot.DeliveryOptions{Send: pl.mux, Limit: lim, Keep: co, Outbox: ob, Log: log, Now: now})}
	cg, err := newCustGroups(env, cfg.CustGroup, pl.mux, ob)
	if err != nil {
		return err
	}

	router := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir, Log: log, HandlerTimeout: cfg.Updates.HandlerTimeout,
		ClaimTTL: cfg.Updates.ClaimTTL, Instance: instance, Replies: env.Replies, Retry: co, Metrics: metrics, BotName: pl.botName})
	api, consoleUI, pages, err := registerFeatures(env, co, cfg, router, sch, ob, cg)
	if err != nil {
		return err
	}

	disp := bot.NewDispatcher(cfg.Updates.Workers, router.Handle, metrics)
	if !cfg.trial() {
		disp.LimitUsers(bot.FloodLimit{Burst: cfg.Updates.FloodBurst, Every: cfg.Updates.FloodEvery, Exempt: dir.IsConfigStaff, Log: log.Warn})
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	goRun := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(runCtx); err != nil && runCtx.Err() == nil {
				log.Error(name+" stopped", "err", err)
			}
		}()
	}

	srv, err := server.New(cfg.HTTP.Listen, rdb, log, reg)
	switch {
	case err != nil && cfg.trial():
		log.Warn("http server not started", "err", err)
	case err != nil:
		return err
	default:
		srv.Handle("/api/", api)
		if cfg.Console.Enabled {
			srv.Handle("/console/", consoleUI)
		}
		if pages != nil {
			srv.Handle(residents.Prefix, pages)
			srv.Handle("/s/", pages)
		}
	}

	var sources []func(context.Context) error
	trial := trialSettler{ob: ob, co: co, log: log}
	if pl.con != nil {
		submit := trial.submit(disp)
		sources = append(sources, func(ctx context.Context) error { return pl.con.Run(ctx, submit) })
	}
	if tg := pl.tg; tg != nil {
		replies := limitedReplies{Client: tg, lim: lim, log: log}
		submit := func(ctx context.Context, u *bot.Update) <-chan struct{} { return disp.Submit(ctx, replies, u) }
		if cfg.Telegram.Webhook() {
			if srv == nil {
				return fmt.Errorf("config key http.listen: webhook mode needs the HTTP server")
			}
			srv.Handle("POST "+cfg.Telegram.WebhookPath, tg.WebhookHandler(submit))
			if err := tg.SetWebhook(ctx, cfg.Telegram.WebhookURL, cfg.Telegram.WebhookSecret); err != nil {
				return err
			}
		} else {
			lease := telegram.NewPollLease(rdb, keys, instance, cfg.Telegram.PollLease, log)
			sources = append(sources, func(ctx context.Context) error { return tg.PollLeader(ctx, lease, submit) })
		}
		log.Info("telegram ready", "bot", tg.Username(), "webhook", cfg.Telegram.Webhook())
	}
	var callback *wecom.Callback
	if hooks := pl.hooks; hooks != nil {
		if cfg.Wecom.Callback.Enabled() {
			if srv == nil {
				return fmt.Errorf("config key http.listen: the WeChat Work callback needs the HTTP server")
			}
			callback, err = wecom.NewCallback(cfg.Wecom, hooks, disp.Submit, log)
			if err != nil {
				return err
			}
			srv.Handle(callback.Path(), callback)
		}
		log.Info("wechat work ready", "groups", len(hooks.Groups()), "callback", cfg.Wecom.Callback.Enabled())
	}
	if len(sources) == 0 {
		sources = append(sources, func(ctx context.Context) error { <-ctx.Done(); return nil })
	}
	if srv != nil {
		goRun("http server", srv.Serve)
	}
	goRun("outbox", ob.Run)
	goRun("replies", co.Run)
	goRun("scheduler", sch.Run)

	log.Info("gridbot started", "http", srvAddr(srv))
	errc := make(chan error, len(sources))
	for _, src := range sources {
		go func() { errc <- src(runCtx) }()
	}
	err = <-errc
	if cfg.trial() {
		drainTrial(ctx, disp, trial)
	}
	cancel()
	for range len(sources) - 1 {
		if e := <-errc; err == nil {
			err = e
		}
	}
	disp.Close()
	if callback != nil {
		callback.Wait()
	}
	wg.Wait()
	return err
}

// newRegistry returns the Prometheus registry /metrics serves: the Go
// runtime's and the process's collectors, and what bot.NewMetrics adds.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// platforms are the adapters one run talks through. They are opened before
// anything that sends, so the Mux is complete when it is first handed on.
type platforms struct {
	mux     bot.Mux
	con     *console.Console
	tg      *telegram.Client
	hooks   *wecom.Sender
	botName string
}

// openPlatforms opens the configured adapters: the console in the local
// trial (its groups bound in dir), the Telegram client, and the WeChat
// Work group robots (their groups bound in dir).
func openPlatforms(ctx context.Context, cfg Config, stdin io.Reader, stdout io.Writer, dir *grid.Directory, m *bot.Metrics, log *slog.Logger) (platforms, error) {
	p := platforms{mux: bot.Mux{}}
	if cfg.trial() {
		p.con = console.New(stdin, stdout, !isTerminal(stdin), filepath.Join(os.TempDir(), "gridbot-trial"))
		if err := setupTrial(ctx, dir, p.con, log); err != nil {
			return p, err
		}
		p.mux["console"] = p.con
	}
	if cfg.Telegram.Token != "" {
		tg, err := telegram.New(ctx, cfg.Telegram, log, m)
		if err != nil {
			return p, err
		}
		if !tg.CanReadAllGroupMessages() {
			log.Warn("privacy mode is on: in groups the bot sees only /commands; turn it off with BotFather /setprivacy or make the bot a group admin")
		}
		p.tg, p.botName = tg, tg.Username()
		p.mux[telegram.Platform] = tg
	}
	if cfg.wecomOn() {
		hooks, err := wecom.NewSender(cfg.Wecom, log)
		if err != nil {
			return p, err
		}
		if err := hooks.BindGroups(ctx, dir); err != nil {
			return p, err
		}
		p.hooks = hooks
		p.mux["wecom"] = hooks
	}
	return p, nil
}

// registerFeatures builds every feature and registers its commands, jobs
// and due-item handlers; it returns the HTTP handlers of the report API, of
// the staff web console and of the resident pages with the short links
// under /s/ (nil when they are off).
func registerFeatures(env feature.Env, co *replies.Coalescer, cfg Config, r *bot.Router, sch *scheduler.Scheduler, ob *outbox.Outbox, cg *custgroups.Feature) (api, consoleUI, pages http.Handler, err error) {
	grids.New(env).Register(r)
	var ln *links.Links

	ev := events.New(env, cfg.Events)
	ev.Register(r)
	if cfg.Replies.Coalesce {
		registerLives(co, ev)
	}
	sch.OnDue("ev", ev.HandleDue)

	link := func(ctx context.Context, t links.Target) (string, error) {
		if !ln.Enabled() {
			return "", nil
		}
		l, err := ln.Get(ctx, t)
		return l.URL, err
	}
	tcfg := cfg.Tips
	tcfg.Link = func(ctx context.Context, id string) (string, error) { return link(ctx, links.TipTarget(id)) }
	tp, err := tips.New(env, tcfg)
	if err != nil {
		return nil, nil, nil, err
	}
	tp.Register(r)
	for _, j := range tp.Jobs() {
		if err := sch.Add(j.Name, j.Spec, j.Run); err != nil {
			return nil, nil, nil, err
		}
	}

	ops := notices.Ops{Recaller: ob, Canceller: ob, Link: func(ctx context.Context, n int) (string, error) {
		return link(ctx, links.NoticeTarget(n))
	}}
	if cg != nil {
		ops.Caps = cg
		cg.Register(r)
		for _, j := range []struct {
			name, spec string
			run        func(context.Context) error
		}{{"custgroup-sync", cfg.CustGroup.Sync, cg.SyncJob}, {"custgroup-track", cfg.CustGroup.Track, cg.TrackJob}} {
			if err := sch.Add(j.name, j.spec, j.run); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	nt := notices.New(env, cfg.Notices, ops)
	nt.Register(r)

	qcfg := cfg.Quiz
	qcfg.Link = func(ctx context.Context, id int) (string, error) { return link(ctx, links.QuizTarget(id)) }
	qz, err := quiz.New(env, qcfg, tp)
	if err != nil {
		return nil, nil, nil, err
	}
	qz.Register(r)
	var site *residents.Site
	if cfg.Residents.Enabled() {
		if site, err = newPages(env, cfg, ev, qz, tp, nt); err != nil {
			return nil, nil, nil, err
		}
	}
	src := links.Sources{Events: ev, Notices: nt, Quiz: qz, Tips: tp}
	if site != nil {
		src.Pages = site
	}
	ln = links.New(env, links.Config{BaseURL: cfg.Residents.BaseURL}, src)
	ln.Register(r)
	if site != nil {
		mux := http.NewServeMux()
		mux.Handle(residents.Prefix, site.Handler())
		mux.Handle("/s/", ln.Handler())
		pages = mux
	}
	if err := sch.Add("quiz", cfg.Schedule.Quiz, qz.Job); err != nil {
		return nil, nil, nil, err
	}
	sch.OnDue("quiz", qz.HandleDue)

	lcfg := cfg.Ledger
	if cg != nil {
		lcfg.Channels = map[string]outbox.Confirmer{custgroups.Platform: cg.Channel()}
	}
	lf := ledger.New(env, lcfg, qz)
	lf.Register(r)
	if err := sch.Add("digest", cfg.Schedule.Digest, lf.Digest); err != nil {
		return nil, nil, nil, err
	}
	if err := sch.Add("outbox-rollup", outbox.RollUpSpec, ob.RollUp); err != nil {
		return nil, nil, nil, err
	}
	wb := workbench.New(env, cfg.Console, workbench.Deps{Events: ev, Notices: nt, Tips: tp, Quiz: qz, Ledger: lf, Outbox: ob, CustGroups: custGroupsDep(cg), Links: ln})
	wb.Register(r)
	return lf.API(), wb.Handler(), pages, nil
}

// newPages builds the resident pages, with the Official Account when one
// is configured, and the quiz, tip and notice pages and the board on them.
func newPages(env feature.Env, cfg Config, ev *events.Feature, qz *quiz.Feature, tp *tips.Feature, nt *notices.Feature) (*residents.Site, error) {
	deps := residents.Deps{Events: ev}
	if cfg.Wxoa.Enabled() {
		oa, err := wxoa.New(cfg.Wxoa)
		if err != nil {
			return nil, fmt.Errorf("config key %w", err)
		}
		deps.OA = oa
	}
	site, err := residents.New(env, cfg.Residents, deps)
	if err != nil {
		return nil, err
	}
	if err := site.AddMore(residents.More{Quiz: qz, Tips: tp, Notices: nt}); err != nil {
		return nil, err
	}
	return site, nil
}

// newCustGroups builds the customer-groups feature when a corp is
// configured (nil otherwise) and makes it the outbox's "wxc" channel.
func newCustGroups(env feature.Env, cfg custgroups.Config, mux bot.Mux, ob *outbox.Outbox) (*custgroups.Feature, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	client, err := custgroup.New(cfg.Config)
	if err != nil {
		return nil, fmt.Errorf("config key %w", err)
	}
	cg := custgroups.New(env, cfg, client)
	ch := cg.Channel()
	mux[custgroups.Platform] = ch
	ob.AddChannel(custgroups.Platform, ch)
	env.Log.Info("wechat work customer groups ready", "corp", cfg.CorpID, "owners", len(cfg.Owners), "cap", cfg.Cap.String())
	return cg, nil
}

// custGroupsDep is cg for the console, or a nil interface when it is off.
func custGroupsDep(cg *custgroups.Feature) workbench.CustGroups {
	if cg == nil {
		return nil
	}
	return cg
}

// drainTrial waits, at the end of a scripted trial, until the updates in
// hand are handled and what they made due is sent, so the transcript shows
// every message; it gives up after ten seconds.
func drainTrial(ctx context.Context, disp *bot.Dispatcher, s trialSettler) {
	disp.Close()
	s.settle(ctx, 10*time.Second)
}

// trialSettler waits until the bot has said what an update made it say: the
// replies queued for groups and the broadcasts due now have gone out.
type trialSettler struct {
	ob  *outbox.Outbox
	co  *replies.Coalescer
	log *slog.Logger
}

// settle returns once nothing is due in the outbox or the reply coalescer,
// or after limit.
func (s trialSettler) settle(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		idle, err := s.ob.Idle(ctx)
		if err == nil && idle {
			idle, err = s.co.Idle(ctx)
		}
		if err != nil {
			s.log.Warn("trial settle", "err", err)
			return
		}
		if idle {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// submit hands u to disp and reports it done once its answers are out, so
// the console prints a line's answers before it reads the next line.
func (s trialSettler) submit(disp *bot.Dispatcher) func(context.Context, bot.Sender, *bot.Update) <-chan struct{} {
	return func(ctx context.Context, snd bot.Sender, u *bot.Update) <-chan struct{} {
		handled := disp.Submit(ctx, snd, u)
		done := make(chan struct{})
		go func() {
			defer close(done)
			<-handled
			s.settle(ctx, 5*time.Second)
		}()
		return done
	}
}

// setupTrial binds the console's groups to their grids, and appoints whoever
// speaks as a grid worker (/as 网格员) to every trial grid.
func setupTrial(ctx context.Context, dir *grid.Directory, con *console.Console, log *slog.Logger) error {
	con.OnWorker = func(u bot.UserRef) {
		for _, ch := range con.Chats() {
			if _, err := dir.AddWorker(ctx, ch.Grid, u); err != nil {
				log.Warn("appoint trial grid worker", "user", u, "err", err)
			}
		}
	}
	for _, ch := range con.Chats() {
		if _, err := dir.Bind(ctx, ch.Ref, ch.Grid, ch.Title); err != nil {
			return err
		}
		if err := dir.SetChat(ctx, grid.ChatInfo{Ref: ch.Ref, Title: ch.Title, Status: grid.ChatActive, Members: ch.Members, CanReadAll: true}); err != nil {
			return err
		}
	}
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func srvAddr(s *server.Server) string {
	if s == nil {
		return ""
	}
	return s.Addr()
}

// replicaInstance fills in the replica's name (the host name by default)
// and returns its id for this start: the name with a random suffix.
func replicaInstance(cfg *ReplicaConfig) string {
	if cfg.Name == "" {
		cfg.Name, _ = os.Hostname()
	}
	return bot.InstanceID(cfg.Name)
}
