package main

import (
	"fmt"
	"testing"
	"time"

	"gridbot/bot/telegram/tgfake"
)

// TestPrivateAnswerSurvivesAFailingBotAPI: a resident signs up in a private
// chat while the Bot API answers sendMessage with a proxy's 502 for a while.
// The sign-up is stored, so the resident must get 报名成功 once it recovers,
// exactly once, and never 系统繁忙.
func TestPrivateAnswerSurvivesAFailingBotAPI(t *testing.T) {
	for _, fails := range []int{4, 10} {
		t.Run(fmt.Sprintf("%d failures", fails), func(t *testing.T) {
			fake := tgfake.New()
			defer fake.Close()
			inProcessBot(t, fake, nil)
			const group, resident = -100, 7
			publishClinic(t, fake, group, 5)
			fake.PushText(group, resident, "活动")
			waitText(t, fake, group, "剩余名额", 15*time.Second)

			fake.FailNextOf("sendMessage", fails, tgfake.Failure{Code: 502, Raw: true})
			fake.PushText(resident, resident, "报名 1")
			waitText(t, fake, resident, "报名成功", 30*time.Second)
			fake.PushText(resident, resident, "我的报名")
			waitText(t, fake, resident, "义诊", 15*time.Second)
			if n := countText(fake, resident, "报名成功"); n != 1 {
				t.Errorf("报名成功 sent %d times, want once: %q", n, fake.Texts(resident))
			}
			if n := countText(fake, resident, "系统繁忙"); n != 0 {
				t.Errorf("the resident was told 系统繁忙 although the sign-up was stored: %q", fake.Texts(resident))
			}
		})
	}
}

// TestPromotionSurvivesAFailingBotAPI: a waitlisted resident is promoted
// when someone cancels, while the Bot API answers sendMessage to their
// private chat with a proxy's 502 for a moment. The promotion is stored,
// so they must be told once the Bot API recovers, exactly once, and not
// instead by a mention in the group.
func TestPromotionSurvivesAFailingBotAPI(t *testing.T) {
	fake := tgfake.New()
	defer fake.Close()
	inProcessBot(t, fake, nil)
	const group, seated, waiting = -100, 7, 8
	publishClinic(t, fake, group, 1)
	fake.PushText(group, seated, "报名 1")
	waitText(t, fake, group, "报名成功", 15*time.Second)
	fake.PushText(group, waiting, "报名 1")
	waitText(t, fake, group, "候补", 15*time.Second)

	fake.FailChat(waiting, tgfake.Failure{Code: 502, Raw: true})
	fake.PushText(group, seated, "取消报名 1")
	failed := func() int {
		n := 0
		for _, q := range fake.Requests() {
			if q.Method == "sendMessage" && q.ChatID == waiting && q.Status == 502 {
				n++
			}
		}
		return n
	}
	// The client itself retries a 5xx telegram.retries (3) times; a fifth
	// try is the kept message sent again.
	for deadline := time.Now().Add(30 * time.Second); failed() < 5; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the promotion was not tried again after the client gave up (%d tries); chat 8 got %q, the group %q",
				failed(), fake.Texts(waiting), fake.Texts(group))
		}
	}
	fake.ClearFailures()
	waitText(t, fake, waiting, "好消息", 30*time.Second)
	waitText(t, fake, group, "已为您取消报名", 15*time.Second)
	if n := countText(fake, waiting, "正式报名"); n != 1 {
		t.Errorf("正式报名 sent %d times, want once: %q", n, fake.Texts(waiting))
	}
	if n := countText(fake, group, "转为正式报名"); n != 0 {
		t.Errorf("the promoted resident was mentioned in the group although the message was kept: %q", fake.Texts(group))
	}
}

// publishClinic binds group to 3网格 and has staff user 1 publish activity
// 1 (义诊, tomorrow 9:00) with seats seats for every grid.
func publishClinic(t *testing.T, fake *tgfake.Server, group int64, seats int) {
	t.Helper()
	fake.PushText(group, 1, "绑定网格 3网格")
	waitText(t, fake, group, "已绑定", 15*time.Second)
	fake.PushText(1, 1, fmt.Sprintf("发布活动\n活动：义诊\n时间：明天 9:00\n地点：社区活动中心\n名额：%d\n网格：全部", seats))
	waitText(t, fake, group, "义诊", 15*time.Second)
}
