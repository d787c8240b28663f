// Package wxapi holds the plumbing that gridbot's clients of WeChat's HTTP
// APIs share (wxoa for the Official Account, wecom/custgroup for WeChat
// Work's customer contact): retrying busy answers, describing errcodes, and
// cleaning text that came back from WeChat before it goes into an error.
package wxapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gridbot/bot/secret"
)

// MaxText is how much of a text from WeChat (errmsg, network error) is
// kept in an error.
const MaxText = 300

// Retry calls call, and again after each of waits while again(err) holds;
// it returns the last error. A cancelled ctx stops the waiting.
func Retry(ctx context.Context, waits []time.Duration, call func() error, again func(error) bool) error {
	for try := 0; ; try++ {
		err := call()
		if err == nil || try >= len(waits) || !again(err) {
			return err
		}
		t := time.NewTimer(waits[try])
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// Describe formats an error line: head, then ": errcode N msg" when code
// is not 0 (else ": msg" when msg is not empty), then ": cause".
func Describe(head string, code int, msg string, cause error) string {
	if code != 0 {
		head += fmt.Sprintf(": errcode %d %s", code, msg)
	} else if msg != "" {
		head += ": " + msg
	}
	if cause != nil {
		head += ": " + cause.Error()
	}
	return head
}

// Clean removes the secrets (raw and URL-escaped) from s and cuts it to
// MaxText bytes of valid UTF-8.
func Clean(s string, secrets ...secret.Value) string {
	s = secret.Redact(s, secrets...)
	if len(s) > MaxText {
		s = strings.ToValidUTF8(s[:MaxText], "")
	}
	return s
}

// NetError returns the text of an HTTP client error without the request
// URL (which holds secrets in its query), cleaned of secrets.
func NetError(err error, secrets ...secret.Value) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return Clean(err.Error(), secrets...)
}
