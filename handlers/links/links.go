// Package links gives every activity, quiz round, tip and notice a short,
// unguessable link (<base>/s/<code>) and a QR code of it, for residents
// who are reached only through a link: ordinary WeChat groups, posters on
// the notice board, the community's screen.
//
// A code is a 12-character shortid.Code (about 59 bits): enough that
// nobody finds a live link by trying codes, while it is still short and
// case-insensitive to type from a poster. The mapping code → target and
// target → code lives under the family ln:{ln}:* and is made once, in one
// script, so every caller gets the same code for the same target.
package links

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/feature"
	"gridbot/bot/qr"
	"gridbot/bot/shortid"
)

// CodeLen is the length of a link's code: 31^12 ≈ 2^59.
const CodeLen = 12

// Kind is what a link points at.
type Kind string

// The kinds of link targets.
const (
	Activity Kind = "a"
	Quiz     Kind = "q"
	Tip      Kind = "t"
	Notice   Kind = "n"
)

// Target is the thing a link opens: an activity number, a quiz round
// number, a tip id or a notice number.
type Target struct {
	Kind Kind
	ID   string
}

// ActivityTarget returns the target of activity id.
func ActivityTarget(id int64) Target { return Target{Activity, strconv.FormatInt(id, 10)} }

// QuizTarget returns the target of quiz round id.
func QuizTarget(id int) Target { return Target{Quiz, strconv.Itoa(id)} }

// TipTarget returns the target of the tip with id.
func TipTarget(id string) Target { return Target{Tip, id} }

// NoticeTarget returns the target of notice n.
func NoticeTarget(n int) Target { return Target{Notice, strconv.Itoa(n)} }

func (t Target) valid() bool {
	switch t.Kind {
	case Activity, Quiz, Notice:
		n, err := strconv.ParseInt(t.ID, 10, 64)
		return err == nil && n > 0
	case Tip:
		return t.ID != "" && len(t.ID) <= 64 && !strings.ContainsAny(t.ID, " :\n")
	}
	return false
}

func (t Target) String() string { return string(t.Kind) + ":" + t.ID }

func parseTarget(s string) (Target, bool) {
	k, id, ok := strings.Cut(s, ":")
	t := Target{Kind(k), id}
	return t, ok && t.valid()
}

// Page returns the path of the resident page of t (under /r/) when no
// Sources.Pages gives its address.
func Page(t Target) string {
	switch t.Kind {
	case Activity:
		return "/r/a/" + t.ID
	case Quiz:
		return "/r/quiz/" + t.ID
	case Tip:
		return "/r/tip/" + t.ID
	case Notice:
		return "/r/n/" + t.ID
	}
	return "/r/"
}

// Config says where links point.
type Config struct {
	// BaseURL is the public address residents' phones reach the bot's
	// HTTP server at (https://bot.example.cn): residents.base_url; links
	// are <BaseURL>/s/<code>. Empty: no links (链接 says so).
	BaseURL string `yaml:"base_url"`
}

// Link is a target's short link.
type Link struct {
	Target Target
	Code   string
	// URL is <base>/s/<code>.
	URL string
}

// Links makes and resolves links. Create it with New; it is safe for
// concurrent use.
type Links struct {
	env  feature.Env
	base string
	key  string
	src  Sources
}

// New returns the links of env's Redis; src tells posters and replies
// what each target is (any field may be nil: that kind is then unknown).
func New(env feature.Env, cfg Config, src Sources) *Links {
	return &Links{env: env, base: strings.TrimRight(cfg.BaseURL, "/"), key: env.Keys.Key("ln", "{ln}") + ":", src: src}
}

// Enabled reports whether a public base URL is configured.
func (l *Links) Enabled() bool { return l.base != "" }

// BaseURL returns the public base URL without a trailing slash.
func (l *Links) BaseURL() string { return l.base }

func (l *Links) codeKey(code string) string { return l.key + "c:" + code }
func (l *Links) targetKey(t Target) string  { return l.key + "t:" + t.String() }

// ensureScript returns the code of the target in KEYS[1], or stores ARGV[1]
// as its code when it has none and the code key KEYS[2] is free; false when
// the fresh code is taken (the caller draws another).
var ensureScript = redis.NewScript(`
local c = redis.call('GET', KEYS[1])
if c then return c end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX') then return false end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`)

// Get returns t's link, making its code the first time (one round trip;
// concurrent first calls agree on one code).
func (l *Links) Get(ctx context.Context, t Target) (Link, error) {
	if !t.valid() {
		return Link{}, fmt.Errorf("links: bad target %q", t)
	}
	code, err := l.ensure(ctx, t, shortid.NewCode)
	if err != nil {
		return Link{}, err
	}
	return Link{Target: t, Code: code, URL: l.URL(code)}, nil
}

func (l *Links) ensure(ctx context.Context, t Target, draw func(int) string) (string, error) {
	for range 8 {
		code := draw(CodeLen)
		got, err := ensureScript.Run(ctx, l.env.Redis, []string{l.targetKey(t), l.codeKey(code)}, code, t.String()).Text()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("link of %s: %w", t, err)
		}
		return got, nil
	}
	return "", fmt.Errorf("link of %s: no free code after 8 draws", t)
}

// URL returns the short link of code.
func (l *Links) URL(code string) string { return l.base + "/s/" + code }

// Resolve returns the target of code (as typed or in a URL; case is
// ignored); ok is false for a code that is malformed or unknown.
func (l *Links) Resolve(ctx context.Context, code string) (t Target, ok bool, err error) {
	c, err := shortid.ParseCode(code)
	if err != nil || len(c) != CodeLen {
		return Target{}, false, nil
	}
	v, err := l.env.Redis.Get(ctx, l.codeKey(c)).Result()
	if errors.Is(err, redis.Nil) {
		return Target{}, false, nil
	}
	if err != nil {
		return Target{}, false, fmt.Errorf("resolve link %s: %w", c, err)
	}
	t, ok = parseTarget(v)
	return t, ok, nil
}

// QR returns the PNG QR code of link: qr.Screen for phones and chats,
// qr.Print for posters.
func QR(link Link, size qr.Size) ([]byte, error) { return qr.PNG(link.URL, size) }
