package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rawSend matches a feature reaching past bot.Delivery to a platform: the
// core's Sender in env, a Mux, a Sender value, or a Send call.
var rawSend = regexp.MustCompile(`\benv\.Send\b|\bbot\.Mux\b|\bbot\.Sender\b|\.Send\(`)

// TestHandlersHoldNoRawSender: no feature sends around the one delivery
// API (env.Out, env.Outbox, env.Replies, Context replies), so nothing a
// feature sends skips the shared tg:global bucket or is lost to a failure
// of the moment.
func TestHandlersHoldNoRawSender(t *testing.T) {
	err := filepath.WalkDir("../../handlers", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if rawSend.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d sends around bot.Delivery: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
