package bot

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"gridbot/bot/zh"
)

// Esc escapes user text for the HTML subset used in Message.Text.
func Esc(s string) string { return html.EscapeString(s) }

// Normalize folds what phone input methods produce into one form the parser
// can match; see zh.Normalize, which it calls.
func Normalize(s string) string { return zh.Normalize(s) }

// Simplify maps traditional characters to simplified ones (報名 → 报名),
// keeping byte offsets; see zh.Simplify, which it calls.
func Simplify(s string) string { return zh.Simplify(s) }

var tagRe = regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>|<[^>]+>`)

// PlainText turns Message.Text markup into plain text: tags are dropped,
// links become "text (url)" and entities are unescaped.
func PlainText(s string) string {
	s = tagRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := tagRe.FindStringSubmatch(m)
		if sub[1] != "" {
			if sub[2] == sub[1] {
				return sub[1]
			}
			return sub[2] + " (" + sub[1] + ")"
		}
		return ""
	})
	return html.UnescapeString(s)
}

// Split cuts text into pieces of at most limit bytes. A cut falls, by
// preference, after a line break, then after the end of a sentence
// (。！？；…), then after a clause mark (，、：) or a space, in the second
// half of a piece, so a short first line such as a 【社区通知】 header
// never goes alone; otherwise at a character boundary. It never falls
// inside a UTF-8 character, an HTML tag or an entity (&amp;), nor inside a
// link when the link fits. The pieces joined are text, apart from the
// markup added to keep each piece valid: tags open at a cut are closed at
// the end of the piece and opened again at the start of the next (for
// limits over 256 bytes, which every platform has).
func Split(text string, limit int) []string {
	if limit <= 0 || len(text) <= limit {
		return []string{text}
	}
	room, markup := limit, strings.IndexByte(text, '<') >= 0 && limit > 256
	if markup {
		room = limit - 128
	}
	var parts []string
	for len(text) > room {
		cut := cutPoint(text, room)
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	if text != "" {
		parts = append(parts, text)
	}
	if markup {
		parts = balance(parts)
	}
	return parts
}

var (
	sentenceEnds = []string{"。", "！", "？", "；", "…", "!", "?"}
	clauseEnds   = []string{"，", "、", "：", ",", ":", " "}
	closers      = []string{"」", "』", "”", "’", "）", ")", "】", "》"}
	entityRe     = regexp.MustCompile(`^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)
)

// cutPoint returns where to end the next piece of text, 0 < cut <= room.
func cutPoint(text string, room int) int {
	floor := room / 2
	for _, marks := range [][]string{{"\n"}, sentenceEnds, clauseEnds} {
		if c := safeCut(text, lastAfter(text, room, marks)); c > floor {
			return c
		}
	}
	if c := safeCut(text, room); c > 0 {
		return c
	}
	c := room
	for c > 0 && !utf8.RuneStart(text[c]) {
		c--
	}
	if c == 0 {
		_, c = utf8.DecodeRuneInString(text)
	}
	return c
}

// lastAfter returns the position just after the last of marks in
// text[:room] (and any closing quotes or brackets right after it that
// still fit), or 0.
func lastAfter(text string, room int, marks []string) int {
	best := 0
	for _, m := range marks {
		if i := strings.LastIndex(text[:room], m); i >= 0 && i+len(m) > best {
			best = i + len(m)
		}
	}
	for best > 0 {
		grew := false
		for _, q := range closers {
			if strings.HasPrefix(text[best:], q) && best+len(q) <= room {
				best += len(q)
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	return best
}

// safeCut moves c back until it is a character boundary outside any tag,
// entity and link; 0 when there is none.
func safeCut(text string, c int) int {
	if c <= 0 || c >= len(text) {
		return min(max(c, 0), len(text))
	}
	for c > 0 && !utf8.RuneStart(text[c]) {
		c--
	}
	if amp := strings.LastIndexByte(text[max(0, c-40):c], '&'); amp >= 0 {
		amp += max(0, c-40)
		if !strings.Contains(text[amp:c], ";") && entityRe.MatchString(text[amp:]) {
			c = amp
		}
	}
	if lt := strings.LastIndexByte(text[:c], '<'); lt >= 0 && !strings.Contains(text[lt:c], ">") {
		c = lt
	}
	if a := strings.LastIndex(text[:c], "<a "); a > 0 && !strings.Contains(text[a:c], "</a>") {
		c = a
	}
	return c
}

var tagScan = regexp.MustCompile(`<(/?)([a-zA-Z]+)[^>]*>`)

// balance closes the tags left open at the end of each piece and reopens
// them at the start of the next.
func balance(parts []string) []string {
	var open []string
	for i, p := range parts {
		prefix := strings.Join(open, "")
		for _, m := range tagScan.FindAllStringSubmatch(p, -1) {
			if m[1] == "" {
				open = append(open, m[0])
				continue
			}
			for j := len(open) - 1; j >= 0; j-- {
				if tagName(open[j]) == strings.ToLower(m[2]) {
					open = append(open[:j], open[j+1:]...)
					break
				}
			}
		}
		var suffix strings.Builder
		for j := len(open) - 1; j >= 0; j-- {
			suffix.WriteString("</" + tagName(open[j]) + ">")
		}
		parts[i] = prefix + p + suffix.String()
	}
	return parts
}

func tagName(open string) string {
	m := tagScan.FindStringSubmatch(open)
	return strings.ToLower(m[2])
}

// Truncate returns s cut to at most n characters, with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

var phoneRe = regexp.MustCompile(`1[3-9]\d{9}|\d{3,4}-\d{7,8}`)

// MaskPhones hides the middle of mainland phone numbers: 138****5678.
func MaskPhones(s string) string {
	return phoneRe.ReplaceAllStringFunc(s, func(p string) string {
		if len(p) == 11 && p[0] == '1' {
			return p[:3] + "****" + p[7:]
		}
		i := strings.IndexByte(p, '-')
		return p[:i+1] + "****" + p[len(p)-3:]
	})
}

// ShortName masks a name for public lists: "张阿姨" becomes "张**".
func ShortName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return "匿名"
	}
	if len(r) == 1 {
		return string(r) + "*"
	}
	return string(r[0]) + strings.Repeat("*", min(len(r)-1, 2))
}

// MentionHTML returns markup naming a user so the platform notifies them where
// it can: a tg://user link on Telegram, "@name" elsewhere. The name is
// escaped.
func MentionHTML(u UserRef, name string) string {
	if name == "" {
		name = u.ID()
	}
	if u.Platform() == "tg" {
		return `<a href="tg://user?id=` + Esc(u.ID()) + `">` + Esc(name) + `</a>`
	}
	return "@" + Esc(name)
}

// Redact replaces secret in text, raw and URL-escaped, with mask, for text
// bound for logs and errors (libraries put tokens and keys in URLs).
func Redact(text, secret, mask string) string {
	if secret == "" {
		return text
	}
	text = strings.ReplaceAll(text, secret, mask)
	return strings.ReplaceAll(text, url.QueryEscape(secret), mask)
}
