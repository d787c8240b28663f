package custgroup_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gridbot/bot/secret"
	"gridbot/bot/sendcap"
	"gridbot/bot/wecom/custgroup"
	"gridbot/bot/wecom/custgroup/custgroupfake"
)

const (
	corpID     = "ww0000fakecorp0001"
	corpSecret = "Zk3rS3cr3tZk3rS3cr3tZk3rS3cr3tZk3rS3cr3tAB"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var ctx = context.Background()

func setup(t *testing.T) (*custgroupfake.Server, *custgroup.Client, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, custgroupfake.China)}
	fake := custgroupfake.New(corpID, corpSecret)
	fake.SetClock(clk.Now)
	t.Cleanup(fake.Close)
	c, err := custgroup.New(custgroup.Config{CorpID: corpID, Secret: secret.New(corpSecret), APIBase: fake.URL},
		custgroup.WithClock(clk.Now), custgroup.WithBackoff(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, clk
}

func mustSend(t *testing.T, c *custgroup.Client, s custgroup.GroupSend) custgroup.SendResult {
	t.Helper()
	res, err := c.SendToGroups(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestTokenIsCachedAndRenewed(t *testing.T) {
	fake, c, clk := setup(t)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
	for range 5 {
		if _, err := c.ListGroups(ctx, custgroup.ListFilter{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.TokenFetches(); n != 1 {
		t.Fatalf("%d token fetches for 5 calls, want 1", n)
	}
	for i, spoil := range []func(){fake.ExpireTokens, fake.RevokeTokens} {
		spoil()
		if _, err := c.ListGroups(ctx, custgroup.ListFilter{}); err != nil {
			t.Fatalf("after spoiling the token (%d): %v", i, err)
		}
		if n := fake.TokenFetches(); n != 2+i {
			t.Fatalf("%d token fetches, want %d", n, 2+i)
		}
	}
	// Before the token runs out the client fetches a new one by itself.
	clk.Add(custgroupfake.TokenTTL - 4*time.Minute)
	if _, err := c.ListGroups(ctx, custgroup.ListFilter{}); err != nil {
		t.Fatal(err)
	}
	if n := fake.TokenFetches(); n != 4 {
		t.Fatalf("%d token fetches near expiry, want 4", n)
	}
	for _, call := range fake.Calls() {
		if call.Errcode == custgroupfake.CodeTokenExpired && call.Time.After(clk.Now().Add(-time.Minute)) {
			t.Fatal("the client waited for 42001 instead of renewing early")
		}
	}
}

func TestOneTokenFetchForManyCallers(t *testing.T) {
	fake, c, _ := setup(t)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if _, err := c.Group(ctx, "wrA", false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := fake.TokenFetches(); n != 1 {
		t.Fatalf("%d token fetches, want 1", n)
	}
}

// TestWrongSecretIsNotHammered: repeated wrong secrets get the server's IP
// banned, so a refused gettoken is held for a minute.
func TestWrongSecretIsNotHammered(t *testing.T) {
	fake, _, clk := setup(t)
	c, _ := custgroup.New(custgroup.Config{CorpID: corpID, Secret: secret.New("wrong"), APIBase: fake.URL}, custgroup.WithClock(clk.Now))
	for range 5 {
		_, err := c.ListGroups(ctx, custgroup.ListFilter{})
		var e *custgroup.Error
		if !errors.As(err, &e) || e.Code != 40001 || e.Kind != custgroup.KindConfig || !strings.Contains(e.Advice(), "Secret") {
			t.Fatalf("wrong secret: %v", err)
		}
	}
	if n := len(fake.CallsTo("gettoken")); n != 1 {
		t.Fatalf("%d gettoken calls, want 1", n)
	}
	clk.Add(2 * time.Minute)
	c.ListGroups(ctx, custgroup.ListFilter{})
	if n := len(fake.CallsTo("gettoken")); n != 2 {
		t.Fatalf("%d gettoken calls after the hold, want 2", n)
	}
}

func TestListPagesAndOwners(t *testing.T) {
	fake, c, _ := setup(t)
	var owners []string
	for i := range 250 {
		owners = append(owners, fmt.Sprintf("u%03d", i))
	}
	fake.SetTooManyVisible(10000)
	for i := range 2500 {
		status := 0
		if i%100 == 7 {
			status = custgroup.OwnerLeft
		}
		fake.AddGroup(custgroupfake.Group{ChatID: fmt.Sprintf("wr%05d", i), Owner: owners[i%250], Status: status})
	}
	all, err := c.AllGroups(ctx, 0, nil)
	if err != nil || len(all) != 2500 {
		t.Fatalf("AllGroups: %d groups, %v", len(all), err)
	}
	if n := len(fake.CallsTo("externalcontact/groupchat/list")); n != 3 {
		t.Errorf("%d list calls for 2500 groups, want 3 pages of 1000", n)
	}
	seen := map[string]bool{}
	for _, g := range all {
		if seen[g.ChatID] {
			t.Fatalf("group %s listed twice", g.ChatID)
		}
		seen[g.ChatID] = true
	}
	mine, err := c.AllGroups(ctx, 0, owners)
	if err != nil || len(mine) != 2500 {
		t.Fatalf("by owners: %d, %v", len(mine), err)
	}
	left, err := c.AllGroups(ctx, custgroup.OwnerLeft, owners[:50])
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range 2500 {
		if i%100 == 7 && i%250 < 50 {
			want++
		}
	}
	if len(left) != want || left[0].Status != custgroup.OwnerLeft {
		t.Fatalf("left groups of 50 owners: %v, want %d", left, want)
	}
	if _, err := c.ListGroups(ctx, custgroup.ListFilter{Owners: owners[:101]}); !errors.Is(err, custgroup.ErrInvalid) {
		t.Fatalf("101 owners in one call: %v", err)
	}
}

func TestTooManyPeopleInRange(t *testing.T) {
	fake, c, _ := setup(t)
	fake.SetTooManyVisible(2)
	for _, u := range []string{"a", "b", "c"} {
		fake.AddMember(u, true)
	}
	_, err := c.AllGroups(ctx, 0, nil)
	var e *custgroup.Error
	if !errors.As(err, &e) || e.Code != 81017 || e.Kind != custgroup.KindConfig || !strings.Contains(e.Advice(), "按群主") {
		t.Fatalf("81017: %v", err)
	}
	if _, err := c.AllGroups(ctx, 0, []string{"a"}); err != nil {
		t.Fatalf("by owner: %v", err)
	}
}

func TestGroupDetails(t *testing.T) {
	fake, c, _ := setup(t)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Name: "幸福里3网格", Owner: "li", Notice: "文明沟通",
		Staff: []string{"wang"}, Externals: []string{"wmX", "wmY", "wmZ"}, Admins: []string{"wang"}})
	g, err := c.Group(ctx, "wrA", true)
	if err != nil {
		t.Fatal(err)
	}
	staff, ext := g.Count()
	if g.Name != "幸福里3网格" || g.Owner != "li" || staff != 2 || ext != 3 || !slices.Equal(g.Admins, []string{"wang"}) || g.Created.IsZero() {
		t.Fatalf("group %+v (staff %d, external %d)", g, staff, ext)
	}
	if m := g.Members[2]; m.Type != custgroup.MemberExternal || m.Invitor != "li" || m.Name != "name-wmX" {
		t.Fatalf("member %+v", m)
	}
	fake.Dissolve("wrA")
	var e *custgroup.Error
	if _, err := c.Group(ctx, "wrA", false); !errors.As(err, &e) || e.Code != 49008 || e.Advice() != "这个客户群已经解散了。" {
		t.Fatalf("dissolved: %v", err)
	}
}

// TestNoticeToThreeGroups: a notice goes to three customer groups of three
// owners; two press send, the third is reminded, and the report says who
// is still to press send.
func TestNoticeToThreeGroups(t *testing.T) {
	fake, c, clk := setup(t)
	for i, owner := range []string{"li", "wang", "zhao"} {
		fake.AddGroup(custgroupfake.Group{ChatID: fmt.Sprintf("wr%d", i+1), Name: fmt.Sprintf("%d网格居民群", i+1), Owner: owner})
	}
	text := "【通知】3月12日上午9点在社区活动室开展义诊，欢迎参加。"
	link := custgroup.Link{Title: "义诊报名", Desc: "3月12日 9:00 社区活动室", URL: "https://wx.example.com/a/ab3k7m"}
	var ids []string
	for i, owner := range []string{"li", "wang", "zhao"} {
		res := mustSend(t, c, custgroup.GroupSend{Sender: owner, ChatIDs: []string{fmt.Sprintf("wr%d", i+1)}, Text: text, Links: []custgroup.Link{link}})
		if res.MsgID == "" || len(res.Failed) != 0 {
			t.Fatalf("send for %s: %+v", owner, res)
		}
		ids = append(ids, res.MsgID)
	}
	sends := fake.Sends()
	if len(sends) != 3 || sends[0].Text != text || sends[0].Links[0] != (custgroupfake.Link{Title: link.Title, Desc: link.Desc, URL: link.URL}) {
		t.Fatalf("fake holds %+v", sends)
	}
	r, _ := c.Report(ctx, ids[0])
	if r.Members[0].Sent || !slices.Equal(r.ByStatus(custgroup.NotSent), []string{"wr1"}) {
		t.Fatalf("before anyone pressed send: %+v", r)
	}
	clk.Add(time.Hour)
	fake.Confirm(ids[0], "li")
	fake.Confirm(ids[1], "wang")
	var waiting []string
	for _, id := range ids {
		r, err := c.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		waiting = append(waiting, r.Waiting()...)
		if len(r.Waiting()) == 0 {
			if !r.Members[0].SendTime.Equal(clk.Now()) || !slices.Equal(r.ByStatus(custgroup.Sent), r.ByStatus(custgroup.Sent)[:1]) || r.Groups[0].Status != custgroup.Sent {
				t.Fatalf("sent report %+v", r)
			}
			continue
		}
		if err := c.Remind(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(waiting, []string{"zhao"}) {
		t.Fatalf("waiting for %v, want [zhao]", waiting)
	}
	for i, s := range fake.Sends() {
		if want := map[bool]int{true: 1, false: 0}[i == 2]; len(s.Reminders) != want {
			t.Errorf("task %d has %d reminders, want %d", i, len(s.Reminders), want)
		}
	}
	if got := custgroup.Sent.Describe(); got != "已发到群里" {
		t.Errorf("Describe = %q", got)
	}
}

// TestMonthlyCap: a group that already received as many group-sends as
// the month has days gets status 3, and sendcap predicted it.
func TestMonthlyCap(t *testing.T) {
	for _, c := range []struct {
		name  string
		rule  sendcap.Rule
		prior int
		want  custgroup.SendStatus
	}{
		{"30 of 31 in March", sendcap.Rule{}, 30, custgroup.Sent},
		{"31 of 31 in March", sendcap.Rule{}, 31, custgroup.CapReached},
		{"one a day, none today", sendcap.Rule{Period: sendcap.Day}, 0, custgroup.Sent},
		{"one a day, one today", sendcap.Rule{Period: sendcap.Day}, 1, custgroup.CapReached},
		{"seven a week, seven this week", sendcap.Rule{Period: sendcap.Week}, 7, custgroup.CapReached},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake, cl, clk := setup(t)
			fake.SetRule(c.rule)
			fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
			// Sends this window, spread back from now (10 March, a Tuesday, 09:00).
			for i := range c.prior {
				fake.AddReceived("wrA", clk.Now().Add(-time.Duration(i)*time.Minute))
			}
			predicted := c.rule.Check(clk.Now(), fake.Received("wrA"), 0)
			res := mustSend(t, cl, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "每日一学"})
			if err := fake.Confirm(res.MsgID, "li"); err != nil {
				t.Fatal(err)
			}
			got, err := cl.Results(ctx, res.MsgID, "li")
			if err != nil || len(got) != 1 || got[0].Status != c.want || got[0].ChatID != "wrA" {
				t.Fatalf("results %+v, %v; want %s", got, err, c.want)
			}
			if predicted.Full() != (c.want == custgroup.CapReached) {
				t.Errorf("sendcap predicted full=%v: %s", predicted.Full(), predicted.Describe())
			}
			if c.want == custgroup.CapReached && !strings.Contains(got[0].Status.Describe(), "上限") {
				t.Errorf("Describe = %q", got[0].Status.Describe())
			}
		})
	}
}

func TestSendFailList(t *testing.T) {
	fake, c, _ := setup(t)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrMine", Owner: "li"})
	fake.AddGroup(custgroupfake.Group{ChatID: "wrTheirs", Owner: "wang"})
	fake.AddGroup(custgroupfake.Group{ChatID: "wrGone", Owner: "li", Dissolved: true})
	res := mustSend(t, c, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrMine", "wrTheirs", "wrGone", "wrNone"}, Text: "通知"})
	if !slices.Equal(res.Failed, []string{"wrTheirs", "wrGone", "wrNone"}) {
		t.Fatalf("fail list %v", res.Failed)
	}
	_, err := c.SendToGroups(ctx, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrTheirs"}, Text: "通知"})
	var e *custgroup.Error
	if !errors.As(err, &e) || e.Code != 41048 || e.Kind != custgroup.KindRefused || !strings.Contains(e.Advice(), "群主") {
		t.Fatalf("no recipient: %v", err)
	}
}

func TestValidateBeforeSending(t *testing.T) {
	fake, c, _ := setup(t)
	many := make([]string, custgroup.MaxGroupsPerSend+1)
	for i := range many {
		many[i] = fmt.Sprintf("wr%d", i)
	}
	link := custgroup.Link{Title: "报名", URL: "https://wx.example.com/a/1"}
	long := strings.Repeat("字", 1334) // 4002 bytes
	for _, c2 := range []struct {
		name   string
		s      custgroup.GroupSend
		advice string
	}{
		{"no sender", custgroup.GroupSend{ChatIDs: []string{"wr1"}, Text: "x"}, "发送人"},
		{"no groups", custgroup.GroupSend{Sender: "li", Text: "x"}, "没有选中客户群"},
		{"too many groups", custgroup.GroupSend{Sender: "li", ChatIDs: many, Text: "x"}, "2001 个"},
		{"empty", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}}, "空"},
		{"text too long", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Text: long}, "4002 字节"},
		{"ten links", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Links: slices.Repeat([]custgroup.Link{link}, 10)}, "最多 9 个附件"},
		{"link without title", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Links: []custgroup.Link{{URL: link.URL}}}, "标题"},
		{"link title too long", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Links: []custgroup.Link{{Title: strings.Repeat("标", 43), URL: link.URL}}}, "标题"},
		{"link not http", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Links: []custgroup.Link{{Title: "x", URL: "javascript:alert(1)"}}}, "网址"},
		{"desc too long", custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Links: []custgroup.Link{{Title: "x", URL: link.URL, Desc: strings.Repeat("d", 513)}}}, "说明"},
	} {
		_, err := c.SendToGroups(ctx, c2.s)
		var e *custgroup.Error
		if !errors.Is(err, custgroup.ErrInvalid) || !errors.As(err, &e) || e.Kind != custgroup.KindRefused || !strings.Contains(e.Advice(), c2.advice) {
			t.Errorf("%s: %v (advice %q)", c2.name, err, adviceOf(err))
		}
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("invalid sends reached WeChat Work %d times", n)
	}
}

func adviceOf(err error) string {
	var e *custgroup.Error
	if errors.As(err, &e) {
		return e.Advice()
	}
	return ""
}

// TestErrorCodes injects each documented errcode into the call it belongs
// to and checks the Kind, how often the call was made, and the advice.
func TestErrorCodes(t *testing.T) {
	const (
		list   = "externalcontact/groupchat/list"
		get    = "externalcontact/groupchat/get"
		add    = "externalcontact/add_msg_template"
		result = "externalcontact/get_groupmsg_send_result"
		remind = "externalcontact/remind_groupmsg_send"
	)
	for _, c := range []struct {
		op     string
		codes  []int
		kind   custgroup.Kind
		calls  int
		advice string
	}{
		{list, []int{48002}, custgroup.KindConfig, 1, "可调用接口的应用"},
		{list, []int{60011}, custgroup.KindConfig, 1, "可见范围"},
		{list, []int{60020}, custgroup.KindConfig, 1, "（198.51.100.23）不在本应用的「企业可信IP」"},
		{list, []int{81017}, custgroup.KindConfig, 1, "按群主分批"},
		{list, []int{84074}, custgroup.KindConfig, 1, "客户联系"},
		{list, []int{45009}, custgroup.KindRateLimited, 1, "太频繁"},
		{list, []int{45033}, custgroup.KindRateLimited, 1, "同时调用"},
		{list, []int{-1, -1}, 0, 3, ""},
		{list, []int{-1, -1, -1}, custgroup.KindTemporary, 3, "繁忙"},
		{list, []int{50100}, custgroup.KindRefused, 1, "从头再同步"},
		{get, []int{49008}, custgroup.KindRefused, 1, "解散"},
		{get, []int{42001}, 0, 2, ""},
		{get, []int{40014, 40014}, custgroup.KindTemporary, 2, "凭证失效"},
		{add, []int{-1}, custgroup.KindUncertain, 1, "不要马上重发"},
		{add, []int{42001}, 0, 2, ""},
		{add, []int{40003}, custgroup.KindRefused, 1, "离职"},
		{add, []int{41054}, custgroup.KindRefused, 1, "激活"},
		{add, []int{84061}, custgroup.KindRefused, 1, "联系人关系"},
		{add, []int{90207}, custgroup.KindRefused, 1, "小程序"},
		{add, []int{41064}, custgroup.KindRefused, 1, "9个附件"},
		{add, []int{40058}, custgroup.KindRefused, 1, "不合要求"},
		{result, []int{41063}, custgroup.KindTemporary, 1, "派发中"},
		{result, []int{41047}, custgroup.KindRefused, 1, "找不到这条群发"},
		{remind, []int{41094}, custgroup.KindRefused, 1, "提醒过3次"},
		{remind, []int{41093}, custgroup.KindRefused, 1, "已经取消"},
		{remind, []int{12345}, custgroup.KindRefused, 1, "错误 12345"},
	} {
		t.Run(fmt.Sprintf("%s %v", c.op[strings.LastIndex(c.op, "/")+1:], c.codes), func(t *testing.T) {
			fake, cl, _ := setup(t)
			fake.SetCallerIP("198.51.100.23")
			fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
			msg := mustSend(t, cl, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "x"}).MsgID
			fake.FailNext(c.op, c.codes...)
			before := len(fake.CallsTo(c.op))
			var err error
			switch c.op {
			case list:
				_, err = cl.ListGroups(ctx, custgroup.ListFilter{})
			case get:
				_, err = cl.Group(ctx, "wrA", false)
			case add:
				_, err = cl.SendToGroups(ctx, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "y"})
			case result:
				_, err = cl.Results(ctx, msg, "li")
			case remind:
				err = cl.Remind(ctx, msg)
			}
			if got := custgroup.KindOf(err); got != c.kind {
				t.Fatalf("kind %s, want %s (%v)", got, c.kind, err)
			}
			if n := len(fake.CallsTo(c.op)) - before; n != c.calls {
				t.Errorf("%d calls, want %d", n, c.calls)
			}
			if c.kind != 0 {
				var e *custgroup.Error
				errors.As(err, &e)
				if e.Code != c.codes[len(c.codes)-1] || !strings.Contains(e.Advice(), c.advice) {
					t.Errorf("errcode %d advice %q, want %d and %q", e.Code, e.Advice(), c.codes[len(c.codes)-1], c.advice)
				}
				if e.Kind == custgroup.KindRateLimited && e.RetryAfter != time.Minute {
					t.Errorf("RetryAfter %s", e.RetryAfter)
				}
			}
		})
	}
}

// TestUncertainSendCanBeLookedUp: after a busy answer to a send, ListSends
// shows whether the task exists before sending again.
func TestUncertainSendCanBeLookedUp(t *testing.T) {
	fake, c, clk := setup(t)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
	fake.FailNext("externalcontact/add_msg_template", -1)
	_, err := c.SendToGroups(ctx, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "通知 #42"})
	if custgroup.KindOf(err) != custgroup.KindUncertain {
		t.Fatalf("busy send: %v", err)
	}
	f := custgroup.SendsFilter{Start: clk.Now().Add(-time.Hour), End: clk.Now().Add(time.Hour), Creator: "li"}
	if got, err := c.ListSends(ctx, f); err != nil || len(got) != 0 {
		t.Fatalf("ListSends after a failed send: %+v, %v", got, err)
	}
	res := mustSend(t, c, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "通知 #42"})
	got, err := c.ListSends(ctx, f)
	if err != nil || len(got) != 1 || got[0].MsgID != res.MsgID || got[0].Text != "通知 #42" || got[0].Creator != "li" {
		t.Fatalf("ListSends: %+v, %v", got, err)
	}
	if got, _ := c.ListSends(ctx, custgroup.SendsFilter{Start: f.Start, End: f.End, By: custgroup.ByMember}); len(got) != 0 {
		t.Fatalf("member-created sends: %+v", got)
	}
}

func TestDispatchingThenResults(t *testing.T) {
	fake, c, clk := setup(t)
	fake.SetDispatchDelay(time.Minute)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
	res := mustSend(t, c, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "x"})
	if _, err := c.Results(ctx, res.MsgID, "li"); custgroup.KindOf(err) != custgroup.KindTemporary {
		t.Fatalf("right after creating: %v", err)
	}
	clk.Add(time.Minute)
	if got, err := c.Results(ctx, res.MsgID, "li"); err != nil || len(got) != 1 || got[0].Status != custgroup.NotSent {
		t.Fatalf("a minute later: %+v, %v", got, err)
	}
}

func TestCancelAndReminderLimit(t *testing.T) {
	fake, c, clk := setup(t)
	fake.AddGroup(custgroupfake.Group{ChatID: "wrA", Owner: "li"})
	res := mustSend(t, c, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wrA"}, Text: "x"})
	for i := range 3 {
		if err := c.Remind(ctx, res.MsgID); err != nil {
			t.Fatalf("reminder %d: %v", i+1, err)
		}
	}
	var e *custgroup.Error
	if err := c.Remind(ctx, res.MsgID); !errors.As(err, &e) || e.Code != 41094 {
		t.Fatalf("fourth reminder: %v", err)
	}
	clk.Add(24 * time.Hour)
	if err := c.Remind(ctx, res.MsgID); err != nil {
		t.Fatalf("reminder next day: %v", err)
	}
	if err := c.Cancel(ctx, res.MsgID); err != nil {
		t.Fatal(err)
	}
	if err := fake.Confirm(res.MsgID, "li"); err == nil {
		t.Fatal("a cancelled send could still be pressed")
	}
	if err := c.Remind(ctx, res.MsgID); !errors.As(err, &e) || e.Code != 41093 {
		t.Fatalf("reminder after cancel: %v", err)
	}
	if err := c.Cancel(ctx, ""); !errors.Is(err, custgroup.ErrInvalid) {
		t.Fatalf("cancel without id: %v", err)
	}
}

func TestSecretAndTokenNeverLeak(t *testing.T) {
	const token = "tok3nVALUEtok3nVALUEtok3nVALUE"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/gettoken") {
			fmt.Fprintf(w, `{"errcode":0,"access_token":%q,"expires_in":7200}`, token)
			return
		}
		if strings.Contains(r.URL.Path, "get") {
			http.Error(w, "bad gateway for "+r.URL.String(), 502)
			return
		}
		fmt.Fprintf(w, `{"errcode":48002,"errmsg":"api forbidden for %s secret %s"}`, r.URL.Query().Get("access_token"), corpSecret)
	}))
	defer echo.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	var out strings.Builder
	for _, base := range []string{echo.URL, closed.URL} {
		cfg := custgroup.Config{CorpID: corpID, Secret: secret.New(corpSecret), APIBase: base}
		c, _ := custgroup.New(cfg, custgroup.WithBackoff())
		_, err1 := c.ListGroups(ctx, custgroup.ListFilter{})
		_, err2 := c.Group(ctx, "wrA", false)
		fmt.Fprintf(&out, "%v\n%+v\n%v\n%#v\n%+v\n%#v\n", err1, err2, cfg, cfg, c, c)
	}
	s := out.String()
	if strings.Contains(s, corpSecret[:12]) || strings.Contains(s, token[:12]) {
		t.Fatalf("leaked:\n%s", s)
	}
	if !strings.Contains(s, "48002") || !strings.Contains(s, "HTTP 502") {
		t.Fatalf("lost the failure:\n%s", s)
	}
}

// FuzzAnswers serves arbitrary bytes as WeChat Work's answer to every
// call: the client never panics and either fails or returns data.
func FuzzAnswers(f *testing.F) {
	for _, s := range []string{
		`{"errcode":0,"group_chat_list":[{"chat_id":"wr1","status":0}],"next_cursor":"x"}`,
		`{"errcode":0,"group_chat":{"chat_id":"wr1","member_list":[{"userid":"u","type":2,"invitor":null}],"admin_list":[{}]}}`,
		`{"errcode":0,"send_list":[{"chat_id":"wr1","status":9,"send_time":-5}],"next_cursor":""}`,
		`{"errcode":60020,"errmsg":"from ip: ::1"}`, `{"errcode":"x"}`, `[]`, `null`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/gettoken") {
				fmt.Fprint(w, `{"errcode":0,"access_token":"t","expires_in":7200}`)
				return
			}
			fmt.Fprint(w, body)
		}))
		defer srv.Close()
		c, _ := custgroup.New(custgroup.Config{CorpID: corpID, Secret: secret.New(corpSecret), APIBase: srv.URL}, custgroup.WithBackoff())
		check := func(err error) {
			if e := (*custgroup.Error)(nil); errors.As(err, &e) && e.Advice() == "" && e.Msg == "" {
				t.Fatalf("error without words: %#v", e)
			}
		}
		_, err := c.ListGroups(ctx, custgroup.ListFilter{})
		check(err)
		_, err = c.Group(ctx, "wr1", true)
		check(err)
		_, err = c.Report(ctx, "msg")
		check(err)
		_, err = c.SendToGroups(ctx, custgroup.GroupSend{Sender: "li", ChatIDs: []string{"wr1"}, Text: "x"})
		check(err)
	})
}

func TestValidate(t *testing.T) {
	err := custgroup.Config{}.Validate()
	for _, key := range []string{"custgroup.corp_id", "custgroup.secret", "GRIDBOT_CUSTGROUP_SECRET"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate does not say %s: %v", key, err)
		}
	}
	if err := (custgroup.Config{CorpID: corpID, Secret: secret.New("s"), APIBase: "qyapi"}).Validate(); err == nil || !strings.Contains(err.Error(), "api_base") {
		t.Errorf("bad api_base: %v", err)
	}
}
