package main

import (
	"strings"
	"testing"
	"time"

	"gridbot/bot/secret"
	"gridbot/bot/telegram/tgfake"
	"gridbot/bot/wecom/custgroup/custgroupfake"
)

// TestCustomerGroupsWired runs the whole bot with a corp configured
// against custgroupfake: staff sync and map a customer group by chat, a
// notice to its grid becomes one group-send task, and the delivery report
// says the owner still has to press send.
func TestCustomerGroupsWired(t *testing.T) {
	fake := tgfake.New()
	defer fake.Close()
	cg := custgroupfake.New("ww0123456789", "app-secret-123")
	defer cg.Close()
	cg.AddGroup(custgroupfake.Group{ChatID: "wrA1", Name: "幸福里1群", Owner: "zhangsan", Externals: []string{"wm1", "wm2"}})
	inProcessBot(t, fake, func(c *Config) {
		c.CustGroup.CorpID, c.CustGroup.Secret, c.CustGroup.APIBase = "ww0123456789", secret.New("app-secret-123"), cg.URL
	})
	const staff = 1
	fake.PushText(staff, staff, "同步客户群")
	waitText(t, fake, staff, "共 1 个", 15*time.Second)
	fake.PushText(staff, staff, "客户群 1 绑定 3网格")
	waitText(t, fake, staff, "已绑定到 <b>3网格</b>", 15*time.Second)
	fake.PushText(staff, staff, "通知 3网格 明早9点停水")
	waitText(t, fake, staff, "通知预览", 15*time.Second)
	fake.PushText(staff, staff, "确认")
	waitText(t, fake, staff, "另有客户群 1 个", 20*time.Second)
	waitText(t, fake, staff, "zhangsan（3网格）：幸福里1群", time.Second)
	if s := cg.Sends(); len(s) != 1 || s[0].Sender != "zhangsan" || !strings.Contains(s[0].Text, "明早9点停水") {
		t.Fatalf("group-send tasks %+v, want one to 幸福里1群 from zhangsan", s)
	}
	for _, txt := range fake.Texts(staff) {
		if strings.Contains(txt, "app-secret-123") {
			t.Errorf("the secret reached a reply: %q", txt)
		}
	}
}

// TestTipReachesCustomerGroupWithItsLink: with the resident pages on, main
// hands the daily tips their page links, so a tip pushed to a grid reaches
// its customer group as a group-send carrying the short link.
func TestTipReachesCustomerGroupWithItsLink(t *testing.T) {
	fake := tgfake.New()
	defer fake.Close()
	cg := custgroupfake.New("ww0123456789", "app-secret-123")
	defer cg.Close()
	cg.AddGroup(custgroupfake.Group{ChatID: "wrA1", Name: "幸福里1群", Owner: "zhangsan", Externals: []string{"wm1", "wm2"}})
	inProcessBot(t, fake, func(c *Config) {
		c.CustGroup.CorpID, c.CustGroup.Secret, c.CustGroup.APIBase = "ww0123456789", secret.New("app-secret-123"), cg.URL
		c.Residents.BaseURL, c.Residents.Secret = "https://wx.example.cn", secret.New("residents-secret-0123456789abcdefghijkl")
	})
	const staff = 1
	fake.PushText(staff, staff, "同步客户群")
	waitText(t, fake, staff, "共 1 个", 15*time.Second)
	fake.PushText(staff, staff, "客户群 1 绑定 3网格")
	waitText(t, fake, staff, "已绑定到 <b>3网格</b>", 15*time.Second)
	fake.PushText(staff, staff, "推送每日一学 3网格")
	deadline := time.Now().Add(20 * time.Second)
	for len(cg.Sends()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	s := cg.Sends()
	if len(s) != 1 || !strings.Contains(s[0].Text, "每日一学") {
		t.Fatalf("group-send tasks %+v, want the tip to 幸福里1群", s)
	}
	if len(s[0].Links) != 1 || !strings.HasPrefix(s[0].Links[0].URL, "https://wx.example.cn/s/") {
		t.Errorf("tip group-send links %+v, want its page's short link", s[0].Links)
	}
}
