package outbox

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// plainSender can only send: no member counts, no deletes.
type plainSender struct {
	mu sync.Mutex
	n  int
}

var _ bot.Sender = (*plainSender)(nil)

func (p *plainSender) Send(context.Context, bot.ChatRef, bot.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return "m", nil
}

// TestMembersFromDirectory counts reach from the Directory's member counts
// when the platform cannot say, and Recall reports what it could not delete.
func TestMembersFromDirectory(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, &plainSender{}, nil, nil)
	if err := f.env.Dir.SetMembers(ctx, "wecom:a", 120); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Dir.SetMembers(ctx, "wecom:b", 80); err != nil {
		t.Fatal(err)
	}
	o := f.outbox(testConfig())
	run(t, o)
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "tip", Chats: []bot.ChatRef{"wecom:a", "wecom:b"}, Message: bot.Message{Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "sent", func() bool { return status(t, o, id).Done() })
	if r := status(t, o, id); r.Members != 200 {
		t.Errorf("members = %d, want 200 from the Directory", r.Members)
	}
	del, failed, err := o.Recall(ctx, id)
	if err != nil || del != 0 || failed != 2 {
		t.Errorf("Recall = %d, %d, %v; want 0 deleted, 2 failed", del, failed, err)
	}
}

// TestBacklogIntoQuietHours holds deliveries that were due before quiet
// hours but reach a worker after they began.
func TestBacklogIntoQuietHours(t *testing.T) {
	ctx := context.Background()
	s := newFakeSender()
	clk := bottest.NewClock(time.Date(2026, 11, 22, 21, 29, 0, 0, bottest.Shanghai))
	f := newFixture(t, s, clk, nil)
	cfg := testConfig()
	cfg.QuietStart, cfg.QuietEnd = "21:30", "07:30"
	o := f.outbox(cfg)
	id, err := o.Enqueue(ctx, bot.Broadcast{Kind: "tip", Chats: chats("tg:", 3), Message: bot.Message{Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 11, 22, 21, 31, 0, 0, bottest.Shanghai))
	run(t, o)
	time.Sleep(150 * time.Millisecond)
	if got := s.Total(); got != 0 {
		t.Fatalf("sent %d in quiet hours, want 0", got)
	}
	clk.Set(time.Date(2026, 11, 23, 7, 30, 0, 0, bottest.Shanghai))
	eventually(t, "sent in the morning", func() bool { return status(t, o, id).Done() })
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for key, mod := range map[string]func(*Config){
		"outbox.quiet_start": func(c *Config) { c.QuietStart = "9点" },
		"outbox.workers":     func(c *Config) { c.Workers = 0 },
		"outbox.lease":       func(c *Config) { c.Lease = time.Second },
		"outbox.retention":   func(c *Config) { c.Retention = time.Hour },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate with bad %s = %v, want an error naming it", key, err)
		}
	}
}
