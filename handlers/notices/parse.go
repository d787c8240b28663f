package notices

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/when"
)

// request is a notice as staff typed it.
type request struct {
	// Spec is the target spec for grid.Directory.Resolve.
	Spec string
	// At is when to send; zero means now.
	At   time.Time
	Body string
}

// parseNotice reads "[time] targets body". targets is 全部, 标签:x, or
// grid names joined by commas (or spaces, while the words are grid
// names); isGrid reports whether a normalized name is a known grid. The
// time is read only before the targets, so a body starting with a date is
// left alone. Errors are *bot.UserError.
func parseNotice(args string, now time.Time, loc *time.Location, isGrid func(string) bool, maxAhead time.Duration) (request, error) {
	args = strings.TrimSpace(bot.Normalize(args))
	if args == "" {
		return request{}, bot.Userf(msgUsage)
	}
	var req request
	tok, rest := cutField(args)
	if !isTarget(tok, isGrid) {
		t, after, err := when.Parse(args, now, loc)
		switch {
		case err == nil:
			req.At = t
			rest = suffixRunes(args, utf8.RuneCountInString(after))
			tok, rest = cutField(rest)
			if tok == "" {
				return request{}, bot.Userf(msgNoTarget)
			}
		case looksLikeTime(tok) || when.Recognized(err):
			return request{}, err
		}
	}
	if tok == "标签:" || tok == "标签：" || tok == "tag:" {
		var tag string
		tag, rest = cutField(rest)
		tok += tag
	}
	specs := []string{tok}
	for {
		next, after := cutField(rest)
		if next == "" || !isGridList(next, isGrid) || !isGridList(tok, isGrid) {
			break
		}
		specs, rest = append(specs, next), after
	}
	req.Spec = strings.Join(specs, ",")
	req.Body = strings.Trim(rest, " \n")
	if req.Body == "" {
		return request{}, bot.Userf(msgNoBody)
	}
	if !req.At.IsZero() {
		if !req.At.After(now) {
			return request{}, bot.Userf(msgPast, when.Format(req.At, now, loc))
		}
		if maxAhead > 0 && req.At.Sub(now) > maxAhead {
			return request{}, bot.Userf(msgTooFar, when.Format(req.At, now, loc), int(maxAhead/(24*time.Hour)))
		}
	}
	return req, nil
}

// cutField splits s at the first space or line break.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " \n")
	i := strings.IndexAny(s, " \n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " ")
}

// suffixRunes returns the last n runes of s.
func suffixRunes(s string, n int) string {
	total := utf8.RuneCountInString(s)
	if n >= total {
		return s
	}
	skip := total - n
	for i := range s {
		if skip == 0 {
			return s[i:]
		}
		skip--
	}
	return ""
}

var allWords = []string{"全部", "所有", "全部网格", "所有网格", "all", "ALL", "All"}

func isTarget(tok string, isGrid func(string) bool) bool {
	for _, w := range allWords {
		if tok == w {
			return true
		}
	}
	for _, p := range []string{"标签:", "标签：", "tag:"} {
		if strings.HasPrefix(tok, p) {
			return true
		}
	}
	return strings.Contains(tok, "网格") || isGridList(tok, isGrid)
}

func isGridList(tok string, isGrid func(string) bool) bool {
	parts := strings.FieldsFunc(tok, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' })
	if len(parts) == 0 {
		return false
	}
	for _, p := range parts {
		if !isGrid(grid.NormalizeGrid(p)) {
			return false
		}
	}
	return true
}

var timeWords = []string{"今", "明", "后天", "周", "星期", "月", "日", "号", "点", "上午", "下午", "早上", "晚上", "凌晨", "中午", "傍晚"}

func looksLikeTime(tok string) bool {
	if strings.ContainsFunc(tok, unicode.IsDigit) {
		return true
	}
	s := bot.Simplify(tok)
	for _, w := range timeWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
