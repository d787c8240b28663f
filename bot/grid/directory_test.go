package grid_test

import (
	"context"
	"strings"
	"testing"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
)

func TestDirectoryBindMoveUnbindMigrate(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	old, err := d.Bind(ctx, "tg:-1", "3网格", "三网格群")
	must(err)
	if old != "" {
		t.Errorf("first bind old = %q", old)
	}
	_, err = d.Bind(ctx, "tg:-2", "10网格", "十网格群")
	must(err)
	_, err = d.Bind(ctx, "tg:-3", "3网格", "三网格二群")
	must(err)
	must(d.SetMembers(ctx, "tg:-1", 120))
	must(d.SetMembers(ctx, "tg:-3", 80))
	names, err := d.GridNames(ctx)
	must(err)
	if strings.Join(names, ",") != "3网格,10网格" {
		t.Errorf("grid order = %v, want 3网格 before 10网格", names)
	}
	gs, err := d.Resolve(ctx, "3网格")
	must(err)
	if len(gs) != 1 || gs[0].Members() != 200 || len(grid.ActiveChats(gs)) != 2 {
		t.Errorf("3网格 = %+v", gs)
	}

	old, err = d.Bind(ctx, "tg:-3", "10网格", "")
	must(err)
	if old != "3网格" {
		t.Errorf("rebind old = %q", old)
	}
	must(d.Migrate(ctx, "tg:-1", "tg:-1001"))
	c, err := d.Chat(ctx, "tg:-1001")
	must(err)
	if c.Grid != "3网格" || c.Members != 120 || c.Title != "三网格群" {
		t.Errorf("migrated chat = %+v", c)
	}
	gs, err = d.Resolve(ctx, "3")
	must(err)
	if refs := grid.ActiveChats(gs); len(refs) != 1 || refs[0] != "tg:-1001" {
		t.Errorf("3网格 chats after migration = %v", refs)
	}
	must(d.SetStatus(ctx, "tg:-2", grid.ChatGone))
	gs, err = d.Resolve(ctx, "10网格")
	must(err)
	if refs := grid.ActiveChats(gs); len(refs) != 1 || refs[0] != "tg:-3" {
		t.Errorf("gone chat still targeted: %v", refs)
	}
	grid, err := d.Unbind(ctx, "tg:-1001")
	must(err)
	if grid != "3网格" {
		t.Errorf("unbind = %q", grid)
	}
	names, _ = d.GridNames(ctx)
	if strings.Join(names, ",") != "10网格" {
		t.Errorf("grids after unbinding the last chat of 3网格 = %v", names)
	}
}

func TestResolveTargets(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	if _, err := d.Resolve(ctx, "全部"); err == nil {
		t.Error("no grids: want a reply telling staff to bind first")
	}
	for i, g := range []string{"1网格", "2网格", "3网格"} {
		if _, err := d.Bind(ctx, bot.ChatRef("tg:-"+string(rune('1'+i))), g, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.SetGridMeta(ctx, "2网格", []string{"老旧小区"}, ""); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"全部":      "1网格,2网格,3网格",
		"":        "1网格,2网格,3网格",
		"1网格，3网格": "1网格,3网格",
		"3、１":     "3网格,1网格",
		"标签:老旧小区": "2网格",
		"标签：老旧小区": "2网格",
		"1网格 1网格": "1网格",
	}
	for spec, want := range cases {
		gs, err := d.Resolve(ctx, spec)
		if err != nil {
			t.Errorf("Resolve(%q): %v", spec, err)
			continue
		}
		var got []string
		for _, g := range gs {
			got = append(got, g.Name)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("Resolve(%q) = %v, want %s", spec, got, want)
		}
	}
	for _, spec := range []string{"9网格", "标签:新小区", "1网格,9网格"} {
		_, err := d.Resolve(ctx, spec)
		msg, ok := bot.UserMessage(err)
		if !ok || !strings.Contains(msg, "没有") {
			t.Errorf("Resolve(%q) err = %v, want a Chinese reply", spec, err)
		}
	}
}

func TestWhoisOneRoundTrip(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, []bot.UserRef{"tg:1"})
	ctx := context.Background()
	if _, err := d.Bind(ctx, "tg:-1", "3网格", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddWorker(ctx, "3网格", "tg:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddStaff(ctx, "tg:3"); err != nil {
		t.Fatal(err)
	}
	_, _ = d.Whois(ctx, "tg:-1", "tg:9", "", "")
	counter := redistest.Count(rdb)
	for user, want := range map[bot.UserRef]bot.Role{"tg:1": bot.Staff, "tg:2": bot.GridWorker, "tg:3": bot.Staff, "tg:4": bot.Resident} {
		counter.Reset()
		who, err := d.Whois(ctx, "tg:-1", user, "名字", "handle"+string(user))
		if err != nil {
			t.Fatal(err)
		}
		if who.Grid != "3网格" || who.Role != want {
			t.Errorf("Whois(%s) = %+v, want 3网格 %s", user, who, want)
		}
		if n := counter.Count(); n != 1 {
			t.Errorf("Whois took %d round trips, want 1", n)
		}
	}
	u, ok, err := d.ByHandle(ctx, "tg", "@HANDLEtg:2")
	if err != nil || !ok || u != "tg:2" {
		t.Errorf("ByHandle = %v %v %v", u, ok, err)
	}
}

func TestGridLookupAndMention(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	if _, ok, err := d.Grid(ctx, "3网格"); ok || err != nil {
		t.Fatalf("unknown grid: ok=%v err=%v", ok, err)
	}
	if _, err := d.Bind(ctx, "tg:-1", "3网格", "群"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetGridMeta(ctx, "3网格", nil, "ug"); err != nil {
		t.Fatal(err)
	}
	g, ok, err := d.Grid(ctx, "3网格")
	if err != nil || !ok || g.Lang != "ug" || len(g.Chats) != 1 {
		t.Errorf("Grid = %+v %v %v", g, ok, err)
	}
	if got := bot.MentionHTML("tg:42", "张<阿姨>"); got != `<a href="tg://user?id=42">张&lt;阿姨&gt;</a>` {
		t.Errorf("Mention tg = %s", got)
	}
	if got := bot.MentionHTML("wecom:zhang", "张阿姨"); got != "@张阿姨" {
		t.Errorf("Mention wecom = %s", got)
	}
}

func TestChosenNameWinsOverPlatformName(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	if w, err := d.Whois(ctx, "wecom:g", "wecom:zhangayi", "", ""); err != nil || w.Name != "" {
		t.Fatalf("before SetName: %+v %v", w, err)
	}
	if err := d.SetName(ctx, "wecom:zhangayi", "张阿姨"); err != nil {
		t.Fatal(err)
	}
	w, err := d.Whois(ctx, "wecom:g", "wecom:zhangayi", "zhangayi", "")
	if err != nil || w.Name != "张阿姨" {
		t.Errorf("after SetName: %+v %v", w, err)
	}
	if n, _ := d.Name(ctx, "wecom:zhangayi"); n != "张阿姨" {
		t.Errorf("Name = %q", n)
	}
}

func TestWorkerGrids(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	for _, b := range []struct{ chat, grid string }{{"tg:-1", "3网格"}, {"tg:-2", "10网格"}, {"tg:-3", "2网格"}} {
		if _, err := d.Bind(ctx, bot.ChatRef(b.chat), b.grid, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"10网格", "2网格"} {
		if _, err := d.AddWorker(ctx, g, "tg:7"); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = d.WorkerGrids(ctx, "tg:0")
	counter := redistest.Count(rdb)
	got, err := d.WorkerGrids(ctx, "tg:7")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "2网格,10网格" {
		t.Errorf("WorkerGrids = %v, want 2网格,10网格", got)
	}
	if n := counter.Count(); n != 2 {
		t.Errorf("WorkerGrids took %d round trips, want 2", n)
	}
	if _, err := d.RemoveWorker(ctx, "2网格", "tg:7"); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.WorkerGrids(ctx, "tg:7"); strings.Join(got, ",") != "10网格" {
		t.Errorf("after removal WorkerGrids = %v, want 10网格", got)
	}
	if got, _ := d.WorkerGrids(ctx, "tg:8"); len(got) != 0 {
		t.Errorf("a resident's WorkerGrids = %v, want none", got)
	}
}

// TestWhoisRemembersTheGridsAResidentIsKnownIn: speaking in a bound group
// records its grid for the speaker, so a private chat knows where they live;
// an unbound group and a private chat add nothing, and a grid is kept once.
func TestWhoisRemembersTheGridsAResidentIsKnownIn(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	d := grid.NewDirectory(rdb, keys, nil)
	ctx := context.Background()
	for chat, grid := range map[bot.ChatRef]string{"tg:-1": "3网格", "tg:-2": "5网格", "tg:-3": "3网格"} {
		if _, err := d.Bind(ctx, chat, grid, ""); err != nil {
			t.Fatal(err)
		}
	}
	who := func(chat bot.ChatRef) bot.Who {
		t.Helper()
		w, err := d.Whois(ctx, chat, "tg:9", "张阿姨", "")
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := who("tg:9"); len(w.Homes) != 0 {
		t.Errorf("a stranger in a private chat is known in %v, want nowhere", w.Homes)
	}
	who("tg:-99")
	who("tg:-1")
	who("tg:-3")
	if w := who("tg:-2"); strings.Join(w.Homes, ",") != "3网格,5网格" {
		t.Errorf("in the 5网格 group: homes %v, want 3网格,5网格", w.Homes)
	}
	if w := who("tg:9"); w.Grid != "" || strings.Join(w.Homes, ",") != "3网格,5网格" {
		t.Errorf("in a private chat: grid %q homes %v, want no grid and 3网格,5网格", w.Grid, w.Homes)
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]string{"维吾尔语": "ug", "维吾尔文": "ug", "维语": "ug", "UG": "ug", "哈萨克语": "kk",
		"蒙古文": "mn", "藏语": "bo", "英语": "en", " 朝鲜语 ": "ko"} {
		if l, ok := grid.ParseLanguage(in); !ok || l.Code != want {
			t.Errorf("ParseLanguage(%q) = %+v, %v; want %s", in, l, ok, want)
		}
	}
	for _, in := range []string{"", "klingon", "语", "中文", "-"} {
		if l, ok := grid.ParseLanguage(in); ok {
			t.Errorf("ParseLanguage(%q) = %+v, want none", in, l)
		}
	}
}

// TestResolveRefusalsUseRealNamesEscaped: a grid or tag that does not exist
// is refused with the grids and tags there are, and what the person typed is
// escaped (the reply is HTML).
func TestResolveRefusalsUseRealNamesEscaped(t *testing.T) {
	rdb, keys, _ := redistest.New(t)
	ctx := context.Background()
	d := grid.NewDirectory(rdb, keys, nil)
	for chat, grid := range map[bot.ChatRef]string{"tg:-1": "2网格", "tg:-2": "5网格"} {
		if _, err := d.Bind(ctx, chat, grid, "群"); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(spec string) string {
		_, err := d.Resolve(ctx, spec)
		m, _ := bot.UserMessage(err)
		return m
	}
	if got := msg("<b>9网格"); !strings.Contains(got, "&lt;b&gt;9网格") || !strings.Contains(got, "2网格、5网格") {
		t.Errorf("unknown grid: %q", got)
	}
	if got := msg("标签:老旧<小区>"); !strings.Contains(got, "老旧&lt;小区&gt;") || !strings.Contains(got, "网格标签 2网格") {
		t.Errorf("tag with no grid tagged: %q", got)
	}
	if err := d.SetGridMeta(ctx, "5网格", []string{"老旧小区"}, ""); err != nil {
		t.Fatal(err)
	}
	if got := msg("标签:新小区"); !strings.Contains(got, "现有标签：老旧小区") {
		t.Errorf("unknown tag: %q", got)
	}
	if got := msg("，、"); !strings.Contains(got, "2网格,5网格") {
		t.Errorf("no grid named: %q", got)
	}
}
