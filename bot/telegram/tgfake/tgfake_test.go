package tgfake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridbot/bot/telegram/tgfake"
)

type apiResp struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

func call(t *testing.T, s *tgfake.Server, method string, v url.Values) (int, apiResp) {
	t.Helper()
	resp, err := http.PostForm(s.URL+"/botTOKEN/"+method, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apiResp
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

func TestGroupLimitGives429(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	s.EnforceLimits(true)
	for i := range 20 {
		if code, r := call(t, s, "sendMessage", url.Values{"chat_id": {"-100"}, "text": {"x"}}); code != 200 {
			t.Fatalf("message %d: %d %s, want 200 (within 20/min)", i+1, code, r.Description)
		}
	}
	code, r := call(t, s, "sendMessage", url.Values{"chat_id": {"-100"}, "text": {"x"}})
	if code != 429 || r.ErrorCode != 429 || r.Parameters.RetryAfter < 1 || r.Parameters.RetryAfter > 60 {
		t.Fatalf("21st message in a minute: %d %+v, want 429 with retry_after in 1..60", code, r)
	}
	if got := s.Violations(); got != 1 {
		t.Errorf("violations = %d, want 1", got)
	}
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"-101"}, "text": {"x"}}); code != 200 {
		t.Errorf("another group: %d, want 200", code)
	}
	if got := len(s.SentTo(-100)); got != 20 {
		t.Errorf("recorded %d messages to the limited group, want 20", got)
	}
}

// TestPaidBroadcastPassesTheFreeLimit: 100 messages at once with
// allow_paid_broadcast all go (the paid limit is 1,000 a second) and are
// counted as paid; free messages sent right after are still held to 30.
func TestPaidBroadcastPassesTheFreeLimit(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	s.EnforceLimits(true)
	for i := range 100 {
		code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {itoa(-5000 - i)}, "text": {"x"}, "allow_paid_broadcast": {"true"}})
		if code != 200 {
			t.Fatalf("paid message %d: %d, want 200", i, code)
		}
	}
	if s.PaidSent() != 100 || s.Violations() != 0 {
		t.Errorf("paid %d, violations %d; want 100 paid and none refused", s.PaidSent(), s.Violations())
	}
	refused := 0
	for i := range 40 {
		if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {itoa(1000 + i)}, "text": {"x"}}); code == 429 {
			refused++
		}
	}
	if refused < 10 || s.PaidSent() != 100 {
		t.Errorf("refused %d of 40 free messages (want at least 10), paid %d (want 100)", refused, s.PaidSent())
	}
}

func TestBotLimitGives429(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	s.EnforceLimits(true)
	refused := 0
	for i := range 40 {
		code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {itoa(1000 + i)}, "text": {"x"}})
		if code == 429 {
			refused++
		}
	}
	if refused < 10 {
		t.Errorf("refused %d of 40 private messages sent at once, want at least 10 (30/s)", refused)
	}
	if s.Violations() != refused {
		t.Errorf("violations %d != refused %d", s.Violations(), refused)
	}
}

func TestGetUpdatesOffset(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	id1 := s.PushText(-1, 7, "一")
	id2 := s.PushText(-1, 7, "二")
	_, r := call(t, s, "getUpdates", url.Values{"timeout": {"0"}})
	var ups []struct {
		UpdateID int `json:"update_id"`
	}
	_ = json.Unmarshal(r.Result, &ups)
	if len(ups) != 2 || ups[0].UpdateID != id1 || ups[1].UpdateID != id2 {
		t.Fatalf("getUpdates = %s, want ids %d, %d", r.Result, id1, id2)
	}
	_, r = call(t, s, "getUpdates", url.Values{"offset": {itoa(id2)}, "timeout": {"0"}})
	_ = json.Unmarshal(r.Result, &ups)
	if len(ups) != 1 || ups[0].UpdateID != id2 {
		t.Errorf("with offset %d: %s, want only %d", id2, r.Result, id2)
	}
	start := time.Now()
	go func() { time.Sleep(100 * time.Millisecond); s.PushText(-1, 7, "三") }()
	_, r = call(t, s, "getUpdates", url.Values{"offset": {itoa(id2 + 1)}, "timeout": {"5"}})
	_ = json.Unmarshal(r.Result, &ups)
	if len(ups) != 1 || time.Since(start) > 900*time.Millisecond {
		t.Errorf("long poll: %s after %v, want the pushed update soon after it arrived", r.Result, time.Since(start))
	}
	if s.Pending() != 1 {
		t.Errorf("pending = %d, want 1 (the two confirmed are forgotten)", s.Pending())
	}
}

func TestInjectedFailures(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	s.Kick(-5)
	code, r := call(t, s, "sendMessage", url.Values{"chat_id": {"-5"}, "text": {"x"}})
	if code != 403 || !strings.Contains(r.Description, "kicked") {
		t.Errorf("kicked chat: %d %q, want 403 bot was kicked", code, r.Description)
	}
	s.FailNext(2, tgfake.Failure{Code: 500})
	for i := range 2 {
		if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"6"}, "text": {"x"}}); code != 500 {
			t.Errorf("call %d: %d, want 500", i, code)
		}
	}
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"6"}, "text": {"x"}}); code != 200 {
		t.Errorf("third call: %d, want 200", code)
	}
	s.ClearFailures()
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"-5"}, "text": {"x"}}); code != 200 {
		t.Errorf("after ClearFailures: %d, want 200", code)
	}
}

func TestMigratedGroupAnswersWithNewID(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	s.Migrate(-555, -1009998887776)
	code, r := call(t, s, "sendMessage", url.Values{"chat_id": {"-555"}, "text": {"x"}})
	if code != 400 || !strings.Contains(r.Description, "upgraded to a supergroup") || r.Parameters.MigrateToChatID != -1009998887776 {
		t.Errorf("send to the old group: %d %+v, want 400 upgraded with migrate_to_chat_id -1009998887776", code, r)
	}
	s.ClearFailures()
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"-555"}, "text": {"x"}}); code != 400 {
		t.Errorf("old group after ClearFailures: %d, want still 400 (a migration is not undone)", code)
	}
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"-1009998887776"}, "text": {"x"}}); code != 200 {
		t.Errorf("send to the supergroup: %d, want 200", code)
	}
	if got := len(s.SentTo(-555)); got != 0 {
		t.Errorf("recorded %d messages in the old group, want 0", got)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestEditsShareTheGroupBudget checks the model the fake enforces: edits
// of a message in a group count against the same 20 a minute as sends, and
// each edit is kept with its time.
func TestEditsShareTheGroupBudget(t *testing.T) {
	s := tgfake.New()
	defer s.Close()
	s.EnforceLimits(true)
	for i := range 10 {
		if code, r := call(t, s, "sendMessage", url.Values{"chat_id": {"-100"}, "text": {"x" + itoa(i)}}); code != 200 {
			t.Fatalf("message %d: %d %s", i+1, code, r.Description)
		}
	}
	first := s.SentTo(-100)[0]
	for i := range 10 {
		code, r := call(t, s, "editMessageText", url.Values{"chat_id": {"-100"}, "message_id": {itoa(first.MessageID)}, "text": {"名单 " + itoa(i)}})
		if code != 200 {
			t.Fatalf("edit %d: %d %s, want 200 (sends and edits 20 in all)", i+1, code, r.Description)
		}
	}
	if code, _ := call(t, s, "editMessageText", url.Values{"chat_id": {"-100"}, "message_id": {itoa(first.MessageID)}, "text": {"名单 again"}}); code != 429 {
		t.Fatalf("the 21st send or edit in a minute got %d, want 429", code)
	}
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"-100"}, "text": {"y"}}); code != 429 {
		t.Fatalf("a send after 10 sends and 10 edits got %d, want 429", code)
	}
	m := s.SentTo(-100)[0]
	if m.Edits != 10 || len(m.Versions) != 11 || m.Versions[10].Text != "名单 9" || m.Versions[0].Text != "x0" {
		t.Fatalf("edits %d, versions %+v", m.Edits, m.Versions)
	}
	if s.Violations() != 2 {
		t.Errorf("violations = %d, want 2", s.Violations())
	}
}
