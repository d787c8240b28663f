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
