package residents

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/redistest"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

// quizBank is five questions whose answer is always option B.
func quizBank() []quiz.Question {
	qs := make([]quiz.Question, 5)
	for i := range qs {
		qs[i] = quiz.Question{ID: fmt.Sprintf("q%d", i), Text: fmt.Sprintf("第%d道测试题？", i+1), Options: []string{"甲", "乙", "丙", "丁"},
			Answer: []int{1}, Explanation: fmt.Sprintf("解析%d", i+1), Category: quiz.Categories[0], Difficulty: 1}
	}
	return qs
}

// withQuiz adds the quiz, tips and notice pages to h, the quiz's chat
// commands to its router, gives 3网格 86 and 5网格 40 members, opens round
// 1 and returns the quiz and the round page's path.
func (h *harness) withQuiz() (*quiz.Feature, string) {
	h.t.Helper()
	ctx := context.Background()
	for chat, n := range map[bot.ChatRef]int{group3: 86, group5: 40} {
		if err := h.dir.SetMembers(ctx, chat, n); err != nil {
			h.t.Fatal(err)
		}
	}
	tp, err := tips.New(h.env, tips.DefaultConfig())
	if err != nil {
		h.t.Fatal(err)
	}
	qz := quiz.NewWithBank(h.env, quiz.DefaultConfig(), nil, quizBank())
	qz.Register(h.r)
	if err := h.site.AddMore(More{Quiz: qz, Tips: tp, Notices: notices.New(h.env, notices.DefaultConfig(), notices.Ops{
		Recaller:  notices.RecallFunc(func(context.Context, string) (int, int, error) { return 0, 0, nil }),
		Canceller: notices.CancelFunc(func(context.Context, string) (int, error) { return 0, nil })})}); err != nil {
		h.t.Fatal(err)
	}
	id, err := qz.OpenRound(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	tok, err := h.site.Link(ctx, KindQuiz, fmt.Sprint(id))
	if err != nil {
		h.t.Fatal(err)
	}
	return qz, Prefix + KindQuiz + "/" + tok
}

// private sends text in user's private chat and returns what the bot sent.
func (h *harness) private(user bot.UserRef, name, text string) []bottest.Sent {
	h.mu.Lock()
	h.upd++
	n := h.upd
	h.mu.Unlock()
	u := &bot.Update{ID: fmt.Sprintf("test:%d", n), Chat: user.PrivateChat(), ChatKind: bot.Private, User: user, UserName: name,
		MessageID: fmt.Sprint(n), Text: text, Time: t0}
	i := h.s.Len()
	h.r.Handle(context.Background(), h.s, u)
	return h.s.Since(i)
}

// sheet is a filled answer sheet: letters for questions 1, 2, ...
func sheet(letters ...string) url.Values {
	f := url.Values{}
	for i, l := range letters {
		if l != "" {
			f.Set(fmt.Sprintf("q%d", i+1), l)
		}
	}
	return f
}

// TestResidentAnswersTheQuizOnThePage: a resident opens the round's link,
// fills in who they are once, answers every question on one sheet and
// sees the chat's words for the score, each question with their choice,
// the right answer and the explanation, and the grid table; sending the
// sheet again, or opening the page in another browser of the household,
// shows the same result and changes nothing; the answer is on the chat's
// leaderboard and in the staff statistics.
func TestResidentAnswersTheQuizOnThePage(t *testing.T) {
	h := newHarness(t, Config{})
	qz, page := h.withQuiz()
	ctx := context.Background()
	b := h.browser()
	st, body := b.get(page)
	if st != http.StatusOK {
		t.Fatalf("quiz page: status %d", st)
	}
	mustContain(t, "page before", text(body), "第1期知识竞答", "共 5 题", "填写信息，去答题", "网格排行")
	mustNotContain(t, "page before", body, `type="radio"`)
	got := b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	mustContain(t, "sheet", text(got), "已记下您的信息", "第 1 题（共 5 题）", "第1道测试题？", "A. 甲", "B. 乙", "交卷")
	if n := strings.Count(got, `type="radio"`); n != 20 {
		t.Fatalf("sheet has %d radio buttons, want 20", n)
	}
	got = html.UnescapeString(text(b.follow(page+"/answer", sheet("B", "B", "A", "B", "B"))))
	mustContain(t, "result", got, "全部答完了！ 本期您答对 4 题（共 5 题），得 40 分，用时 0秒。 结果会在",
		"答对 4/5 题，得 40 分", "1. 第", "道测试题？ 答对了！ +10 分 您选的是：B. 乙 解析：解析",
		"3. 第", "道测试题？ 答错了。正确答案是：B. 乙 您选的是：A. 甲 解析：解析",
		"网格排行（参与率 = 参加人数 ÷ 群成员数）", "1. 3网格　参与 1/86 人（1.2%），平均 40 分（您的网格）", "2. 5网格　参与 0/40 人（0%），平均 0 分")
	mustNotContain(t, "result", got, "交卷", "🎉", "✅", "<b>", "发送「我的」")
	before, _ := qz.Record(ctx, 1)
	if before.Players != 1 || before.Done != 1 || before.Grids[0].Grid != "3网格" || before.Grids[0].Points != 40 {
		t.Fatalf("record after the page answer: %+v", before)
	}

	again := text(b.follow(page+"/answer", sheet("B", "B", "B", "B", "B")))
	mustContain(t, "sent again", again, "您已经答完第1期的全部题目了，这一期不用再答了。 本期得分：40 分（答对 4 题，共 5 题）", "答对 4/5 题，得 40 分")
	other := h.browser()
	mustContain(t, "another browser", text(other.identify(page, "王叔叔", "3网格", "3栋2单元501", "")), "答对 4/5 题，得 40 分", "您选的是：A. 甲")
	if after, _ := qz.Record(ctx, 1); !reflect.DeepEqual(after, before) {
		t.Fatalf("sending again changed the round:\nbefore %+v\nafter  %+v", before, after)
	}

	rank := h.say(group5, "tg:77", "李师傅", "排行")
	if len(rank) == 0 || !strings.Contains(rank[len(rank)-1].Msg.Text, "1. 王**　40 分") {
		t.Errorf("chat leaderboard %v lacks the page answer", rank)
	}
	stats := h.private(staffID, "王主任", "竞答统计")
	if len(stats) == 0 || !strings.Contains(stats[len(stats)-1].Msg.Text, "3网格：参加 1/86 人（1.2%），答完 1 人，平均 40 分") {
		t.Errorf("staff statistics %v lack the page answer", stats)
	}

	if err := qz.CloseRound(ctx, 1); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "closed, answered", text(b.get2(page)), "本期已结束：1 人参加", "答对 4/5 题，得 40 分", "解析：解析5")
	mustContain(t, "closed, not answered", text(h.browser().get2(page)), "本期已结束", "题目和解析", "答案：B · 答对率 100%")
}

// get2 is get returning only the page.
func (b *browser) get2(path string) string {
	_, body := b.get(path)
	return body
}

// TestQuizPageBadInputChangesNothing: an unanswered question sends the
// sheet back with the choices kept and a polite sentence; an option that
// is not there, a closed round, an unknown link, a missing form token or
// another site's form are refused politely; nothing is counted.
func TestQuizPageBadInputChangesNothing(t *testing.T) {
	h := newHarness(t, Config{})
	qz, page := h.withQuiz()
	ctx := context.Background()
	b := h.browser()
	b.get(MeURL(page))
	if st, loc, _ := b.post(page+"/answer", sheet("B", "B", "B", "B", "B")); st != http.StatusSeeOther || !strings.HasPrefix(loc, MeURL(page)) {
		t.Fatalf("answer before identity: %d to %q, want the identity form", st, loc)
	}
	b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	st, _, body := b.post(page+"/answer", sheet("B", "C", "", "B", ""))
	if st != http.StatusBadRequest {
		t.Fatalf("missing answers: status %d", st)
	}
	mustContain(t, "missing answers", text(body), "第 3、5 题还没有选答案。请每道题都选一个，再点「交卷」。什么也没有改。", "交卷")
	mustContain(t, "missing answers keep the choices", body, `name="q2" value="C" checked`)
	mustContain(t, "out of range", flash(b.follow(page+"/answer", sheet("B", "F", "B", "B", "B"))), "第 2 题只有 4 个选项（A、B、C、D），请重新选一下。什么也没有改。")
	st, _, body = b.post(page+"/answer", url.Values{"q1": {"BB"}, "q2": {"乙"}, "q3": {"<b>"}, "q4": {"B"}, "q5": {"B"}})
	if st != http.StatusBadRequest {
		t.Errorf("answers that are no letters: status %d", st)
	}
	mustContain(t, "answers that are no letters", text(body), "第 1、2、3 题还没有选答案")

	f := sheet("B", "B", "B", "B", "B")
	f.Set("csrf", "forged")
	if st, _, body := b.post(page+"/answer", f); st != http.StatusForbidden || !strings.Contains(body, "页面已经过期了") {
		t.Errorf("forged token: status %d", st)
	}
	b.origin = "https://evil.example"
	if st, _, _ := b.post(page+"/answer", sheet("B", "B", "B", "B", "B")); st != http.StatusForbidden {
		t.Errorf("another site's form: status %d, want 403", st)
	}
	b.origin = h.srv.URL
	if st, _, _ := b.post(Prefix+KindQuiz+"/AAAAAAAAAAAA/answer", sheet("B", "B", "B", "B", "B")); st != http.StatusNotFound {
		t.Errorf("unknown link: status %d, want 404", st)
	}
	if st, _, _ := b.post(page, sheet("B", "B", "B", "B", "B")); st != http.StatusBadRequest {
		t.Errorf("POST to the page itself: status %d, want 400", st)
	}
	if rec, _ := qz.Record(ctx, 1); rec.Players != 0 {
		t.Fatalf("bad input counted %d players", rec.Players)
	}
	if err := qz.CloseRound(ctx, 1); err != nil {
		t.Fatal(err)
	}
	got := b.follow(page+"/answer", sheet("B", "B", "B", "B", "B"))
	mustContain(t, "closed round", flash(got), "第1期竞答已经结束了，这次的答案不再计分。谢谢您的参与，下期再来！")
	if rec, _ := qz.Record(ctx, 1); rec.Players != 0 {
		t.Fatalf("a closed round counted %d players", rec.Players)
	}
}

// TestQuizPageAnswerRoundTrips counts the Redis round trips of one page
// answer, from the POST to the redirect: the visit (profile), the limits,
// the link, the quiz's script.
func TestQuizPageAnswerRoundTrips(t *testing.T) {
	h := newHarness(t, Config{})
	_, page := h.withQuiz()
	warm := h.browser()
	warm.identify(page, "李师傅", "3网格", "1-1-101", "")
	warm.follow(page+"/answer", sheet("A", "B", "C", "D", "A"))
	b := h.browser()
	b.identify(page, "王阿姨", "3网格", "3-2-501", "")
	cnt := redistest.Count(h.rdb)
	for _, what := range []string{"answer", "answer sent again"} {
		cnt.Reset()
		if st, _, _ := b.post(page+"/answer", sheet("B", "B", "B", "B", "B")); st != http.StatusSeeOther {
			t.Fatalf("%s: status %d", what, st)
		}
		if got, want := cnt.Count(), int64(4); got != want {
			t.Errorf("a page %s took %d Redis round trips, want %d", what, got, want)
		}
	}
	cnt.Reset()
	b.get(page)
	t.Logf("result page view: %d Redis round trips", cnt.Count())
}
