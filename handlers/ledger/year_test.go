package ledger

import (
	"bytes"
	"context"
	"fmt"
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
	"gridbot/handlers/quiz"
)

// resident is a simulated resident of a grid group.
type resident struct {
	User bot.UserRef
	Name string
	Chat bot.ChatRef
	Grid string
}

type year struct {
	w         *world
	grids     []string
	residents []resident
	events    int
	rounds    int
	tipDays   int
}

// simulate runs a year of 2026 in a community of nGrids grids through the
// features' own code: daily tips (tips.PushNow), notices (outbox), events
// created, joined, left and checked in through the router, quiz rounds
// opened, answered through the router and closed.
func simulate(t testing.TB, nGrids, perGrid, days int) *year {
	w := newWorld(t, time.Date(2026, 1, 1, 8, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	y := &year{w: w}
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
		}
		for i := 0; i < perGrid; i++ {
			y.residents = append(y.residents, resident{User: bot.UserRef(fmt.Sprintf("tg:%d%03d", g, i)),
				Name: fmt.Sprintf("居民%d-%d", g, i), Chat: chats[i%len(chats)], Grid: name})
		}
	}
	if nGrids >= 3 {
		w.send.FailChat("tg:-2002", errChatNotFound)
	}
	grids, err := w.dir.Grids(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for d := 0; d < days; d++ {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, bottest.Shanghai).AddDate(0, 0, d)
		w.at(base.Add(8 * time.Hour))
		if d%5 == 0 || d > days-4 {
			if _, err := w.tips.PushNow(ctx, grids); err != nil {
				t.Fatal(err)
			}
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
			_, err := w.ob.Enqueue(ctx, bot.Broadcast{Kind: "notice", Ref: fmt.Sprint(d), Title: fmt.Sprintf("通知%d", d), Chats: chats, Grids: gm,
				Message: bot.Message{Text: "停水通知"}})
			if err != nil {
				t.Fatal(err)
			}
		}
		w.drain()
		if d%17 == 5 {
			y.event(base, rng)
		}
		if d%14 == 4 {
			y.round(base, rng)
		}
	}
	return y
}

var eventIDRe = regexp.MustCompile(`（(\d+)号）`)

func (y *year) event(base time.Time, rng *rand.Rand) {
	w := y.w
	w.at(base.Add(9 * time.Hour))
	hours := []string{"", "志愿服务：2小时\n", "志愿服务：1.5小时\n"}[y.events%3]
	form := fmt.Sprintf("发布活动\n活动：活动%d\n时间：%s 19:00\n地点：社区%d室\n名额：%d\n网格：全部\n%s",
		y.events, base.Format("2006-01-02"), y.events%5, 6+y.events%5, hours)
	out := w.say(staffID.PrivateChat(), staffID, "王主任", strings.TrimSpace(form), nil)
	m := eventIDRe.FindStringSubmatch(texts(out))
	if m == nil {
		w.t.Fatalf("create event: %s", texts(out))
	}
	id := m[1]
	y.events++
	w.drain()
	w.at(base.Add(10 * time.Hour))
	var joined []resident
	for _, r := range y.residents {
		if rng.IntN(4) != 0 {
			continue
		}
		n := 1 + rng.IntN(2)
		w.say(r.Chat, r.User, r.Name, fmt.Sprintf("报名 %s %d人", id, n), nil)
		joined = append(joined, r)
	}
	for _, r := range joined {
		if rng.IntN(6) == 0 {
			w.say(r.Chat, r.User, r.Name, "取消报名 "+id, nil)
		}
	}
	w.drain()
	w.at(base.Add(18*time.Hour + 30*time.Minute))
	for _, r := range y.residents {
		if rng.IntN(5) == 0 {
			w.say(r.Chat, staffID, "王主任", "签到 "+id, &bot.Reply{User: r.User, UserName: r.Name})
		}
	}
	w.drain()
}

func (y *year) round(base time.Time, rng *rand.Rand) {
	w := y.w
	ctx := context.Background()
	w.at(base.Add(11 * time.Hour))
	id, err := w.quiz.OpenRound(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	y.rounds++
	w.drain()
	w.at(base.Add(12 * time.Hour))
	for _, r := range y.residents {
		if rng.IntN(3) != 0 {
			continue
		}
		w.say(r.Chat, r.User, r.Name, "答题", nil)
		w.say(r.User.PrivateChat(), r.User, r.Name, "答题", nil)
		answers := 3
		if rng.IntN(5) == 0 {
			answers = 1
		}
		for i := 0; i < answers; i++ {
			w.say(r.User.PrivateChat(), r.User, r.Name, []string{"A", "B"}[rng.IntN(2)], nil)
		}
	}
	w.at(base.Add(59 * time.Hour))
	if err := w.quiz.HandleDue(ctx, quiz.DueKey(id)); err != nil {
		w.t.Fatal(err)
	}
	w.drain()
}

// ---- independent recount from the raw records, by scanning every key ----

type want struct {
	reach      int64
	groups     int64
	gridReach  map[string]int64
	gridPushes map[string]int64
	pushes     map[string]*PushRow // "day|kind|ref"
	acts       map[int64]*Activity
	gridSign   map[string]int
	checkins   int64
	gridChk    map[string]int64
	hours      float64
	vol        map[string]*Volunteer
	rounds     map[int]*QuizRow
	gridQuiz   map[string][2]int // players, points
	answered   int
	correct    int
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

func recount(t testing.TB, w *world, from, to time.Time) *want {
	ctx := context.Background()
	r := w.rdb
	p := string(w.keys) + ":"
	x := &want{gridReach: map[string]int64{}, gridPushes: map[string]int64{}, pushes: map[string]*PushRow{},
		acts: map[int64]*Activity{}, gridSign: map[string]int{}, gridChk: map[string]int64{},
		vol: map[string]*Volunteer{}, rounds: map[int]*QuizRow{}, gridQuiz: map[string][2]int{}}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, k := range scan(t, w, "ob:{ob}:reach:*") {
		d, _ := time.ParseInLocation(time.DateOnly, k[strings.LastIndexByte(k, ':')+1:], bottest.Shanghai)
		if !in(d) {
			continue
		}
		for f, v := range r.HGetAll(ctx, k).Val() {
			parts := strings.Split(f, "|")
			n, _ := strconv.ParseInt(v, 10, 64)
			if parts[0] == "*" {
				switch parts[2] {
				case "members":
					x.reach += n
				case "groups":
					x.groups += n
				}
				continue
			}
			switch parts[2] {
			case "members":
				x.gridReach[parts[0]] += n
			case "pushes":
				x.gridPushes[parts[0]] += n
			}
		}
	}
	bRe := regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `ob:\{ob\}:b:(\d+)$`)
	for _, k := range scan(t, w, "ob:{ob}:b:*") {
		m := bRe.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		h := r.HGetAll(ctx, k).Val()
		created, _ := strconv.ParseInt(h["created"], 10, 64)
		c := time.Unix(created, 0).In(bottest.Shanghai)
		if !in(c) || h["kind"] == "report" {
			continue
		}
		ref := h["ref"]
		if ref == "" {
			ref = "#" + m[1]
		}
		key := c.Format(time.DateOnly) + "|" + h["kind"] + "|" + ref
		row := x.pushes[key]
		if row == nil {
			row = &PushRow{Day: c.Format(time.DateOnly), Kind: h["kind"], Ref: ref, Title: h["title"]}
			x.pushes[key] = row
		}
		sentN, _ := strconv.ParseInt(h["sent"], 10, 64)
		mem, _ := strconv.ParseInt(h["members"], 10, 64)
		row.Groups += sentN
		row.Members += mem
		gm := r.HGetAll(ctx, k+":grid").Val()
		for chat := range r.HGetAll(ctx, k+":sent").Val() {
			if g := gm[chat]; g != "" && !slices.Contains(row.Grids, g) {
				row.Grids = append(row.Grids, g)
			}
		}
	}
	evRe := regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `ev:\{(\d+)\}:meta$`)
	for _, k := range scan(t, w, "ev:{*}:meta") {
		m := evRe.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		h := r.HGetAll(ctx, k).Val()
		start, _ := strconv.ParseInt(h["start"], 10, 64)
		if !in(time.Unix(start, 0)) || h["status"] == "cancelled" {
			continue
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		kb := strings.TrimSuffix(k, "meta")
		reg := r.HGetAll(ctx, kb+"reg").Val()
		a := &Activity{ID: id, Title: h["title"], Place: h["place"]}
		a.Seats, _ = strconv.Atoi(h["seats"])
		a.HoursEach, _ = strconv.ParseFloat(h["hours"], 64)
		head := func(u string) (int, string) {
			f := strings.Split(reg[u], "\x1f")
			n, _ := strconv.Atoi(f[0])
			return max(n, 1), f[5]
		}
		for _, u := range r.ZRange(ctx, kb+"in", 0, -1).Val() {
			n, g := head(u)
			a.Households++
			a.Signups += n
			x.gridSign[g] += n
		}
		a.Waitlist = int(r.ZCard(ctx, kb+"wait").Val())
		for u := range r.HGetAll(ctx, kb+"chk").Val() {
			n, _ := head(u)
			a.CheckIns += n
			a.CheckInHouseholds++
			a.VolunteerHours += a.HoursEach
		}
		x.acts[id] = a
	}
	for _, k := range scan(t, w, "ev:att:*") {
		d, _ := time.ParseInLocation("20060102", k[strings.LastIndexByte(k, ':')+1:], bottest.Shanghai)
		if !in(d) {
			continue
		}
		for f, v := range r.HGetAll(ctx, k).Val() {
			user := f[strings.IndexByte(f, ':')+1:]
			a := strings.Split(v, "\x1f")
			n, _ := strconv.ParseInt(a[1], 10, 64)
			hrs, _ := strconv.ParseFloat(a[2], 64)
			x.checkins += n
			x.gridChk[a[0]] += n
			x.hours += hrs
			vv := x.vol[user]
			if vv == nil {
				vv = &Volunteer{User: user, Name: a[4], Grid: a[0]}
				x.vol[user] = vv
			}
			vv.Acts++
			vv.Hours += hrs
		}
	}
	rRe := regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `quiz:\{quiz\}:r:(\d+)$`)
	for _, k := range scan(t, w, "quiz:{quiz}:r:*") {
		m := rRe.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		h := r.HGetAll(ctx, k).Val()
		opened, _ := strconv.ParseInt(h["opened"], 10, 64)
		if !in(time.Unix(opened, 0)) {
			continue
		}
		id, _ := strconv.Atoi(m[1])
		q := &QuizRow{Round: id, Total: true}
		q.Players, _ = strconv.Atoi(h["players"])
		for f, v := range r.HGetAll(ctx, k+":gstat").Val() {
			i := strings.LastIndexByte(f, '|')
			n, _ := strconv.Atoi(v)
			g := x.gridQuiz[f[:i]]
			switch f[i+1:] {
			case "n":
				g[0] += n
			case "pts":
				g[1] += n
				q.Points += n
			}
			x.gridQuiz[f[:i]] = g
		}
		for f, v := range r.HGetAll(ctx, k+":qstat").Val() {
			n, _ := strconv.Atoi(v)
			switch {
			case strings.HasSuffix(f, "|n"):
				q.Answered += n
			case strings.HasSuffix(f, "|ok"):
				q.Correct += n
			}
		}
		x.answered += q.Answered
		x.correct += q.Correct
		x.rounds[id] = q
	}
	return x
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

func TestYearReportMatchesRawRecords(t *testing.T) {
	days := 365
	if testing.Short() {
		days = 120
	}
	y := simulate(t, 4, 6, days)
	w := y.w
	w.at(time.Date(2027, 1, 10, 9, 0, 0, 0, bottest.Shanghai))
	ctx := context.Background()
	p := YearPeriod(2026, bottest.Shanghai)
	x := recount(t, w, p.From, p.To)
	if x.reach == 0 || len(x.acts) == 0 || len(x.rounds) == 0 || x.checkins == 0 || len(x.vol) == 0 {
		t.Fatalf("simulation too thin: reach %d, acts %d, rounds %d, checkins %d", x.reach, len(x.acts), len(x.rounds), x.checkins)
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
	var sign, wait, tipRows int
	for _, a := range x.acts {
		sign += a.Signups
		wait += a.Waitlist
	}
	for _, r := range x.pushes {
		if r.Kind == "tip" {
			tipRows++
		}
	}
	players := 0
	for _, q := range x.rounds {
		players += q.Players
	}
	checks := []struct {
		label string
		want  float64
	}{
		{"覆盖群众（人次）", float64(x.reach)}, {"送达群次", float64(x.groups)},
		{"推送总数（条）", float64(len(x.pushes))}, {"其中每日一学（条）", float64(tipRows)},
		{"开展活动（次）", float64(len(x.acts))}, {"活动报名（人次）", float64(sign)}, {"候补（户）", float64(wait)},
		{"活动签到（人次）", float64(x.checkins)}, {"志愿服务时长（小时）", x.hours},
		{"知识竞答（期）", float64(len(x.rounds))}, {"竞答参与（人次）", float64(players)},
	}
	for _, c := range checks {
		if got := cellNum(t, summaryValue(t, sum, c.label)); got != c.want {
			t.Errorf("汇总 %s = %v, want %v", c.label, got, c.want)
		}
	}
	if tipRows != y.tipDays {
		t.Errorf("tip pushes = %d, want one per push day (%d)", tipRows, y.tipDays)
	}
	rate := Percent(float64(x.correct) / float64(x.answered))
	if got := summaryValue(t, sum, "竞答平均正确率"); got != rate {
		t.Errorf("正确率 = %s, want %s", got, rate)
	}
	para := ""
	for i, r := range sum {
		if len(r) > 0 && r[0] == "工作小结（可直接使用）" && i+1 < len(sum) {
			para = sum[i+1][0]
		}
	}
	for _, frag := range []string{"2026年度", fmt.Sprintf("每日一学%d条", tipRows), "覆盖群众" + Count(x.reach) + "人次",
		fmt.Sprintf("开展活动%d次", len(x.acts)), "签到" + Count(x.checkins) + "人次", fmt.Sprintf("举办知识竞答%d期", len(x.rounds)), "平均正确率" + rate} {
		if !strings.Contains(para, frag) {
			t.Errorf("paragraph %q lacks %q", para, frag)
		}
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

	// 宣传推送
	rows := sheetRows(t, xf, SheetPushes)[1:]
	if len(rows) != len(x.pushes) {
		t.Fatalf("宣传推送 rows = %d, want %d", len(rows), len(x.pushes))
	}
	byTitle := map[string]int{}
	for _, r := range rows {
		key := r[0] + "|" + r[1] + "|" + r[2]
		byTitle[key]++
	}
	for _, wr := range x.pushes {
		key := wr.Day + "|" + kindName(wr.Kind) + "|" + wr.Title
		if byTitle[key] == 0 {
			t.Errorf("宣传推送 lacks %s", key)
		}
	}
	var gotMembers, wantMembers, gotGroups, wantGroups, gotGrids, wantGrids float64
	for _, r := range rows {
		gotGrids += cellNum(t, r[3])
		gotGroups += cellNum(t, r[4])
		gotMembers += cellNum(t, r[5])
	}
	for _, wr := range x.pushes {
		wantGrids += float64(len(wr.Grids))
		wantGroups += float64(wr.Groups)
		wantMembers += float64(wr.Members)
	}
	if gotGrids != wantGrids || gotGroups != wantGroups || gotMembers != wantMembers {
		t.Errorf("宣传推送 totals grids/groups/members = %v/%v/%v, want %v/%v/%v", gotGrids, gotGroups, gotMembers, wantGrids, wantGroups, wantMembers)
	}

	// 活动台账
	rows = sheetRows(t, xf, SheetActivities)[1:]
	if len(rows) != len(x.acts) {
		t.Fatalf("活动台账 rows = %d, want %d", len(rows), len(x.acts))
	}
	for _, r := range rows {
		id, _ := strconv.ParseInt(r[0], 10, 64)
		a := x.acts[id]
		if a == nil {
			t.Fatalf("活动台账 row for unknown activity %s", r[0])
		}
		got := []float64{cellNum(t, r[5]), cellNum(t, r[6]), cellNum(t, r[7]), cellNum(t, r[8]), cellNum(t, r[9]), cellNum(t, r[10]), cellNum(t, r[12])}
		want := []float64{float64(a.Seats), float64(a.Households), float64(a.Signups), float64(a.Waitlist), float64(a.CheckInHouseholds), float64(a.CheckIns), a.VolunteerHours}
		if !slices.Equal(got, want) || r[3] != a.Title || r[4] != a.Place {
			t.Errorf("活动台账 %d = %v %s %s, want %v %s %s", id, got, r[3], r[4], want, a.Title, a.Place)
		}
	}

	// 知识竞答
	rows = sheetRows(t, xf, SheetQuiz)[1:]
	seen := 0
	for _, r := range rows {
		if len(r) < 6 || r[2] != "全部" {
			continue
		}
		id, _ := strconv.Atoi(r[0])
		q := x.rounds[id]
		if q == nil {
			t.Fatalf("知识竞答 row for unknown round %s", r[0])
		}
		seen++
		if got := cellNum(t, r[4]); got != float64(q.Players) {
			t.Errorf("round %d players = %v, want %d", id, got, q.Players)
		}
		if got := cellNum(t, r[7]); got != float64(q.Points) {
			t.Errorf("round %d points = %v, want %d", id, got, q.Points)
		}
		if q.Answered > 0 && r[9] != Percent(float64(q.Correct)/float64(q.Answered)) {
			t.Errorf("round %d rate = %s, want %s", id, r[9], Percent(float64(q.Correct)/float64(q.Answered)))
		}
	}
	if seen != len(x.rounds) {
		t.Errorf("知识竞答 rounds = %d, want %d", seen, len(x.rounds))
	}
	if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "最常答错的题目" }) {
		t.Error("知识竞答 lacks the most-missed questions")
	}

	// 网格评比
	rows = sheetRows(t, xf, SheetGrids)[1:]
	type gv struct{ reach, sign, chk, qp, avg float64 }
	vals := map[string]gv{}
	for _, g := range y.grids {
		q := x.gridQuiz[g]
		v := gv{reach: float64(x.gridReach[g]), sign: float64(x.gridSign[g]), chk: float64(x.gridChk[g]), qp: float64(q[0])}
		if q[0] > 0 {
			v.avg = float64(int(float64(q[1])/float64(q[0])*10+0.5)) / 10
		}
		vals[g] = v
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
		if got := cellNum(t, r[9]); got != float64(int(score*10+0.5))/10 {
			t.Errorf("网格评比 %s score = %v, want %.1f", r[1], got, score)
		}
		if gp := cellNum(t, r[3]); gp != float64(x.gridPushes[r[1]]) {
			t.Errorf("网格评比 %s pushes = %v, want %d", r[1], gp, x.gridPushes[r[1]])
		}
	}
	if n != len(y.grids) {
		t.Errorf("网格评比 grids = %d, want %d", n, len(y.grids))
	}

	// 志愿服务
	rows = sheetRows(t, xf, SheetVolunteers)[1:]
	n = 0
	for _, r := range rows {
		if len(r) < 7 {
			continue
		}
		v := x.vol[r[6]]
		if v == nil {
			t.Fatalf("志愿服务 row for unknown %s", r[6])
		}
		n++
		if cellNum(t, r[3]) != float64(v.Acts) || cellNum(t, r[4]) != v.Hours || r[1] != v.Name {
			t.Errorf("志愿服务 %s = %s %s %s, want %d %v %s", r[6], r[1], r[3], r[4], v.Acts, v.Hours, v.Name)
		}
		stars := 0
		for _, s := range []float64{10, 30, 100} {
			if v.Hours >= s {
				stars++
			}
		}
		if r[5] != StarText(stars) {
			t.Errorf("志愿服务 %s stars = %s, want %s", r[6], r[5], StarText(stars))
		}
	}
	if n != len(x.vol) {
		t.Errorf("志愿服务 people = %d, want %d", n, len(x.vol))
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

	// A quarter that cuts months: the same independent count.
	q := RangePeriod(time.Date(2026, 3, 15, 0, 0, 0, 0, bottest.Shanghai), time.Date(2026, 6, 20, 0, 0, 0, 0, bottest.Shanghai), bottest.Shanghai)
	qr, err := w.ledger.Build(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	qx := recount(t, w, q.From, q.To)
	if qr.Summary.Reach != qx.reach || qr.Summary.CheckIns != qx.checkins || len(qr.Pushes) != len(qx.pushes) || len(qr.Activities) != len(qx.acts) {
		t.Errorf("range report reach/checkins/pushes/acts = %d/%d/%d/%d, want %d/%d/%d/%d", qr.Summary.Reach, qr.Summary.CheckIns,
			len(qr.Pushes), len(qr.Activities), qx.reach, qx.checkins, len(qx.pushes), len(qx.acts))
	}
}
