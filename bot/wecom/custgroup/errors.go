package custgroup

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"gridbot/bot/wxapi"
)

// Kind says what a caller should do about an *Error.
type Kind int

const (
	// KindTemporary: WeChat Work was busy or unreachable (or the task is
	// still being dispatched); the same call may succeed later. Busy
	// answers to reads were already retried.
	KindTemporary Kind = iota + 1
	// KindRateLimited: a frequency limit (45009, 45033); wait RetryAfter.
	KindRateLimited
	// KindConfig: the corp's settings stop every call (secret, corp id,
	// app permissions, visible range, trusted IP); an admin must act, see
	// Advice.
	KindConfig
	// KindRefused: this request cannot succeed as it is (bad content, a
	// group dissolved, a member left, reminders used up); do not retry.
	KindRefused
	// KindUncertain: creating a group-send failed in a way that leaves
	// open whether the task was created (busy answer, network failure);
	// look it up with ListSends before creating it again, or residents get
	// it twice and it counts twice against the cap.
	KindUncertain
)

func (k Kind) String() string {
	switch k {
	case KindTemporary:
		return "temporary"
	case KindRateLimited:
		return "rate-limited"
	case KindConfig:
		return "config"
	case KindRefused:
		return "refused"
	case KindUncertain:
		return "uncertain"
	}
	return "unknown"
}

// ErrInvalid is wrapped by errors about a request refused before sending
// (too long, no groups, no sender).
var ErrInvalid = errors.New("custgroup: invalid request")

// Error is a failed call. Code and Msg are WeChat Work's errcode and
// errmsg (Code 0 for failures of our own, such as the network). No field
// holds the secret or the access token.
type Error struct {
	// Op is the API path after /cgi-bin/, e.g. "externalcontact/groupchat/list".
	Op   string
	Code int
	Msg  string
	Kind Kind
	// RetryAfter is set for KindRateLimited.
	RetryAfter time.Duration
	// IP is the address WeChat Work saw, for 60020 (not a trusted IP).
	IP  string
	Err error
}

func (e *Error) Error() string {
	return wxapi.Describe(fmt.Sprintf("custgroup %s (%s)", e.Op, e.Kind), e.Code, e.Msg, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Advice returns a short Chinese sentence for staff: what happened and,
// where an admin can fix it, what to change and where.
func (e *Error) Advice() string {
	if e.Kind == KindUncertain {
		return adviceUncertain
	}
	if e.Code == CodeUntrustedIP {
		ip := e.IP
		if ip == "" {
			ip = "本服务器的出口IP"
		}
		return fmt.Sprintf(adviceUntrustedIP, ip)
	}
	if a, ok := advice[e.Code]; ok {
		return a
	}
	switch {
	case e.Code == 0 && e.Kind == KindTemporary:
		return adviceNetwork
	case e.Code == 0:
		return e.Msg
	}
	return fmt.Sprintf(adviceUnknown, e.Code)
}

// KindOf returns the Kind of an error from this package, 0 for others.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Errcodes of the customer-contact API that the client knows (WeChat
// Work's global error code table).
const (
	CodeBusy              = -1
	CodeBadSecret         = 40001 // invalid secret (wrong, reset, app disabled)
	CodeBadUserID         = 40003 // invalid userid (not in the directory, left)
	CodeBadCorpID         = 40013
	CodeBadToken          = 40014
	CodeBadParam          = 40058 // bad JSON, too long, wrong method
	CodeBadSecret2        = 40091
	CodeBadExternalID     = 40096
	CodeNoToken           = 41001
	CodeNoMsgID           = 41046
	CodeBadMsgID          = 41047
	CodeNoRecipient       = 41048 // no group can receive it
	CodeNotActivated      = 41054 // member has not activated WeChat Work
	CodeDispatching       = 41063 // the send is being dispatched, ask later
	CodeTooManyAttach     = 41064
	CodeBadAttachType     = 41065
	CodeTaskCancelled     = 41093
	CodeRemindLimit       = 41094 // 3 reminders per send per 24 hours
	CodeTokenExpired      = 42001
	CodeFreqLimit         = 45009
	CodeConcurrency       = 45033
	CodeNoAPIRight        = 48002 // app not allowed to call customer contact
	CodeGroupDissolved    = 49008
	CodeBadCursor         = 50100
	CodeOutOfRange        = 60011 // member not in the app's visible range
	CodeUntrustedIP       = 60020
	CodeTooManyInRange    = 81017 // >1000 people in range: filter by owner
	CodeNoRelation        = 84061
	CodeNoContactRight    = 84074
	CodeMiniNotLinked     = 90206
	CodeMiniBadAppID      = 90207
	CodeMiniAppIDMismatch = 90208
	CodeNoLicense         = 701008
)

// classify maps an errcode to a Kind.
func classify(code int) Kind {
	switch code {
	case CodeBusy, CodeDispatching, CodeTokenExpired, CodeBadToken, CodeNoToken:
		return KindTemporary
	case CodeFreqLimit, CodeConcurrency:
		return KindRateLimited
	case CodeBadSecret, CodeBadSecret2, CodeBadCorpID, CodeNoAPIRight, CodeOutOfRange, CodeUntrustedIP,
		CodeTooManyInRange, CodeNoContactRight, CodeNoLicense:
		return KindConfig
	}
	return KindRefused
}

// isTokenCode reports errcodes after which a new access token may help.
func isTokenCode(code int) bool {
	return code == CodeTokenExpired || code == CodeBadToken || code == CodeBadSecret
}

var ipRE = regexp.MustCompile(`from ip:\s*([0-9a-fA-F.:]+)`)

// ipFrom finds the caller's IP in a 60020 errmsg ("… from ip: 1.2.3.4").
func ipFrom(msg string) string {
	if m := ipRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}
