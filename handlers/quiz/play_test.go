package quiz

import (
	"context"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

func open(t *testing.T, g *rig) int {
	t.Helper()
	id, err := g.f.OpenRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestTextAnswersOnWeCom(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	u := bot.UserRef("wecom:zhang")
	chat := u.PrivateChat()
	g.group("3网格", u, "张阿姨", "答题")
	got := g.send.last(t, g.groups["3网格"]).Msg
	contains(t, got.Text, "答题请私聊我")
	if strings.Contains(got.Text, "第 1 题") {
		t.Fatalf("a question was shown in the group: %q", got.Text)
	}
	g.private(u, "张阿姨", "答题")
	first := g.send.last(t, chat).Msg.Text
	contains(t, first, "欢迎参加<b>第1期知识竞答</b>")
	contains(t, first, "第 1 题（共 5 题）")
	contains(t, first, "A. 甲\nB. 乙")
	for i, answer := range []string{"B", "答 A", "Ｂ", "2", "b"} {
		g.private(u, "张阿姨", answer)
		text := g.send.last(t, chat).Msg.Text
		if answer == "答 A" {
			contains(t, text, "❌ <b>答错了。</b>正确答案是：B. 乙")
		} else {
			contains(t, text, "✅ <b>答对了！</b>")
		}
		contains(t, text, "📖 解析")
		if i < 4 {
			contains(t, text, "第 "+string(rune('2'+i))+" 题（共 5 题）")
		}
	}
	last := g.send.last(t, chat).Msg.Text
	contains(t, last, "本期您答对 4 题（共 5 题），得 <b>40 分</b>")
	g.private(u, "张阿姨", "答题")
	contains(t, g.send.last(t, chat).Msg.Text, "您已经答过第1期了，得了 40 分。每期每人只能答一次")
	g.private(u, "张阿姨", "C")
	after := g.send.last(t, chat).Msg.Text
	contains(t, after, "您已经答完第1期的全部题目了")
	contains(t, after, "本期得分：<b>40 分</b>（答对 4 题，共 5 题）")
	contains(t, after, "结果会在 11月22日（周日）19:00 公布在群里")
	stranger := bot.UserRef("wecom:wang")
	g.private(stranger, "王叔", "A")
	if got := g.send.To(stranger.PrivateChat()); len(got) != 0 {
		t.Errorf("a letter from someone who never played got a reply: %q", got[len(got)-1].Msg.Text)
	}
	st, err := g.f.UserStats(context.Background(), "2026Q4", u)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st, (Stats{Points: 40, Rounds: 1, Answered: 5, Correct: 4, Rank: 1}); got != want {
		t.Errorf("stats: got %+v, want %+v", got, want)
	}
	rec, _ := g.f.Record(context.Background(), 1)
	for _, gs := range rec.Grids {
		if gs.Grid == "3网格" && (gs.Players != 1 || gs.Points != 40 || gs.Done != 1) {
			t.Errorf("3网格 stats: got %+v, want 1 player, 40 points, 1 done (grid from the group)", gs)
		}
	}
	if err := g.f.CloseRound(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	g.private(u, "张阿姨", "A")
	contains(t, g.send.last(t, chat).Msg.Text, "第1期竞答已经结束了。您本期得了 <b>40 分</b>（答对 4 题，共 5 题）")
}

func TestTextHelpAndOutOfRange(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	u := bot.UserRef("wecom:li")
	g.private(u, "李大爷", "答题")
	g.private(u, "李大爷", "不知道")
	contains(t, g.send.last(t, u.PrivateChat()).Msg.Text, "这一题有 4 个选项：A、B、C、D")
	g.private(u, "李大爷", "F")
	contains(t, g.send.last(t, u.PrivateChat()).Msg.Text, "请回复选项字母")
	rec, _ := g.f.Record(context.Background(), 1)
	if rec.Questions[0].Answered != 0 {
		t.Errorf("an out-of-range answer was counted")
	}
	other := bot.UserRef("wecom:nobody")
	before := g.send.Len()
	g.private(other, "路人", "A")
	g.private(other, "路人", "你好")
	if got := g.send.Len(); got != before {
		t.Errorf("text from someone not answering got %d replies, want none", got-before)
	}
}

func TestPollAnswersOnTelegram(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	u := bot.UserRef("tg:77")
	chat := u.PrivateChat()
	g.group("2网格", u, "刘叔叔", "我要答题")
	reply := g.send.last(t, g.groups["2网格"]).Msg
	if len(reply.Buttons) != 1 || reply.Buttons[0][0].URL != "https://t.me/gridbot?start=quiz_1_2" {
		t.Fatalf("group reply buttons: got %v, want the deep link of 2网格", reply.Buttons)
	}
	g.private(u, "刘叔叔", "/start quiz_1_2")
	id1, p := g.send.lastPoll(t, chat)
	if got, want := p.Question, "第1题/共5题：第"; !strings.HasPrefix(got, want) {
		t.Errorf("poll question: got %q, want prefix %q", got, want)
	}
	if p.Correct != 1 || p.OpenPeriod != time.Minute || p.Explanation == "" {
		t.Errorf("poll: got %+v, want correct 1, open 60s, an explanation", p)
	}
	g.vote(u, "forged", 1)
	g.vote(u, id1, 1)
	id2, _ := g.send.lastPoll(t, chat)
	if id2 == id1 {
		t.Fatal("no second poll after answering the first")
	}
	g.vote(u, id1, 1)
	g.clock.Add(3 * time.Second)
	g.vote(u, id2, 0)
	contains(t, g.send.lastText(t, chat), "正确答案是：B. 乙")
	rec, _ := g.f.Record(context.Background(), 1)
	if got, want := rec.Questions[0].Answered+rec.Questions[1].Answered, 2; got != want {
		t.Errorf("answers counted: got %d, want %d (forged and repeated polls ignored)", got, want)
	}
	if got, want := rec.Top[0].Points, 10; got != want {
		t.Errorf("points: got %d, want %d", got, want)
	}
	if got, want := rec.Top[0].Time, 3*time.Second; got != want {
		t.Errorf("answer time: got %v, want %v", got, want)
	}
	if got, want := rec.Top[0].Grid, "2网格"; got != want {
		t.Errorf("grid from deep link: got %q, want %q", got, want)
	}
	for _, m := range g.send.To(g.groups["2网格"]) {
		if m.Poll != nil || strings.Contains(m.Msg.Text, "答对") || strings.Contains(m.Msg.Text, "答错") {
			t.Errorf("an answer showed in the group: %+v", m)
		}
	}
}

func TestAnswersAfterCloseChangeNothing(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	u := bot.UserRef("tg:88")
	g.private(u, "赵奶奶", "答题")
	pid, _ := g.send.lastPoll(t, u.PrivateChat())
	g.clock.Add(48 * time.Hour)
	g.vote(u, pid, 1)
	contains(t, g.send.last(t, u.PrivateChat()).Msg.Text, "第1期竞答已经结束了")
	g.private(u, "赵奶奶", "B")
	rec, _ := g.f.Record(context.Background(), 1)
	if got := rec.Questions[0].Answered; got != 0 {
		t.Errorf("answers after the window: %d counted, want 0", got)
	}
	if err := g.f.HandleDue(context.Background(), DueKey(1)); err != nil {
		t.Fatal(err)
	}
	g.vote(u, pid, 1)
	rec, _ = g.f.Record(context.Background(), 1)
	if got := rec.Questions[0].Answered; got != 0 {
		t.Errorf("answers after close: %d counted, want 0", got)
	}
	g.private(bot.UserRef("tg:89"), "新人", "答题")
	contains(t, g.send.last(t, bot.UserRef("tg:89").PrivateChat()).Msg.Text, "现在没有进行中的知识竞答")
	g.private(bot.UserRef("tg:89"), "新人", "/start quiz_1_1")
	contains(t, g.send.last(t, bot.UserRef("tg:89").PrivateChat()).Msg.Text, "第1期竞答已经结束了")
}

func TestResumeResendsCurrentQuestion(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	u := bot.UserRef("tg:90")
	g.private(u, "孙", "答题")
	p1, _ := g.send.lastPoll(t, u.PrivateChat())
	g.vote(u, p1, 1)
	g.private(u, "孙", "答题")
	contains(t, g.send.lastText(t, u.PrivateChat()), "欢迎回来！我们接着答第 2 题")
	p3, poll := g.send.lastPoll(t, u.PrivateChat())
	if !strings.HasPrefix(poll.Question, "第2题") {
		t.Errorf("resumed poll: got %q, want question 2", poll.Question)
	}
	g.vote(u, p3, 1)
	rec, _ := g.f.Record(context.Background(), 1)
	if got, want := rec.Questions[1].Correct, 1; got != want {
		t.Errorf("question 2 correct: got %d, want %d", got, want)
	}
}

// TestAnswerIsOneRoundTrip counts Redis round trips of one typed answer
// through the handler (the router's own dedupe and whois trips excluded).
func TestAnswerIsOneRoundTrip(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	ctx := context.Background()
	cnt := redistest.Count(g.rdb)
	for i, u := range []bot.UserRef{"wecom:a", "wecom:b"} {
		c := &bot.Context{Update: &bot.Update{Chat: u.PrivateChat(), ChatKind: bot.Private, User: u, UserName: "甲", Text: "答题"}, Sender: g.mux}
		if err := g.f.begin(ctx, c, 0, ""); err != nil {
			t.Fatal(err)
		}
		c.Update.Text = "B"
		if err := g.f.onText(ctx, c); err != nil {
			t.Fatal(err)
		}
		cnt.Reset()
		c.Update.Text = "A"
		if err := g.f.onText(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got, want := cnt.Count(), int64(1); got != want {
			t.Errorf("user %d: typed answer took %d round trips, want %d", i, got, want)
		}
	}
	u := bot.UserRef("tg:5")
	c := &bot.Context{Update: &bot.Update{Chat: u.PrivateChat(), ChatKind: bot.Private, User: u, UserName: "乙"}, Sender: g.mux}
	if err := g.f.begin(ctx, c, 0, ""); err != nil {
		t.Fatal(err)
	}
	pid, _ := g.send.lastPoll(t, u.PrivateChat())
	c.Update.Poll = &bot.PollAnswer{PollID: pid, Options: []int{1}}
	if err := g.f.onPoll(ctx, c); err != nil {
		t.Fatal(err)
	}
	pid, _ = g.send.lastPoll(t, u.PrivateChat())
	cnt.Reset()
	c.Update.Poll = &bot.PollAnswer{PollID: pid, Options: []int{1}}
	if err := g.f.onPoll(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, want := cnt.Count(), int64(2); got != want {
		t.Errorf("poll answer took %d round trips, want %d (the answer script, then recording the next poll)", got, want)
	}
}

func TestResultsPerGridAndLeaderboards(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	id := open(t, g)
	play := func(u bot.UserRef, name, grid string, right int, wait time.Duration) {
		g.group(grid, u, name, "答题")
		for i := range 5 {
			g.clock.Add(wait)
			ans := "A"
			if i < right {
				ans = "B"
			}
			g.private(u, name, "答题")
			g.private(u, name, ans)
		}
	}
	play("wecom:1", "张阿姨", "1网格", 5, time.Second)
	play("wecom:2", "王大爷", "1网格", 5, 2*time.Second)
	play("wecom:3", "李奶奶", "2网格", 3, time.Second)
	play("wecom:4", "赵叔", "2网格", 4, time.Second)
	before := len(g.out.All())
	if err := g.f.HandleDue(context.Background(), DueKey(id)); err != nil {
		t.Fatal(err)
	}
	if err := g.f.HandleDue(context.Background(), DueKey(id)); err != nil {
		t.Fatal(err)
	}
	res := g.out.All()[before:]
	if got, want := len(res), 3; got != want {
		t.Fatalf("got %d result broadcasts, want %d (one per grid, once)", got, want)
	}
	byGrid := map[string]string{}
	for _, b := range res {
		byGrid[b.Grids[b.Chats[0]]] = b.Message.Text
	}
	one := byGrid["1网格"]
	contains(t, one, "本期共 4 人参加，4 人答完全部题目")
	contains(t, one, "1. 张**　1网格　50 分　用时4秒\n2. 王**　1网格　50 分　用时8秒\n3. 赵*　2网格　40 分")
	contains(t, one, "<b>1网格 前五名</b>\n1. 张**　50 分")
	if strings.Contains(strings.SplitN(one, "前五名", 2)[1], "赵*　40") && !strings.Contains(one, "网格排行") {
		t.Errorf("1网格 top five lists a 2网格 resident")
	}
	contains(t, byGrid["2网格"], "<b>2网格 前五名</b>\n1. 赵*　40 分")
	contains(t, byGrid["1网格"], "1. 2网格　参与 2/40 人（5%），平均 35 分\n2. 1网格　参与 2/50 人（4%），平均 50 分\n3. 3网格　参与 0/10 人（0%），平均 0 分")
	contains(t, byGrid["3网格"], "本网格这期还没有人参加")
	for _, text := range byGrid {
		if strings.Contains(text, "张阿姨") {
			t.Errorf("a full name appeared in a group: %q", text)
		}
	}

	g.group("1网格", "wecom:2", "王大爷", "排行")
	rank := g.send.last(t, g.groups["1网格"]).Msg.Text
	contains(t, rank, "2026年第4季度积分榜")
	contains(t, rank, "1. 张**　50 分")
	contains(t, rank, "您现在排第 2 名，共 50 分")
	g.private("wecom:3", "李奶奶", "我的")
	contains(t, g.send.last(t, bot.ChatRef("wecom:3")).Msg.Text, "积分：<b>30 分</b>（第 4 名）\n参加：1 期\n答题：5 道，答对 3 道，正确率 60%")

	g.private(staffUser, "王主任", "竞答统计")
	stats := g.send.last(t, staffUser.PrivateChat()).Msg.Text
	contains(t, stats, "第1期竞答统计</b>（已结束）\n参加 4 人，答完 4 人（完成率 100%）")
	contains(t, stats, "4. 第")
	contains(t, stats, "75%（3/4）")
	contains(t, stats, "1网格：参加 2/50 人（4%），答完 2 人，平均 50 分")
}

func TestSecondSeasonStartsFromZero(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	g.private("wecom:1", "张", "答题")
	g.private("wecom:1", "张", "B")
	g.clock.Add(60 * 24 * time.Hour)
	g.private("wecom:1", "张", "我的")
	contains(t, g.send.last(t, "wecom:1").Msg.Text, "您这个季度还没有参加知识竞答")
}

func TestSlowAnswerTimeIsCapped(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	open(t, g)
	u := bot.UserRef("wecom:slow")
	g.private(u, "慢", "答题")
	g.clock.Add(25 * time.Minute)
	g.private(u, "慢", "B")
	rec, _ := g.f.Record(context.Background(), 1)
	if got, want := rec.Top[0].Time, answerCap; got != want {
		t.Errorf("answer time: got %v, want the cap %v", got, want)
	}
	if got, want := rec.Top[0].Points, 10; got != want {
		t.Errorf("points: got %d, want %d", got, want)
	}
}
