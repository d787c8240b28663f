package quiz

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"gridbot/bot/bottest"
)

func TestOpenRoundAnnouncesOncePerGridWithDeepLink(t *testing.T) {
	g := newRig(t, DefaultConfig(), nil)
	ctx := context.Background()
	id, err := g.f.OpenRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs := g.out.All()
	if got, want := len(bs), 3; got != want {
		t.Fatalf("got %d broadcasts, want %d (one per grid)", got, want)
	}
	links := map[string]string{}
	for _, b := range bs {
		if b.Kind != "quiz" {
			t.Errorf("kind: got %q, want quiz", b.Kind)
		}
		if len(b.Chats) != 1 {
			t.Fatalf("got chats %v, want one group", b.Chats)
		}
		grid := b.Grids[b.Chats[0]]
		contains(t, b.Message.Text, "第1期知识竞答开始啦")
		contains(t, b.Message.Text, "11月22日（周日）19:00")
		if b.Chats[0].Platform() == "tg" {
			if len(b.Message.Buttons) != 1 || b.Message.Buttons[0][0].URL == "" {
				t.Fatalf("%s: got buttons %v, want one URL button", grid, b.Message.Buttons)
			}
			links[grid] = b.Message.Buttons[0][0].URL
		} else {
			contains(t, b.Message.Text, "发送「答题」")
		}
	}
	if got, want := links["1网格"], "https://t.me/gridbot?start=quiz_1_1"; got != want {
		t.Errorf("1网格 link: got %q, want %q", got, want)
	}
	if got, want := links["2网格"], "https://t.me/gridbot?start=quiz_1_2"; got != want {
		t.Errorf("2网格 link: got %q, want %q", got, want)
	}
	if got, want := g.due.All()[DueKey(id)], g.clock.Now().Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("close due at %v, want %v", got, want)
	}
	if _, err := g.f.OpenRound(ctx); !errors.Is(err, ErrRoundOpen) {
		t.Errorf("second OpenRound: got %v, want ErrRoundOpen", err)
	}
	if got, want := len(g.out.All()), 3; got != want {
		t.Errorf("after refused open: %d broadcasts, want %d", got, want)
	}
}

func TestRoundsAvoidQuestionsOfLastEightRounds(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(45))
	ctx := context.Background()
	var rounds [][]string
	for i := range 10 {
		id, err := g.f.OpenRound(ctx)
		if err != nil {
			t.Fatalf("round %d: %v", i+1, err)
		}
		r, _ := g.f.round(ctx, id)
		var ids []string
		for _, q := range r.Questions {
			ids = append(ids, q.ID)
		}
		rounds = append(rounds, ids)
		if err := g.f.CloseRound(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for i := range rounds {
		if len(rounds[i]) != 5 {
			t.Fatalf("round %d has %d questions, want 5", i+1, len(rounds[i]))
		}
		for j := max(0, i-8); j < i; j++ {
			for _, q := range rounds[i] {
				if slices.Contains(rounds[j], q) {
					t.Errorf("round %d repeats %s from round %d", i+1, q, j+1)
				}
			}
		}
	}
}

func TestLeanPrefersThisWeeksTipCategories(t *testing.T) {
	cfg := DefaultConfig()
	for range 20 {
		qs := pickQuestions(DefaultBank(), nil, []string{"生活服务"}, 5, nil2())
		n := 0
		for _, q := range qs {
			if q.Category == "生活服务" {
				n++
			}
		}
		if n < 3 {
			t.Fatalf("got %d of 5 questions from 生活服务, want at least 3", n)
		}
	}
	g := newRigWith(t, cfg, nil, tipTopics{"生活服务"})
	id, err := g.f.OpenRound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := g.f.round(context.Background(), id)
	n := 0
	for _, q := range r.Questions {
		if q.Category == "生活服务" {
			n++
		}
	}
	if n < 3 {
		t.Errorf("round leaning on 生活服务 has %d such questions, want at least 3", n)
	}
	tagged := pickQuestions(DefaultBank(), nil, []string{"石榴籽"}, 5, nil2())
	if !slices.ContainsFunc(tagged, func(q Question) bool { return slices.Contains(q.Tags, "石榴籽") }) {
		t.Errorf("leaning on tag 石榴籽 picked none of its questions")
	}
}

func nil2() func(int) int {
	n := 0
	return func(k int) int { n = (n*31 + 7) % 1000; return n % k }
}

func TestStaffStartStopByKeyword(t *testing.T) {
	g := newRig(t, DefaultConfig(), nil)
	g.group("1网格", "tg:50", "李四", "开始竞答")
	g.group("1网格", "tg:50", "李四", "/quiz start")
	if got := g.send.last(t, g.groups["1网格"]).Msg.Text; !strings.Contains(got, "只有社区工作人员可以使用") {
		t.Errorf("resident 开始竞答: got %q, want a refusal", got)
	}
	if len(g.out.All()) != 0 {
		t.Fatalf("a resident opened a round")
	}
	g.private(staffUser, "王主任", "开始竞答")
	contains(t, g.send.last(t, staffUser.PrivateChat()).Msg.Text, "第1期知识竞答已开始，共 5 题")
	g.private(staffUser, "王主任", "/quiz start")
	contains(t, g.send.last(t, staffUser.PrivateChat()).Msg.Text, "第1期竞答还在进行中")
	g.private(staffUser, "王主任", "结束竞答")
	contains(t, g.send.last(t, staffUser.PrivateChat()).Msg.Text, "第1期知识竞答已结束")
	if _, ok := g.due.All()[DueKey(1)]; ok {
		t.Errorf("the close stayed due after 结束竞答")
	}
	if got, want := len(g.out.All()), 6; got != want {
		t.Errorf("got %d broadcasts, want %d (3 announcements, 3 results)", got, want)
	}
	g.private(staffUser, "王主任", "/quiz stop")
	contains(t, g.send.last(t, staffUser.PrivateChat()).Msg.Text, "现在没有进行中的竞答")
	g.private(staffUser, "王主任", "/quiz")
	usage := g.send.last(t, staffUser.PrivateChat()).Msg.Text
	contains(t, usage, "发送「开始竞答」开始一期")
	if strings.Contains(usage, "/quiz") {
		t.Errorf("usage %q names slash commands", usage)
	}
	g.private(staffUser, "王主任", "/quiz stats")
	contains(t, g.send.last(t, staffUser.PrivateChat()).Msg.Text, "第1期竞答统计")
}

func TestFailedBroadcastsAreFinishedOnRetryWithoutRepeats(t *testing.T) {
	g := newRig(t, DefaultConfig(), smallBank(20))
	ctx := context.Background()
	g.out.FailAt = 2
	if _, err := g.f.OpenRound(ctx); err == nil {
		t.Fatal("OpenRound with a failing outbox: got no error")
	}
	if err := g.f.Job(ctx); err != nil {
		t.Fatalf("Job retry: %v", err)
	}
	if err := g.f.Job(ctx); err != nil {
		t.Fatalf("Job while open: %v", err)
	}
	seen := map[string]int{}
	for _, b := range g.out.All() {
		seen[b.Grids[b.Chats[0]]]++
	}
	if len(seen) != 3 || seen["1网格"] != 1 || seen["2网格"] != 1 || seen["3网格"] != 1 {
		t.Errorf("announcements per grid: got %v, want one each for 3 grids", seen)
	}
	g.out.FailAt = g.out.Calls() + 2
	if err := g.f.HandleDue(ctx, DueKey(1)); err == nil {
		t.Fatal("close with a failing outbox: got no error")
	}
	if err := g.f.HandleDue(ctx, DueKey(1)); err != nil {
		t.Fatalf("close retry: %v", err)
	}
	results := map[string]int{}
	for _, b := range g.out.All() {
		if strings.HasSuffix(b.Ref, ":results") {
			results[b.Grids[b.Chats[0]]]++
		}
	}
	if len(results) != 3 || results["1网格"] != 1 || results["2网格"] != 1 || results["3网格"] != 1 {
		t.Errorf("results per grid: got %v, want one each for 3 grids", results)
	}
	if err := g.f.HandleDue(ctx, "quiz:x:close"); err != nil {
		t.Errorf("bad due key: got %v, want it ignored", err)
	}
}

func TestConfigFromYAML(t *testing.T) {
	cfg := DefaultConfig()
	in := "questions: 8\nwindow: 72h\nrecent_rounds: 4\npoll_seconds: 90\npolls: false\nseason: month\nbanks: [a.yaml]\nkeep_days: 1500\n"
	if err := yaml.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	want := Config{Questions: 8, Window: 72 * time.Hour, RecentRounds: 4, PollSeconds: 90, Polls: false,
		Season: "month", Banks: []string{"a.yaml"}, KeepDays: 1500}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	if got, want := SeasonOf("quarter", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), bottest.Shanghai), "2027Q1"; got != want {
		t.Errorf("season of 2026-12-31 23:00 UTC in Shanghai: got %s, want %s", got, want)
	}
	if got, want := seasonLabel("2026Q4"), "2026年第4季度"; got != want {
		t.Errorf("label: got %s, want %s", got, want)
	}
}
