package config

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder fills a configuration struct from YAML nodes, so that every error
// names the key path ("redis.wait_timeout") and what the key accepts,
// never a Go type. where says where a key's value came from.
type decoder struct {
	where func(n *yaml.Node) string
}

// fileWhere places a key by its line in the config file.
func fileWhere(n *yaml.Node) string { return fmt.Sprintf(" (line %d)", n.Line) }

func (d decoder) fail(n *yaml.Node, path, format string, a ...any) error {
	return &KeyError{Key: path + d.where(n), Err: fmt.Errorf(format, a...)}
}

var durationType = reflect.TypeFor[time.Duration]()

// decode sets v from n; path is v's key path.
func (d decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return d.decode(n.Content[0], v, path)
	case yaml.AliasNode:
		return d.decode(n.Alias, v, path)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		if v.Kind() != reflect.Struct {
			v.SetZero()
		}
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.decode(n, v.Elem(), path)
	}
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if n.Kind != yaml.ScalarNode {
			return d.fail(n, path, "want a single value, got %s", shapeOf(n))
		}
		if err := tu.UnmarshalText([]byte(n.Value)); err != nil {
			return d.fail(n, path, "%v", err)
		}
		return nil
	}
	if v.Type() == durationType {
		return d.duration(n, v, path)
	}
	switch v.Kind() {
	case reflect.Struct:
		return d.section(n, v, path)
	case reflect.Map:
		return d.mapping(n, v, path)
	case reflect.Slice:
		return d.list(n, v, path)
	}
	if n.Kind != yaml.ScalarNode {
		return d.fail(n, path, "want %s, got %s", wantOf(v), shapeOf(n))
	}
	if err := setScalar(v, n.Value); err != nil {
		return d.fail(n, path, "%v", err)
	}
	return nil
}

func (d decoder) duration(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.fail(n, path, "want a duration like 30s, 5m or 2h, got %s", shapeOf(n))
	}
	if _, err := strconv.ParseFloat(n.Value, 64); err == nil && n.Value != "0" {
		return d.fail(n, path, "want a duration with its unit, like %[1]ss, %[1]sm or %[1]sh; got the bare number %[1]s", n.Value)
	}
	dur, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return d.fail(n, path, "want a duration like 30s, 5m or 2h, got %q", n.Value)
	}
	v.SetInt(int64(dur))
	return nil
}

// section fills the struct v from the mapping n: each key must be one of
// v's keys.
func (d decoder) section(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return d.fail(n, path, "want a section of keys (%s), got %s", strings.Join(fieldNames(v), ", "), shapeOf(n))
	}
	fields := map[string]reflect.Value{}
	var names []string
	walkFields(v, func(name string, fv reflect.Value) {
		fields[name] = fv
		names = append(names, name)
	})
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		fv, ok := fields[k.Value]
		if !ok {
			return d.fail(k, sub, "no such key%s; %s takes %s", suggest(k.Value, names), sectionName(path), strings.Join(names, ", "))
		}
		if line, dup := seen[k.Value]; dup {
			return d.fail(k, sub, "set twice (first on line %d); keep one", line)
		}
		seen[k.Value] = k.Line
		if err := d.decode(val, fv, sub); err != nil {
			return err
		}
	}
	return nil
}

// mapping adds the entries of n to the map v (entries already there, such
// as defaults, stay unless n sets them).
func (d decoder) mapping(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return d.fail(n, path, "want entries of name: value, got %s", shapeOf(n))
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		key := reflect.New(v.Type().Key()).Elem()
		if err := setScalar(key, k.Value); err != nil {
			return d.fail(k, sub, "bad name: %v", err)
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if err := d.decode(val, elem, sub); err != nil {
			return err
		}
		v.SetMapIndex(key, elem)
	}
	return nil
}

// list replaces the slice v with the items of the sequence n.
func (d decoder) list(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.SequenceNode {
		return d.fail(n, path, "want a list like [%s], got %s", exampleItems(v.Type().Elem()), shapeOf(n))
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		if err := d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

// setScalar sets a string, bool or number from text, saying what it wants
// when the text does not fit.
func setScalar(v reflect.Value, s string) error {
	t := strings.TrimSpace(s)
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		switch strings.ToLower(t) {
		case "true", "yes", "on":
			v.SetBool(true)
		case "false", "no", "off":
			v.SetBool(false)
		default:
			return fmt.Errorf("want true or false, got %q", s)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return fmt.Errorf("want a whole number, got %q", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(t, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return fmt.Errorf("want a whole number of zero or more, got %q", s)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return fmt.Errorf("want a number, got %q", s)
		}
		v.SetFloat(n)
	default:
		return fmt.Errorf("cannot be set here")
	}
	return nil
}

// walkFields calls f with the key name and value of each field of the
// struct v, inline sections flattened into it.
func walkFields(v reflect.Value, f func(name string, fv reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if opts == "inline" && sf.Type.Kind() == reflect.Struct {
			walkFields(v.Field(i), f)
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f(name, v.Field(i))
	}
}

func fieldNames(v reflect.Value) []string {
	var out []string
	walkFields(v, func(name string, _ reflect.Value) { out = append(out, name) })
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sectionName(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// shapeOf describes what a node holds, for "got ..." in errors.
func shapeOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a section of keys"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// wantOf describes what a scalar field accepts.
func wantOf(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a whole number"
}

func exampleItems(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a, b"
	case reflect.Struct, reflect.Map:
		return "{…}, {…}"
	}
	return "1, 2"
}

// suggest returns " (did you mean x?)" for the known name nearest to got,
// when one is close.
func suggest(got string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := distance(got, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = slices.Min([]int{prev[j] + 1, cur[j-1] + 1, prev[j-1] + cost})
		}
		prev = cur
	}
	return prev[len(b)]
}
