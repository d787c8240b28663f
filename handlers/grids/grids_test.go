package grids_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"gridbot/bot"
	"gridbot/bot/bottest"
	"gridbot/bot/feature"
	"gridbot/bot/grid"
	"gridbot/bot/redistest"
	"gridbot/handlers/grids"
	"gridbot/handlers/tips"
)

// sender is bottest's Sender with the Telegram privacy-mode report grids
// reads on binding.
type sender struct {
	*bottest.Sender
	canRead bool
}

func (s *sender) CanReadAllGroupMessages() bool { return s.canRead }

func (s *sender) Self() bot.UserRef { return "tg:999" }

type world struct {
	dir *grid.Directory
	r   *bot.Router
	s   *sender
	out *bottest.Outbox
	n   int
}

func newWorld(t *testing.T) *world {
	rdb, keys, _ := redistest.New(t)
	dir := grid.NewDirectory(rdb, keys, []bot.UserRef{"tg:1"})
	r := bot.NewRouter(bot.RouterOptions{Redis: rdb, Keys: keys, Roles: dir})
	out := &bottest.Outbox{}
	grids.New(feature.Env{Redis: rdb, Keys: keys, Dir: dir, Outbox: out, Log: slog.Default()}).Register(r)
	return &world{dir: dir, r: r, out: out, s: &sender{Sender: &bottest.Sender{Members: func(bot.ChatRef) (int, error) { return 57, nil }}, canRead: true}}
}

func (w *world) handle(u *bot.Update) {
	w.n++
	u.ID = fmt.Sprintf("g:%d", w.n)
	if u.ChatKind == bot.Group && u.ChatTitle == "" {
		u.ChatTitle = "幸福里三网格群"
	}
	w.r.Handle(context.Background(), w.s, u)
}

func (w *world) say(chat bot.ChatRef, user bot.UserRef, text string) string {
	kind := bot.Group
	if chat == user.PrivateChat() {
		kind = bot.Private
	}
	w.handle(&bot.Update{Chat: chat, ChatKind: kind, User: user, UserName: "王书记", Text: text})
	return w.s.LastTo(chat)
}

func TestBindFlow(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if got := w.say("tg:-1", "tg:5", "绑定网格 3网格"); !strings.Contains(got, "只有社区工作人员") {
		t.Fatalf("resident's bind keyword: %q", got)
	}
	before := len(w.s.To("tg:-1"))
	w.say("tg:-1", "tg:5", "好的，绑定网格的事我知道了")
	if n := len(w.s.To("tg:-1")); n != before {
		t.Fatalf("chat that mentions a staff command drew a reply: %q", w.s.LastTo("tg:-1"))
	}
	if got := w.say("tg:-1", "tg:5", "/bind 3网格"); !strings.Contains(got, "只有社区工作人员") {
		t.Fatalf("resident bind: %q", got)
	}
	if names, _ := w.dir.GridNames(ctx); len(names) != 0 {
		t.Fatalf("refused bind changed grids: %v", names)
	}
	if got := w.say("tg:-1", "tg:1", "/bind ３"); !strings.Contains(got, "已绑定为「<b>3网格</b>」") {
		t.Fatalf("bind: %q", got)
	}
	c, _ := w.dir.Chat(ctx, "tg:-1")
	if c.Grid != "3网格" || c.Members != 57 || c.Title != "幸福里三网格群" {
		t.Errorf("chat after bind = %+v", c)
	}
	if got := w.say("tg:-1", "tg:1", "绑定网格 3网格"); !strings.Contains(got, "不用重复绑定") {
		t.Errorf("rebind same: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "绑定网格 4网格"); !strings.Contains(got, "从「3网格」改为") {
		t.Errorf("move: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "绑定网格"); !strings.Contains(got, "请写上本群的网格名") {
		t.Errorf("empty name: %q", got)
	}
	if got := w.say("tg:1", "tg:1", "/bind 3网格"); got != bot.MsgGroupOnly {
		t.Errorf("bind in private: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "网格列表"); !strings.Contains(got, "4网格") || !strings.Contains(got, "57 人") {
		t.Errorf("list: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "解绑网格"); !strings.Contains(got, "已解除本群与「4网格」") {
		t.Errorf("unbind: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "解绑网格"); !strings.Contains(got, "还没有绑定") {
		t.Errorf("unbind twice: %q", got)
	}
}

func TestBindWarnsWhenBotCannotReadGroup(t *testing.T) {
	w := newWorld(t)
	w.s.canRead = false
	if got := w.say("tg:-1", "tg:1", "/bind 3网格"); !strings.Contains(got, "/setprivacy") {
		t.Errorf("no privacy warning: %q", got)
	}
	w.s.SetAdmin("tg:999", true)
	if got := w.say("tg:-2", "tg:1", "/bind 4网格"); strings.Contains(got, "/setprivacy") {
		t.Errorf("warned although the bot administers the group: %q", got)
	}
}

func TestMembershipEvents(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Member: &bot.MemberEvent{Present: true}})
	if got := w.s.LastTo("tg:-1"); !strings.Contains(got, "绑定网格 3网格") {
		t.Errorf("hello on join: %q", got)
	}
	w.say("tg:-1", "tg:1", "/bind 3网格")
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Member: &bot.MemberEvent{Present: false}})
	if c, _ := w.dir.Chat(ctx, "tg:-1"); c.Status != grid.ChatGone {
		t.Errorf("status after removal = %q", c.Status)
	}
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Member: &bot.MemberEvent{Present: false}})
	if len(w.out.All()) != 1 || w.out.All()[0].Chats[0] != "tg:1" || !strings.Contains(w.out.All()[0].Message.Text, "绑定网格 3网格") {
		t.Errorf("staff alerts = %+v, want one to tg:1", w.out.All())
	}
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Member: &bot.MemberEvent{Present: true}})
	if c, _ := w.dir.Chat(ctx, "tg:-1"); c.Status != grid.ChatActive || c.Grid != "3网格" {
		t.Errorf("re-added chat = %+v", c)
	}
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", MigratedTo: "tg:-1001"})
	if c, _ := w.dir.Chat(ctx, "tg:-1001"); c.Grid != "3网格" {
		t.Errorf("binding lost in migration: %+v", c)
	}
}

func TestAppointByReplyAndRemove(t *testing.T) {
	w := newWorld(t)
	w.say("tg:-1", "tg:1", "/bind 3网格")
	w.say("tg:-1", "tg:7", "大家好")
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Text: "/gridworker",
		ReplyTo: &bot.Reply{User: "tg:7", UserName: "小刘"}})
	if got := w.s.LastTo("tg:-1"); !strings.Contains(got, "已任命 小刘 为「3网格」的网格员") {
		t.Fatalf("appoint: %q", got)
	}
	if got := w.say("tg:-1", "tg:7", "网格列表"); !strings.Contains(got, "网格列表") {
		t.Errorf("worker cannot list grids: %q", got)
	}
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Text: "/addstaff",
		Mentions: []bot.Mention{{User: "tg:8", UserName: "李主任"}}})
	if got := w.s.LastTo("tg:-1"); !strings.Contains(got, "李主任 设为社区工作人员") {
		t.Fatalf("addstaff: %q", got)
	}
	if got := w.say("tg:-1", "tg:8", "/bind 5网格"); !strings.Contains(got, "5网格") {
		t.Errorf("new staff cannot bind: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "/removestaff 1"); !strings.Contains(got, "配置文件") {
		t.Errorf("removing config staff: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "/removestaff @nobody"); !strings.Contains(got, "没有找到") {
		t.Errorf("unknown handle: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "/removestaff 8"); !strings.Contains(got, "已取消") {
		t.Errorf("removestaff: %q", got)
	}
	if got := w.say("tg:-1", "tg:8", "/bind 6网格"); !strings.Contains(got, "只有社区工作人员") {
		t.Errorf("removed staff still staff: %q", got)
	}
}

func TestHelpDependsOnRole(t *testing.T) {
	w := newWorld(t)
	resident := w.say("tg:5", "tg:5", "帮助")
	staff := w.say("tg:1", "tg:1", "帮助")
	if strings.Contains(resident, "绑定网格") || !strings.Contains(staff, "绑定网格") {
		t.Errorf("resident help:\n%s\nstaff help:\n%s", resident, staff)
	}
}

func TestPrivateChatAlwaysAnswers(t *testing.T) {
	w := newWorld(t)
	if got := w.say("tg:5", "tg:5", "你好"); !strings.Contains(got, "帮助") {
		t.Errorf("private hello: %q", got)
	}
	if got := w.say("tg:-1", "tg:5", "你好"); got != "" {
		t.Errorf("group hello answered: %q", got)
	}
}

func TestResidentChoosesName(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if got := w.say("wecom:zhangayi", "wecom:zhangayi", "我的名字是"); !strings.Contains(got, "例如") {
		t.Errorf("empty name: %q", got)
	}
	if got := w.say("wecom:zhangayi", "wecom:zhangayi", "我的名字是：张阿姨"); !strings.Contains(got, "「张阿姨」") {
		t.Fatalf("set name: %q", got)
	}
	if n, _ := w.dir.Name(ctx, "wecom:zhangayi"); n != "张阿姨" {
		t.Errorf("stored name = %q", n)
	}
	if got := w.say("wecom:zhangayi", "wecom:zhangayi", "/id"); !strings.Contains(got, "wecom:zhangayi") {
		t.Errorf("whoami: %q", got)
	}
	if got := w.say("wecom:zhangayi", "wecom:zhangayi", "我的名字是 <b>很长很长很长很长的名字啊</b>"); !strings.Contains(got, "例如") {
		t.Errorf("bad name accepted: %q", got)
	}
}

func TestWhoamiShowsIDsOnlyWhereTheyHelp(t *testing.T) {
	w := newWorld(t)
	w.say("tg:-1", "tg:1", "/bind 3网格")
	if got := w.say("tg:-1", "tg:5", "我是谁"); strings.Contains(got, "tg:5") || strings.Contains(got, "tg:-1") || !strings.Contains(got, "3网格") {
		t.Errorf("resident in group: %q", got)
	}
	if got := w.say("tg:5", "tg:5", "我是谁"); !strings.Contains(got, "tg:5") {
		t.Errorf("resident in private: %q", got)
	}
	if got := w.say("tg:-1", "tg:1", "我是谁"); !strings.Contains(got, "tg:1") || !strings.Contains(got, "tg:-1") {
		t.Errorf("staff in group: %q", got)
	}
}

func TestGroupAdminGetsWorkerHelp(t *testing.T) {
	w := newWorld(t)
	w.say("tg:-1", "tg:1", "/bind 3网格")
	resident := w.say("tg:-1", "tg:5", "帮助")
	w.s.SetAdmin("tg:6", true)
	admin := w.say("tg:-1", "tg:6", "帮助")
	if resident == admin || !strings.Contains(admin, "网格列表") {
		t.Errorf("group admin got resident help:\n%s", admin)
	}
}

// TestWhoamiShowsTheRoleTheRouterGrants: an appointed grid worker may start
// 网格列表 (a grid worker's command) in private and in the group, so 我是谁
// must call them 网格员 there too, naming their grid; so must an
// administrator of a bound group.
func TestWhoamiShowsTheRoleTheRouterGrants(t *testing.T) {
	w := newWorld(t)
	w.say("tg:-1", "tg:1", "/bind 3网格")
	w.say("tg:-2", "tg:1", "/bind 5网格")
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Text: "任命网格员",
		ReplyTo: &bot.Reply{User: "tg:7", UserName: "小刘"}})
	for _, chat := range []bot.ChatRef{"tg:7", "tg:-1"} {
		if got := w.say(chat, "tg:7", "网格列表"); !strings.Contains(got, "网格列表</b>（") {
			t.Fatalf("appointed worker in %s cannot list grids: %q", chat, got)
		}
		got := w.say(chat, "tg:7", "我是谁")
		if !strings.Contains(got, "身份：网格员") || !strings.Contains(got, "负责网格：3网格") {
			t.Errorf("appointed worker's 我是谁 in %s: %q", chat, got)
		}
	}
	if got := w.say("tg:7", "tg:7", "我是谁"); strings.Contains(got, "本群") {
		t.Errorf("private 我是谁 talks of 本群: %q", got)
	}
	if got := w.say("tg:-2", "tg:7", "我是谁"); !strings.Contains(got, "身份：居民") {
		t.Errorf("3网格 worker in the 5网格 group, where they may not run worker commands: %q", got)
	}
	w.s.SetAdmin("tg:6", true)
	if got := w.say("tg:-2", "tg:6", "我是谁"); !strings.Contains(got, "身份：网格员") || !strings.Contains(got, "负责网格：5网格") {
		t.Errorf("group admin's 我是谁: %q", got)
	}
	if got := w.say("tg:5", "tg:5", "我是谁"); !strings.Contains(got, "身份：居民") || strings.Contains(got, "负责网格") {
		t.Errorf("resident's 我是谁: %q", got)
	}
}

// TestStaffTextIsChineseWithRealExamples: refusals and usage lines show the
// Chinese keywords staff type, with a grid that exists, never a /slash
// command, a language code or a stray space before 例如.
func TestStaffTextIsChineseWithRealExamples(t *testing.T) {
	w := newWorld(t)
	w.handle(&bot.Update{Chat: "tg:-1", ChatKind: bot.Group, User: "tg:1", Text: "绑定网格", ChatTitle: "幸福里五网格群"})
	if got := w.s.LastTo("tg:-1"); !strings.Contains(got, "绑定网格 5网格") {
		t.Errorf("bind usage in 幸福里五网格群: %q", got)
	}
	w.say("tg:-1", "tg:1", "绑定网格 5网格")
	replies := map[string]string{}
	for _, text := range []string{"网格标签", "双语推送", "双语推送 5网格", "双语推送 5网格 klingon", "添加工作人员", "帮助 网格"} {
		replies[text] = w.say("tg:1", "tg:1", text)
	}
	replies["任命网格员"] = w.say("tg:-1", "tg:1", "任命网格员")
	for text, got := range replies {
		if plain := bot.PlainText(got); strings.Contains(plain, "/") || strings.Contains(plain, " 例如") || strings.Contains(plain, " ug") {
			t.Errorf("%s: %q has a slash command or a space before 例如", text, got)
		}
	}
	if got := replies["网格标签"]; !strings.Contains(got, "网格标签 5网格 老旧小区") || !strings.Contains(got, "网格标签 5网格 清除") {
		t.Errorf("tag usage: %q", got)
	}
	if got := replies["双语推送"]; !strings.Contains(got, "双语推送 5网格 维吾尔语") || strings.Contains(got, " ug") {
		t.Errorf("language usage: %q", got)
	}
	if got := replies["双语推送 5网格 klingon"]; !strings.Contains(got, "哈萨克语") {
		t.Errorf("unknown language: %q", got)
	}
	if got := replies["任命网格员"]; !strings.Contains(got, "任命网格员 @用户名") {
		t.Errorf("appoint without a target: %q", got)
	}
	if got := w.say("tg:1", "tg:1", "双语推送 5网格 维语"); !strings.Contains(got, "维吾尔语") {
		t.Errorf("set language: %q", got)
	}
	if g, _, _ := w.dir.Grid(context.Background(), "5网格"); g.Lang != "ug" {
		t.Errorf("stored language = %q, want ug", g.Lang)
	}
	if got := w.say("tg:1", "tg:1", "网格列表"); !strings.Contains(got, "双语：维吾尔语") {
		t.Errorf("grid list does not show the second language: %q", got)
	}
	w.say("tg:1", "tg:1", "网格标签 5网格 老旧小区")
	if got := w.say("tg:1", "tg:1", "网格标签 5网格 清除"); !strings.Contains(got, "已清除") {
		t.Errorf("clear tags: %q", got)
	}
	if g, _, _ := w.dir.Grid(context.Background(), "5网格"); len(g.Tags) != 0 {
		t.Errorf("tags after 清除 = %q", g.Tags)
	}
}

// TestGridLanguagesHaveTipTranslations: every language staff may choose for
// a grid is one the tip banks may carry a translation in.
func TestGridLanguagesHaveTipTranslations(t *testing.T) {
	for _, l := range grid.Languages {
		if !slices.Contains(tips.Languages, l.Code) {
			t.Errorf("grid language %s (%s) is not among tips.Languages %v", l.Name, l.Code, tips.Languages)
		}
	}
}

// TestRemoveStaffSaysWhyNot: removing someone who is staff by the config
// file says to change the file; removing someone who is not staff says so,
// instead of calling them staff of another kind.
func TestRemoveStaffSaysWhyNot(t *testing.T) {
	w := newWorld(t)
	if got := w.say("tg:1", "tg:1", "移除工作人员 1"); !strings.Contains(got, "配置文件") {
		t.Errorf("config staff: %q", got)
	}
	if got := w.say("tg:1", "tg:1", "移除工作人员 5"); !strings.Contains(got, "不是社区工作人员") || strings.Contains(got, "配置") {
		t.Errorf("not staff at all: %q", got)
	}
}
