package ledger

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"maps"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/grid"
	"gridbot/handlers/quiz"
)

// resident is a simulated resident of a grid group.
type resident struct {
	User bot.UserRef
	Name string
	Chat bot.ChatRef
	Grid string
}

// ---- the ground truth: what the simulation did and saw ----

// tPush is one push the simulation made: its day and kind, and each group
// chat it was delivered to with that chat's member count on the day.
type tPush struct {
	Day, Kind, Title string
	Chats            map[bot.ChatRef]int
}

// tAct is one activity as its residents saw it: confirmed households and
// their headcounts, households waiting, and check-ins with headcounts.
type tAct struct {
	ID           int64
	Title, Place string
	Start        time.Time
	Seats        int
	Hours        float64
	In, Wait     map[bot.UserRef]int
	Chk          map[bot.UserRef]int
	grid         map[bot.UserRef]string
}

// tCheckin is one check-in as the bot confirmed it.
type tCheckin struct {
	Day        time.Time
	User       bot.UserRef
	Name, Grid string
	N          int
	Hours      float64
}

// tAnswer is one quiz answer as the bot marked it.
type tAnswer struct {
	Round          int
	Opened         time.Time
	User           bot.UserRef
	Grid, Question string
	OK             bool
}

type year struct {
	w         *world
	grids     []string
	residents []resident
	chatGrid  map[bot.ChatRef]string
	events    int
	rounds    int
	tipDays   int

	// dead is a group chat the bot cannot post to while pushing (its
	// residents' own commands are still answered there).
	dead bot.ChatRef

	pushes   []*tPush
	acts     []*tAct
	checkins []tCheckin
	answers  []tAnswer
	opened   map[int]time.Time
}

// simulate runs a year of 2026 in a community of nGrids grids through the
// features' own code: daily tips (tips.PushNow), notices (outbox), events
// created, joined, left and checked in through the router, quiz rounds
// opened, answered through the router and closed. It writes down what it
// did and what the bot told people (deliveries, sign-up outcomes,
// check-ins, right and wrong answers): the ground truth the report is
// checked against.
func simulate(t testing.TB, nGrids, perGrid, days int) *year {
	w := newWorld(t, time.Date(2026, 1, 1, 8, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	y := &year{w: w, chatGrid: map[bot.ChatRef]string{}, opened: map[int]time.Time{}}
	w.members = func(chat bot.ChatRef, day string) int {
		n := 0
		for _, c := range string(chat) + day {
			n = (n*31 + int(c)) % 997
		}
		return 20 + n%80
	}
	for g := 1; g <= nGrids; g++ {
		name := fmt.Sprintf("%d网格", g)
		y.grids = append(y.grids, name)
		chats := []bot.ChatRef{bot.ChatRef(fmt.Sprintf("tg:-100%d", g))}
		if g%3 == 2 {
			chats = append(chats, bot.ChatRef(fmt.Sprintf("tg:-200%d", g)))
		}
		for _, c := range chats {
			if _, err := w.dir.Bind(ctx, c, name, name+"群"); err != nil {
				t.Fatal(err)
			}
			_ = w.dir.SetMembers(ctx, c, 50)
			y.chatGrid[c] = name
		}
		for i := 0; i < perGrid; i++ {
			rname := fmt.Sprintf("居民%d-%d", g, i)
			if i == 1 {
				rname = "李阿姨" // one in every grid: namesakes stay apart
			}
			y.residents = append(y.residents, resident{User: bot.UserRef(fmt.Sprintf("tg:%d%03d", g, i)),
				Name: rname, Chat: chats[i%len(chats)], Grid: name})
		}
	}
	if nGrids >= 3 {
		y.dead = "tg:-2002"
	}
	grids, err := w.dir.Grids(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for d := 0; d < days; d++ {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, bottest.Shanghai).AddDate(0, 0, d)
		w.at(base.Add(8 * time.Hour))
		if d%5 == 0 || d > days-4 {
			y.push("tip", "", func() {
				if _, err := w.tips.PushNow(ctx, grids); err != nil {
					t.Fatal(err)
				}
			})
			y.tipDays++
		}
		if d%9 == 3 {
			var chats []bot.ChatRef
			gm := map[bot.ChatRef]string{}
			for _, g := range grids[:1+d%len(grids)] {
				for _, c := range g.Chats {
					chats = append(chats, c.Ref)
					gm[c.Ref] = g.Name
				}
			}
			title := fmt.Sprintf("通知%d", d)
			y.push("notice", title, func() {
				_, err := w.ob.Enqueue(ctx, bot.Broadcast{Kind: "notice", Ref: fmt.Sprint(d), Title: title, Chats: chats, Grids: gm,
					Message: bot.Message{Text: "停水通知"}})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
		if d%17 == 5 {
			y.event(base, rng)
		}
		if d%14 == 4 {
			y.round(base, rng)
		}
	}
	return y
}

// push runs fn, lets the outbox deliver, and writes down the deliveries
// to group chats as one push of kind.
func (y *year) push(kind, title string, fn func()) []sent {
	w := y.w
	i := w.send.Len()
	if y.dead != "" {
		w.send.FailChat(y.dead, errChatNotFound)
		defer w.send.FailChat(y.dead, nil)
	}
	fn()
	w.drain()
	day := w.clk.Now().In(bottest.Shanghai).Format(time.DateOnly)
	p := &tPush{Day: day, Kind: kind, Title: title, Chats: map[bot.ChatRef]int{}}
	out := w.send.Since(i)
	for _, s := range out {
		if _, ok := y.chatGrid[s.Chat]; ok && !s.Edit && s.Toast == "" {
			p.Chats[s.Chat] = w.members(s.Chat, day)
		}
	}
	y.pushes = append(y.pushes, p)
	return out
}

var (
	eventIDRe  = regexp.MustCompile(`（(\d+)号）`)
	questionRe = regexp.MustCompile(`题（共 \d+ 题）</b>\n([^\n]*)\n`)
)

func (y *year) event(base time.Time, rng *rand.Rand) {
	w := y.w
	w.at(base.Add(9 * time.Hour))
	hours := []float64{0, 2, 1.5}[y.events%3]
	line := ""
	if hours > 0 {
		line = fmt.Sprintf("志愿服务：%s小时\n", strconv.FormatFloat(hours, 'f', -1, 64))
	}
	a := &tAct{Title: fmt.Sprintf("活动%d", y.events), Place: fmt.Sprintf("社区%d室", y.events%5), Seats: 6 + y.events%5, Hours: hours,
		Start: base.Add(19 * time.Hour), In: map[bot.UserRef]int{}, Wait: map[bot.UserRef]int{}, Chk: map[bot.UserRef]int{}, grid: map[bot.UserRef]string{}}
	form := fmt.Sprintf("发布活动\n活动：%s\n时间：%s 19:00\n地点：%s\n名额：%d\n网格：全部\n%s",
		a.Title, base.Format("2006-01-02"), a.Place, a.Seats, line)
	out := y.push("event", a.Title, func() {
		w.say(staffID.PrivateChat(), staffID, "王主任", strings.TrimSpace(form), nil)
	})
	m := eventIDRe.FindStringSubmatch(texts(out))
	if m == nil {
		w.t.Fatalf("create event: %s", texts(out))
	}
	id := m[1]
	a.ID, _ = strconv.ParseInt(id, 10, 64)
	y.acts = append(y.acts, a)
	y.events++
	w.at(base.Add(10 * time.Hour))
	var joined []resident
	for _, r := range y.residents {
		if rng.IntN(4) != 0 {
			continue
		}
		n := 1 + rng.IntN(2)
		got := texts(w.say(r.Chat, r.User, r.Name, fmt.Sprintf("报名 %s %d人", id, n), nil))
		switch {
		case strings.Contains(got, "报名成功"):
			a.In[r.User] = n
		case strings.Contains(got, "候补第"):
			a.Wait[r.User] = n
		default:
			w.t.Fatalf("报名 %s by %s: unexpected reply %s", id, r.Name, got)
		}
		a.grid[r.User] = r.Grid
		joined = append(joined, r)
	}
	i := w.send.Len()
	for _, r := range joined {
		if rng.IntN(6) != 0 {
			continue
		}
		got := texts(w.say(r.Chat, r.User, r.Name, "取消报名 "+id, nil))
		if !strings.Contains(got, "已为您取消报名") && !strings.Contains(got, "已为您退出候补") {
			w.t.Fatalf("取消报名 %s by %s: unexpected reply %s", id, r.Name, got)
		}
		delete(a.In, r.User)
		delete(a.Wait, r.User)
	}
	w.drain()
	for _, s := range w.send.Since(i) {
		if !strings.Contains(s.Msg.Text, "从候补转为") {
			continue
		}
		for u, n := range a.Wait {
			if s.Chat == u.PrivateChat() {
				delete(a.Wait, u)
				a.In[u] = n
			}
		}
	}
	w.at(base.Add(18*time.Hour + 30*time.Minute))
	for _, r := range y.residents {
		if rng.IntN(5) != 0 {
			continue
		}
		got := texts(w.say(r.Chat, staffID, "王主任", "签到 "+id, &bot.Reply{User: r.User, UserName: r.Name}))
		if !strings.Contains(got, "已为") {
			w.t.Fatalf("签到 %s for %s: unexpected reply %s", id, r.Name, got)
		}
		n := 1
		if v, ok := a.In[r.User]; ok {
			n = v
		} else if v, ok := a.Wait[r.User]; ok {
			n = v
		}
		a.Chk[r.User] = n
		if _, ok := a.grid[r.User]; !ok {
			a.grid[r.User] = r.Grid
		}
		y.checkins = append(y.checkins, tCheckin{Day: w.clk.Now(), User: r.User, Name: r.Name, Grid: r.Grid, N: n, Hours: hours})
	}
	w.drain()
}

func (y *year) round(base time.Time, rng *rand.Rand) {
	w := y.w
	ctx := context.Background()
	w.at(base.Add(11 * time.Hour))
	var id int
	y.push("quiz", "", func() {
		var err error
		if id, err = w.quiz.OpenRound(ctx); err != nil {
			w.t.Fatal(err)
		}
	})
	y.opened[id] = w.clk.Now()
	y.rounds++
	w.at(base.Add(12 * time.Hour))
	for _, r := range y.residents {
		if rng.IntN(3) != 0 {
			continue
		}
		w.say(r.Chat, r.User, r.Name, "答题", nil)
		got := texts(w.say(r.User.PrivateChat(), r.User, r.Name, "答题", nil))
		answers := 3
		if rng.IntN(5) == 0 {
			answers = 1
		}
		for i := 0; i < answers; i++ {
			q := questionRe.FindStringSubmatch(got)
			if q == nil {
				w.t.Fatalf("round %d: no question for %s in %s", id, r.Name, got)
			}
			got = texts(w.say(r.User.PrivateChat(), r.User, r.Name, []string{"A", "B"}[rng.IntN(2)], nil))
			ok := strings.Contains(got, "答对了")
			if !ok && !strings.Contains(got, "答错了") {
				w.t.Fatalf("round %d: answer by %s not marked: %s", id, r.Name, got)
			}
			y.answers = append(y.answers, tAnswer{Round: id, Opened: y.opened[id], User: r.User, Grid: r.Grid,
				Question: html.UnescapeString(q[1]), OK: ok})
		}
	}
	w.at(base.Add(59 * time.Hour))
	y.push("quiz", "", func() {
		if err := w.quiz.HandleDue(ctx, quiz.DueKey(id)); err != nil {
			w.t.Fatal(err)
		}
	})
}

// ---- the figures the ground truth gives for a period ----

type qKey struct {
	Round int
	Grid  string
}

type qTally struct{ Players, Done, Points, Answered, Correct int }

type qItem struct {
	Round             int
	Text              string
	Answered, Correct int
}

type vKey struct{ Name, Grid string }

type vRow struct {
	Acts  int
	Hours float64
}

type want struct {
	pushes                     []*tPush
	kinds                      map[string]int
	reach, groups              int64
	gridReach, gridPushes      map[string]int64
	acts                       []*tAct
	signups, waitlist          int
	gridSign                   map[string]int
	checkins                   int64
	gridChk                    map[string]int64
	hours                      float64
	vol                        map[vKey]vRow
	rounds                     map[int]*qTally
	quiz                       map[qKey]*qTally // per round and grid
	gridQuiz                   map[string]*qTally
	questions                  map[string]*qItem // "round|text"
	players, answered, correct int
}

// truth sums what the simulation did in [from, to).
func (y *year) truth(from, to time.Time) *want {
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	x := &want{kinds: map[string]int{}, gridReach: map[string]int64{}, gridPushes: map[string]int64{}, gridSign: map[string]int{},
		gridChk: map[string]int64{}, vol: map[vKey]vRow{}, rounds: map[int]*qTally{}, quiz: map[qKey]*qTally{},
		gridQuiz: map[string]*qTally{}, questions: map[string]*qItem{}}
	for _, p := range y.pushes {
		d, _ := time.ParseInLocation(time.DateOnly, p.Day, bottest.Shanghai)
		if !in(d) {
			continue
		}
		x.pushes = append(x.pushes, p)
		x.kinds[p.Kind]++
		reached := map[string]bool{}
		for c, m := range p.Chats {
			x.reach += int64(m)
			x.groups++
			x.gridReach[y.chatGrid[c]] += int64(m)
			reached[y.chatGrid[c]] = true
		}
		for g := range reached {
			x.gridPushes[g]++
		}
	}
	for _, a := range y.acts {
		if !in(a.Start) {
			continue
		}
		x.acts = append(x.acts, a)
		for u, n := range a.In {
			x.signups += n
			x.gridSign[a.grid[u]] += n
		}
		x.waitlist += len(a.Wait)
	}
	users := map[bot.UserRef]*vRow{}
	names := map[bot.UserRef]vKey{}
	for _, c := range y.checkins {
		if !in(c.Day) {
			continue
		}
		x.checkins += int64(c.N)
		x.gridChk[c.Grid] += int64(c.N)
		x.hours += c.Hours
		v := users[c.User]
		if v == nil {
			v = &vRow{}
			users[c.User] = v
		}
		v.Acts++
		v.Hours += c.Hours
		names[c.User] = vKey{c.Name, c.Grid}
	}
	for u, v := range users {
		if v.Hours > 0 {
			x.vol[names[u]] = *v
		}
	}
	type player struct {
		round int
		user  bot.UserRef
	}
	seen := map[player]int{}
	for _, a := range y.answers {
		if !in(a.Opened) {
			continue
		}
		r := x.rounds[a.Round]
		if r == nil {
			r = &qTally{}
			x.rounds[a.Round] = r
		}
		k := qKey{a.Round, a.Grid}
		g := x.quiz[k]
		if g == nil {
			g = &qTally{}
			x.quiz[k] = g
		}
		gq := x.gridQuiz[a.Grid]
		if gq == nil {
			gq = &qTally{}
			x.gridQuiz[a.Grid] = gq
		}
		pk := player{a.Round, a.User}
		seen[pk]++
		for _, t := range []*qTally{r, g, gq} {
			if seen[pk] == 1 {
				t.Players++
			}
			if seen[pk] == 3 {
				t.Done++
			}
			t.Answered++
			if a.OK {
				t.Correct++
				t.Points += 10
			}
		}
		qk := fmt.Sprint(a.Round, "|", a.Question)
		q := x.questions[qk]
		if q == nil {
			q = &qItem{Round: a.Round, Text: a.Question}
			x.questions[qk] = q
		}
		q.Answered++
		if a.OK {
			q.Correct++
		}
	}
	for id, o := range y.opened {
		if in(o) && x.rounds[id] == nil {
			x.rounds[id] = &qTally{}
		}
	}
	for _, r := range x.rounds {
		x.players += r.Players
		x.answered += r.Answered
		x.correct += r.Correct
	}
	return x
}

func avg1(points, players int) float64 {
	if players == 0 {
		return 0
	}
	return math.Round(float64(points)/float64(players)*10) / 10
}

func scan(t testing.TB, w *world, pattern string) []string {
	var out []string
	iter := w.rdb.Scan(context.Background(), 0, string(w.keys)+":"+pattern, 1000).Iterator()
	for iter.Next(context.Background()) {
		out = append(out, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ---- the sheets ----

func sheetRows(t testing.TB, x *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

func cellNum(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

func summaryValue(t testing.TB, rows [][]string, label string) string {
	t.Helper()
	for _, r := range rows {
		if len(r) > 1 && strings.TrimSpace(r[0]) == label {
			return r[1]
		}
	}
	t.Fatalf("summary has no row %q", label)
	return ""
}

func paragraphOf(sum [][]string) string {
	for i, r := range sum {
		if len(r) > 0 && r[0] == "工作小结（可直接使用）" && i+1 < len(sum) {
			return sum[i+1][0]
		}
	}
	return ""
}

func TestYearReportMatchesGroundTruth(t *testing.T) {
	days := 365
	if testing.Short() {
		days = 120
	}
	y := simulate(t, 4, 6, days)
	w := y.w
	w.at(time.Date(2027, 1, 10, 9, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	p := YearPeriod(2026, bottest.Shanghai)
	x := y.truth(p.From, p.To)
	if x.reach == 0 || len(x.acts) == 0 || len(x.rounds) == 0 || x.checkins == 0 || len(x.vol) == 0 || x.waitlist == 0 {
		t.Fatalf("simulation too thin: reach %d, acts %d, rounds %d, checkins %d, waitlist %d", x.reach, len(x.acts), len(x.rounds), x.checkins, x.waitlist)
	}

	out := w.say(staffID.PrivateChat(), staffID, "王主任", "报表 2026", nil)
	var file *bot.File
	for _, s := range out {
		if s.Msg.File != nil {
			file = s.Msg.File
		}
	}
	if file == nil {
		t.Fatalf("no workbook sent: %s", texts(out))
	}
	xf, err := excelize.OpenReader(bytes.NewReader(file.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	if got, want := xf.GetSheetList(), []string{SheetSummary, SheetPushes, SheetActivities, SheetQuiz, SheetGrids, SheetVolunteers}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %v, want %v", got, want)
	}

	// 汇总
	sum := sheetRows(t, xf, SheetSummary)
	rate := Percent(float64(x.correct) / float64(x.answered))
	checks := []struct {
		label string
		want  float64
	}{
		{"覆盖群众（人次）", float64(x.reach)}, {"送达群次", float64(x.groups)},
		{"推送总数（条）", float64(len(x.pushes))}, {"其中每日一学（条）", float64(x.kinds["tip"])},
		{"其中通知公告（条）", float64(x.kinds["notice"])}, {"其中活动通知（条）", float64(x.kinds["event"])},
		{"其中知识竞答（条）", float64(x.kinds["quiz"])},
		{"开展活动（次）", float64(len(x.acts))}, {"活动报名（人次）", float64(x.signups)}, {"候补（户）", float64(x.waitlist)},
		{"活动签到（人次）", float64(x.checkins)}, {"志愿服务时长（小时）", x.hours}, {"参加志愿服务（人）", float64(len(x.vol))},
		{"知识竞答（期）", float64(y.rounds)}, {"竞答参与（人次）", float64(x.players)},
	}
	for _, c := range checks {
		if got := cellNum(t, summaryValue(t, sum, c.label)); got != c.want {
			t.Errorf("汇总 %s = %v, want %v", c.label, got, c.want)
		}
	}
	if x.kinds["tip"] != y.tipDays || x.kinds["quiz"] != 2*y.rounds {
		t.Errorf("truth pushes tip/quiz = %d/%d, want %d/%d", x.kinds["tip"], x.kinds["quiz"], y.tipDays, 2*y.rounds)
	}
	if got := summaryValue(t, sum, "竞答平均正确率"); got != rate {
		t.Errorf("正确率 = %s, want %s", got, rate)
	}
	para := paragraphOf(sum)
	for _, frag := range []string{"2026年度",
		fmt.Sprintf("每日一学%d条、通知公告%d条、活动通知%d条，", x.kinds["tip"], x.kinds["notice"], x.kinds["event"]),
		"覆盖群众" + Count(x.reach) + "人次",
		fmt.Sprintf("开展活动%d次，报名%s人次，签到%s人次，累计志愿服务%s小时", len(x.acts), Count(int64(x.signups)), Count(x.checkins), Hours(x.hours)),
		fmt.Sprintf("举办知识竞答%d期，参与%s人次，平均正确率%s", y.rounds, Count(int64(x.players)), rate)} {
		if !strings.Contains(para, frag) {
			t.Errorf("paragraph %q lacks %q", para, frag)
		}
	}
	if regexp.MustCompile(`知识竞答[\d,.万]+条`).MatchString(para) {
		t.Errorf("paragraph %q counts quiz announcements as pushes", para)
	}
	months := 0
	for _, r := range sum[1:] {
		if len(r) > 4 && strings.HasPrefix(r[3], "2026-") {
			months++
		}
	}
	if months != 12 {
		t.Errorf("month rows = %d, want 12", months)
	}

	// 宣传推送: one row per push, as delivered
	rows := sheetRows(t, xf, SheetPushes)[1:]
	if len(rows) != len(x.pushes) {
		t.Fatalf("宣传推送 rows = %d, want %d", len(rows), len(x.pushes))
	}
	byKey := map[string][]string{}
	for _, r := range rows {
		key := r[0] + "|" + r[1]
		if byKey[key] != nil {
			t.Fatalf("宣传推送 has two rows for %s", key)
		}
		byKey[key] = r
	}
	for _, tp := range x.pushes {
		key := tp.Day + "|" + kindName(tp.Kind)
		r := byKey[key]
		if r == nil {
			t.Errorf("宣传推送 lacks %s", key)
			continue
		}
		var members int64
		gs := map[string]bool{}
		for c, m := range tp.Chats {
			members += int64(m)
			gs[y.chatGrid[c]] = true
		}
		names := slices.Collect(maps.Keys(gs))
		grid.SortGrids(names)
		got := fmt.Sprint(r[3], cellNum(t, r[4]), cellNum(t, r[5]), cellNum(t, r[6]), r[8])
		want := fmt.Sprint("已送达", len(gs), len(tp.Chats), members, strings.Join(names, "、"))
		if got != want || tp.Title != "" && r[2] != tp.Title {
			t.Errorf("宣传推送 %s = %s %q, want %s %q", key, got, r[2], want, tp.Title)
		}
	}

	// 活动台账
	rows = sheetRows(t, xf, SheetActivities)[1:]
	if len(rows) != len(x.acts) {
		t.Fatalf("活动台账 rows = %d, want %d", len(rows), len(x.acts))
	}
	acts := map[string]*tAct{}
	for _, a := range x.acts {
		acts[strconv.FormatInt(a.ID, 10)] = a
	}
	for _, r := range rows {
		if len(r) < 15 {
			t.Fatalf("活动台账 row %v, want 15 columns", r)
		}
		a := acts[r[0]]
		if a == nil {
			t.Fatalf("活动台账 row for unknown activity %s", r[0])
		}
		sign, chk := 0, 0
		for _, n := range a.In {
			sign += n
		}
		for _, n := range a.Chk {
			chk += n
		}
		got := fmt.Sprint(r[1], r[2], r[3], r[4], cellNum(t, r[5]), cellNum(t, r[6]), cellNum(t, r[7]), cellNum(t, r[8]),
			cellNum(t, r[9]), cellNum(t, r[10]), cellNum(t, r[11]), cellNum(t, r[12]), r[14])
		want := fmt.Sprint(a.Start.Format(time.DateOnly), "19:00", a.Title, a.Place, a.Seats, len(a.In), sign, len(a.Wait),
			len(a.Chk), chk, a.Hours, float64(len(a.Chk))*a.Hours, "已开展")
		if got != want {
			t.Errorf("活动台账 %s = %s, want %s", r[0], got, want)
		}
	}

	// 知识竞答: each round's total and per-grid rows, by value
	rows = sheetRows(t, xf, SheetQuiz)[1:]
	seen := map[qKey]bool{}
	totals := 0
	for _, r := range rows {
		if len(r) == 0 || r[0] == "" {
			break
		}
		if len(r) < 9 {
			t.Fatalf("知识竞答 short row %v", r)
		}
		id, _ := strconv.Atoi(r[0])
		if _, ok := y.opened[id]; !ok {
			t.Fatalf("知识竞答 row for unknown round %s", r[0])
		}
		want := x.rounds[id]
		if r[2] == "全部" {
			totals++
		} else {
			seen[qKey{id, r[2]}] = true
			want = x.quiz[qKey{id, r[2]}]
		}
		if want == nil {
			want = &qTally{}
		}
		got := fmt.Sprint(r[1], cellNum(t, r[4]), cellNum(t, r[5]), cellNum(t, r[7]))
		exp := fmt.Sprint(y.opened[id].Format(time.DateOnly), want.Players, want.Done, want.Points)
		if want.Players > 0 {
			got += fmt.Sprint(" ", cellNum(t, r[8]))
			exp += fmt.Sprint(" ", avg1(want.Points, want.Players))
		}
		if r[2] == "全部" && want.Answered > 0 {
			got += " " + r[9]
			exp += " " + Percent(float64(want.Correct)/float64(want.Answered))
		}
		if got != exp {
			t.Errorf("知识竞答 round %d %s = %s, want %s", id, r[2], got, exp)
		}
	}
	if totals != y.rounds {
		t.Errorf("知识竞答 rounds = %d, want %d", totals, y.rounds)
	}
	for k, q := range x.quiz {
		if q.Players > 0 && !seen[k] {
			t.Errorf("知识竞答 lacks round %d %s", k.Round, k.Grid)
		}
	}
	// most missed: questions answered at least MinAnswers times, worst first
	at := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "最常答错的题目" })
	if at < 0 {
		t.Fatal("知识竞答 lacks the most-missed questions")
	}
	missed := rows[at+2:]
	if len(missed) == 0 {
		t.Fatal("知识竞答 lists no missed question")
	}
	errRate := func(q *qItem) float64 { return float64(q.Answered-q.Correct) / float64(q.Answered) }
	listed := map[string]bool{}
	last := 2.0
	for _, r := range missed {
		q := x.questions[r[0]+"|"+r[2]]
		if q == nil {
			t.Fatalf("missed question %q of round %s never asked", r[2], r[0])
		}
		listed[r[0]+"|"+r[2]] = true
		if got, want := fmt.Sprint(cellNum(t, r[3]), cellNum(t, r[4])), fmt.Sprint(q.Answered, q.Correct); got != want {
			t.Errorf("missed %q answered/correct = %s, want %s", r[2], got, want)
		}
		if q.Answered < MinAnswers {
			t.Errorf("missed %q ranked on %d answers, want at least %d", r[2], q.Answered, MinAnswers)
		}
		if errRate(q) > last+1e-12 {
			t.Errorf("missed %q (error rate %.2f) listed after a lower rate %.2f", r[2], errRate(q), last)
		}
		last = errRate(q)
	}
	for k, q := range x.questions {
		if q.Answered >= MinAnswers && errRate(q) > last+1e-12 && !listed[k] {
			t.Errorf("missed list lacks %s (error rate %.2f > %.2f)", k, errRate(q), last)
		}
	}

	// 网格评比
	rows = sheetRows(t, xf, SheetGrids)[1:]
	type gv struct{ reach, sign, chk, qp, avg float64 }
	vals := map[string]gv{}
	for _, g := range y.grids {
		q := x.gridQuiz[g]
		if q == nil {
			q = &qTally{}
		}
		vals[g] = gv{reach: float64(x.gridReach[g]), sign: float64(x.gridSign[g]), chk: float64(x.gridChk[g]), qp: float64(q.Players),
			avg: avg1(q.Points, q.Players)}
	}
	var best gv
	for _, v := range vals {
		best = gv{max(best.reach, v.reach), max(best.sign, v.sign), max(best.chk, v.chk), max(best.qp, v.qp), max(best.avg, v.avg)}
	}
	wt := DefaultConfig().Weights
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	n := 0
	for _, r := range rows {
		if len(r) < 10 {
			continue
		}
		v, ok := vals[r[1]]
		if !ok {
			continue
		}
		n++
		got := []float64{cellNum(t, r[4]), cellNum(t, r[5]), cellNum(t, r[6]), cellNum(t, r[7]), cellNum(t, r[8])}
		want := []float64{v.reach, v.sign, v.chk, v.qp, v.avg}
		if !slices.Equal(got, want) {
			t.Errorf("网格评比 %s = %v, want %v", r[1], got, want)
		}
		score := 100 * (wt.Reach*ratio(v.reach, best.reach) + wt.Signups*ratio(v.sign, best.sign) + wt.Attendance*ratio(v.chk, best.chk) +
			wt.Quiz*ratio(v.qp, best.qp) + wt.Score*ratio(v.avg, best.avg)) / (wt.Reach + wt.Signups + wt.Attendance + wt.Quiz + wt.Score)
		if got := cellNum(t, r[9]); got != math.Round(score*10)/10 {
			t.Errorf("网格评比 %s score = %v, want %.1f", r[1], got, score)
		}
		if gp := cellNum(t, r[3]); gp != float64(x.gridPushes[r[1]]) {
			t.Errorf("网格评比 %s pushes = %v, want %d", r[1], gp, x.gridPushes[r[1]])
		}
	}
	if n != len(y.grids) {
		t.Errorf("网格评比 grids = %d, want %d", n, len(y.grids))
	}

	// 志愿服务: one row per person with hours, names only
	vrows := sheetRows(t, xf, SheetVolunteers)
	if head := strings.Join(vrows[0], "|"); strings.Contains(head, "编号") || !strings.Contains(head, "星级（累计）") {
		t.Errorf("志愿服务 header = %s, want names only and 星级（累计）", head)
	}
	got := map[vKey]vRow{}
	namesakes := 0
	for _, r := range vrows[1:] {
		if len(r) < 7 {
			continue
		}
		k := vKey{r[1], r[2]}
		if _, dup := got[k]; dup {
			t.Errorf("志愿服务 has %s of %s twice", r[1], r[2])
		}
		if r[1] == "李阿姨" {
			namesakes++
		}
		v := vRow{Acts: int(cellNum(t, r[3])), Hours: cellNum(t, r[4])}
		got[k] = v
		stars := 0
		for _, s := range []float64{10, 30, 100} {
			if v.Hours >= s {
				stars++
			}
		}
		if cellNum(t, r[5]) != v.Hours || r[6] != StarText(stars) {
			t.Errorf("志愿服务 %s total/stars = %s %s, want %v %s (all hours are of 2026)", r[1], r[5], r[6], v.Hours, StarText(stars))
		}
	}
	if !maps.Equal(got, x.vol) {
		t.Errorf("志愿服务 rows = %v\nwant %v", got, x.vol)
	}
	if namesakes < 2 {
		t.Errorf("志愿服务 lists %d people named 李阿姨, want them apart (at least 2)", namesakes)
	}

	// The first report rolled the months up; the next reads the rollups
	// and must say the same.
	if n := len(scan(t, w, "ld:{ld}:m:*")); n != 12 {
		t.Errorf("rollups = %d, want 12", n)
	}
	a, err := w.ledger.Build(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	b := rawReport(t, w, p)
	a.Generated, b.Generated = time.Time{}, time.Time{}
	if ja, jb := jsonOf(t, a), jsonOf(t, b); ja != jb {
		t.Errorf("report from rollups differs from the raw one:\n%s\n%s", ja[:min(400, len(ja))], jb[:min(400, len(jb))])
	}

	// A range that cuts months: the same ground truth.
	q := RangePeriod(time.Date(2026, 3, 15, 0, 0, 0, 0, bottest.Shanghai), time.Date(2026, 6, 20, 0, 0, 0, 0, bottest.Shanghai), bottest.Shanghai)
	qr, err := w.ledger.Build(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	qx := y.truth(q.From, q.To)
	gotQ := fmt.Sprint(qr.Summary.Reach, qr.Summary.Groups, qr.Summary.CheckIns, len(qr.Pushes), qr.Summary.Activities, qr.Summary.Signups,
		qr.Summary.QuizRounds, qr.Summary.QuizPlayers, qr.Summary.VolunteerHours)
	wantQ := fmt.Sprint(qx.reach, qx.groups, qx.checkins, len(qx.pushes), len(qx.acts), qx.signups, len(qx.rounds), qx.players, qx.hours)
	if gotQ != wantQ {
		t.Errorf("range report reach/groups/checkins/pushes/acts/signups/rounds/players/hours = %s, want %s", gotQ, wantQ)
	}
}
