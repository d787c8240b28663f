package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gridbot/bot"
	"gridbot/bot/telegram/tgfake"
)

func TestNewReadsGetMe(t *testing.T) {
	c, f, _ := newTest(t, nil)
	if got, want := c.Username(), tgfake.BotUsername; got != want {
		t.Errorf("Username() = %q, want %q", got, want)
	}
	if !c.CanReadAllGroupMessages() {
		t.Errorf("CanReadAllGroupMessages() = false, want true")
	}
	f.SetMe("other_bot", false)
	c2, err := New(context.Background(), Config{Token: testToken, APIEndpoint: f.Endpoint()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c2.Username(), "other_bot"; got != want {
		t.Errorf("Username() = %q, want %q", got, want)
	}
	if c2.CanReadAllGroupMessages() {
		t.Errorf("CanReadAllGroupMessages() = true with privacy mode on, want false")
	}
	if got, want := c2.DeepLink("quiz-7"), "https://t.me/other_bot?start=quiz-7"; got != want {
		t.Errorf("DeepLink = %q, want %q", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	base := DefaultConfig()
	base.Token = testToken
	for _, tc := range []struct {
		name string
		edit func(*Config)
		key  string
	}{
		{"no token", func(c *Config) { c.Token = "" }, "telegram.token"},
		{"endpoint without %s", func(c *Config) { c.APIEndpoint = "http://127.0.0.1:8081/bot" }, "telegram.api_endpoint"},
		{"webhook without secret", func(c *Config) { c.WebhookURL = "https://example.org/tg" }, "telegram.webhook_secret"},
		{"bad secret chars", func(c *Config) { c.WebhookURL = "https://example.org/tg"; c.WebhookSecret = "a b" }, "telegram.webhook_secret"},
	} {
		c := base
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", tc.name, err, tc.key)
		}
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error contains the token", tc.name)
		}
	}
	if err := base.Validate(); err != nil {
		t.Errorf("default config with token: %v", err)
	}
}

func TestSendHTMLEscaped(t *testing.T) {
	c, f, _ := newTest(t, nil)
	text := "<b>报名成功</b>\n姓名：" + bot.Esc("<张&李>")
	id, err := c.Send(context.Background(), "tg:-1001", bot.Message{
		Text:    text,
		ReplyTo: "55",
		Buttons: [][]bot.Button{{{Text: "取消报名", Data: "ev:cancel:3"}, {Text: "详情", URL: "https://example.org/e/3"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.SentTo(-1001)
	if len(sent) != 1 {
		t.Fatalf("sent %d messages, want 1", len(sent))
	}
	m := sent[0]
	if got, want := m.Text, "<b>报名成功</b>\n姓名：&lt;张&amp;李&gt;"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if got, want := m.ParseMode, "HTML"; got != want {
		t.Errorf("parse_mode = %q, want %q", got, want)
	}
	if got, want := m.ReplyTo, 55; got != want {
		t.Errorf("reply_to = %d, want %d", got, want)
	}
	want := [][]tgfake.Button{{{Text: "取消报名", Data: "ev:cancel:3"}, {Text: "详情", URL: "https://example.org/e/3"}}}
	if len(m.Buttons) != 1 || len(m.Buttons[0]) != 2 || m.Buttons[0][0] != want[0][0] || m.Buttons[0][1] != want[0][1] {
		t.Errorf("buttons = %+v, want %+v", m.Buttons, want)
	}
	if got, want := id, "101"; got != want {
		t.Errorf("message id = %q, want %q", got, want)
	}
}

func TestSendSplitsLongTextOnLines(t *testing.T) {
	c, f, _ := newTest(t, nil)
	var lines []string
	for i := range 300 {
		lines = append(lines, strings.Repeat("网", 10)+" 第"+string(rune('0'+i%10))+"行")
	}
	text := strings.Join(lines, "\n")
	_, err := c.Send(context.Background(), "tg:42", bot.Message{Text: text, ReplyTo: "9",
		Buttons: [][]bot.Button{{{Text: "好", Data: "x:1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.SentTo(42)
	if len(sent) < 2 {
		t.Fatalf("sent %d messages, want a split into several", len(sent))
	}
	var got []string
	for i, m := range sent {
		if len(m.Text) > 4096 {
			t.Errorf("part %d is %d bytes, over 4096", i, len(m.Text))
		}
		if !strings.HasSuffix(m.Text, "行") {
			t.Errorf("part %d does not end on a line boundary: ...%q", i, m.Text[len(m.Text)-12:])
		}
		if (m.ReplyTo != 0) != (i == 0) {
			t.Errorf("part %d reply_to = %d; only the first part should reply", i, m.ReplyTo)
		}
		if (len(m.Buttons) != 0) != (i == len(sent)-1) {
			t.Errorf("part %d has %d button rows; only the last part should", i, len(m.Buttons))
		}
		got = append(got, m.Text)
	}
	if strings.Join(got, "\n") != text {
		t.Errorf("parts joined do not give back the text")
	}
}

func TestSendDocumentWithCaption(t *testing.T) {
	c, f, _ := newTest(t, nil)
	_, err := c.Send(context.Background(), "tg:42", bot.Message{Text: "<b>台账</b>", File: &bot.File{Name: "台账.xlsx", Data: []byte("PK\x03\x04data")}})
	if err != nil {
		t.Fatal(err)
	}
	sent := f.SentTo(42)
	if len(sent) != 1 {
		t.Fatalf("sent %d, want 1", len(sent))
	}
	if got, want := sent[0].Method, "sendDocument"; got != want {
		t.Errorf("method = %q, want %q", got, want)
	}
	if got, want := sent[0].Text, "<b>台账</b>"; got != want {
		t.Errorf("caption = %q, want %q", got, want)
	}
	if got, want := string(sent[0].FileData), "PK\x03\x04data"; got != want {
		t.Errorf("file = %q, want %q", got, want)
	}
	if got, want := sent[0].FileName, "台账.xlsx"; got != want {
		t.Errorf("file name = %q, want %q", got, want)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	c, f, _ := newTest(t, nil)
	f.FailNext(1, tgfake.Failure{Code: 429, RetryAfter: 1})
	if _, err := c.Send(context.Background(), "tg:-5", bot.Message{Text: "通知"}); err != nil {
		t.Fatalf("Send after one 429: %v", err)
	}
	var times []time.Time
	for _, r := range f.Requests() {
		if r.Method == "sendMessage" {
			times = append(times, r.Time)
		}
	}
	if len(times) != 2 {
		t.Fatalf("sendMessage calls = %d, want 2 (429 then retry)", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Errorf("retry came %v after the 429, want at least retry_after=1s", gap)
	}
	if len(f.SentTo(-5)) != 1 {
		t.Errorf("messages delivered = %d, want 1", len(f.SentTo(-5)))
	}
}

func TestRateLimitBeyondMaxWaitReturned(t *testing.T) {
	c, f, _ := newTest(t, func(c *Config) { c.MaxRetryWait = time.Second })
	f.FailNext(1, tgfake.Failure{Code: 429, RetryAfter: 30})
	_, err := c.Send(context.Background(), "tg:-5", bot.Message{Text: "通知"})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.RateLimited || se.RetryAfter != 30*time.Second {
		t.Fatalf("err = %v, want RateLimited with RetryAfter 30s", err)
	}
	if got := f.Calls("sendMessage"); got != 1 {
		t.Errorf("sendMessage calls = %d, want 1 (no retry within the call)", got)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	c, f, _ := newTest(t, nil)
	f.FailNext(1, tgfake.Failure{Code: 500})
	f.FailNext(1, tgfake.Failure{Code: 502, Raw: true})
	if _, err := c.Send(context.Background(), "tg:-5", bot.Message{Text: "通知"}); err != nil {
		t.Fatalf("Send after two 5xx: %v", err)
	}
	if got, want := f.Calls("sendMessage"), 3; got != want {
		t.Errorf("sendMessage calls = %d, want %d", got, want)
	}
	f.FailNext(10, tgfake.Failure{Code: 500})
	_, err := c.Send(context.Background(), "tg:-5", bot.Message{Text: "通知"})
	if got, want := bot.KindOf(err), bot.Temporary; got != want {
		t.Errorf("after retries exhausted: kind = %v (%v), want Temporary", got, err)
	}
}

func TestKickedIsGone(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, f, _ := newTest(t, nil)
	c.metrics = bot.NewMetrics(reg)
	f.Kick(-77)
	before := sendErrors(reg, "gone")
	_, err := c.Send(context.Background(), "tg:-77", bot.Message{Text: "通知"})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Gone || se.Code != 403 {
		t.Fatalf("err = %#v, want Gone 403", err)
	}
	if got := f.Calls("sendMessage"); got != 1 {
		t.Errorf("sendMessage calls = %d, want 1 (no retry on 403)", got)
	}
	if got := sendErrors(reg, "gone") - before; got != 1 {
		t.Errorf("gone send errors counted = %v, want 1", got)
	}
	_, err = c.Send(context.Background(), "tg:-77", bot.Message{Text: "台账", File: &bot.File{Name: "a.csv", Data: []byte("a")}})
	if !errors.As(err, &se) || se.Kind != bot.Gone || se.Code != 403 {
		t.Errorf("document to a kicked chat: %#v, want Gone 403", err)
	}
	f.FailChat(-78, tgfake.Failure{Code: 400, Desc: "Bad Request: chat not found"})
	if _, err := c.Send(context.Background(), "tg:-78", bot.Message{Text: "x"}); bot.KindOf(err) != bot.Gone {
		t.Errorf("chat not found: kind = %v, want Gone", bot.KindOf(err))
	}
	f.FailChat(-79, tgfake.Failure{Code: 400, Desc: "Bad Request: can't parse entities"})
	if _, err := c.Send(context.Background(), "tg:-79", bot.Message{Text: "x"}); bot.KindOf(err) != bot.Permanent {
		t.Errorf("bad entities: kind = %v, want Permanent", bot.KindOf(err))
	}
}

func TestMigratedGroupGetsMessagesInSupergroup(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, f, _ := newTest(t, nil)
	c.metrics = bot.NewMetrics(reg)
	ctx := context.Background()
	const old, super = -555, -1009998887776
	f.Migrate(old, super)
	before := sendErrors(reg, "gone")
	id, err := c.Send(ctx, "tg:-555", bot.Message{Text: "停水通知：明天 9:00-12:00"})
	if err != nil {
		t.Fatalf("Send to a group that became a supergroup: %v, want success in the supergroup", err)
	}
	got := f.SentTo(super)
	if len(got) != 1 || got[0].Text != "停水通知：明天 9:00-12:00" || strconv.Itoa(got[0].MessageID) != id {
		t.Fatalf("supergroup got %+v, want the notice with message id %s", got, id)
	}
	long := strings.Repeat("通知内容一行。\n", 400)
	if _, err := c.Send(ctx, "tg:-555", bot.Message{Text: long}); err != nil {
		t.Fatalf("long Send to the migrated group: %v", err)
	}
	if got, want := len(f.SentTo(super)), 1+len(bot.Split(long, 4096)); got != want {
		t.Errorf("supergroup has %d messages, want %d", got, want)
	}
	toOld := 0
	for _, r := range f.Requests() {
		if r.ChatID == old {
			toOld++
		}
	}
	if toOld != 2 {
		t.Errorf("calls to the old group = %d, want 2 (one per Send; later parts go straight to the supergroup)", toOld)
	}
	if _, err := c.Send(ctx, "tg:-555", bot.Message{Text: "台账", File: &bot.File{Name: "a.csv", Data: []byte("a,b")}}); err != nil {
		t.Errorf("document to the migrated group: %v", err)
	}
	if _, _, err := c.SendQuiz(ctx, "tg:-555", bot.QuizPoll{Question: "问题", Options: []string{"甲", "乙"}}); err != nil {
		t.Errorf("quiz to the migrated group: %v", err)
	}
	last := f.SentTo(super)
	if n := len(last); n < 2 || string(last[n-2].FileData) != "a,b" || last[n-1].Poll == nil {
		t.Errorf("supergroup does not end with the document and the quiz: %d messages", n)
	}
	if err := c.Edit(ctx, "tg:-555", "101", bot.Message{Text: "x"}); bot.KindOf(err) != bot.Permanent {
		t.Errorf("edit in the old group: %v, want Permanent (the group is not lost)", err)
	}
	if got := sendErrors(reg, "gone") - before; got != 0 {
		t.Errorf("gone send errors counted = %v, want 0", got)
	}

	f.Migrate(-556, -1000000000556)
	f.Kick(-1000000000556)
	_, err = c.Send(ctx, "tg:-556", bot.Message{Text: "通知"})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Gone || se.Code != 403 {
		t.Errorf("bot kicked from the supergroup: %v, want Gone 403 from the resend", err)
	}
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	c, f, logs := newTest(t, func(c *Config) { c.Retries = 1 })
	ctx := context.Background()
	var errs []error
	f.FailNext(5, tgfake.Failure{Code: 500})
	_, err := c.Send(ctx, "tg:1", bot.Message{Text: "x"})
	errs = append(errs, err)
	f.FailNext(5, tgfake.Failure{Code: 502, Raw: true})
	_, err = c.Send(ctx, "tg:1", bot.Message{Text: "x"})
	errs = append(errs, err)
	f.FailNext(1, tgfake.Failure{Code: 401, Desc: "Unauthorized"})
	errs = append(errs, c.Delete(ctx, "tg:1", "5"))
	f.Close()
	_, err = c.Send(ctx, "tg:1", bot.Message{Text: "x"})
	errs = append(errs, err)
	if k := bot.KindOf(err); k != bot.Temporary {
		t.Errorf("connection refused: kind = %v, want Temporary (%v)", k, err)
	}
	ctxp, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	store := &memStore{}
	_ = c.Poll(ctxp, store, newRecorder().submit)
	_, err = New(ctx, Config{Token: testToken, APIEndpoint: f.Endpoint(), Retries: 0}, c.log, nil)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "AAFakeSecret") {
			t.Errorf("case %d: error contains the token: %v", i, err)
		}
	}
	if strings.Contains(logs.String(), "AAFakeSecret") {
		t.Errorf("logs contain the token:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "getUpdates failed") {
		t.Errorf("logs lack the getUpdates failure, the test did not exercise it:\n%s", logs.String())
	}
}

func TestEditDeleteAndNotModified(t *testing.T) {
	c, f, _ := newTest(t, nil)
	ctx := context.Background()
	id, err := c.Send(ctx, "tg:-9", bot.Message{Text: "名额 3", Buttons: [][]bot.Button{{{Text: "报名", Data: "ev:j:1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Edit(ctx, "tg:-9", id, bot.Message{Text: "名额 2", Buttons: [][]bot.Button{{{Text: "报名", Data: "ev:j:1"}}}}); err != nil {
		t.Fatalf("Edit: %v", err)
	}
	if err := c.Edit(ctx, "tg:-9", id, bot.Message{Text: "名额 2", Buttons: [][]bot.Button{{{Text: "报名", Data: "ev:j:1"}}}}); err != nil {
		t.Errorf("Edit with the same content: %v, want nil (not modified is success)", err)
	}
	if err := c.Edit(ctx, "tg:-9", id, bot.Message{Text: "已满"}); err != nil {
		t.Fatalf("Edit removing buttons: %v", err)
	}
	m := f.SentTo(-9)[0]
	if m.Text != "已满" || len(m.Buttons) != 0 || m.Edits != 2 {
		t.Errorf("after edits: text %q, buttons %v, edits %d; want 已满, none, 2", m.Text, m.Buttons, m.Edits)
	}
	if err := c.Delete(ctx, "tg:-9", id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if !f.SentTo(-9)[0].Deleted {
		t.Errorf("message not deleted")
	}
	if err := c.Delete(ctx, "tg:-9", id); err != nil {
		t.Errorf("Delete twice: %v, want nil", err)
	}
	if err := c.Edit(ctx, "tg:-9", "999", bot.Message{Text: "x"}); bot.KindOf(err) != bot.Permanent {
		t.Errorf("edit of a missing message: %v, want a Permanent error", err)
	}
}

func TestEditTooLongKeepsWholeLinesAndMarksTheCut(t *testing.T) {
	c, f, _ := newTest(t, nil)
	ctx := context.Background()
	btns := [][]bot.Button{{{Text: "报名", Data: "ev:j:1"}}}
	id, err := c.Send(ctx, "tg:-9", bot.Message{Text: "<b>社区义诊</b>\n剩余名额 3", Buttons: btns})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("<b>社区义诊</b>\n剩余名额 2\n已报名：")
	for i := range 400 {
		fmt.Fprintf(&b, "\n%d. 张阿姨（3号楼）", i+1)
	}
	long := b.String()
	if err := c.Edit(ctx, "tg:-9", id, bot.Message{Text: long, Buttons: btns}); err != nil {
		t.Fatalf("Edit with a long text: %v", err)
	}
	m := f.SentTo(-9)[0]
	if got := len(m.Text); got > 4096 {
		t.Errorf("edited text is %d bytes, want at most 4096", got)
	}
	kept, ok := strings.CutSuffix(m.Text, "\n…")
	if !ok {
		r := []rune(m.Text)
		t.Fatalf("edited text ends %q, want a last line \"…\" showing it was cut", string(r[max(0, len(r)-20):]))
	}
	if !strings.HasPrefix(long, kept+"\n") {
		r := []rune(kept)
		t.Errorf("edited text does not keep whole first lines of the new text, it ends %q", string(r[max(0, len(r)-20):]))
	}
	if !strings.Contains(kept, "剩余名额 2") {
		t.Errorf("edited text lost the head of the notice: %q", string([]rune(kept)[:min(len([]rune(kept)), 20)]))
	}
	if len(m.Buttons) != 1 || m.Buttons[0][0].Data != "ev:j:1" {
		t.Errorf("buttons after the edit = %v, want the 报名 button kept", m.Buttons)
	}
	short := "<b>社区义诊</b>\n剩余名额 1"
	if err := c.Edit(ctx, "tg:-9", id, bot.Message{Text: short, Buttons: btns}); err != nil {
		t.Fatal(err)
	}
	if got := f.SentTo(-9)[0].Text; got != short {
		t.Errorf("text that fits = %q, want it unchanged %q", got, short)
	}
}

func TestQuizAndChatInfo(t *testing.T) {
	c, f, _ := newTest(t, nil)
	ctx := context.Background()
	pollID, msgID, err := c.SendQuiz(ctx, "tg:42", bot.QuizPoll{Question: "民族团结进步创建活动从哪年开始？",
		Options: []string{"1988年", "2000年", "2010年"}, Correct: 0, Explanation: "1988年起", OpenPeriod: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if pollID == "" || msgID == "" {
		t.Errorf("poll id %q, msg id %q; want both", pollID, msgID)
	}
	p := f.SentTo(42)[0].Poll
	if p == nil || p.Type != "quiz" || p.IsAnonymous || p.Correct != 0 || p.OpenPeriod != 60 || len(p.Options) != 3 || p.Explanation != "1988年起" || p.ID != pollID {
		t.Errorf("poll = %+v, want a non-anonymous quiz, correct 0, open 60s, 3 options", p)
	}
	f.SetMembers(-3, 57)
	f.SetAdmins(-3, 500, 501)
	if n, err := c.MemberCount(ctx, "tg:-3"); err != nil || n != 57 {
		t.Errorf("MemberCount = %d, %v; want 57", n, err)
	}
	for _, tc := range []struct {
		user bot.UserRef
		want bool
	}{{"tg:500", true}, {"tg:501", true}, {"tg:502", false}} {
		if got, err := c.IsAdmin(ctx, "tg:-3", tc.user); err != nil || got != tc.want {
			t.Errorf("IsAdmin(%s) = %v, %v; want %v", tc.user, got, err, tc.want)
		}
	}
	admins, err := c.Admins(ctx, "tg:-3")
	if err != nil || len(admins) != 2 || admins[0] != "tg:500" {
		t.Errorf("Admins = %v, %v; want [tg:500 tg:501]", admins, err)
	}
	if err := c.AnswerCallback(ctx, "tg:cb77", "报名成功"); err != nil {
		t.Fatal(err)
	}
	if a := f.Answers(); len(a) != 1 || a[0].ID != "cb77" || a[0].Text != "报名成功" {
		t.Errorf("answers = %+v, want one for cb77 with 报名成功", a)
	}
	if _, err := c.Send(ctx, "wecom:abc", bot.Message{Text: "x"}); bot.KindOf(err) != bot.Permanent {
		t.Errorf("send to a non-telegram chat: %v, want Permanent", err)
	}
}

func TestSetWebhookAndDelete(t *testing.T) {
	c, f, logs := newTest(t, nil)
	if err := c.SetWebhook(context.Background(), "https://bot.example.org/telegram/webhook", "s3cr3t_Value"); err != nil {
		t.Fatal(err)
	}
	wh := f.Webhook()
	if wh == nil || wh.URL != "https://bot.example.org/telegram/webhook" || wh.Secret != "s3cr3t_Value" {
		t.Fatalf("webhook = %+v, want url and secret registered", wh)
	}
	if got := strings.Join(wh.AllowedUpdates, ","); got != "message,callback_query,poll_answer,my_chat_member" {
		t.Errorf("allowed_updates = %s", got)
	}
	if strings.Contains(logs.String(), "s3cr3t_Value") {
		t.Errorf("logs contain the webhook secret")
	}
	if err := c.DeleteWebhook(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.Webhook() != nil {
		t.Errorf("webhook still set after DeleteWebhook")
	}
}

// sendErrors reads gridbot_send_errors_total{platform="tg",kind=kind}
// from reg.
func sendErrors(reg prometheus.Gatherer, kind string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() != "gridbot_send_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["platform"] == Platform && labels["kind"] == kind {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestSendDocumentLongCaptionLosesNothing(t *testing.T) {
	c, f, _ := newTest(t, nil)
	var b strings.Builder
	b.WriteString("<b>")
	for i := range 80 {
		b.WriteString("第" + strconv.Itoa(i) + "行：签到 12 人。\n")
	}
	b.WriteString("</b>完")
	text := b.String()
	if _, err := c.Send(context.Background(), "tg:42", bot.Message{Text: text, File: &bot.File{Name: "台账.xlsx", Data: []byte("PK")}}); err != nil {
		t.Fatal(err)
	}
	sent := f.SentTo(42)
	if len(sent) < 2 || sent[0].Method != "sendDocument" {
		t.Fatalf("sent %d messages, want the document then the rest of the text", len(sent))
	}
	var got strings.Builder
	for i, m := range sent {
		if limit := map[bool]int{true: 1024, false: 4096}[i == 0]; len(m.Text) > limit {
			t.Errorf("message %d is %d bytes, over %d", i, len(m.Text), limit)
		}
		got.WriteString(bot.PlainText(m.Text))
	}
	flat := func(s string) string { return strings.ReplaceAll(s, "\n", "") }
	if flat(got.String()) != flat(bot.PlainText(text)) {
		t.Errorf("caption and messages read\n%q\nwant\n%q", flat(got.String()), flat(bot.PlainText(text)))
	}
}
