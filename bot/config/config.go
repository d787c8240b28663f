// Package config loads gridbot's YAML configuration into a struct and applies
// environment overrides: every key path, in capitals and joined by '_', after
// the prefix GRIDBOT_ (telegram.api_endpoint ← GRIDBOT_TELEGRAM_API_ENDPOINT).
// Unknown keys, in the file or in the environment, are errors that name the
// key. It knows nothing of the keys themselves: callers pass their struct.
package config

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

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
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return fmt.Errorf("config file: %s", strings.Join(te.Errors, "; "))
		}
		return fmt.Errorf("config file: %w", err)
	}
	return nil
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
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if opts == "inline" && f.Type.Kind() == reflect.Struct {
			walk(v.Field(i), prefix, leaf)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && !isScalar(fv) {
			walk(fv, path, leaf)
			continue
		}
		leaf(path, fv)
	}
}

func isScalar(v reflect.Value) bool {
	if v.Type() == reflect.TypeFor[time.Duration]() {
		return true
	}
	_, ok := v.Addr().Interface().(encoding.TextUnmarshaler)
	return ok
}

func applyEnv(dst any, environ []string) error {
	fields := map[string]reflect.Value{}
	walk(reflect.ValueOf(dst).Elem(), "", func(path string, v reflect.Value) {
		fields[EnvName(path)] = v
		fields[EnvName(path)+"\x00"] = reflect.ValueOf(path)
	})
	var unknown []string
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || strings.HasPrefix(name, EnvPrefix+"TEST_") {
			continue
		}
		fv, ok := fields[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		path := fields[name+"\x00"].String()
		if err := setString(fv, val); err != nil {
			return &KeyError{Key: path + " (" + name + ")", Err: err}
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown environment variable %s: no such config key", strings.Join(unknown, ", "))
	}
	return nil
}

func setString(v reflect.Value, s string) error {
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return tu.UnmarshalText([]byte(s))
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration (like 30s, 5m): %q", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not true or false: %q", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", s)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", s)
		}
		v.SetFloat(n)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct || v.Type().Elem().Kind() == reflect.Map {
			p := reflect.New(v.Type())
			if err := json.Unmarshal([]byte(s), p.Interface()); err != nil {
				return fmt.Errorf("want a JSON list: %w", err)
			}
			v.Set(p.Elem())
			return nil
		}
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
		out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setString(out.Index(i), p); err != nil {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
		}
		v.Set(out)
	case reflect.Map:
		p := reflect.New(v.Type())
		if err := json.Unmarshal([]byte(s), p.Interface()); err != nil {
			return fmt.Errorf("want a JSON object: %w", err)
		}
		v.Set(p.Elem())
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
