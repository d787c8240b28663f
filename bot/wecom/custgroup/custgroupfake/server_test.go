package custgroupfake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gridbot/bot/wecom/custgroup/custgroupfake"
)

func call(t *testing.T, method, u, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func TestProtocol(t *testing.T) {
	s := custgroupfake.New("ww1", "sec")
	defer s.Close()
	s.AddGroup(custgroupfake.Group{ChatID: "wr1", Owner: "li"})
	s.AddGroup(custgroupfake.Group{ChatID: "wr2", Owner: "li"})
	for _, c := range []struct {
		q    url.Values
		want float64
	}{
		{url.Values{"corpid": {"ww2"}, "corpsecret": {"sec"}}, custgroupfake.CodeBadCorpID},
		{url.Values{"corpid": {"ww1"}, "corpsecret": {"nope"}}, custgroupfake.CodeBadSecret},
	} {
		if m := call(t, "GET", s.URL+"/cgi-bin/gettoken?"+c.q.Encode(), ""); m["errcode"] != c.want {
			t.Errorf("gettoken %v: %v", c.q, m)
		}
	}
	tok := call(t, "GET", s.URL+"/cgi-bin/gettoken?corpid=ww1&corpsecret=sec", "")["access_token"].(string)
	api := s.URL + "/cgi-bin/externalcontact/groupchat/list?access_token=" + tok
	for _, c := range []struct {
		method, u, body string
		want            float64
	}{
		{"GET", api, "", custgroupfake.CodeBadParam},
		{"POST", s.URL + "/cgi-bin/externalcontact/groupchat/list", `{"limit":10}`, custgroupfake.CodeNoToken},
		{"POST", api + "x", `{"limit":10}`, custgroupfake.CodeBadToken},
		{"POST", api, `{"limit":0}`, custgroupfake.CodeBadParam},
		{"POST", api, `{"limit":10,"cursor":"bogus"}`, custgroupfake.CodeBadCursor},
		{"POST", api, `{"limit":1}`, 0},
	} {
		if m := call(t, c.method, c.u, c.body); m["errcode"] != c.want {
			t.Errorf("%s %s %s: %v, want %v", c.method, c.u, c.body, m, c.want)
		}
	}
	first := call(t, "POST", api, `{"limit":1}`)
	next := first["next_cursor"].(string)
	second := call(t, "POST", api, `{"limit":1,"cursor":"`+next+`"}`)
	a := first["group_chat_list"].([]any)[0].(map[string]any)["chat_id"]
	b := second["group_chat_list"].([]any)[0].(map[string]any)["chat_id"]
	if a != "wr1" || b != "wr2" || second["next_cursor"] != "" {
		t.Fatalf("pages %v then %v", first, second)
	}
	for _, c := range s.Calls() {
		if strings.Contains(c.Body, "sec") || strings.Contains(c.Body, tok) {
			t.Fatalf("a call record holds a credential: %+v", c)
		}
	}
}
