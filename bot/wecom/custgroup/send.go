package custgroup

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Limits of add_msg_template (bytes are UTF-8 bytes: a Chinese character
// takes 3).
const (
	MaxGroupsPerSend = 2000
	MaxTextBytes     = 4000
	MaxAttachments   = 9
	MaxLinkTitle     = 128
	MaxLinkDesc      = 512
	MaxLinkURL       = 2048
	MaxResultsLimit  = 1000
)

// Link is a link card attached to a group-send.
type Link struct {
	Title  string `json:"title"`
	PicURL string `json:"picurl,omitempty"`
	Desc   string `json:"desc,omitempty"`
	URL    string `json:"url"`
}

// GroupSend is a group-send to customer groups, all owned by Sender.
type GroupSend struct {
	// Sender is the owner's userid: WeChat Work asks this member to
	// confirm the send in their client.
	Sender string
	// ChatIDs are the groups (1..MaxGroupsPerSend).
	ChatIDs []string
	// Text is the message (at most MaxTextBytes); Links are link cards
	// (at most MaxAttachments). One of them must be there.
	Text  string
	Links []Link
	// AllowSelect lets the member change which groups get it.
	AllowSelect bool
}

// SendResult is a created group-send task.
type SendResult struct {
	// MsgID names the task in every later call.
	MsgID string
	// Failed are the chat ids WeChat Work would not send to (not the
	// sender's, dissolved, unknown).
	Failed []string
}

type attachment struct {
	MsgType string `json:"msgtype"`
	Link    *Link  `json:"link,omitempty"`
}

type sendWire struct {
	ChatType    string       `json:"chat_type"`
	ChatIDList  []string     `json:"chat_id_list"`
	Sender      string       `json:"sender"`
	AllowSelect bool         `json:"allow_select,omitempty"`
	Text        *textWire    `json:"text,omitempty"`
	Attachments []attachment `json:"attachments,omitempty"`
}

type textWire struct {
	Content string `json:"content"`
}

// Validate checks a GroupSend against the API's limits without calling
// it; the error's Advice says what to change, in Chinese.
func (s GroupSend) Validate() error {
	const op = "externalcontact/add_msg_template"
	switch {
	case s.Sender == "":
		return invalid(op, msgNoSender)
	case len(s.ChatIDs) == 0:
		return invalid(op, msgNoGroups)
	case len(s.ChatIDs) > MaxGroupsPerSend:
		return invalid(op, msgTooManyGroups, len(s.ChatIDs), MaxGroupsPerSend)
	case s.Text == "" && len(s.Links) == 0:
		return invalid(op, msgEmpty)
	case len(s.Text) > MaxTextBytes:
		return invalid(op, msgTextTooLong, len(s.Text), MaxTextBytes, MaxTextBytes/3)
	case len(s.Links) > MaxAttachments:
		return invalid(op, msgTooManyLinks, len(s.Links), MaxAttachments)
	}
	for _, l := range s.Links {
		if err := l.validate(op); err != nil {
			return err
		}
	}
	return nil
}

func (l Link) validate(op string) error {
	bad := func(field, why string) error { return invalid(op, msgLinkField, field, why) }
	u, err := url.Parse(l.URL)
	switch {
	case l.Title == "" || len(l.Title) > MaxLinkTitle:
		return bad("标题", fmt.Sprintf("1 到 %d 字节", MaxLinkTitle))
	case len(l.Desc) > MaxLinkDesc:
		return bad("说明", fmt.Sprintf("最多 %d 字节", MaxLinkDesc))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(l.URL) > MaxLinkURL:
		return bad("网址", fmt.Sprintf("http 或 https 开头，最多 %d 字节", MaxLinkURL))
	case len(l.PicURL) > MaxLinkURL:
		return bad("图片网址", fmt.Sprintf("最多 %d 字节", MaxLinkURL))
	}
	return nil
}

// SendToGroups creates a group-send task to customer groups
// (externalcontact/add_msg_template, chat_type "group"). Nothing reaches
// the groups until the sender presses send in WeChat Work; each group may
// receive only so many group-sends a month (see package sendcap), and a
// group over the cap shows status 3 in Results later, with no error here.
//
// It is never retried on a busy answer or a network failure: such errors
// are KindUncertain (the task may exist; see ListSends).
func (c *Client) SendToGroups(ctx context.Context, s GroupSend) (SendResult, error) {
	if err := s.Validate(); err != nil {
		return SendResult{}, err
	}
	w := sendWire{ChatType: "group", ChatIDList: s.ChatIDs, Sender: s.Sender, AllowSelect: s.AllowSelect}
	if s.Text != "" {
		w.Text = &textWire{Content: s.Text}
	}
	for i := range s.Links {
		w.Attachments = append(w.Attachments, attachment{MsgType: "link", Link: &s.Links[i]})
	}
	var a struct {
		answer
		MsgID    string   `json:"msgid"`
		FailList []string `json:"fail_list"`
	}
	if err := c.post(ctx, "externalcontact/add_msg_template", w, &a, false); err != nil {
		return SendResult{}, err
	}
	return SendResult{MsgID: a.MsgID, Failed: a.FailList}, nil
}

// Task is one member's part of a group-send: whether they pressed send.
type Task struct {
	UserID string
	Sent   bool
	// SendTime is when they pressed send (zero if not yet).
	SendTime time.Time
}

// Tasks returns every member's part of a group-send
// (externalcontact/get_groupmsg_task, all pages).
func (c *Client) Tasks(ctx context.Context, msgID string) ([]Task, error) {
	const op = "externalcontact/get_groupmsg_task"
	if msgID == "" {
		return nil, invalid(op, msgNoMsgID)
	}
	var out []Task
	err := pages(func(cursor string) (string, error) {
		var a struct {
			answer
			NextCursor string `json:"next_cursor"`
			List       []struct {
				UserID   string `json:"userid"`
				Status   int    `json:"status"`
				SendTime int64  `json:"send_time"`
			} `json:"task_list"`
		}
		err := c.post(ctx, op, pageBody(map[string]any{"msgid": msgID}, cursor), &a, true)
		for _, t := range a.List {
			out = append(out, Task{UserID: t.UserID, Sent: t.Status == 2, SendTime: unix(t.SendTime)})
		}
		return a.NextCursor, err
	})
	return out, err
}

func pageBody(body map[string]any, cursor string) map[string]any {
	body["limit"] = MaxResultsLimit
	if cursor != "" {
		body["cursor"] = cursor
	}
	return body
}

// SendStatus is what became of a group-send for one group.
type SendStatus int

// Statuses of get_groupmsg_send_result.
const (
	NotSent    SendStatus = 0 // the owner has not pressed send
	Sent       SendStatus = 1 // received
	NotFriend  SendStatus = 2 // failed: not a friend (customer sends)
	CapReached SendStatus = 3 // failed: already received other group-sends up to the cap
)

func (s SendStatus) String() string {
	switch s {
	case NotSent:
		return "not-sent"
	case Sent:
		return "sent"
	case NotFriend:
		return "not-friend"
	case CapReached:
		return "cap-reached"
	}
	return fmt.Sprintf("status-%d", int(s))
}

// Describe says the status to staff in Chinese.
func (s SendStatus) Describe() string {
	switch s {
	case NotSent:
		return msgNotSent
	case Sent:
		return msgSent
	case NotFriend:
		return msgNotFriend
	case CapReached:
		return msgCap
	}
	return msgUnknownSt
}

// Result is what one group (or customer) got from a group-send.
type Result struct {
	ChatID         string // set for a group
	ExternalUserID string // set for a customer
	UserID         string // the sending member
	Status         SendStatus
	SendTime       time.Time // when received (status Sent)
}

// Results returns what each group of userID's part of a group-send got
// (externalcontact/get_groupmsg_send_result, all pages). Right after
// SendToGroups it may fail with 41063 (still dispatching, KindTemporary).
func (c *Client) Results(ctx context.Context, msgID, userID string) ([]Result, error) {
	const op = "externalcontact/get_groupmsg_send_result"
	if msgID == "" {
		return nil, invalid(op, msgNoMsgID)
	}
	var out []Result
	err := pages(func(cursor string) (string, error) {
		var a struct {
			answer
			NextCursor string `json:"next_cursor"`
			List       []struct {
				ChatID         string `json:"chat_id"`
				ExternalUserID string `json:"external_userid"`
				UserID         string `json:"userid"`
				Status         int    `json:"status"`
				SendTime       int64  `json:"send_time"`
			} `json:"send_list"`
		}
		err := c.post(ctx, op, pageBody(map[string]any{"msgid": msgID, "userid": userID}, cursor), &a, true)
		for _, r := range a.List {
			out = append(out, Result{ChatID: r.ChatID, ExternalUserID: r.ExternalUserID, UserID: r.UserID,
				Status: SendStatus(r.Status), SendTime: unix(r.SendTime)})
		}
		return a.NextCursor, err
	})
	return out, err
}

// Report is the state of a group-send: who still has to press send and
// what each group got.
type Report struct {
	MsgID   string
	Members []Task
	Groups  []Result
}

// Report reads Tasks and, for every member, Results.
func (c *Client) Report(ctx context.Context, msgID string) (Report, error) {
	tasks, err := c.Tasks(ctx, msgID)
	if err != nil {
		return Report{}, err
	}
	r := Report{MsgID: msgID, Members: tasks}
	for _, t := range tasks {
		res, err := c.Results(ctx, msgID, t.UserID)
		if err != nil {
			return r, err
		}
		r.Groups = append(r.Groups, res...)
	}
	return r, nil
}

// Waiting returns the userids that have not pressed send.
func (r Report) Waiting() []string {
	var out []string
	for _, t := range r.Members {
		if !t.Sent {
			out = append(out, t.UserID)
		}
	}
	return out
}

// ByStatus returns the chat ids of the groups with status s.
func (r Report) ByStatus(s SendStatus) []string {
	var out []string
	for _, g := range r.Groups {
		if g.Status == s && g.ChatID != "" {
			out = append(out, g.ChatID)
		}
	}
	return out
}

// Remind notifies the members who have not pressed send again
// (externalcontact/remind_groupmsg_send); WeChat Work allows three
// reminders per group-send in 24 hours (then 41094).
func (c *Client) Remind(ctx context.Context, msgID string) error {
	return c.msgOp(ctx, "externalcontact/remind_groupmsg_send", msgID)
}

// Cancel stops a group-send for the members who have not pressed send
// (externalcontact/cancel_groupmsg_send); what was sent stays sent.
func (c *Client) Cancel(ctx context.Context, msgID string) error {
	return c.msgOp(ctx, "externalcontact/cancel_groupmsg_send", msgID)
}

func (c *Client) msgOp(ctx context.Context, op, msgID string) error {
	if msgID == "" {
		return invalid(op, msgNoMsgID)
	}
	return c.post(ctx, op, map[string]any{"msgid": msgID}, nil, true)
}

// SendsFilter selects group-sends for ListSends.
type SendsFilter struct {
	// Start and End bound the creation time (at most a month apart).
	Start, End time.Time
	// Creator is a member's userid (optional).
	Creator string
	// By is who created them: ByAnyone (the zero value), ByCorp, ByMember.
	By int
}

// Creators for SendsFilter.By.
const (
	ByAnyone = iota
	ByCorp
	ByMember
)

// SendInfo is a group-send in a list.
type SendInfo struct {
	MsgID   string
	Creator string
	Created time.Time
	// CreateType is 0 for the corp, 1 for a member.
	CreateType int
	Text       string
}

// ListSends lists group-sends to customer groups created in a time range
// (externalcontact/get_groupmsg_list_v2, all pages): the way to learn
// whether a KindUncertain SendToGroups created its task.
func (c *Client) ListSends(ctx context.Context, f SendsFilter) ([]SendInfo, error) {
	const op = "externalcontact/get_groupmsg_list_v2"
	body := map[string]any{"chat_type": "group", "start_time": f.Start.Unix(), "end_time": f.End.Unix(), "filter_type": 2, "limit": 100}
	if f.Creator != "" {
		body["creator"] = f.Creator
	}
	switch f.By {
	case ByCorp:
		body["filter_type"] = 0
	case ByMember:
		body["filter_type"] = 1
	}
	var out []SendInfo
	err := pages(func(cursor string) (string, error) {
		if cursor != "" {
			body["cursor"] = cursor
		}
		var a struct {
			answer
			NextCursor string `json:"next_cursor"`
			List       []struct {
				MsgID      string   `json:"msgid"`
				Creator    string   `json:"creator"`
				CreateTime int64    `json:"create_time"`
				CreateType int      `json:"create_type"`
				Text       textWire `json:"text"`
			} `json:"group_msg_list"`
		}
		err := c.post(ctx, op, body, &a, true)
		for _, m := range a.List {
			out = append(out, SendInfo{MsgID: m.MsgID, Creator: m.Creator, Created: unix(m.CreateTime), CreateType: m.CreateType, Text: m.Text.Content})
		}
		return a.NextCursor, err
	})
	return out, err
}
