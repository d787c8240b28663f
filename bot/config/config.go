// Package config loads gridbot's YAML configuration into a struct and applies
// environment overrides: every key path, in capitals and joined by '_', after
// the prefix GRIDBOT_ (telegram.api_endpoint ← GRIDBOT_TELEGRAM_API_ENDPOINT).
// Unknown keys, in the file or in the environment, are errors that name the
// key. It knows nothing of the keys themselves: callers pass their struct.
package config

import (
	"bytes"
	"encoding"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override.
const EnvPrefix = "GRIDBOT_"

// KeyError is a configuration error about one key.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return fmt.Sprintf("config key %s: %v", e.Key, e.Err) }

func (e *KeyError) Unwrap() error { return e.Err }

// Load fills dst (a pointer to a struct already holding the defaults) from
// the YAML file at path (none when path is "") and then from environ
// (os.Environ() form). Environment variables starting with GRIDBOT_TEST_ are
// left to tests.
func Load(dst any, path string, environ []string) error {
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read config: %w", err)
		}
		if err := decodeYAML(dst, data); err != nil {
			return err
		}
	}
	return applyEnv(dst, environ)
}

func decodeYAML(dst any, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	return decoder{where: fileWhere}.decode(&doc, reflect.ValueOf(dst).Elem(), "")
}

// Keys lists every key path of the struct dst points to, dotted
// ("telegram.api_endpoint"), in declaration order.
func Keys(dst any) []string {
	var out []string
	walk(reflect.ValueOf(dst).Elem(), "", func(path string, _ reflect.Value) {
		out = append(out, path)
	})
	return out
}

// EnvName returns the environment variable overriding a dotted key path.
func EnvName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

func walk(v reflect.Value, prefix string, leaf func(path string, v reflect.Value)) {
	walkFields(v, func(name string, fv reflect.Value) {
		path := join(prefix, name)
		if fv.Kind() == reflect.Struct && !isScalar(fv) {
			walk(fv, path, leaf)
			return
		}
		leaf(path, fv)
	})
}

func isScalar(v reflect.Value) bool { return isScalarType(v.Type()) }

func applyEnv(dst any, environ []string) error {
	type field struct {
		path string
		v    reflect.Value
	}
	fields := map[string]field{}
	walk(reflect.ValueOf(dst).Elem(), "", func(path string, v reflect.Value) {
		fields[EnvName(path)] = field{path, v}
	})
	var unknown []string
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || strings.HasPrefix(name, EnvPrefix+"TEST_") {
			continue
		}
		f, ok := fields[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		d := decoder{where: func(*yaml.Node) string { return " (" + name + ")" }}
		n, err := envNode(f.v, val)
		if err != nil {
			return &KeyError{Key: f.path + " (" + name + ")", Err: err}
		}
		if err := d.decode(n, f.v, f.path); err != nil {
			return err
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown environment variable %s: no such config key (keys are GRIDBOT_ and the key path in capitals joined by _, e.g. GRIDBOT_REDIS_ADDR)", strings.Join(unknown, ", "))
	}
	return nil
}

// envNode reads an environment value as the YAML node the file would hold
// for the key: lists of plain values comma-separated (or a [list]), lists
// of sections and maps in JSON or YAML flow form with the file's key names
// ([{"grid": "3网格", "webhook_key_env": "K3"}]), anything else as one
// value.
func envNode(v reflect.Value, s string) (*yaml.Node, error) {
	k := v.Kind()
	scalarList := k == reflect.Slice && !isScalarType(v.Type()) && v.Type().Elem().Kind() != reflect.Struct && v.Type().Elem().Kind() != reflect.Map
	switch {
	case isScalarType(v.Type()) || k != reflect.Slice && k != reflect.Map && k != reflect.Struct:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}, nil
	case scalarList && !strings.HasPrefix(strings.TrimSpace(s), "["):
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p})
		}
		return seq, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		return nil, fmt.Errorf("want JSON like %s: %w", jsonExample(v.Type()), err)
	}
	return &n, nil
}

func jsonExample(t reflect.Type) string {
	if t.Kind() == reflect.Map {
		return `{"name": value}`
	}
	return `[{"key": value}]`
}

func isScalarType(t reflect.Type) bool {
	if t == durationType {
		return true
	}
	return reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}
