package console

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"gridbot/bot"
)

func runScript(t *testing.T, script string) ([]*bot.Update, string) {
	t.Helper()
	var out bytes.Buffer
	c := New(strings.NewReader(script), &out, true, "")
	var mu sync.Mutex
	var got []*bot.Update
	err := c.Run(context.Background(), func(ctx context.Context, s bot.Sender, u *bot.Update) <-chan struct{} {
		mu.Lock()
		got = append(got, u)
		mu.Unlock()
		if u.Text == "发按钮" {
			_, _ = s.Send(ctx, u.Chat, bot.Message{Text: "活动 <b>1</b> <a href=\"console:start=quiz_1\">点这里答题</a>", Buttons: [][]bot.Button{{{Text: "报名", Data: "ev:join:1"}, {Text: "答题", URL: "console:start=quiz_1"}}}})
		}
		done := make(chan struct{})
		close(done)
		return done
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, out.String()
}

func TestSpeakersChatsAndButtons(t *testing.T) {
	got, out := runScript(t, "大家好\n/as staff\n发按钮\n/tap 1\n/tap 2\n/as 居民 李大爷\n/to 3\n活动\n/to 私聊\n帮助\n/to 9\n")
	if len(got) != 6 {
		t.Fatalf("updates = %d, want 6\n%s", len(got), out)
	}
	want := []struct {
		chat bot.ChatRef
		kind bot.ChatKind
		user bot.UserRef
		text string
		data string
	}{
		{"console:g1", bot.Group, "console:张阿姨", "大家好", ""},
		{"console:g1", bot.Group, StaffSpeaker.User, "发按钮", ""},
		{"console:g1", bot.Group, StaffSpeaker.User, "", "ev:join:1"},
		{"console:staff", bot.Private, StaffSpeaker.User, "/start quiz_1", ""},
		{"console:g3", bot.Group, "console:李大爷", "活动", ""},
		{"console:李大爷", bot.Private, "console:李大爷", "帮助", ""},
	}
	for i, w := range want {
		u := got[i]
		if u.Chat != w.chat || u.ChatKind != w.kind || u.User != w.user || u.Text != w.text || u.Data != w.data {
			t.Errorf("update %d = %+v, want %+v", i, u, w)
		}
	}
	if got[2].CallbackID == "" {
		t.Error("button press without a callback id")
	}
	for _, s := range []string{"活动 1", "[1] 报名", "没有这个群", "本地试用"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "<b>") || strings.Contains(out, "(console:start") || !strings.Contains(out, "点这里答题") {
		t.Errorf("markup or trial links shown raw:\n%s", out)
	}
}

func TestContinuedLinesMakeOneMessage(t *testing.T) {
	got, _ := runScript(t, "发布活动\\\n活动：义诊\\\n名额：5\n")
	if len(got) != 1 || got[0].Text != "发布活动\n活动：义诊\n名额：5" {
		t.Fatalf("got %+v", got)
	}
}

// TestReplyLineAddressesTheBot checks the console's way to reply to the
// bot: "回复 …" is said to the bot (Update.Addressed), without the prefix;
// any other line is not.
func TestReplyLineAddressesTheBot(t *testing.T) {
	got, _ := runScript(t, "回复 我不太会弄\n我不太会弄\n回复\n")
	if len(got) != 3 {
		t.Fatalf("updates = %d, want 3", len(got))
	}
	if got[0].Text != "我不太会弄" || !got[0].Addressed {
		t.Errorf("回复 line = %q addressed %v, want the text addressed to the bot", got[0].Text, got[0].Addressed)
	}
	if got[1].Addressed || got[2].Addressed || got[2].Text != "回复" {
		t.Errorf("plain lines taken as replies: %+v %+v", got[1], got[2])
	}
	if !strings.Contains(Banner, ReplyPrefix) {
		t.Error("the banner does not tell how to reply to the bot")
	}
}
