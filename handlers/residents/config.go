package residents

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"gridbot/bot/secret"
)

// Config is the residents section of the configuration.
type Config struct {
	// BaseURL is the public address residents' phones reach the bot's HTTP
	// server at ("https://wx.example.org"); the pages are on when it is
	// set. Links start with it and a form's Origin must be it.
	BaseURL string `yaml:"base_url"`
	// Secret signs residents' cookies and form tokens: at least 32 random
	// characters, from GRIDBOT_RESIDENTS_SECRET rather than the file.
	// Changing it signs everyone out (they fill in their name again).
	Secret secret.Value `yaml:"secret"`
	// IPPerMinute and ResidentPerMinute limit the page actions (sign up,
	// cancel, identity, answers) from one IP address and from one
	// resident (defaults 30 and 10).
	IPPerMinute       int `yaml:"ip_per_minute"`
	ResidentPerMinute int `yaml:"resident_per_minute"`
	// RealIPHeader names the header a reverse proxy in front of gridbot
	// puts the visitor's address in (X-Real-IP); empty: the connection's
	// own address.
	RealIPHeader string `yaml:"real_ip_header"`

	// per is the limits' window: a minute; tests lengthen it so that no
	// token comes back while they run.
	per time.Duration
}

// Enabled reports whether the resident pages are on.
func (c Config) Enabled() bool { return strings.TrimSpace(c.BaseURL) != "" }

// DefaultConfig returns the defaults (pages off).
func DefaultConfig() Config { return Config{IPPerMinute: 30, ResidentPerMinute: 10} }

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.IPPerMinute <= 0 {
		c.IPPerMinute = d.IPPerMinute
	}
	if c.ResidentPerMinute <= 0 {
		c.ResidentPerMinute = d.ResidentPerMinute
	}
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.per <= 0 {
		c.per = time.Minute
	}
	return c
}

// Validate checks the section when the pages are on, naming the key at
// fault and never quoting the secret.
func (c Config) Validate() error {
	if c.IPPerMinute < 0 || c.IPPerMinute > 6000 {
		return fmt.Errorf("config key residents.ip_per_minute: want 1 to 6000 (0: the default 30), got %d", c.IPPerMinute)
	}
	if c.ResidentPerMinute < 0 || c.ResidentPerMinute > 600 {
		return fmt.Errorf("config key residents.resident_per_minute: want 1 to 600 (0: the default 10), got %d", c.ResidentPerMinute)
	}
	if strings.ContainsAny(c.RealIPHeader, " :\t") {
		return fmt.Errorf("config key residents.real_ip_header: want a header name like X-Real-IP, got %q", c.RealIPHeader)
	}
	if !c.Enabled() {
		if !c.Secret.IsZero() {
			return fmt.Errorf("config key residents.base_url: want the public address of the pages (https://wx.example.org) when residents.secret is set")
		}
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(c.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("config key residents.base_url: want the public http(s) address of the bot without a path, e.g. https://wx.example.org")
	}
	if len(c.Secret.Reveal()) < 32 {
		return fmt.Errorf("config key residents.secret: want at least 32 random characters (set GRIDBOT_RESIDENTS_SECRET)")
	}
	return nil
}

// origin is the scheme and host of BaseURL, as browsers send it in Origin.
func (c Config) origin() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (c Config) https() bool { return strings.HasPrefix(c.BaseURL, "https://") }
