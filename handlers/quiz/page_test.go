package quiz

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

// chatPlay answers the open round in chat as u from grid's group: right
// questions correct (option B), the rest wrong, a second per answer.
func chatPlay(g *rig, u bot.UserRef, name, grid string, right int) {
	g.group(grid, u, name, "答题")
	g.private(u, name, "答题")
	for i := range 5 {
		g.clock.Add(time.Second)
		ans := "A"
		if i < right {
			ans = "B"
		}
		g.private(u, name, ans)
	}
}

// TestPageAnswerCountsLikeChat: a household answers the whole round on a
// page and sees the chat's words for its score and each question; the
// answer counts on the chat's leaderboard, in its grid's figures and in
// the staff statistics exactly like a chat answer; answering again shows
// the first result and changes nothing.
func TestPageAnswerCountsLikeChat(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	id := open(t, g)
	ctx := context.Background()
	chatPlay(g, "wecom:1", "张阿姨", "1网格", 3)
	wang := PageResident{Grid: "1网格", Door: "3-2-501", Name: "王阿姨"}
	shown := g.clock.Now()
	g.clock.Add(50 * time.Second)
	res, err := g.f.AnswerAs(ctx, id, wang, PageAnswer{Choices: []int{1, 1, 0, 1, 1}, Shown: shown})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Fresh || res.Score != 40 || res.Correct != 4 || res.Total != 5 || res.Grid != "1网格" || res.Time != 50*time.Second {
		t.Fatalf("result %+v; want fresh, 40 points, 4 of 5 right, 1网格, 50s", res)
	}
	contains(t, res.Text, "全部答完了！\n本期您答对 4 题（共 5 题），得 40 分，用时 50秒。\n结果会在 ")
	if strings.ContainsAny(res.Text, "<>") || strings.Contains(res.Text, "发送「我的」") {
		t.Errorf("page text %q carries markup or a chat-only hint", res.Text)
	}
	if len(res.Items) != 5 {
		t.Fatalf("%d items, want 5", len(res.Items))
	}
	right, wrong := res.Items[0], res.Items[2]
	if !right.OK || right.Mine != "B. 乙" || right.Verdict != "✅ 答对了！ +10 分" || right.Explanation == "" {
		t.Errorf("right item %+v", right)
	}
	if wrong.OK || wrong.Mine != "A. 甲" || wrong.Verdict != "❌ 答错了。正确答案是：B. 乙" {
		t.Errorf("wrong item %+v", wrong)
	}

	rec, err := g.f.Record(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Players != 2 || rec.Done != 2 || rec.Questions[2].Answered != 2 || rec.Questions[2].Correct != 1 {
		t.Fatalf("record: %d players, %d done, question 3 %d answered %d right; want 2, 2, 2, 1", rec.Players, rec.Done,
			rec.Questions[2].Answered, rec.Questions[2].Correct)
	}
	if gs := rec.Grids[0]; gs.Grid != "1网格" || gs.Players != 2 || gs.Done != 2 || gs.Points != 70 {
		t.Fatalf("1网格 figures %+v; want 2 players, 2 done, 70 points", gs)
	}
	if rec.Top[0].User != wang.User() || rec.Top[0].Name != "王阿姨" || rec.Top[0].Points != 40 {
		t.Fatalf("top %+v; want the page household first with 40", rec.Top[0])
	}
	rows, err := g.f.GridRanking(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Line != "1. 1网格　参与 2/50 人（4%），平均 35 分" || rows[2].Players != 0 {
		t.Errorf("grid ranking %+v", rows)
	}

	g.group("1网格", "wecom:1", "张阿姨", "排行")
	rank := g.send.last(t, g.groups["1网格"]).Msg.Text
	contains(t, rank, "1. 王**　40 分")
	contains(t, rank, "您现在排第 2 名，共 30 分")
	g.private(staffUser, "王主任", "竞答统计")
	contains(t, g.send.last(t, staffUser.PrivateChat()).Msg.Text, "1网格：参加 2/50 人（4%），答完 2 人，平均 35 分")

	again, err := g.f.AnswerAs(ctx, id, wang, PageAnswer{Choices: []int{1, 1, 1, 1, 1}, Shown: shown})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fresh || again.Score != 40 || !reflect.DeepEqual(again.Items, res.Items) {
		t.Fatalf("second submission %+v; want the first result, not fresh", again)
	}
	contains(t, again.Text, "您已经答完第1期的全部题目了，这一期不用再答了。\n本期得分：40 分（答对 4 题，共 5 题）。")
	other := PageResident{Grid: "1网格", Door: "3-2-501", Name: "王叔叔"}
	if third, err := g.f.AnswerAs(ctx, id, other, PageAnswer{Choices: []int{1, 1, 1, 1, 1}}); err != nil || third.Fresh || third.Score != 40 {
		t.Fatalf("same household, another name: %+v, %v; want the first result", third, err)
	}
	after, _ := g.f.Record(ctx, id)
	if !reflect.DeepEqual(after, rec) {
		t.Fatalf("record changed by submissions made again:\nbefore %+v\nafter  %+v", rec, after)
	}
	seen, ok, err := g.f.ResultOf(ctx, id, wang)
	if err != nil || !ok || seen.Score != 40 || !reflect.DeepEqual(seen.Items, res.Items) {
		t.Fatalf("ResultOf = %+v, %v, %v", seen, ok, err)
	}
	if _, ok, _ := g.f.ResultOf(ctx, id, PageResident{Grid: "2网格", Door: "1-1-101"}); ok {
		t.Errorf("ResultOf found a result for a household that did not answer")
	}
}

// TestPageBadAnswersChangeNothing: an unanswered question, an option out
// of range, a sheet of another length, an unknown or closed round get a
// polite sentence and change nothing.
func TestPageBadAnswersChangeNothing(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	id := open(t, g)
	ctx := context.Background()
	p := PageResident{Grid: "2网格", Door: "1-1-101", Name: "李师傅"}
	before, _ := g.f.Record(ctx, id)
	for _, c := range []struct {
		round   int
		choices []int
		want    string
	}{
		{id, []int{1, -1, 1, -1, 1}, "第 2、4 题还没有选答案"},
		{id, []int{1, 1, 7, 1, 1}, "第 3 题只有 4 个选项（A、B、C、D）"},
		{id, []int{1, 1, 1}, "请刷新页面再答"},
		{id, []int{1, 1, 1, 1, 1, 1}, "请刷新页面再答"},
		{99, []int{1, 1, 1, 1, 1}, "现在没有进行中的知识竞答"},
	} {
		_, err := g.f.AnswerAs(ctx, c.round, p, PageAnswer{Choices: c.choices})
		var ue *bot.UserError
		if !errors.As(err, &ue) || !strings.Contains(ue.Msg, c.want) {
			t.Errorf("round %d %v: err %v, want a polite %q", c.round, c.choices, err, c.want)
		}
	}
	after, _ := g.f.Record(ctx, id)
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("bad answers changed the round:\nbefore %+v\nafter  %+v", before, after)
	}
	if n, _ := g.rdb.Exists(ctx, g.f.roundKey(id, "a", string(p.User()))).Result(); n != 0 {
		t.Fatalf("bad answers left an attempt")
	}
	if err := g.f.CloseRound(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err := g.f.AnswerAs(ctx, id, p, PageAnswer{Choices: []int{1, 1, 1, 1, 1}})
	var ue *bot.UserError
	if !errors.As(err, &ue) || ue.Msg != "第1期竞答已经结束了，这次的答案不再计分。谢谢您的参与，下期再来！" {
		t.Fatalf("closed round: %v", err)
	}
	if rec, _ := g.f.Record(ctx, id); rec.Players != 0 {
		t.Fatalf("closed round counted %d players", rec.Players)
	}
}

// TestPageAnswerIsOneRoundTrip counts the Redis round trips of a page
// submission and of showing its result, once the round is known.
func TestPageAnswerIsOneRoundTrip(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	id := open(t, g)
	ctx := context.Background()
	warm := PageResident{Grid: "2网格", Door: "9-9-909", Name: "乙"}
	if _, err := g.f.AnswerAs(ctx, id, warm, PageAnswer{Choices: []int{0, 0, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	cnt := redistest.Count(g.rdb)
	p := PageResident{Grid: "1网格", Door: "1-1-101", Name: "甲"}
	for i, what := range []string{"first submission", "submission made again"} {
		cnt.Reset()
		if _, err := g.f.AnswerAs(ctx, id, p, PageAnswer{Choices: []int{1, 1, 1, 1, i}}); err != nil {
			t.Fatal(err)
		}
		if got, want := cnt.Count(), int64(1); got != want {
			t.Errorf("%s took %d round trips, want %d", what, got, want)
		}
	}
	cnt.Reset()
	if _, ok, err := g.f.ResultOf(ctx, id, p); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got, want := cnt.Count(), int64(1); got != want {
		t.Errorf("ResultOf took %d round trips, want %d", got, want)
	}
}

// TestPageAttemptReplies: pageScript's replies are read, or are an error.
func TestPageAttemptReplies(t *testing.T) {
	pa, err := parsePageAttempt([]any{"ok", "40", "4", "5000", "1网格", "1", "1", "0", "1", ""}, 5)
	if err != nil || pa.status != stOK || pa.score != 40 || pa.grid != "1网格" || !reflect.DeepEqual(pa.choices, []int{1, 1, 0, 1, -1}) {
		t.Errorf("parsePageAttempt = %+v, %v", pa, err)
	}
	for _, bad := range []any{nil, []any{"maybe"}, []any{"ok", "40"}, []any{"done", "x", "4", "5", "g", "1", "1", "1", "1", "1"}} {
		if _, err := parsePageAttempt(bad, 5); err == nil {
			t.Errorf("parsePageAttempt(%#v) took a bad reply", bad)
		}
	}
}
