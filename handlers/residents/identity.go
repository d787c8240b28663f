package residents

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/shortid"
	"gridbot/bot/zh"
	"gridbot/handlers/events"
)

// CookieName is the resident cookie: a resident id and its MAC. It lasts
// CookieAge and is renewed on every visit.
const (
	CookieName = "gb_rs"
	CookieAge  = 400 * 24 * time.Hour
	profileTTL = CookieAge
)

// Resident is who is using the pages: a stable id (from the Official
// Account's openid, or a random one kept in the signed cookie) and, once
// they filled it in, their 称呼, grid and door.
type Resident struct {
	// ID is "o…" for an Official Account visitor, "c…" for a cookie one.
	ID string
	// Name is the 称呼; Grid the grid; Door the normalised door
	// ("3-2-501") and DoorText the door as typed. Empty until filled in.
	Name, Grid, Door, DoorText string
	// Phone is the mobile number given (may be empty); show it only
	// through MaskedPhone.
	Phone string
}

// Known reports whether the resident has filled in who they are.
func (r *Resident) Known() bool { return r != nil && r.Door != "" && r.Grid != "" }

// Household is the resident's household as the events feature knows it.
func (r *Resident) Household() events.PageHousehold {
	return events.PageHousehold{Grid: r.Grid, Door: r.Door, Name: r.Name}
}

// MaskedPhone returns the phone as shown everywhere: 138****5678.
func (r *Resident) MaskedPhone() string { return bot.MaskPhones(r.Phone) }

// cookieValue signs a resident id: "<id>.<mac>".
func (s *Site) cookieValue(id string) string { return id + "." + s.mac("id", id) }

// mac is a short HMAC of parts under the pages' secret, base64url.
func (s *Site) mac(parts ...string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.Secret.Reveal()))
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

var residentID = regexp.MustCompile(`^[oc][0-9A-Za-z_-]{16,40}$`)

// residentOf returns the id in a valid resident cookie, "" otherwise.
func (s *Site) residentOf(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	id, sum, ok := strings.Cut(c.Value, ".")
	if !ok || !residentID.MatchString(id) || !hmac.Equal([]byte(sum), []byte(s.mac("id", id))) {
		return ""
	}
	return id
}

// setResident gives the browser the resident cookie for id.
func (s *Site) setResident(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: s.cookieValue(id), Path: "/r/", MaxAge: int(CookieAge / time.Second),
		HttpOnly: true, Secure: s.cfg.https(), SameSite: http.SameSiteLaxMode})
}

// newCookieID is a fresh random resident id.
func newCookieID() string { return "c" + shortid.Token() + shortid.Token() }

// openidID is the resident id of an Official Account openid: a MAC, so the
// openid itself is kept nowhere.
func (s *Site) openidID(openid string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.Secret.Reveal()))
	m.Write([]byte("openid\x00" + openid))
	return "o" + hex.EncodeToString(m.Sum(nil)[:12])
}

// profileKey is rs:{rs}:p:<resident id>.
func (s *Site) profileKey(id string) string { return s.env.Keys.Key("rs", "{rs}", "p", id) }

// load returns the resident with id, with the profile when one is stored
// (one round trip).
func (s *Site) load(ctx context.Context, id string) (*Resident, error) {
	h, err := s.env.Redis.HGetAll(ctx, s.profileKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("load resident: %w", err)
	}
	return &Resident{ID: id, Name: h["name"], Grid: h["grid"], Door: h["door"], DoorText: h["door_text"], Phone: h["phone"]}, nil
}

// save stores the resident's profile for CookieAge (one round trip).
func (s *Site) save(ctx context.Context, r *Resident) error {
	p := s.env.Redis.TxPipeline()
	k := s.profileKey(r.ID)
	p.HSet(ctx, k, "name", r.Name, "grid", r.Grid, "door", r.Door, "door_text", r.DoorText, "phone", r.Phone, "at", s.env.Now().Unix())
	p.Expire(ctx, k, profileTTL)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("save resident: %w", err)
	}
	return nil
}

var phoneRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// identityForm is what the identity form says, checked: each field's
// problem is a polite Chinese sentence.
type identityForm struct {
	Name, Grid, Door, Phone string
	Errs                    map[string]string
}

// readIdentity checks the identity form against the grids there are.
func readIdentity(r *http.Request, grids []string) (identityForm, *Resident) {
	f := identityForm{Name: strings.TrimSpace(r.PostFormValue("name")), Grid: strings.TrimSpace(r.PostFormValue("grid")),
		Door: strings.TrimSpace(r.PostFormValue("door")), Phone: strings.TrimSpace(r.PostFormValue("phone")), Errs: map[string]string{}}
	name := strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7f {
			return -1
		}
		return c
	}, zh.Normalize(f.Name))
	switch n := len([]rune(name)); {
	case digitCount(name) >= 5:
		f.Errs["name"] = msgNamePhone
	case n == 0 || n > 12:
		f.Errs["name"] = msgNameBad
	}
	if !slices.Contains(grids, f.Grid) {
		f.Errs["grid"] = msgGridBad
	}
	door, err := NormalizeDoor(f.Door)
	if err != nil {
		f.Errs["door"] = msgDoorBad
	}
	phone := strings.Map(func(c rune) rune {
		if c == ' ' || c == '-' {
			return -1
		}
		return c
	}, zh.Normalize(f.Phone))
	if phone != "" && !phoneRe.MatchString(phone) {
		f.Errs["phone"] = msgPhoneBad
	}
	if len(f.Errs) > 0 {
		return f, nil
	}
	return f, &Resident{Name: name, Grid: f.Grid, Door: door, DoorText: f.Door, Phone: phone}
}

func digitCount(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}
