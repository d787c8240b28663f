package bot

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

var extendOwnedScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

var releaseOwnedScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// ExtendOwned sets key's TTL to ttl if key still holds owner, in one
// round trip; it reports whether it did. Leases and claims renew with it.
func ExtendOwned(ctx context.Context, rdb redis.Scripter, key, owner string, ttl time.Duration) (bool, error) {
	n, err := extendOwnedScript.Run(ctx, rdb, []string{key}, owner, ttl.Milliseconds()).Int()
	return n == 1, err
}

// ReleaseOwned deletes key if it still holds owner, in one round trip; it
// reports whether it did.
func ReleaseOwned(ctx context.Context, rdb redis.Scripter, key, owner string) (bool, error) {
	n, err := releaseOwnedScript.Run(ctx, rdb, []string{key}, owner).Int()
	return n == 1, err
}
