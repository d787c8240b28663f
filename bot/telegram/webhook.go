package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// SecretHeader is the header Telegram fills with the webhook secret.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// WebhookHandler serves Telegram's webhook POSTs. It answers 401 unless the
// secret header equals cfg.WebhookSecret (compared in constant time), 400
// on a body that is not an update, and 200 only after the update has been
// handled, so Telegram redelivers an update whose handling was cut short.
func (c *Client) WebhookHandler(submit Submit) http.Handler {
	secret := []byte(c.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get(SecretHeader))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			c.log.Warn("telegram webhook: bad secret header", "remote", r.RemoteAddr, "present", len(got) > 0)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&u); err != nil {
			c.log.Warn("telegram webhook: bad update", "err", err)
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if bu := c.toUpdate(u); bu != nil {
			select {
			case <-submit(context.WithoutCancel(r.Context()), bu):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// SetWebhook registers url with Telegram, with secret as secret_token and
// the bot's AllowedUpdates (through the raw request API: the library lacks
// secret_token).
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	allowed, _ := json.Marshal(AllowedUpdates)
	p := tgbotapi.Params{"url": url, "allowed_updates": string(allowed)}
	p.AddNonEmpty("secret_token", secret)
	if err := c.call(ctx, "setWebhook", p, nil); err != nil {
		return err
	}
	c.log.Info("telegram webhook set", "url", url)
	return nil
}
