package wxoafake

import (
	"net/http"
	"net/http/cookiejar"
)

// NewBrowser returns an HTTP client sending userAgent and, when openid is
// not empty, the OpenIDHeader on every request, keeping cookies, and
// following redirects when follow is true.
func NewBrowser(userAgent, openid string, follow bool) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &uaTransport{ua: userAgent, openid: openid}}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

type uaTransport struct{ ua, openid string }

func (t *uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.ua)
	if t.openid != "" {
		r.Header.Set(OpenIDHeader, t.openid)
	}
	return http.DefaultTransport.RoundTrip(r)
}
