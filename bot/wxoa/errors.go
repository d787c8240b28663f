package wxoa

import (
	"errors"

	"gridbot/bot/wxapi"
)

// Kind says what a caller should do about an *Error.
type Kind int

const (
	// KindRestart: the code or state is spent (expired, used, from another
	// browser); start the silent authorisation again (Client.Restart).
	KindRestart Kind = iota + 1
	// KindRetry: WeChat is busy or unreachable; ask the visitor to try again
	// in a moment. Busy answers (-1) were already retried.
	KindRetry
	// KindConfig: gridbot's Official Account settings are wrong (AppID,
	// AppSecret, IP whitelist, no web authorisation right); operators must
	// fix them. Nothing the visitor does helps.
	KindConfig
	// KindRefuse: this visitor cannot be identified this way (not inside
	// WeChat, a snapshot page's virtual account, a tampered link); use the
	// page's other way (称呼 and 门牌) instead.
	KindRefuse
)

func (k Kind) String() string {
	switch k {
	case KindRestart:
		return "restart"
	case KindRetry:
		return "retry"
	case KindConfig:
		return "config"
	case KindRefuse:
		return "refuse"
	}
	return "unknown"
}

// Errors a caller may test for with errors.Is; they arrive wrapped in an
// *Error.
var (
	ErrNotInWeChat     = errors.New("wxoa: not inside WeChat")
	ErrSnapshotUser    = errors.New("wxoa: snapshot page (快照页) virtual account, not a real openid")
	ErrBadState        = errors.New("wxoa: state missing, malformed or not signed by us")
	ErrStateExpired    = errors.New("wxoa: state expired")
	ErrOtherBrowser    = errors.New("wxoa: callback in a browser other than the one that began")
	ErrNoCode          = errors.New("wxoa: callback without a code")
	ErrTooManyAttempts = errors.New("wxoa: authorisation restarted too often")
	ErrBadReturnTo     = errors.New("wxoa: return path must be a local path like /a/42")
)

// Error is an authorisation failure. Code and Msg are WeChat's errcode and
// errmsg when WeChat answered with one (Code 0 otherwise); Err is the cause.
// No field holds the app secret.
type Error struct {
	Kind Kind
	Code int
	Msg  string
	Err  error

	// where to go again on Restart (set once the state was verified)
	returnTo string
	attempt  int
}

func (e *Error) Error() string {
	return wxapi.Describe("wxoa ("+e.Kind.String()+")", e.Code, e.Msg, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage returns a short Chinese sentence for the resident.
func (e *Error) UserMessage() string {
	switch {
	case errors.Is(e.Err, ErrNotInWeChat):
		return MsgNotInWeChat
	case errors.Is(e.Err, ErrSnapshotUser):
		return MsgSnapshot
	case errors.Is(e.Err, ErrBadState), errors.Is(e.Err, ErrBadReturnTo):
		return MsgLinkBroken
	}
	switch e.Kind {
	case KindRetry:
		return MsgBusy
	case KindConfig:
		return MsgUnavailable
	}
	return MsgTryAgain
}

// UserMessage returns the resident's sentence for any error from this
// package (MsgUnavailable for others).
func UserMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.UserMessage()
	}
	return MsgUnavailable
}

// KindOf returns the Kind of an error from this package, 0 for others.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Known errcodes of the code exchange (sns/oauth2/access_token).
const (
	CodeBusy         = -1    // system error: busy, retry
	CodeBadSecret    = 40001 // invalid credential (AppSecret wrong)
	CodeBadAppID     = 40013 // invalid appid
	CodeBadCode      = 40029 // invalid code: wrong or expired (5 minutes)
	CodeBadSecret2   = 40125 // invalid appsecret
	CodeIPNotAllowed = 40164 // caller IP not in the Official Account's whitelist
	CodeCodeUsed     = 40163 // code been used
	CodeNoAppID      = 41002 // appid missing
	CodeNoSecret     = 41004 // appsecret missing
	CodeNoCode       = 41008 // missing code
	CodeCodeExpired  = 42003 // code expired
	CodeFreqLimit    = 45009 // reach max api daily quota limit
	CodeNoRight      = 48001 // api unauthorized: no web authorisation right
)

// classify maps a WeChat errcode to a Kind.
func classify(code int) Kind {
	switch code {
	case CodeBadCode, CodeCodeUsed, CodeCodeExpired, CodeNoCode:
		return KindRestart
	case CodeBadSecret, CodeBadAppID, CodeBadSecret2, CodeIPNotAllowed, CodeNoAppID, CodeNoSecret, CodeNoRight:
		return KindConfig
	}
	return KindRetry
}
