package workbench

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// Redis keys, all under the hash tag {wb}:
//
//	wb:{wb}:link:<nonce>   user the link was issued to (TTL LinkTTL); taken
//	                       with GETDEL, so a link works once
//	wb:{wb}:sess:<id>      HASH user csrf flash (TTL Config.Session, renewed)
//	wb:{wb}:imp:<id>:<k>   an import waiting for confirmation (30 min)
func (f *Feature) key(parts ...string) string {
	return f.env.Keys.Key(append([]string{"wb", "{wb}"}, parts...)...)
}

const cookieName = "gb_console"

var (
	errLinkBad     = errors.New("bad link")
	errLinkExpired = errors.New("link expired")
	errLinkUsed    = errors.New("link used")
)

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func (f *Feature) mac(payload string) []byte {
	m := hmac.New(sha256.New, []byte(f.cfg.Secret))
	m.Write([]byte("gridbot console link\x00" + payload))
	return m.Sum(nil)
}

// IssueLink returns a sign-in link for u, valid for LinkTTL and once. The
// token is "payload.mac" in base64url; payload is "user|expiry|nonce".
func (f *Feature) IssueLink(ctx context.Context, u bot.UserRef) (string, error) {
	nonce := randomHex(16)
	exp := f.env.Now().Add(LinkTTL).Unix()
	payload := string(u) + "|" + strconv.FormatInt(exp, 10) + "|" + nonce
	if err := f.env.Redis.Set(ctx, f.key("link", nonce), string(u), LinkTTL).Err(); err != nil {
		return "", fmt.Errorf("store console link: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(f.mac(payload))
	return f.cfg.BaseURL + "/console/login?t=" + token, nil
}

type link struct {
	User  bot.UserRef
	Exp   time.Time
	Nonce string
}

// parseLink checks a token's signature and expiry without using it up.
func (f *Feature) parseLink(token string) (link, error) {
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return link{}, errLinkBad
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, f.mac(string(payload))) {
		return link{}, errLinkBad
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 {
		return link{}, errLinkBad
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return link{}, errLinkBad
	}
	l := link{User: bot.UserRef(parts[0]), Exp: time.Unix(exp, 0), Nonce: parts[2]}
	if !f.env.Now().Before(l.Exp) {
		return l, errLinkExpired
	}
	return l, nil
}

// useLink checks a token and uses it up atomically: of two requests with
// the same link, one gets the user, the other errLinkUsed.
func (f *Feature) useLink(ctx context.Context, token string) (bot.UserRef, error) {
	l, err := f.parseLink(token)
	if err != nil {
		return "", err
	}
	who, err := f.env.Redis.GetDel(ctx, f.key("link", l.Nonce)).Result()
	if errors.Is(err, redis.Nil) {
		return "", errLinkUsed
	}
	if err != nil {
		return "", fmt.Errorf("use console link: %w", err)
	}
	if who != string(l.User) {
		return "", errLinkBad
	}
	return l.User, nil
}

// linkUnused reports whether the link's nonce is still waiting to be used.
func (f *Feature) linkUnused(ctx context.Context, l link) (bool, error) {
	n, err := f.env.Redis.Exists(ctx, f.key("link", l.Nonce)).Result()
	if err != nil {
		return false, fmt.Errorf("console link: %w", err)
	}
	return n == 1, nil
}

// session is a signed-in browser.
type session struct {
	ID    string
	User  bot.UserRef
	CSRF  string
	Flash string
	// Grids are the grids a grid worker had at sign-in; the role check
	// asks the platform again about those it no longer finds cached.
	Grids []string
}

func (f *Feature) newSession(ctx context.Context, u bot.UserRef, grids []string) (session, error) {
	s := session{ID: randomHex(32), User: u, CSRF: randomHex(32), Grids: grids}
	k := f.key("sess", s.ID)
	pipe := f.env.Redis.TxPipeline()
	pipe.HSet(ctx, k, "user", string(u), "csrf", s.CSRF, "created", f.env.Now().Unix(), "grids", strings.Join(grids, "\x1f"))
	pipe.Expire(ctx, k, f.cfg.Session)
	if _, err := pipe.Exec(ctx); err != nil {
		return session{}, fmt.Errorf("new console session: %w", err)
	}
	return s, nil
}

// sessionScript loads a session, renews its TTL and takes its flash
// message, in one round trip.
var sessionScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'user', 'csrf', 'flash', 'grids')
if not h[1] then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if h[3] then redis.call('HDEL', KEYS[1], 'flash') end
return {h[1], h[2], h[3] or '', h[4] or ''}
`)

// loadSession returns the request's session; ok is false without a valid
// one.
func (f *Feature) loadSession(ctx context.Context, r *http.Request) (session, bool, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || len(c.Value) != 64 {
		return session{}, false, nil
	}
	if _, err := hex.DecodeString(c.Value); err != nil {
		return session{}, false, nil
	}
	v, err := sessionScript.Run(ctx, f.env.Redis, []string{f.key("sess", c.Value)}, f.cfg.Session.Milliseconds()).Result()
	if errors.Is(err, redis.Nil) {
		return session{}, false, nil
	}
	var s session
	if err == nil {
		s, err = parseSession(v)
	}
	if err != nil {
		return session{}, false, fmt.Errorf("console session: %w", err)
	}
	s.ID = c.Value
	return s, true, nil
}

// parseSession reads sessionScript's {user, csrf, flash, grids (␟-joined)}
// into a session without its ID; another shape is a redisx.ErrReply.
func parseSession(v any) (session, error) {
	a, err := redisx.Array(v, 4)
	if err != nil {
		return session{}, err
	}
	var f [4]string
	for i := range f {
		if f[i], err = redisx.String(a[i]); err != nil {
			return session{}, fmt.Errorf("session field %d: %w", i, err)
		}
	}
	s := session{User: bot.UserRef(f[0]), CSRF: f[1], Flash: f[2]}
	if f[3] != "" {
		s.Grids = strings.Split(f[3], "\x1f")
	}
	return s, nil
}

func (f *Feature) setFlash(ctx context.Context, s session, msg string) {
	if err := f.env.Redis.HSet(ctx, f.key("sess", s.ID), "flash", msg).Err(); err != nil {
		f.log.Warn("console flash", "err", err)
	}
}

func (f *Feature) endSession(ctx context.Context, s session) error {
	if err := f.env.Redis.Del(ctx, f.key("sess", s.ID)).Err(); err != nil {
		return fmt.Errorf("end console session: %w", err)
	}
	return nil
}

func (f *Feature) secure(r *http.Request) bool {
	return f.cfg.SecureCookie || r.TLS != nil || f.cfg.httpsBase()
}

func (f *Feature) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: "/console/", MaxAge: maxAge,
		HttpOnly: true, Secure: f.secure(r), SameSite: http.SameSiteLaxMode})
}

// csrfOK compares the form's token with the session's in constant time.
func csrfOK(s session, r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}
