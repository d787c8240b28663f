package custgroups

import (
	"strings"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/grid"
)

// Operations staff ask for after 客户群.
const (
	opList   = "list"
	opSends  = "sends"
	opSync   = "sync"
	opBind   = "bind"
	opUnbind = "unbind"
	opUsage  = "usage"
)

// request is what staff asked for after 客户群.
type request struct {
	op, ref, grid string
}

var (
	listWords   = []string{"", "列表", "清单", "list", "有哪些", "都有哪些", "看看", "查看", "有哪些群"}
	sendsWords  = []string{"群发", "群发进度", "进度", "发送情况", "群发情况", "谁没点发送", "谁还没发", "谁没发", "没点发送"}
	syncWords   = []string{"同步", "sync", "刷新"}
	bindWords   = []string{"绑定到", "绑定给", "绑定", "绑到", "划到", "归到", "归", "绑", "bind"}
	unbindWords = []string{"取消绑定", "解除绑定", "解绑", "unbind"}
	dropLeads   = []string{"把", "将", "第"}
)

// parseRequest reads the words after 客户群: 列表 (or nothing), 群发 (who
// still has to press send), 同步, "<序号或群名> 绑定 <网格>" in the forms
// "2 绑定 3网格", "2号 绑到 3", "把幸福里1群绑定到3网格", and
// "<序号或群名> 解绑" or "解绑 <序号或群名>". Anything else is opUsage.
func parseRequest(args string) request {
	s := strings.TrimSpace(bot.Normalize(args))
	s = strings.Trim(s, "。.！!？?，, ")
	low := strings.ToLower(s)
	switch {
	case inWords(low, listWords):
		return request{op: opList}
	case inWords(low, sendsWords):
		return request{op: opSends}
	case inWords(low, syncWords):
		return request{op: opSync}
	}
	for _, w := range unbindWords {
		if rest, ok := strings.CutPrefix(low, w); ok {
			return refOnly(opUnbind, s[len(s)-len(rest):])
		}
		if i := strings.LastIndex(low, w); i > 0 && strings.TrimSpace(low[i+len(w):]) == "" {
			return refOnly(opUnbind, s[:i])
		}
	}
	for _, w := range bindWords {
		i := strings.Index(low, w)
		if i <= 0 {
			continue
		}
		ref, grid := cleanRef(s[:i]), strings.TrimSpace(s[i+len(w):])
		if ref == "" {
			break
		}
		return request{op: opBind, ref: ref, grid: grid}
	}
	return request{op: opUsage}
}

func refOnly(op, ref string) request {
	ref = cleanRef(ref)
	if ref == "" {
		return request{op: opUsage}
	}
	return request{op: op, ref: ref}
}

// cleanRef trims a group reference: leading 把/将/第, a trailing 号 on a
// number, the 客户群 word and spaces.
func cleanRef(s string) string {
	s = strings.TrimSpace(s)
	for _, l := range dropLeads {
		s = strings.TrimSpace(strings.TrimPrefix(s, l))
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, "这个群"))
	if strings.HasSuffix(s, "号") && isDigits(strings.TrimSuffix(s, "号")) {
		s = strings.TrimSuffix(s, "号")
	}
	if utf8.RuneCountInString(s) > 60 {
		return ""
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func inWords(s string, words []string) bool {
	for _, w := range words {
		if s == w {
			return true
		}
	}
	return false
}

// gridName reads the grid staff wrote ("3网格", "3", "第3网格"); "" when it
// is not a usable grid name.
func gridName(s string) string {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "里"))
	name := grid.NormalizeGrid(s)
	if name == "" || utf8.RuneCountInString(name) > 20 || strings.ContainsAny(name, "\n|:{}") {
		return ""
	}
	return name
}
