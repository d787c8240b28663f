package residents

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// csrfCookie holds a random nonce per browser; a form's token is its MAC,
// so a page on another site can neither read nor make one.
const (
	csrfCookie  = "gb_rs_csrf"
	flashCookie = "gb_rs_flash"
)

// csrfToken returns the form token of this browser, giving it a nonce
// cookie when it has none.
func (s *Site) csrfToken(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		nonce = c.Value
	} else {
		var b [16]byte
		rand.Read(b[:])
		nonce = hex.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: Prefix, MaxAge: int(CookieAge.Seconds()),
			HttpOnly: true, Secure: s.cfg.https(), SameSite: http.SameSiteLaxMode})
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: nonce})
	}
	return s.mac("csrf", nonce)
}

// csrfOK reports whether the form's token is the MAC of this browser's
// nonce.
func (s *Site) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	got := r.PostFormValue("csrf")
	return err == nil && len(c.Value) == 32 && got != "" && hmac.Equal([]byte(got), []byte(s.mac("csrf", c.Value)))
}

// sameOrigin reports whether a POST came from a page of this site: its
// Origin, or without one its Referer, must be BaseURL's origin. Old in-app browsers send neither; the token
// still guards them.
func (s *Site) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		ref := r.Header.Get("Referer")
		if ref == "" {
			return true
		}
		u, err := url.Parse(ref)
		if err != nil {
			return false
		}
		o = u.Scheme + "://" + u.Host
	}
	return o == s.cfg.origin()
}

// setFlash keeps a message for the next page, signed so that no other
// site can put words on it.
func (s *Site) setFlash(w http.ResponseWriter, msg string, bad bool) {
	flag := "0"
	if bad {
		flag = "1"
	}
	body := base64.RawURLEncoding.EncodeToString([]byte(flag + msg))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: body + "." + s.mac("flash", body), Path: Prefix, MaxAge: 120,
		HttpOnly: true, Secure: s.cfg.https(), SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the kept message once, and clears it.
func (s *Site) takeFlash(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return "", false
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix, MaxAge: -1})
	body, sum, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sum), []byte(s.mac("flash", body))) {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b[1:]), b[0] == '1'
}
