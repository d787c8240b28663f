package bot_test

import (
	"context"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/bottest"
)

// TestDeliveryTellsUnderTheSharedBucketAndKeepsWhatFails: every private
// message takes a token from the platform-wide bucket; one the platform
// fails to take for the moment (502) is kept to send again and is no
// error; one the person refuses (never started the bot) is an error and
// is not kept.
func TestDeliveryTellsUnderTheSharedBucketAndKeepsWhatFails(t *testing.T) {
	ctx := context.Background()
	const ok, blip, refused = bot.UserRef("tg:1"), bot.UserRef("tg:2"), bot.UserRef("tg:3")
	s := &bottest.Sender{Fail: func(chat bot.ChatRef, _ int) error {
		if chat == blip.PrivateChat() {
			return &bot.SendError{Kind: bot.Temporary, Code: 502, Desc: "Bad Gateway"}
		}
		return nil
	}}
	s.FailChat(refused.PrivateChat(), &bot.SendError{Kind: bot.Gone, Code: 403, Desc: "Forbidden: bot can't initiate conversation with a user"})
	lim, keep := &bottest.Limiter{}, &bottest.Keeper{}
	d := bottest.Delivery(s, &bottest.Outbox{}, lim, keep, nil)

	if told, err := d.Tell(ctx, ok, bot.Message{Text: "您已转为正式报名"}); err != nil || told.Later {
		t.Errorf("tell a reachable person: %+v, %v; want sent now", told, err)
	}
	if told, err := d.Tell(ctx, blip, bot.Message{Text: "您已转为正式报名"}); err != nil || !told.Later || !told.At.IsZero() {
		t.Errorf("tell during a 502: %+v, %v; want kept to send again", told, err)
	}
	if _, err := d.Tell(ctx, refused, bot.Message{Text: "您已转为正式报名"}); err == nil {
		t.Error("tell a person who never started the bot: no error")
	}
	if k := keep.Kept(); len(k) != 1 || k[0].Chat != blip.PrivateChat() || k[0].Msg.Text != "您已转为正式报名" {
		t.Errorf("kept %+v, want only the message of the 502", k)
	}
	if n := lim.Taken("tg:global"); n != 3 {
		t.Errorf("%d tg:global tokens for 3 messages", n)
	}
	if err := d.Edit(ctx, "tg:-100", "5", bot.Message{Text: "名单"}); err != nil {
		t.Fatal(err)
	}
	if n := lim.Taken("tg:global"); n != 4 {
		t.Errorf("an edit took no tg:global token (%d in all)", n)
	}
}

// TestDeliveryNotifyWaitsOutTheQuietHours: news that can wait is not sent
// inside the quiet hours but kept until they end; if that is too late (the
// deadline comes first) it is sent now.
func TestDeliveryNotifyWaitsOutTheQuietHours(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 2, 10, 22, 0, 0, 0, bottest.Shanghai)
	morning := time.Date(2027, 2, 11, 7, 30, 0, 0, bottest.Shanghai)
	s, lim, keep := &bottest.Sender{}, &bottest.Limiter{}, &bottest.Keeper{}
	d := bottest.Delivery(s, &bottest.Outbox{Hold: morning}, lim, keep, func() time.Time { return now })

	told, err := d.Notify(ctx, "tg:1", bot.Message{Text: "提醒"}, morning.Add(2*time.Hour))
	if err != nil || !told.Later || !told.At.Equal(morning) {
		t.Errorf("notify at night: %+v, %v; want held until %v", told, err, morning)
	}
	if s.Total() != 0 {
		t.Errorf("%d messages sent at night", s.Total())
	}
	if k := keep.Kept(); len(k) != 1 || !k[0].At.Equal(morning) {
		t.Errorf("kept %+v, want one held until %v", k, morning)
	}
	if got := d.NotifyAt(time.Time{}); !got.Equal(morning) {
		t.Errorf("NotifyAt %v, want %v", got, morning)
	}
	told, err = d.Notify(ctx, "tg:1", bot.Message{Text: "活动取消了"}, morning.Add(-30*time.Minute))
	if err != nil || told.Later || s.Count("tg:1") != 1 {
		t.Errorf("notify whose deadline is before the morning: %+v, %v, %d sent; want sent now", told, err, s.Count("tg:1"))
	}
	if got := d.NotifyAt(morning.Add(-time.Minute)); !got.Equal(now) {
		t.Errorf("NotifyAt with an early deadline %v, want now", got)
	}
}
