package wxoa

import (
	"net/http"
	"strings"
)

// Browser is the kind of browser a request came from, told by its
// User-Agent.
type Browser int

const (
	// Other is any browser that is neither WeChat nor WeChat Work.
	Other Browser = iota
	// WeChat is WeChat's in-app browser (User-Agent holds MicroMessenger).
	WeChat
	// WeCom is WeChat Work's in-app browser: its User-Agent holds wxwork/
	// and MicroMessenger, so it is checked first. Official Account
	// authorisation is not relied on there.
	WeCom
)

func (b Browser) String() string {
	switch b {
	case WeChat:
		return "wechat"
	case WeCom:
		return "wecom"
	}
	return "other"
}

// Detect tells the browser from a User-Agent header, ignoring case.
func Detect(userAgent string) Browser {
	ua := strings.ToLower(userAgent)
	switch {
	case strings.Contains(ua, "wxwork/"):
		return WeCom
	case strings.Contains(ua, "micromessenger"):
		return WeChat
	}
	return Other
}

// BrowserOf tells the browser of a request.
func BrowserOf(r *http.Request) Browser { return Detect(r.UserAgent()) }
