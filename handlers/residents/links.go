package residents

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"gridbot/bot/shortid"
)

// Link kinds: what a link token points at.
const (
	// KindActivity is an activity page (/r/a/<token>); the id is the
	// activity number.
	KindActivity = "a"
)

// linkScript returns the token of a target, storing the fresh one
// (ARGV[1]) when it has none: KEYS[1] target → token, KEYS[2] token →
// target (ARGV[2]).
var linkScript = redis.NewScript(`
local t = redis.call('GET', KEYS[1])
if t then return t end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`)

func (s *Site) linkKey(token string) string      { return s.env.Keys.Key("rs", "{rs}", "l", token) }
func (s *Site) targetKey(kind, id string) string { return s.env.Keys.Key("rs", "{rs}", "lk", kind, id) }

// Link returns the token of the page of kind and id, the same every time
// (one round trip): 16 random characters, so a page cannot be found by
// counting.
func (s *Site) Link(ctx context.Context, kind, id string) (string, error) {
	tok := shortid.Token()
	got, err := linkScript.Run(ctx, s.env.Redis, []string{s.targetKey(kind, id), s.linkKey(tok)}, tok, kind+":"+id).Text()
	if err != nil {
		return "", fmt.Errorf("link %s:%s: %w", kind, id, err)
	}
	return got, nil
}

// URL returns the full address of the page of kind and id under BaseURL,
// with query (may be empty) added.
func (s *Site) URL(ctx context.Context, kind, id, query string) (string, error) {
	tok, err := s.Link(ctx, kind, id)
	if err != nil {
		return "", err
	}
	u := s.cfg.BaseURL + Prefix + kind + "/" + tok
	if query != "" {
		u += "?" + query
	}
	return u, nil
}

// Resolve returns the id a token of kind points at; ok is false for a
// malformed or unknown token or one of another kind.
func (s *Site) Resolve(ctx context.Context, kind, token string) (id string, ok bool, err error) {
	if _, err := shortid.ParseToken(token); err != nil {
		return "", false, nil
	}
	v, err := s.env.Redis.Get(ctx, s.linkKey(token)).Result()
	if err == redis.Nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("resolve link: %w", err)
	}
	k, id, _ := strings.Cut(v, ":")
	return id, k == kind, nil
}
