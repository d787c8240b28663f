package wecomfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gridbot/bot/wecom/wxcrypt"
)

// Client builds encrypted callback requests the way WeChat Work sends them
// to a smart robot (JSON) or an app (XML), and opens the passive replies.
type Client struct {
	c     *wxcrypt.Crypt
	nonce atomic.Int64
	// Now stamps requests (default time.Now).
	Now func() time.Time
}

// NewClient returns a Client for the robot's token and EncodingAESKey;
// receiveID is "" for a smart robot, the corp id for an app.
func NewClient(token, aesKey, receiveID string) (*Client, error) {
	c, err := wxcrypt.New(token, aesKey, receiveID)
	if err != nil {
		return nil, err
	}
	return &Client{c: c, Now: time.Now}, nil
}

func (c *Client) stamp() (ts, nonce string) {
	return strconv.FormatInt(c.Now().Unix(), 10), strconv.FormatInt(1000+c.nonce.Add(1), 10)
}

// VerifyRequest returns the GET that checks the callback URL target with
// echo as the plaintext the endpoint must answer.
func (c *Client) VerifyRequest(target, echo string) (*http.Request, error) {
	enc, err := c.c.Encrypt([]byte(echo))
	if err != nil {
		return nil, err
	}
	ts, nonce := c.stamp()
	q := url.Values{"msg_signature": {c.c.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	return http.NewRequest(http.MethodGet, target+"?"+q.Encode(), nil)
}

// Request returns the POST carrying plaintext (a smart robot JSON message,
// or an app's XML when xmlForm) encrypted and signed.
func (c *Client) Request(target string, plaintext []byte, xmlForm bool) (*http.Request, error) {
	enc, err := c.c.Encrypt(plaintext)
	if err != nil {
		return nil, err
	}
	ts, nonce := c.stamp()
	q := url.Values{"msg_signature": {c.c.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	var body string
	if xmlForm {
		body = fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>", c.c.ReceiveID(), enc)
	} else {
		b, _ := json.Marshal(map[string]string{"encrypt": enc})
		body = string(b)
	}
	req, err := http.NewRequest(http.MethodPost, target+"?"+q.Encode(), strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// Text is a smart robot text message as WeChat Work sends it.
type Text struct {
	MsgID       string
	ChatID      string // empty for a single (private) chat
	UserID      string
	Content     string // e.g. "@网格助手 报名 3"
	ResponseURL string
}

// JSON returns the plaintext callback JSON of the message.
func (t Text) JSON() []byte {
	m := map[string]any{
		"msgid": t.MsgID, "aibotid": "AIBOTID", "chattype": "single",
		"from": map[string]string{"userid": t.UserID}, "response_url": t.ResponseURL,
		"msgtype": "text", "text": map[string]string{"content": t.Content},
	}
	if t.ChatID != "" {
		m["chatid"], m["chattype"] = t.ChatID, "group"
	}
	b, _ := json.Marshal(m)
	return b
}

// TextRequest is Request for a smart robot text message.
func (c *Client) TextRequest(target string, t Text) (*http.Request, error) {
	return c.Request(target, t.JSON(), false)
}

// CardEvent returns the plaintext callback JSON of a template card button
// press carrying eventKey.
func CardEvent(msgID, chatID, userID, eventKey, responseURL string) []byte {
	m := map[string]any{
		"msgid": msgID, "aibotid": "AIBOTID", "chattype": "single", "create_time": 1700000000,
		"from": map[string]string{"userid": userID}, "response_url": responseURL, "msgtype": "event",
		"event": map[string]any{"eventtype": "template_card_event", "template_card_event": map[string]any{
			"card_type": "button_interaction", "event_key": eventKey, "task_id": "t1"}},
	}
	if chatID != "" {
		m["chatid"], m["chattype"] = chatID, "group"
	}
	b, _ := json.Marshal(m)
	return b
}

// AppText returns the plaintext XML of an app callback text message.
func AppText(corpID, userID, content, msgID string) []byte {
	return fmt.Appendf(nil, "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>", corpID, userID, content, msgID)
}

// OpenReply checks and decrypts a passive reply body (JSON or XML); an
// empty body opens to nil.
func (c *Client) OpenReply(body []byte) ([]byte, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	return c.c.DecryptReply(body)
}

// StreamContent returns the content of a decrypted stream reply and whether
// it was finished.
func StreamContent(plain []byte) (content string, finish bool, err error) {
	var r struct {
		MsgType string `json:"msgtype"`
		Stream  struct {
			ID      string `json:"id"`
			Finish  bool   `json:"finish"`
			Content string `json:"content"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(plain, &r); err != nil {
		return "", false, err
	}
	if r.MsgType != "stream" {
		return "", false, fmt.Errorf("msgtype %q, want stream", r.MsgType)
	}
	return r.Stream.Content, r.Stream.Finish, nil
}
