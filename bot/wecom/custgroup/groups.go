package custgroup

import (
	"context"
	"slices"
	"time"
)

// Owner status of a customer group (status in groupchat/list), also the
// status_filter values (0 = all).
const (
	OwnerActive      = 0 // 跟进人正常
	OwnerLeft        = 1 // 跟进人离职
	OwnerInheriting  = 2 // 离职继承中
	OwnerInherited   = 3 // 离职继承完成
	MaxOwnersPerList = 100
	MaxListLimit     = 1000
	maxPages         = 10000
)

// ListFilter selects customer groups.
type ListFilter struct {
	// Status is 0 for all groups, or one of OwnerLeft, OwnerInheriting,
	// OwnerInherited.
	Status int
	// Owners are member userids (at most MaxOwnersPerList a call); none
	// means every owner in the app's visible range (refused with 81017
	// when the range holds more than 1000 people).
	Owners []string
	// Cursor continues from a page's NextCursor; Limit is 1..1000
	// (default 1000).
	Cursor string
	Limit  int
}

// GroupRef is a customer group in a list.
type GroupRef struct {
	ChatID string `json:"chat_id"`
	// Status is the owner's status (OwnerActive, OwnerLeft, …).
	Status int `json:"status"`
}

// GroupPage is one page of ListGroups; NextCursor is empty on the last.
type GroupPage struct {
	Groups     []GroupRef
	NextCursor string
}

// ListGroups returns one page of the corp's customer groups
// (externalcontact/groupchat/list).
func (c *Client) ListGroups(ctx context.Context, f ListFilter) (GroupPage, error) {
	const op = "externalcontact/groupchat/list"
	if len(f.Owners) > MaxOwnersPerList {
		return GroupPage{}, invalid(op, msgTooManyOwners, len(f.Owners), MaxOwnersPerList)
	}
	limit := f.Limit
	if limit < 1 || limit > MaxListLimit {
		limit = MaxListLimit
	}
	body := map[string]any{"status_filter": f.Status, "limit": limit}
	if len(f.Owners) > 0 {
		body["owner_filter"] = map[string]any{"userid_list": f.Owners}
	}
	if f.Cursor != "" {
		body["cursor"] = f.Cursor
	}
	var a struct {
		answer
		List       []GroupRef `json:"group_chat_list"`
		NextCursor string     `json:"next_cursor"`
	}
	if err := c.post(ctx, op, body, &a, true); err != nil {
		return GroupPage{}, err
	}
	return GroupPage{Groups: a.List, NextCursor: a.NextCursor}, nil
}

// AllGroups pages through every customer group of the given owners (split
// into calls of MaxOwnersPerList) or, with no owners, of the whole visible
// range. status is as in ListFilter.
func (c *Client) AllGroups(ctx context.Context, status int, owners []string) ([]GroupRef, error) {
	chunks := [][]string{nil}
	if len(owners) > 0 {
		chunks = slices.Collect(slices.Chunk(owners, MaxOwnersPerList))
	}
	var out []GroupRef
	for _, chunk := range chunks {
		f := ListFilter{Status: status, Owners: chunk}
		err := pages(func(cursor string) (string, error) {
			f.Cursor = cursor
			p, err := c.ListGroups(ctx, f)
			out = append(out, p.Groups...)
			return p.NextCursor, err
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// pages calls page with "" and then each next cursor until one is empty;
// a cursor seen twice, or more than maxPages pages, stops it with an error
// rather than loop forever.
func pages(page func(cursor string) (string, error)) error {
	seen := map[string]bool{}
	cursor := ""
	for range maxPages {
		next, err := page(cursor)
		if err != nil || next == "" {
			return err
		}
		if seen[next] {
			return &Error{Op: "paging", Kind: KindTemporary, Msg: "cursor repeated: " + next}
		}
		seen[next] = true
		cursor = next
	}
	return &Error{Op: "paging", Kind: KindTemporary, Msg: "too many pages"}
}

// Member types of a customer group.
const (
	MemberStaff    = 1 // 企业成员
	MemberExternal = 2 // 外部联系人 (a resident's WeChat)
)

// Member is one person in a customer group.
type Member struct {
	// UserID is the member's userid, or the external_userid (wm…/wo…) of a
	// WeChat user.
	UserID string
	Type   int // MemberStaff or MemberExternal
	// Joined is when they joined; JoinScene 1 invited directly, 2 by
	// link, 3 by the group's QR code (others may appear).
	Joined    time.Time
	JoinScene int
	// Invitor is the staff member who invited them, if any.
	Invitor string
	// Nickname is the name set in this group; Name the WeChat name (only
	// when asked with names).
	Nickname string
	Name     string
	UnionID  string
}

// Group is a customer group's details.
type Group struct {
	ChatID  string
	Name    string
	Owner   string // the owner's userid: the sender of group-sends to it
	Notice  string
	Created time.Time
	Members []Member
	Admins  []string
	// MemberVersion changes when the member list changes.
	MemberVersion string
}

// Count returns how many staff and external people are in the group.
func (g Group) Count() (staff, external int) {
	for _, m := range g.Members {
		if m.Type == MemberStaff {
			staff++
		} else {
			external++
		}
	}
	return staff, external
}

type groupWire struct {
	ChatID     string `json:"chat_id"`
	Name       string `json:"name"`
	Owner      string `json:"owner"`
	CreateTime int64  `json:"create_time"`
	Notice     string `json:"notice"`
	MemberList []struct {
		UserID    string `json:"userid"`
		Type      int    `json:"type"`
		JoinTime  int64  `json:"join_time"`
		JoinScene int    `json:"join_scene"`
		Invitor   struct {
			UserID string `json:"userid"`
		} `json:"invitor"`
		GroupNickname string `json:"group_nickname"`
		Name          string `json:"name"`
		UnionID       string `json:"unionid"`
	} `json:"member_list"`
	AdminList []struct {
		UserID string `json:"userid"`
	} `json:"admin_list"`
	MemberVersion string `json:"member_version"`
}

// Group returns a customer group's details (externalcontact/groupchat/get);
// names asks for members' WeChat names too.
func (c *Client) Group(ctx context.Context, chatID string, names bool) (Group, error) {
	const op = "externalcontact/groupchat/get"
	if chatID == "" {
		return Group{}, invalid(op, msgNoChatID)
	}
	needName := 0
	if names {
		needName = 1
	}
	var a struct {
		answer
		G groupWire `json:"group_chat"`
	}
	if err := c.post(ctx, op, map[string]any{"chat_id": chatID, "need_name": needName}, &a, true); err != nil {
		return Group{}, err
	}
	g := Group{ChatID: a.G.ChatID, Name: a.G.Name, Owner: a.G.Owner, Notice: a.G.Notice,
		Created: unix(a.G.CreateTime), MemberVersion: a.G.MemberVersion}
	for _, m := range a.G.MemberList {
		g.Members = append(g.Members, Member{UserID: m.UserID, Type: m.Type, Joined: unix(m.JoinTime), JoinScene: m.JoinScene,
			Invitor: m.Invitor.UserID, Nickname: m.GroupNickname, Name: m.Name, UnionID: m.UnionID})
	}
	for _, ad := range a.G.AdminList {
		g.Admins = append(g.Admins, ad.UserID)
	}
	return g, nil
}

func unix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}
