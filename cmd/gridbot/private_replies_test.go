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
			fake.PushText(group, 1, "绑定网格 3网格")
			waitText(t, fake, group, "已绑定", 15*time.Second)
			fake.PushText(1, 1, "发布活动\n活动：义诊\n时间：明天 9:00\n地点：社区活动中心\n名额：5\n网格：全部")
			waitText(t, fake, group, "义诊", 15*time.Second)
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
