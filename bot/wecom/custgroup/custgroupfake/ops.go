package custgroupfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

type chatRef struct {
	ChatID string `json:"chat_id"`
	Status int    `json:"status"`
}

func (s *Server) list(_ *Call, body []byte) (int, any) {
	var req struct {
		StatusFilter int `json:"status_filter"`
		OwnerFilter  *struct {
			UserIDList []string `json:"userid_list"`
		} `json:"owner_filter"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if json.Unmarshal(body, &req) != nil || req.Limit < 1 || req.Limit > 1000 {
		return CodeBadParam, nil
	}
	var owners []string
	if req.OwnerFilter != nil {
		owners = req.OwnerFilter.UserIDList
	}
	if len(owners) > 100 {
		return CodeBadParam, nil
	}
	for _, o := range owners {
		if !s.members[o] {
			return CodeOutOfRange, nil
		}
	}
	if len(owners) == 0 {
		visible := 0
		for _, v := range s.members {
			if v {
				visible++
			}
		}
		if visible > s.tooManyVisible {
			return CodeTooManyInRange, nil
		}
	}
	var all []chatRef
	for _, g := range s.groups {
		inScope := s.members[g.Owner] && (len(owners) == 0 || slices.Contains(owners, g.Owner))
		if inScope && !g.Dissolved && (req.StatusFilter == 0 || req.StatusFilter == g.Status) {
			all = append(all, chatRef{g.ChatID, g.Status})
		}
	}
	from, to, next, code := window(len(all), req.Cursor, req.Limit, 1000, 1000)
	if code != 0 {
		return code, nil
	}
	return 0, map[string]any{"group_chat_list": all[from:to], "next_cursor": next}
}

func (s *Server) get(_ *Call, body []byte) (int, any) {
	var req struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}
	if json.Unmarshal(body, &req) != nil {
		return CodeBadParam, nil
	}
	g := s.group(req.ChatID)
	switch {
	case g == nil:
		return CodeBadParam, nil
	case g.Dissolved:
		return CodeGroupDissolved, nil
	case !s.members[g.Owner]:
		return CodeOutOfRange, nil
	}
	type member struct {
		UserID        string            `json:"userid"`
		Type          int               `json:"type"`
		JoinTime      int64             `json:"join_time"`
		JoinScene     int               `json:"join_scene"`
		Invitor       map[string]string `json:"invitor,omitempty"`
		GroupNickname string            `json:"group_nickname"`
		Name          string            `json:"name,omitempty"`
	}
	var members []member
	add := func(id string, typ int) {
		m := member{UserID: id, Type: typ, JoinTime: g.Created.Unix(), JoinScene: 1, GroupNickname: id}
		if typ == 2 {
			m.Invitor = map[string]string{"userid": g.Owner}
		}
		if req.NeedName == 1 {
			m.Name = "name-" + id
		}
		members = append(members, m)
	}
	add(g.Owner, 1)
	for _, id := range g.Staff {
		add(id, 1)
	}
	for _, id := range g.Externals {
		add(id, 2)
	}
	var admins []map[string]string
	for _, a := range g.Admins {
		admins = append(admins, map[string]string{"userid": a})
	}
	return 0, map[string]any{"group_chat": map[string]any{
		"chat_id": g.ChatID, "name": g.Name, "owner": g.Owner, "create_time": g.Created.Unix(), "notice": g.Notice,
		"member_list": members, "admin_list": admins, "member_version": fmt.Sprintf("v%d", len(members)),
	}}
}

func (s *Server) addMsg(_ *Call, body []byte) (int, any) {
	var req struct {
		ChatType   string   `json:"chat_type"`
		ChatIDList []string `json:"chat_id_list"`
		Sender     string   `json:"sender"`
		Text       *struct {
			Content string `json:"content"`
		} `json:"text"`
		Attachments []struct {
			MsgType string `json:"msgtype"`
			Link    *Link  `json:"link"`
		} `json:"attachments"`
	}
	if json.Unmarshal(body, &req) != nil || req.ChatType != "group" || req.Sender == "" || len(req.ChatIDList) > 2000 {
		return CodeBadParam, nil
	}
	visible, known := s.members[req.Sender]
	switch {
	case !known:
		return CodeBadUserID, nil
	case !visible:
		return CodeOutOfRange, nil
	case req.Text != nil && len(req.Text.Content) > 4000:
		return CodeBadParam, nil
	case len(req.Attachments) > 9:
		return CodeTooManyAttach, nil
	}
	t := &Send{Sender: req.Sender, Created: s.now(), Status: map[string]int{}}
	if req.Text != nil {
		t.Text = req.Text.Content
	}
	for _, a := range req.Attachments {
		if a.MsgType != "link" || a.Link == nil {
			return CodeBadAttachType, nil
		}
		if a.Link.Title == "" || a.Link.URL == "" {
			return CodeBadParam, nil
		}
		t.Links = append(t.Links, *a.Link)
	}
	for _, id := range req.ChatIDList {
		if g := s.group(id); g == nil || g.Dissolved || g.Owner != req.Sender || slices.Contains(t.ChatIDs, id) {
			t.Failed = append(t.Failed, id)
			continue
		}
		t.ChatIDs = append(t.ChatIDs, id)
		t.Status[id] = 0
	}
	if len(t.ChatIDs) == 0 {
		return CodeNoRecipient, nil
	}
	t.MsgID = fmt.Sprintf("msgGCfake%04dAAAA", len(s.sends)+1)
	s.sends = append(s.sends, t)
	return 0, map[string]any{"msgid": t.MsgID, "fail_list": t.Failed}
}

type msgReq struct {
	MsgID  string `json:"msgid"`
	UserID string `json:"userid"`
	Limit  int    `json:"limit"`
	Cursor string `json:"cursor"`
}

// lookup decodes a request naming a task and finds the task.
func (s *Server) lookup(body []byte) (msgReq, *Send, int) {
	var req msgReq
	if json.Unmarshal(body, &req) != nil {
		return req, nil, CodeBadParam
	}
	if req.MsgID == "" {
		return req, nil, CodeNoMsgID
	}
	t := s.send(req.MsgID)
	if t == nil {
		return req, nil, CodeBadMsgID
	}
	return req, t, 0
}

func (s *Server) task(_ *Call, body []byte) (int, any) {
	req, t, code := s.lookup(body)
	if code != 0 {
		return code, nil
	}
	type row struct {
		UserID   string `json:"userid"`
		Status   int    `json:"status"`
		SendTime int64  `json:"send_time,omitempty"`
	}
	rows := []row{{UserID: t.Sender}}
	if !t.SentAt.IsZero() {
		rows[0].Status, rows[0].SendTime = 2, t.SentAt.Unix()
	}
	from, to, next, code := window(len(rows), req.Cursor, req.Limit, 1000, 500)
	if code != 0 {
		return code, nil
	}
	return 0, map[string]any{"task_list": rows[from:to], "next_cursor": next}
}

func (s *Server) result(_ *Call, body []byte) (int, any) {
	req, t, code := s.lookup(body)
	if code != 0 {
		return code, nil
	}
	if s.now().Sub(t.Created) < s.dispatch {
		return CodeDispatching, nil
	}
	type row struct {
		ChatID   string `json:"chat_id"`
		UserID   string `json:"userid"`
		Status   int    `json:"status"`
		SendTime int64  `json:"send_time,omitempty"`
	}
	var rows []row
	if req.UserID == t.Sender {
		for _, id := range t.ChatIDs {
			r := row{ChatID: id, UserID: t.Sender, Status: t.Status[id]}
			if r.Status == 1 {
				r.SendTime = t.SentAt.Unix()
			}
			rows = append(rows, r)
		}
	}
	from, to, next, code := window(len(rows), req.Cursor, req.Limit, 1000, 500)
	if code != 0 {
		return code, nil
	}
	return 0, map[string]any{"send_list": rows[from:to], "next_cursor": next}
}

func (s *Server) remind(_ *Call, body []byte) (int, any) {
	_, t, code := s.lookup(body)
	if code != 0 {
		return code, nil
	}
	if t.Cancelled {
		return CodeTaskCancelled, nil
	}
	now := s.now()
	recent := 0
	for _, r := range t.Reminders {
		if now.Sub(r) < 24*time.Hour {
			recent++
		}
	}
	if recent >= 3 {
		return CodeRemindLimit, nil
	}
	t.Reminders = append(t.Reminders, now)
	return 0, nil
}

func (s *Server) cancel(_ *Call, body []byte) (int, any) {
	_, t, code := s.lookup(body)
	if code != 0 {
		return code, nil
	}
	t.Cancelled = true
	return 0, nil
}

func (s *Server) listSends(_ *Call, body []byte) (int, any) {
	var req struct {
		ChatType   string `json:"chat_type"`
		StartTime  int64  `json:"start_time"`
		EndTime    int64  `json:"end_time"`
		Creator    string `json:"creator"`
		FilterType *int   `json:"filter_type"`
		Limit      int    `json:"limit"`
		Cursor     string `json:"cursor"`
	}
	if json.Unmarshal(body, &req) != nil || req.ChatType != "group" || req.EndTime < req.StartTime || req.EndTime-req.StartTime > 31*86400 {
		return CodeBadParam, nil
	}
	type row struct {
		MsgID      string            `json:"msgid"`
		Creator    string            `json:"creator"`
		CreateTime int64             `json:"create_time"`
		CreateType int               `json:"create_type"`
		Text       map[string]string `json:"text"`
	}
	var rows []row
	for _, t := range s.sends {
		c := t.Created.Unix()
		corp := req.FilterType == nil || *req.FilterType != 1
		if c < req.StartTime || c > req.EndTime || !corp || (req.Creator != "" && req.Creator != t.Sender) {
			continue
		}
		rows = append(rows, row{MsgID: t.MsgID, Creator: t.Sender, CreateTime: c, Text: map[string]string{"content": t.Text}})
	}
	from, to, next, code := window(len(rows), req.Cursor, req.Limit, 100, 50)
	if code != 0 {
		return code, nil
	}
	return 0, map[string]any{"group_msg_list": rows[from:to], "next_cursor": next}
}
