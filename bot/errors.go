package bot

import (
	"errors"
	"fmt"
)

// UserError is an error whose message is meant for the person who sent the
// update: a short, polite Chinese sentence. The router replies with Msg and
// logs nothing; wrap other errors with %w so operators get the chain. Code
// says what kind of refusal it is, so other front ends (the staff console's
// HTTP statuses) can tell a missing thing from a bad input; the zero Code is
// CodeInvalid.
type UserError struct {
	Msg  string
	Code Code
}

func (e *UserError) Error() string { return e.Msg }

// Code is the kind of a *UserError.
type Code int

// The kinds of user errors. Each has a constructor (Userf, NotFoundf, …).
const (
	// CodeInvalid: the input cannot be taken as written (the default).
	CodeInvalid Code = iota
	// CodeNotFound: the thing named does not exist.
	CodeNotFound
	// CodeConflict: the thing is in a state that refuses the change (full,
	// already done, fewer seats than taken).
	CodeConflict
	// CodeForbidden: this person or place may not do it.
	CodeForbidden
	// CodeGone: the thing is over (cancelled, closed, started).
	CodeGone
	// CodeTooMany: asked too often or for too much at once.
	CodeTooMany
	// CodeUnavailable: this installation cannot do it now.
	CodeUnavailable
)

func (c Code) String() string {
	switch c {
	case CodeInvalid:
		return "invalid"
	case CodeNotFound:
		return "not found"
	case CodeConflict:
		return "conflict"
	case CodeForbidden:
		return "forbidden"
	case CodeGone:
		return "gone"
	case CodeTooMany:
		return "too many"
	case CodeUnavailable:
		return "unavailable"
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Userf returns a *UserError of CodeInvalid with a formatted message.
func Userf(format string, a ...any) error { return userErr(CodeInvalid, format, a) }

// NotFoundf returns a *UserError of CodeNotFound with a formatted message.
func NotFoundf(format string, a ...any) error { return userErr(CodeNotFound, format, a) }

// Conflictf returns a *UserError of CodeConflict with a formatted message.
func Conflictf(format string, a ...any) error { return userErr(CodeConflict, format, a) }

// Forbiddenf returns a *UserError of CodeForbidden with a formatted message.
func Forbiddenf(format string, a ...any) error { return userErr(CodeForbidden, format, a) }

// Gonef returns a *UserError of CodeGone with a formatted message.
func Gonef(format string, a ...any) error { return userErr(CodeGone, format, a) }

// TooManyf returns a *UserError of CodeTooMany with a formatted message.
func TooManyf(format string, a ...any) error { return userErr(CodeTooMany, format, a) }

// Unavailablef returns a *UserError of CodeUnavailable with a formatted
// message.
func Unavailablef(format string, a ...any) error { return userErr(CodeUnavailable, format, a) }

func userErr(c Code, format string, a []any) error {
	return &UserError{Msg: fmt.Sprintf(format, a...), Code: c}
}

// UserMessage returns the user-facing message of err and whether it had one.
func UserMessage(err error) (string, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Msg, true
	}
	return "", false
}

// UserCode returns the Code of the *UserError in err's chain, and false
// when there is none.
func UserCode(err error) (Code, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Code, true
	}
	return CodeInvalid, false
}

// ErrSkip is returned by fallback handlers that do not take an update, so the
// router tries the next one.
var ErrSkip = errors.New("update not handled")

// Replies used by the router itself.
const (
	MsgBusy            = "系统繁忙，请稍后再试。"
	MsgDenied          = "抱歉，这个命令只有%s可以使用。"
	MsgWorkersAndStaff = "网格员和社区工作人员"
	MsgWorkerInGroup   = "网格员请在自己的网格群里发，或请社区工作人员在群里「任命网格员」后再私聊我。"
	MsgGroupOnly       = "这个命令请在网格群里使用。"
	MsgPrivateOnly     = "这个命令请私聊我使用，以免打扰群里的大家。"
	// MsgSlowDown is said once to a person who sends many messages in a
	// short time (see FloodLimit); the extra messages are not handled.
	MsgSlowDown = "您刚才发的消息太多太快，后面几条我没有处理。请稍等一会儿，再把要办的事发一次，谢谢！"
)
