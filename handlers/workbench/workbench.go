// Package workbench is the staff web console (工作台): server-rendered pages
// on the bot's own HTTP server where community staff and grid workers do
// what they otherwise do by chat — activities and rosters, notices and
// their delivery, the tip and quiz banks, grids, and the ledger.
//
// Sign-in has no password: staff send 工作台 to the bot privately and get a
// one-time link (HMAC-signed, bound to them, valid 10 minutes, used up
// atomically in Redis). Opening it and pressing 进入工作台 starts a session
// kept in Redis behind an HttpOnly, SameSite=Lax cookie. Every request
// checks the role again on the server; every form carries the session's
// CSRF token. Grid workers see only their grids and no staff-only pages.
//
// Every change goes through the same exported service functions of the
// feature packages as the chat commands, so page and chat never disagree.
package workbench

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"slices"
	"time"

	"gridbot/bot"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/outbox"
	"gridbot/handlers/custgroups"
	"gridbot/handlers/events"
	"gridbot/handlers/ledger"
	"gridbot/handlers/links"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the features the console drives; all are required.
type Deps struct {
	Events  *events.Feature
	Notices *notices.Feature
	Tips    *tips.Feature
	Quiz    *quiz.Feature
	Ledger  *ledger.Feature
	Outbox  *outbox.Outbox
	// CustGroups is the WeChat Work customer groups feature; nil when no
	// corp is configured (the 网格 page then shows none).
	CustGroups CustGroups
	// Links, when set and enabled, puts each activity's and notice's short
	// link, QR code and poster on its page.
	Links *links.Links
}

// CustGroups is what the 网格 page asks of the customer-groups feature
// (handlers/custgroups implements it).
type CustGroups interface {
	Groups(ctx context.Context) ([]custgroups.Group, error)
	Sends(ctx context.Context, days int) ([]custgroups.Send, error)
	LastSync(ctx context.Context) (time.Time, string, error)
	SyncNow(ctx context.Context) (string, error)
	Map(ctx context.Context, chatID, grid string) (string, error)
}

// Feature is the console. Build it with New, Register it with the router
// (for 工作台) and mount Handler at /console/.
type Feature struct {
	env   feature.Env
	cfg   Config
	d     Deps
	log   *slog.Logger
	pages map[string]*template.Template
}

// New returns the console; cfg should have passed Validate.
func New(env feature.Env, cfg Config, d Deps) *Feature {
	if env.Log == nil {
		env.Log = slog.Default()
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Loc == nil {
		env.Loc = time.Local
	}
	f := &Feature{env: env, cfg: cfg.withDefaults(), d: d, log: env.Log.With("feature", "workbench")}
	f.pages = parsePages(f.funcs())
	return f
}

func parsePages(funcs template.FuncMap) map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := n[len("templates/"):]
		if base == "layout.html" {
			continue
		}
		out[base[:len(base)-len(".html")]] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// Register adds 工作台 (/console): staff and grid workers get a sign-in
// link privately; in a group the reply only says it was sent privately.
func (f *Feature) Register(r *bot.Router) {
	r.Add(&bot.Command{Name: "console", Keywords: []string{"工作台"}, Args: bot.ArgsNone, Role: bot.GridWorker,
		Group: "工作台", Usage: "工作台", Help: helpConsole, Handle: f.cmdConsole,
		Intent: bot.Intent{Hint: "在网页上管理活动、通知和题库：发「工作台」"}})
}

func (f *Feature) cmdConsole(ctx context.Context, c *bot.Context) error {
	role, _, err := f.roleOf(ctx, c.Update.User)
	if err != nil {
		return err
	}
	if role == bot.Resident && c.InGroup() && c.FullRole(ctx) == bot.GridWorker {
		role = bot.GridWorker
	}
	if role == bot.Resident {
		return bot.Userf(msgNotStaff)
	}
	if !f.cfg.Enabled {
		return bot.Userf(msgOff)
	}
	url, err := f.IssueLink(ctx, c.Update.User)
	if err != nil {
		return err
	}
	msg := bot.Message{Text: msgLinkHead + sprintf(msgLinkBody, bot.Esc(url))}
	if err := c.Private(ctx, msg); err != nil {
		if c.InGroup() {
			return c.ReplyMessage(ctx, bot.Message{Text: msgLinkNoPM, ReplyTo: c.Update.MessageID})
		}
		return errors.New("send console link privately failed")
	}
	if c.InGroup() {
		return c.ReplyMessage(ctx, bot.Message{Text: msgLinkInGroup, ReplyTo: c.Update.MessageID})
	}
	return nil
}

// viewer is who is asking, worked out afresh on every request.
type viewer struct {
	sess  session
	User  bot.UserRef
	Name  string
	Staff bool
	// Grids are a grid worker's grids (staff: nil, meaning all).
	Grids []string
	CSRF  string
}

// RoleName is the viewer's role in Chinese.
func (v *viewer) RoleName() string {
	if v.Staff {
		return roleStaff
	}
	return roleWorker
}

// Sees reports whether the viewer may see grid.
func (v *viewer) Sees(grid string) bool { return v.Staff || slices.Contains(v.Grids, grid) }

// SeesAny reports whether the viewer may see any of grids.
func (v *viewer) SeesAny(grids []string) bool {
	return v.Staff || slices.ContainsFunc(grids, func(g string) bool { return slices.Contains(v.Grids, g) })
}

// roleOf returns u's role for the console: staff, grid worker (with the
// grids), or resident. Grid workers are those appointed and the
// administrators of bound groups as last confirmed by the platform (the
// router caches that for ten minutes); recheck names grids u administered
// when the session began, asked of the platform again once the cached
// answer has run out.
func (f *Feature) roleOf(ctx context.Context, u bot.UserRef, recheck ...string) (bot.Role, []string, error) {
	staff, err := f.env.Dir.IsStaff(ctx, u)
	if err != nil {
		return 0, nil, err
	}
	if staff {
		return bot.Staff, nil, nil
	}
	gs, err := f.env.Dir.Grids(ctx)
	if err != nil {
		return 0, nil, err
	}
	mine, err := f.env.Dir.GridsOf(ctx, u, gs)
	if err != nil {
		return 0, nil, err
	}
	missing := slices.DeleteFunc(slices.Clone(recheck), func(g string) bool { return g == "" || slices.Contains(mine, g) })
	if len(missing) > 0 {
		more, err := f.env.Dir.RecheckAdmin(ctx, f.env.Out.Inspector(), u, gs, missing)
		if err != nil {
			f.log.Warn("console: admin recheck", "user", u, "err", err)
		}
		mine = append(mine, more...)
		grid.SortGrids(mine)
	}
	if len(mine) == 0 {
		return bot.Resident, nil, nil
	}
	return bot.GridWorker, mine, nil
}
