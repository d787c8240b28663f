package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeStandsAlone: the README links only to files in the repository,
// and every test or benchmark it names as the source of a figure exists in
// the package it names, so each figure can be printed again.
func TestReadmeStandsAlone(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, m := range regexp.MustCompile(`\.\./[A-Za-z][^\s)`+"`"+`]*`).FindAllString(text, -1) {
		t.Errorf("README points to %s, outside the repository (readers have only the repository)", m)
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)\)`).FindAllStringSubmatch(text, -1) {
		target := m[1]
		if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
			continue
		}
		if rel := filepath.Clean(target); filepath.IsAbs(rel) || strings.HasPrefix(rel, "..") {
			t.Errorf("README links %s, outside the repository", target)
			continue
		}
		if _, err := os.Stat(filepath.Join("../..", target)); err != nil {
			t.Errorf("README links %s, which does not exist", target)
		}
	}
	cmds := regexp.MustCompile("go test [^`\n]*").FindAllString(text, -1)
	if len(cmds) < 10 {
		t.Fatalf("found %d go test commands in the README, want the performance table's", len(cmds))
	}
	for _, cmd := range cmds {
		var pkgs, patterns []string
		f := strings.Fields(cmd)
		for i, w := range f {
			switch {
			case strings.HasPrefix(w, "./") && !strings.HasSuffix(w, "..."):
				pkgs = append(pkgs, w)
			case (w == "-bench" || w == "-run") && i+1 < len(f) && f[i+1] != "X":
				prefix := map[string]string{"-bench": "Benchmark", "-run": "Test"}[w]
				for _, p := range strings.Split(strings.Trim(f[i+1], "'"), "|") {
					patterns = append(patterns, prefix+strings.TrimPrefix(strings.TrimPrefix(p, "Benchmark"), "Test"))
				}
			}
		}
		for _, p := range patterns {
			if !definedIn(t, p, pkgs) {
				t.Errorf("README command %q names %s, which no test file of %v defines", cmd, p, pkgs)
			}
		}
	}
}

// definedIn reports whether a func whose name starts with name is declared
// in a test file of one of pkgs (paths from the repository root).
func definedIn(t *testing.T, name string, pkgs []string) bool {
	re := regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(name))
	for _, p := range pkgs {
		files, _ := filepath.Glob(filepath.Join("../..", p, "*_test.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if re.Match(b) {
				return true
			}
		}
	}
	return false
}

// TestReadmeDefaultsAreTheDefaults: where the README says a key's default
// ("`updates.claim_ttl`，默认 6s"), it is the program's default.
func TestReadmeDefaultsAreTheDefaults(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	found := 0
	for _, m := range regexp.MustCompile("`([a-z_.]+)`[（，]默认 `?([^，、；：）`\\s]+)").FindAllStringSubmatch(string(data), -1) {
		v, ok := lookup(reflect.ValueOf(cfg), m[1])
		if !ok {
			t.Errorf("README gives a default for %s, which is no config key", m[1])
			continue
		}
		found++
		if got := show(v); got != m[2] && !(m[2] == "5" && got == "5m") {
			t.Errorf("README says %s defaults to %s; it is %s", m[1], m[2], got)
		}
	}
	if found < 6 {
		t.Errorf("checked %d defaults, want the README's (at least 6)", found)
	}
}

// lookup finds a dotted key in a config struct by its yaml names.
func lookup(v reflect.Value, key string) (reflect.Value, bool) {
	for _, part := range strings.Split(key, ".") {
		if v.Kind() != reflect.Struct {
			return v, false
		}
		next, ok := field(v, part)
		if !ok {
			return v, false
		}
		v = next
	}
	return v, true
}

func field(v reflect.Value, name string) (reflect.Value, bool) {
	for i := range v.NumField() {
		tag, opts, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if opts == "inline" {
			if f, ok := field(v.Field(i), name); ok {
				return f, true
			}
		}
		if tag == name {
			return v.Field(i), true
		}
	}
	return v, false
}

func show(v reflect.Value) string {
	if d, ok := v.Interface().(time.Duration); ok {
		s := d.String()
		s = strings.TrimSuffix(s, "0s")
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		if s == "" {
			s = "0s"
		}
		return s
	}
	return fmt.Sprint(v.Interface())
}
