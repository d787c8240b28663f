package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"gridbot/bot"
)

// Submit hands an update to the dispatcher and returns a channel closed
// once it has been handled (bot.Dispatcher.Submit with the client bound as
// Sender).
type Submit func(ctx context.Context, u *bot.Update) <-chan struct{}

// OffsetStore keeps the getUpdates offset (the next update id wanted).
type OffsetStore interface {
	// Load returns the stored offset, 0 when none is stored.
	Load(ctx context.Context) (int, error)
	// Save stores offset.
	Save(ctx context.Context, offset int) error
}

// RedisOffsetStore is an OffsetStore in one Redis key, <prefix>:tg:offset.
type RedisOffsetStore struct {
	rdb redis.UniversalClient
	key string
}

// NewRedisOffsetStore returns the store for keys' prefix.
func NewRedisOffsetStore(rdb redis.UniversalClient, keys bot.Keys) *RedisOffsetStore {
	return &RedisOffsetStore{rdb: rdb, key: keys.Key("tg", "offset")}
}

// Load implements OffsetStore.
func (s *RedisOffsetStore) Load(ctx context.Context) (int, error) {
	v, err := s.rdb.Get(ctx, s.key).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load telegram offset: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("load telegram offset: bad value %q", v)
	}
	return n, nil
}

// Save implements OffsetStore.
func (s *RedisOffsetStore) Save(ctx context.Context, offset int) error {
	if err := s.rdb.Set(ctx, s.key, offset, 0).Err(); err != nil {
		return fmt.Errorf("save telegram offset: %w", err)
	}
	return nil
}

// Poll long-polls getUpdates until ctx is cancelled, then returns nil once
// the batch in hand is handled and its offset saved (best effort).
//
// It first removes any webhook (Telegram refuses getUpdates while one is
// set). Each batch's updates are all submitted (the dispatcher keeps each
// chat's order), all waited for, and only then is offset = last+1 stored,
// so a crash mid-batch redelivers the batch and the router's dedupe skips
// what was done. When the store fails the offset is kept in memory and
// saved once the store is back. getUpdates errors back off and retry (429
// waits retry_after).
func (c *Client) Poll(ctx context.Context, store OffsetStore, submit Submit) error {
	return c.poll(ctx, store, nil, submit)
}

// guard tells the poll loop whether it may still act as the reader.
type guard interface {
	// Valid answers locally, without a round trip.
	Valid() bool
	// check asks Redis.
	check(ctx context.Context) bool
}

// poll is Poll under g (nil: always the reader). Before each getUpdates
// and before handing each update over it asks g.Valid, and before each
// batch g.check; when g says no it stops, leaving what it did not hand
// over unconfirmed at Telegram.
func (c *Client) poll(ctx context.Context, store OffsetStore, g guard, submit Submit) error {
	valid := func() bool { return g == nil || g.Valid() }
	offset, err := c.loadOffset(ctx, store)
	if err != nil {
		return err
	}
	if err := c.DeleteWebhook(ctx); err != nil && ctx.Err() == nil {
		c.log.Warn("telegram deleteWebhook failed; getUpdates may conflict", "err", err)
	}
	c.log.Info("telegram polling", "offset", offset)
	dirty := false
	failures := 0
	for ctx.Err() == nil && valid() {
		if dirty {
			dirty = c.saveOffset(ctx, store, offset) != nil
		}
		ups, err := c.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := backoff(min(failures, 5))
			var se *bot.SendError
			if errors.As(err, &se) && se.Kind == bot.RateLimited {
				wait = se.RetryAfter
			}
			failures++
			c.log.Warn("telegram getUpdates failed", "err", err, "retry_in", wait)
			_ = sleepCtx(ctx, wait)
			continue
		}
		failures = 0
		if len(ups) == 0 {
			continue
		}
		if g != nil && !g.check(ctx) {
			c.log.Warn("telegram poll lease lost: fetched updates left to the next reader", "count", len(ups), "first", ups[0].UpdateID)
			break
		}
		if n := c.handleBatch(ctx, ups, valid, submit); n < len(ups) {
			c.log.Warn("telegram poll lease lost mid-batch: the rest is left to the next reader", "handed", n, "left", len(ups)-n)
			if n > 0 {
				offset, dirty = ups[n-1].UpdateID+1, true
			}
			break
		}
		offset = ups[len(ups)-1].UpdateID + 1
		dirty = c.saveOffset(ctx, store, offset) != nil
	}
	if dirty {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = c.saveOffset(sctx, store, offset)
	}
	c.log.Info("telegram polling stopped", "offset", offset)
	return nil
}

// handleBatch submits the updates while valid says so and waits until all
// submitted are handled, even when ctx is cancelled meanwhile; it returns
// how many it submitted.
func (c *Client) handleBatch(ctx context.Context, ups []tgbotapi.Update, valid func() bool, submit Submit) int {
	done := make([]<-chan struct{}, 0, len(ups))
	n := 0
	for _, u := range ups {
		if !valid() {
			break
		}
		n++
		if bu := c.toUpdate(u); bu != nil {
			done = append(done, submit(context.WithoutCancel(ctx), bu))
		}
	}
	for _, ch := range done {
		if ch != nil {
			<-ch
		}
	}
	return n
}

func (c *Client) loadOffset(ctx context.Context, store OffsetStore) (int, error) {
	for attempt := 0; ; attempt++ {
		off, err := store.Load(ctx)
		if err == nil {
			return off, nil
		}
		if attempt >= 4 {
			c.log.Warn("telegram offset unavailable; starting from Telegram's own confirmation point", "err", err)
			return 0, nil
		}
		if err := sleepCtx(ctx, backoff(attempt)); err != nil {
			return 0, fmt.Errorf("telegram poll: %w", err)
		}
	}
}

func (c *Client) saveOffset(ctx context.Context, store OffsetStore, offset int) error {
	err := store.Save(ctx, offset)
	if errors.Is(err, ErrLeaseLost) {
		c.log.Warn("telegram offset not saved: another replica reads getUpdates now", "offset", offset)
		return err
	}
	if err != nil {
		c.log.Warn("telegram offset not saved; kept in memory", "offset", offset, "err", err)
	}
	return err
}

// getUpdates makes one long-poll request (no retries).
func (c *Client) getUpdates(ctx context.Context, offset int) ([]tgbotapi.Update, error) {
	allowed, _ := json.Marshal(AllowedUpdates)
	p := tgbotapi.Params{
		"timeout":         strconv.Itoa(int((c.cfg.PollTimeout + time.Second - 1) / time.Second)),
		"limit":           "100",
		"allowed_updates": string(allowed),
	}
	p.AddNonZero("offset", offset)
	var ups []tgbotapi.Update
	err := c.once(ctx, "getUpdates", p, nil, c.cfg.PollTimeout+c.cfg.Timeout, &ups)
	return ups, err
}

// DeleteWebhook removes the webhook so getUpdates works, keeping pending
// updates.
func (c *Client) DeleteWebhook(ctx context.Context) error {
	return c.call(ctx, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}, nil)
}
