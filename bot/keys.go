package bot

import "strings"

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
