package bot

import (
	"errors"
	"fmt"
)

// UserError is an error whose message is meant for the person who sent the
// update: a short, polite Chinese sentence. The router replies with Msg and
// logs nothing; wrap other errors with %w so operators get the chain.
type UserError struct {
	Msg string
}

func (e *UserError) Error() string { return e.Msg }

// Userf returns a *UserError with a formatted message.
func Userf(format string, a ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, a...)}
}

// UserMessage returns the user-facing message of err and whether it had one.
func UserMessage(err error) (string, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Msg, true
	}
	return "", false
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
