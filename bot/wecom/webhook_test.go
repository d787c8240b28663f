package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gridbot/bot"
	"gridbot/bot/wecom"
	"gridbot/bot/wecom/wecomfake"
)

const key3 = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

func newSender(t *testing.T, logs *bytes.Buffer) (*wecom.Sender, *wecomfake.Server) {
	t.Helper()
	fake := wecomfake.New()
	t.Cleanup(fake.Close)
	fake.AddRobot(key3)
	fake.AddRobot("key-4")
	cfg := wecom.DefaultConfig()
	cfg.APIBase = fake.URL
	cfg.Groups = []wecom.Group{
		{Grid: "3网格", WebhookKey: key3, Name: "三网格居民群"},
		{Grid: "4网格", WebhookKey: "key-4", ChatID: "wrkSFfCgAAxx"},
	}
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := wecom.NewSender(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return s, fake
}

func TestGroups(t *testing.T) {
	s, _ := newSender(t, nil)
	got := s.Groups()
	want := []wecom.GroupInfo{
		{Chat: "wecom:hook:3网格:1", Grid: "3网格", Name: "三网格居民群"},
		{Chat: "wecom:wrkSFfCgAAxx", Grid: "4网格", Name: "4网格企业微信群"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Groups() = %v, want %v", got, want)
	}
}

func TestSendMarkdownAndButtons(t *testing.T) {
	s, fake := newSender(t, nil)
	m := bot.Message{
		Text:    "<b>元宵节猜灯谜</b>\n时间：2月12日 19:00\n地点：" + bot.Esc("社区<活动室>") + "\n详情 <a href=\"https://example.org/e/7\">点这里</a>",
		Buttons: [][]bot.Button{{{Text: "报名", Data: "ev:join:7"}, {Text: "取消报名", Data: "ev:cancel:7"}}, {{Text: "地图", URL: "https://map.example.org"}}},
	}
	if _, err := s.Send(context.Background(), "wecom:hook:3网格:1", m); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages(key3)
	if len(got) != 1 || got[0].Type != "markdown" {
		t.Fatalf("got %+v, want one markdown message", got)
	}
	c := got[0].Content
	for _, want := range []string{"**元宵节猜灯谜**", "社区<活动室>", "[点这里](https://example.org/e/7)", "「报名 7」、「取消报名 7」", "[地图](https://map.example.org)"} {
		if !strings.Contains(c, want) {
			t.Errorf("content %q lacks %q", c, want)
		}
	}
}

func TestSendPlainWhenMarkdownBreaks(t *testing.T) {
	s, fake := newSender(t, nil)
	if _, err := s.Send(context.Background(), "wecom:wrkSFfCgAAxx", bot.Message{Text: "<b>留言</b>\n" + bot.Esc("张阿姨：*重要* [置顶]")}); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages("key-4")
	if len(got) != 1 || got[0].Type != "text" || got[0].Content != "留言\n张阿姨：*重要* [置顶]" {
		t.Errorf("got %+v, want one text message with the words as typed", got)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	s, fake := newSender(t, nil)
	line := strings.Repeat("网格通知内容", 10) + "\n" // 181 bytes
	text := strings.Repeat(line, 60)            // ~10.8 KB
	if _, err := s.Send(context.Background(), "wecom:hook:3网格:1", bot.Message{Text: text}); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages(key3)
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3", len(got))
	}
	var all strings.Builder
	for _, m := range got {
		c := strings.TrimRight(m.Content, "\n")
		if len(m.Content) > wecom.MarkdownLimit || !strings.HasSuffix(c, "网格通知内容") {
			t.Errorf("piece of %d bytes ends %q: over the limit or cut inside a line", len(m.Content), c[len(c)-12:])
		}
		all.WriteString(c + "\n")
	}
	if all.String() != text {
		t.Errorf("pieces do not add up to the text")
	}
}

func TestRateLimitThenRetry(t *testing.T) {
	s, fake := newSender(t, nil)
	now := time.Unix(1_700_000_000, 0)
	fake.SetClock(func() time.Time { return now })
	ctx := context.Background()
	for i := range 20 {
		if _, err := s.Send(ctx, "wecom:hook:3网格:1", bot.Message{Text: "第" + string(rune('0'+i%10)) + "条"}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, err := s.Send(ctx, "wecom:hook:3网格:1", bot.Message{Text: "第21条"})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.RateLimited || se.Code != 45009 || se.RetryAfter != time.Minute {
		t.Fatalf("21st send err = %v, want RateLimited 45009 retry after 1m", err)
	}
	now = now.Add(se.RetryAfter)
	if _, err := s.Send(ctx, "wecom:hook:3网格:1", bot.Message{Text: "第21条"}); err != nil {
		t.Fatalf("retry after the wait: %v", err)
	}
	if n := len(fake.Messages(key3)); n != 21 {
		t.Errorf("robot got %d messages, want 21", n)
	}
}

func TestErrorKinds(t *testing.T) {
	s, fake := newSender(t, nil)
	ctx := context.Background()
	cases := []struct {
		code int
		kind bot.ErrorKind
	}{{-1, bot.Temporary}, {45009, bot.RateLimited}, {93004, bot.Gone}, {40058, bot.Permanent}, {12345, bot.Temporary}}
	for _, c := range cases {
		fake.FailNext(key3, c.code)
		_, err := s.Send(ctx, "wecom:hook:3网格:1", bot.Message{Text: "测试"})
		if got := bot.KindOf(err); got != c.kind {
			t.Errorf("errcode %d: kind %v, want %v (%v)", c.code, got, c.kind, err)
		}
	}
	if _, err := s.Send(ctx, "wecom:nosuch", bot.Message{Text: "x"}); !errors.Is(err, bot.ErrUnsupported) {
		t.Errorf("unknown chat: %v, want ErrUnsupported", err)
	}
}

func TestInvalidKeyIsGoneAndKeyNeverShown(t *testing.T) {
	var logs bytes.Buffer
	s, fake := newSender(t, &logs)
	fake.RemoveRobot(key3)
	_, err := s.Send(context.Background(), "wecom:hook:3网格:1", bot.Message{Text: "通知"})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Gone || se.Code != 93000 {
		t.Fatalf("err = %v, want Gone 93000", err)
	}
	fake.Close()
	_, err2 := s.Send(context.Background(), "wecom:hook:3网格:1", bot.Message{Text: "通知"})
	if bot.KindOf(err2) != bot.Temporary {
		t.Errorf("server down: %v, want Temporary", err2)
	}
	for _, text := range []string{err.Error(), err2.Error(), logs.String()} {
		if strings.Contains(text, key3) || strings.Contains(text, "693a91f6") {
			t.Errorf("webhook key leaked: %s", text)
		}
	}
	if !strings.Contains(logs.String(), "gone") {
		t.Errorf("no log line for the gone group: %q", logs.String())
	}
}

func TestSendFile(t *testing.T) {
	s, fake := newSender(t, nil)
	data := []byte("姓名,电话\n张阿姨,138****5678\n")
	if _, err := s.Send(context.Background(), "wecom:hook:3网格:1", bot.Message{Text: "报名名单", File: &bot.File{Name: "名单.csv", Data: data}}); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages(key3)
	if len(got) != 2 || got[0].Content != "报名名单" || got[1].Type != "file" || !bytes.Equal(fake.Media(got[1].MediaID), data) {
		t.Errorf("got %+v, want the caption then the file", got)
	}
}

func TestBindGroups(t *testing.T) {
	s, _ := newSender(t, nil)
	var b binder
	if err := s.BindGroups(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if want := "wecom:hook:3网格:1=3网格/三网格居民群;wecom:wrkSFfCgAAxx=4网格/4网格企业微信群;"; b.got != want {
		t.Errorf("bound %q, want %q", b.got, want)
	}
}

type binder struct{ got string }

func (b *binder) Bind(_ context.Context, chat bot.ChatRef, grid, title string) (string, error) {
	b.got += string(chat) + "=" + grid + "/" + title + ";"
	return "", nil
}

func TestConfigValidate(t *testing.T) {
	cfg := wecom.DefaultConfig()
	cfg.Groups = []wecom.Group{{Grid: "", WebhookKey: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY"}, {Grid: "5网格", WebhookKeyEnv: "GRIDBOT_TEST_NO_SUCH_VAR"}}
	cfg.Callback.Token = "t"
	cfg.Callback.AESKey = "tooshort-SECRET"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{"wecom.groups[0].grid", "wecom.groups[0].webhook_key", "wecom.groups[1].webhook_key_env", "wecom.callback.aes_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error quotes a secret: %v", err)
	}
	t.Setenv("GRIDBOT_TEST_WECOM_KEY", "k5")
	ok := wecom.DefaultConfig()
	ok.Groups = []wecom.Group{{Grid: "5网格", WebhookKeyEnv: "GRIDBOT_TEST_WECOM_KEY"}}
	if err := ok.Validate(); err != nil {
		t.Errorf("key from env: %v", err)
	}
}
