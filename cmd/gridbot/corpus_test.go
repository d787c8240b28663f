package main

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/outbox"
	"gridbot/bot/ratelimit"
	"gridbot/bot/redistest"
	"gridbot/scheduler"
)

// TestCorpusWithEveryFeature parses the residents' corpus of the events
// package with the router as the bot builds it, every feature registered,
// so a keyword of another feature (参加竞答, 取消通知, 我的) can neither take
// a resident's sign-up nor make a quiet message act. Chat that merely
// contains a staff word ("通知收到了") is quiet for a resident in a group, as
// the router drops it (it is not Plain).
func TestCorpusWithEveryFeature(t *testing.T) {
	r := everyFeatureRouter(t)

	f, err := os.Open("../../handlers/events/testdata/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	checked := 0
	for n := 1; sc.Scan(); n++ {
		text, want, ok := strings.Cut(sc.Text(), "\t")
		if !ok || strings.HasPrefix(text, "#") {
			continue
		}
		want, _, _ = strings.Cut(want, " ")
		got := "quiet"
		if p, ok := r.Parse(strings.ReplaceAll(text, `\n`, "\n")); ok && (p.Plain || p.Command.Role == bot.Resident) {
			got = p.Command.Name
		}
		if got != want {
			t.Errorf("corpus.tsv:%d %q: got %s, want %s", n, text, got, want)
		}
		checked++
	}
	if checked < 200 {
		t.Fatalf("only %d corpus messages", checked)
	}
}

// TestIntentsWithEveryFeature runs every command's declared examples and
// quiet messages (bot.Intent) through the router as the bot builds it, so a
// feature's words can neither miss their examples nor take another's.
func TestIntentsWithEveryFeature(t *testing.T) {
	r := everyFeatureRouter(t)
	for _, err := range r.CheckIntents() {
		t.Error(err)
	}
	n := 0
	for _, c := range r.Commands() {
		n += len(c.Intent.Examples) + len(c.Intent.Quiet)
	}
	if n < 100 {
		t.Fatalf("only %d declared examples", n)
	}
}

// everyFeatureRouter is a router with every feature registered as the bot
// registers them, and the Telegram username the corpus mentions.
func everyFeatureRouter(t testing.TB) *bot.Router {
	rdb, keys, _ := redistest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := defaultConfig()
	env := bot.Env{Redis: rdb, Keys: keys, Dir: bot.NewDirectory(rdb, keys, nil), Log: log, Now: time.Now, Loc: time.UTC}
	ob := outbox.New(env, ratelimit.New(rdb, keys, cfg.Limits), cfg.Outbox)
	env.Outbox = ob
	sch := scheduler.New(rdb, keys, time.UTC, log, scheduler.Options{Config: cfg.Schedule.Config})
	env.Due = sch
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Dir: env.Dir, Log: log})
	r.SetBotName("gridbot_bot")
	if _, _, err := registerFeatures(env, cfg, r, sch, ob); err != nil {
		t.Fatal(err)
	}
	return r
}
