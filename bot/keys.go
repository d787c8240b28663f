package bot

import (
	"strconv"
	"strings"
	"time"
)

// Keys builds Redis keys under a configurable prefix. By convention a key is
// prefix:feature:{entity}:field, the braces being a Redis Cluster hash tag so
// every multi-key script of one entity touches one slot.
type Keys string

// Key joins the prefix and parts with ':'.
func (k Keys) Key(parts ...string) string {
	return string(k) + ":" + strings.Join(parts, ":")
}

// Tag wraps an entity in braces for use as a hash tag: Tag("42") == "{42}".
func Tag(entity string) string { return "{" + entity + "}" }

// UnixOrZero returns t as Unix seconds, the form times are stored in, and 0
// for the zero time.
func UnixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// FromUnix reads stored Unix seconds back; "" or "0" (or garbage) give the
// zero time.
func FromUnix(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}
