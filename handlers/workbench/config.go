package workbench

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config configures the staff web console.
type Config struct {
	// Enabled turns the console and the 工作台 command on.
	Enabled bool `yaml:"enabled"`
	// BaseURL is the public address of the bot's HTTP server as staff's
	// browsers reach it ("https://bot.example.org"); sign-in links start
	// with it.
	BaseURL string `yaml:"base_url"`
	// Secret signs the sign-in links (at least 32 characters; set it by
	// GRIDBOT_CONSOLE_SECRET rather than in the file). Never logged.
	Secret string `yaml:"secret"`
	// SecureCookie marks the session cookie Secure even when the request
	// came over plain HTTP (behind a TLS-terminating proxy). Links under
	// an https base_url always get Secure cookies.
	SecureCookie bool `yaml:"secure_cookie"`
	// Session is how long a session lasts without use (default 8h).
	Session time.Duration `yaml:"session"`
}

// LinkTTL is how long a sign-in link stays valid.
const LinkTTL = 10 * time.Minute

func (c Config) withDefaults() Config {
	if c.Session <= 0 {
		c.Session = 8 * time.Hour
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// Validate checks the config when the console is enabled, naming the key
// at fault (and never the secret's value).
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config key console.base_url: want the public http(s) address of the bot, e.g. https://bot.example.org")
	}
	if len(c.Secret) < 32 {
		return fmt.Errorf("config key console.secret: want at least 32 random characters (set GRIDBOT_CONSOLE_SECRET)")
	}
	return nil
}

func (c Config) httpsBase() bool { return strings.HasPrefix(c.BaseURL, "https://") }
