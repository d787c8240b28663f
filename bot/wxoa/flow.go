package wxoa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// StateTTL is how long a begun authorisation may take to come back.
	StateTTL = 10 * time.Minute
	// MaxAttempts is how often one visit may begin the authorisation
	// (Begin, then Restart) before giving up, so a browser that loses
	// cookies cannot loop.
	MaxAttempts = 3
	// CookieName is the cookie binding a begun authorisation to the
	// browser that began it.
	CookieName = "gb_wxoa"
	// MaxReturnTo bounds the page path to return to.
	MaxReturnTo = 512

	stateVersion = '1'
	stateLen     = 1 + 1 + 8 + 16 + 32
)

// Result is what Finish learned.
type Result struct {
	Identity
	// ReturnTo is the local path given to Begin.
	ReturnTo string
}

// Begin sends the browser to WeChat's silent authorisation, to come back
// to the callback and then to returnTo, a local path such as
// "/a/42?x=1". It sets a short-lived cookie binding the authorisation to
// this browser. Outside WeChat (or in WeChat Work) it writes nothing and
// returns an *Error wrapping ErrNotInWeChat, so the page can offer its
// other way; a returnTo that is not a local path gives ErrBadReturnTo.
func (c *Client) Begin(w http.ResponseWriter, r *http.Request, returnTo string) error {
	return c.begin(w, r, returnTo, 1)
}

// Restart begins again after Finish failed with an error of Kind Restart,
// returning to the same page, and returns nil. It returns an error of Kind
// Refuse (ErrTooManyAttempts) after MaxAttempts, and err itself for errors
// of other kinds: the caller then shows UserMessage(err).
func (c *Client) Restart(w http.ResponseWriter, r *http.Request, err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRestart || e.returnTo == "" {
		return err
	}
	if e.attempt >= MaxAttempts {
		return &Error{Kind: KindRefuse, Msg: "after " + strconv.Itoa(e.attempt) + " attempts", Err: ErrTooManyAttempts}
	}
	return c.begin(w, r, e.returnTo, e.attempt+1)
}

func (c *Client) begin(w http.ResponseWriter, r *http.Request, returnTo string, attempt int) error {
	if b := BrowserOf(r); b != WeChat {
		return &Error{Kind: KindRefuse, Msg: "browser " + b.String(), Err: ErrNotInWeChat}
	}
	if !LocalPath(returnTo) {
		return &Error{Kind: KindRefuse, Err: ErrBadReturnTo}
	}
	var nonce [8]byte
	rand.Read(nonce[:])
	exp := c.now().Add(StateTTL)
	state := c.sign(attempt, exp, nonce[:], returnTo)
	target, err := c.AuthorizeURL(c.callbackFor(returnTo), state)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: hex.EncodeToString(nonce[:]), Path: c.callbackPath(),
		MaxAge: int(StateTTL / time.Second), HttpOnly: true, Secure: c.callback.Scheme == "https", SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}

// Finish completes the authorisation on the callback request: it checks
// the signed state (unaltered, not expired, from this browser), exchanges
// the code and returns the visitor's Identity and the page to return to.
// It writes nothing. Errors are *Error; pass those of Kind Restart to
// Restart.
func (c *Client) Finish(r *http.Request) (Result, error) {
	q := r.URL.Query()
	returnTo := q.Get("to")
	st, err := c.verify(q.Get("state"), returnTo)
	if err != nil {
		return Result{}, err
	}
	fail := func(e *Error) (Result, error) {
		e.returnTo, e.attempt = returnTo, st.attempt
		return Result{}, e
	}
	if c.now().After(st.expires) {
		return fail(&Error{Kind: KindRestart, Err: ErrStateExpired})
	}
	ck, err := r.Cookie(CookieName)
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(st.nonce)) != 1 {
		return fail(&Error{Kind: KindRestart, Err: ErrOtherBrowser})
	}
	id, err := c.Exchange(r.Context(), q.Get("code"))
	if err != nil {
		if e, ok := err.(*Error); ok {
			return fail(e)
		}
		return fail(&Error{Kind: KindRetry, Err: err})
	}
	return Result{Identity: id, ReturnTo: returnTo}, nil
}

// LocalPath reports whether p is a path on this site that is safe to
// redirect to: it starts with one "/", has no backslash, no control
// character, no scheme or host, and is at most MaxReturnTo bytes.
func LocalPath(p string) bool {
	if p == "" || len(p) > MaxReturnTo || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < ' ' || p[i] == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && strings.HasPrefix(u.Path, "/")
}

func (c *Client) callbackPath() string {
	if c.callback.Path == "" {
		return "/"
	}
	return c.callback.Path
}

func (c *Client) callbackFor(returnTo string) string {
	return c.callback.String() + "?to=" + url.QueryEscape(returnTo)
}

// stateInfo is a verified state.
type stateInfo struct {
	attempt int
	expires time.Time
	nonce   string
}

// sign makes a state: version, attempt, expiry (Unix seconds), nonce and a
// MAC over them and returnTo, all lowercase hex (so [a-z0-9], 58 chars).
func (c *Client) sign(attempt int, exp time.Time, nonce []byte, returnTo string) string {
	var b strings.Builder
	b.WriteByte(stateVersion)
	b.WriteString(strconv.FormatInt(int64(attempt), 16))
	var e [4]byte
	binary.BigEndian.PutUint32(e[:], uint32(exp.Unix()))
	b.WriteString(hex.EncodeToString(e[:]))
	b.WriteString(hex.EncodeToString(nonce))
	b.WriteString(hex.EncodeToString(c.mac(b.String(), returnTo)))
	return b.String()
}

func (c *Client) mac(head, returnTo string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(head))
	m.Write([]byte{0})
	m.Write([]byte(returnTo))
	return m.Sum(nil)[:16]
}

// verify parses a state and checks its MAC against returnTo.
func (c *Client) verify(state, returnTo string) (stateInfo, error) {
	bad := &Error{Kind: KindRefuse, Err: ErrBadState}
	if len(state) != stateLen || state[0] != stateVersion || !LocalPath(returnTo) {
		return stateInfo{}, bad
	}
	head, sum := state[:stateLen-32], state[stateLen-32:]
	got, err := hex.DecodeString(sum)
	if err != nil || !hmac.Equal(got, c.mac(head, returnTo)) {
		return stateInfo{}, bad
	}
	attempt, err1 := strconv.ParseInt(head[1:2], 16, 8)
	exp, err2 := hex.DecodeString(head[2:10])
	if err1 != nil || err2 != nil || attempt < 1 || attempt > MaxAttempts {
		return stateInfo{}, bad
	}
	return stateInfo{
		attempt: int(attempt),
		expires: time.Unix(int64(binary.BigEndian.Uint32(exp)), 0),
		nonce:   head[10:],
	}, nil
}
