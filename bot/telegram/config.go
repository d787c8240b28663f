package telegram

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Config is the telegram section of the configuration. An empty WebhookURL
// means long polling.
type Config struct {
	// Token is the bot token from BotFather. Never logged.
	Token string `yaml:"token"`
	// APIEndpoint is the Bot API URL format with two %s (token, method),
	// e.g. "http://127.0.0.1:8081/bot%s/%s" for a local Bot API server.
	APIEndpoint string `yaml:"api_endpoint"`
	// WebhookURL, when set, selects webhook mode: Telegram posts updates to
	// this public HTTPS URL.
	WebhookURL string `yaml:"webhook_url"`
	// WebhookPath is the path the webhook handler is mounted on.
	WebhookPath string `yaml:"webhook_path"`
	// WebhookSecret is sent back by Telegram in the
	// X-Telegram-Bot-Api-Secret-Token header (1-256 of A-Z a-z 0-9 _ -).
	// Required in webhook mode. Never logged.
	WebhookSecret string `yaml:"webhook_secret"`
	// Timeout bounds one Bot API call (not counting retries).
	Timeout time.Duration `yaml:"timeout"`
	// PollTimeout is the long-polling wait of getUpdates.
	PollTimeout time.Duration `yaml:"poll_timeout"`
	// Retries is how many times a call is retried after a 5xx, a network
	// error or a 429.
	Retries int `yaml:"retries"`
	// MaxRetryWait is the longest 429 retry_after a call waits out by
	// itself; a longer one is returned as a RateLimited *bot.SendError.
	MaxRetryWait time.Duration `yaml:"max_retry_wait"`
	// PollLease is the life of the lease that makes one replica the
	// getUpdates reader (see PollLease); another replica takes over at most
	// about PollLease*4/3 after the reader dies.
	PollLease time.Duration `yaml:"poll_lease"`
	// PaidBroadcast turns on Telegram's paid broadcasts for the outbox:
	// broadcasts go with allow_paid_broadcast at up to 1,000 messages a
	// second (the tg:paid bucket) instead of 30, for 0.1 Telegram Stars a
	// message from the bot's balance; staff see the cost in the notice
	// preview before they confirm. Replies stay on the free 30 a second.
	// Telegram grants it to bots with enough Stars and monthly users.
	PaidBroadcast bool `yaml:"paid_broadcast"`
}

// DefaultConfig returns the defaults: the official endpoint, webhook path
// /telegram/webhook, 15s call timeout, 25s long poll, 3 retries, waiting out
// 429s of up to 10s, a 5s poll lease.
func DefaultConfig() Config {
	return Config{
		APIEndpoint:  tgbotapi.APIEndpoint,
		WebhookPath:  "/telegram/webhook",
		Timeout:      15 * time.Second,
		PollTimeout:  25 * time.Second,
		Retries:      3,
		MaxRetryWait: 10 * time.Second,
		PollLease:    5 * time.Second,
	}
}

var secretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Validate reports the first bad value, naming its key (telegram.<key>).
// Error texts never contain the token or the secret.
func (c Config) Validate() error {
	switch {
	case c.Token == "":
		return fmt.Errorf("telegram.token: required; want the token from BotFather (123456:ABC...)")
	case strings.ContainsAny(c.Token, " /\n\t?#%"):
		return fmt.Errorf("telegram.token: malformed; want the token from BotFather (123456:ABC...)")
	case strings.Count(c.APIEndpoint, "%s") != 2 || strings.Count(c.APIEndpoint, "%") != 2:
		return fmt.Errorf("telegram.api_endpoint: want an address with exactly two %%s (token, method), e.g. http://127.0.0.1:8081/bot%%s/%%s, got %q", c.APIEndpoint)
	case !strings.HasPrefix(c.APIEndpoint, "http://") && !strings.HasPrefix(c.APIEndpoint, "https://"):
		return fmt.Errorf("telegram.api_endpoint: want an address starting with http:// or https://, got %q", c.APIEndpoint)
	case c.Timeout <= 0:
		return fmt.Errorf("telegram.timeout: want a positive duration like 15s, got %s", c.Timeout)
	case c.PollTimeout < 0 || c.PollTimeout > 10*time.Minute:
		return fmt.Errorf("telegram.poll_timeout: want 0 to 10m, got %s", c.PollTimeout)
	case c.Retries < 0:
		return fmt.Errorf("telegram.retries: want 0 or more, got %d", c.Retries)
	case c.MaxRetryWait < 0:
		return fmt.Errorf("telegram.max_retry_wait: want a duration of 0 or more, got %s", c.MaxRetryWait)
	case c.PollLease < time.Second || c.PollLease > 5*time.Minute:
		return fmt.Errorf("telegram.poll_lease: want 1s to 5m, got %s", c.PollLease)
	}
	if c.WebhookURL != "" {
		switch {
		case !strings.HasPrefix(c.WebhookURL, "https://") && !strings.HasPrefix(c.WebhookURL, "http://"):
			return fmt.Errorf("telegram.webhook_url: want a public https:// address, got %q", c.WebhookURL)
		case !secretRe.MatchString(c.WebhookSecret):
			return fmt.Errorf("telegram.webhook_secret: required in webhook mode; want 1-256 characters of A-Z a-z 0-9 _ -")
		case !strings.HasPrefix(c.WebhookPath, "/"):
			return fmt.Errorf("telegram.webhook_path: want a path starting with /, got %q", c.WebhookPath)
		}
	}
	return nil
}

// Webhook reports whether the configuration selects webhook mode.
func (c Config) Webhook() bool { return c.WebhookURL != "" }
