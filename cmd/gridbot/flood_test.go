package main

import (
	"sort"
	"strings"
	"testing"
	"time"

	"gridbot/bot/telegram/tgfake"
)

const (
	flooder     = 900
	floodSize   = 300
	floodOthers = 10
)

// floodRun has one resident send flood messages in a private chat, then
// floodOthers other residents one each, through the whole bot (fake Bot API
// enforcing Telegram's limits, real dispatcher and router). It returns the
// messages sent, in order, and how long each other resident waited for the
// answer, shortest first.
func floodRun(t testing.TB, flood int, tune func(*Config)) ([]tgfake.Sent, []time.Duration) {
	fake := tgfake.New()
	t.Cleanup(fake.Close)
	fake.EnforceLimits(true)
	inProcessBot(t, fake, tune)
	for range flood {
		fake.PushText(flooder, flooder, "活动")
	}
	pushed := time.Now()
	for i := range floodOthers {
		fake.PushText(int64(flooder+1+i), int64(flooder+1+i), "活动")
	}
	answered := func(s []tgfake.Sent) bool {
		n := 0
		for i := range floodOthers {
			for _, m := range s {
				if m.ChatID == int64(flooder+1+i) {
					n++
					break
				}
			}
		}
		return n == floodOthers
	}
	sent, ok := fake.WaitSent(2*time.Minute, answered)
	if !ok {
		t.Fatalf("not every other resident was answered")
	}
	var waits []time.Duration
	for i := range floodOthers {
		for _, m := range sent {
			if m.ChatID == int64(flooder+1+i) {
				waits = append(waits, m.Time.Sub(pushed))
				break
			}
		}
	}
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	return sent, waits
}

// TestFloodFromOneResidentDoesNotDelayOthers: while one account floods its
// private chat, everyone else is answered ahead of the flood's tail: of the
// flooder's messages, only the few handled before the limit (and one polite
// notice) go out before the last other resident's answer. The flooder is
// told once, kindly, to slow down.
func TestFloodFromOneResidentDoesNotDelayOthers(t *testing.T) {
	sent, waits := floodRun(t, floodSize, nil)
	last := 0
	for i, m := range sent {
		if m.ChatID > flooder && m.ChatID <= flooder+floodOthers {
			last = i
		}
	}
	before := 0
	for _, m := range sent[:last] {
		if m.ChatID == flooder {
			before++
		}
	}
	t.Logf("others waited %s (median) to %s (max); %d of the flooder's messages went out before the last of them", waits[len(waits)/2], waits[len(waits)-1], before)
	if burst := defaultConfig().Updates.FloodBurst; before > burst+1 {
		t.Errorf("%d answers to the flooder went out before the last other resident's answer; want at most the %d of the burst and one request to slow down", before, burst)
	}
	slow := 0
	for _, text := range fakeTexts(sent, flooder) {
		if strings.Contains(text, "太快") {
			slow++
		}
	}
	if slow != 1 {
		t.Errorf("the flooder was asked to slow down %d times, want once", slow)
	}
}

func fakeTexts(sent []tgfake.Sent, chat int64) []string {
	var out []string
	for _, m := range sent {
		if m.ChatID == chat {
			out = append(out, m.Text)
		}
	}
	return out
}

// BenchmarkFloodOthersWait reports how long other residents wait for an
// answer (median and slowest of floodOthers, in ms) while one account sends
// floodSize messages in private, with the per-person limit at its default
// and off, and with no flood at all.
func BenchmarkFloodOthersWait(b *testing.B) {
	for _, c := range []struct {
		name  string
		flood int
		burst int
	}{{"no flood", 0, -1}, {"flood, limit on", floodSize, -1}, {"flood, limit off", floodSize, 0}} {
		b.Run(c.name, func(b *testing.B) {
			var med, worst time.Duration
			for range b.N {
				_, waits := floodRun(b, c.flood, func(cfg *Config) {
					if c.burst >= 0 {
						cfg.Updates.FloodBurst = c.burst
					}
				})
				med += waits[len(waits)/2]
				worst += waits[len(waits)-1]
			}
			b.ReportMetric(float64(med.Milliseconds())/float64(b.N), "median-ms")
			b.ReportMetric(float64(worst.Milliseconds())/float64(b.N), "max-ms")
		})
	}
}
