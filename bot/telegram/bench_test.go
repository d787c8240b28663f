package telegram

import (
	"context"
	"testing"

	"gridbot/bot"
)

// BenchmarkSend measures Client.Send against tgfake on loopback, one
// sender at a time.
func BenchmarkSend(b *testing.B) {
	c, _, _ := newTest(b, nil)
	ctx := context.Background()
	m := bot.Message{Text: "<b>通知</b>\n明天上午9点社区义诊，地点：社区服务中心。", Buttons: [][]bot.Button{{{Text: "报名", Data: "ev:j:1"}}}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Send(ctx, "tg:-1001", m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}

// BenchmarkSendParallel is BenchmarkSend with GOMAXPROCS×4 senders, as the
// outbox workers send.
func BenchmarkSendParallel(b *testing.B) {
	c, _, _ := newTest(b, nil)
	ctx := context.Background()
	m := bot.Message{Text: "<b>通知</b>\n明天上午9点社区义诊。"}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Send(ctx, "tg:-1001", m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}
