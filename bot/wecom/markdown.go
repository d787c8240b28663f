package wecom

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"gridbot/bot"
)

// Limits of the group robot webhook, in bytes.
const (
	TextLimit     = 2048
	MarkdownLimit = 4096
	// StreamLimit bounds a smart robot's stream reply.
	StreamLimit = 20480
)

var (
	tokenRe = regexp.MustCompile(`<a href="([^"]*)">|</a>|<(/?)(b|strong|i|em|u|code|s)>|<[^>]*>`)
	// breaksMarkdown matches user text that WeChat Work markdown would
	// render as markup (it has no escapes).
	breaksMarkdown = regexp.MustCompile("[*`\\[\\]]|(?m)^\\s*(#|>|[-+] |\\d+\\. )|<font")
)

// Markdown converts Message.Text (the HTML subset) to WeChat Work markdown:
// <b> becomes **…**, <code> `…`, <a href> [text](url); <i> and <u> keep
// their text. ok is false when the text itself holds characters markdown
// would misread, and the caller should send plain text instead.
func Markdown(text string) (md string, ok bool) {
	var b strings.Builder
	segs := tokenRe.Split(text, -1)
	tags := tokenRe.FindAllStringSubmatch(text, -1)
	var links []string
	for i, seg := range segs {
		t := html.UnescapeString(seg)
		if breaksMarkdown.MatchString(t) {
			return "", false
		}
		b.WriteString(t)
		if i >= len(tags) {
			break
		}
		m := tags[i]
		switch {
		case strings.HasPrefix(m[0], "<a "):
			links = append(links, html.UnescapeString(m[1]))
			b.WriteString("[")
		case m[0] == "</a>":
			u := ""
			if n := len(links); n > 0 {
				u, links = links[n-1], links[:n-1]
			}
			if strings.ContainsAny(u, "() ") {
				return "", false
			}
			b.WriteString("](" + u + ")")
		case m[3] == "b" || m[3] == "strong":
			b.WriteString("**")
		case m[3] == "code":
			b.WriteString("`")
		}
	}
	if len(links) > 0 {
		return "", false
	}
	return b.String(), true
}

// ButtonHint turns a button into the words a resident can type instead:
// its Say when set; otherwise a data button "报名" whose data ends in 7
// becomes "报名 7", and a button whose text already has a number, or has no
// Chinese, is taken as is.
func ButtonHint(btn bot.Button) string {
	if btn.Say != "" {
		return btn.Say
	}
	t := strings.TrimSpace(btn.Text)
	if btn.Data == "" || t == "" {
		return t
	}
	if strings.IndexFunc(t, unicode.IsDigit) >= 0 || strings.IndexFunc(t, func(r rune) bool { return unicode.Is(unicode.Han, r) }) < 0 {
		return t
	}
	i := strings.LastIndexByte(btn.Data, ':')
	num := btn.Data[i+1:]
	if num == "" || strings.TrimFunc(num, func(r rune) bool { return r >= '0' && r <= '9' }) != "" {
		return t
	}
	return t + " " + num
}

// render turns a Message into the body pieces for the webhook: markdown
// (md true) or plain text, already split within the limits. Data buttons
// become a hint line naming what to type, URL buttons links.
func render(m bot.Message, hint func(bot.Button) string, allowMD bool) (pieces []string, md bool) {
	text := m.Text
	var says []string
	var links []string
	for _, row := range m.Buttons {
		for _, btn := range row {
			switch {
			case btn.URL != "":
				links = append(links, `<a href="`+html.EscapeString(btn.URL)+`">`+bot.Esc(btn.Text)+`</a>`)
			case btn.Data != "":
				if h := hint(btn); h != "" {
					says = append(says, "「"+bot.Esc(h)+"」")
				}
			}
		}
	}
	if len(says) > 0 {
		text = strings.TrimRight(text, "\n") + "\n" + MsgButtonHint + strings.Join(says, "、")
	}
	if len(links) > 0 {
		text = strings.TrimRight(text, "\n") + "\n" + strings.Join(links, "  ")
	}
	if out, ok := Markdown(text); ok && allowMD {
		return splitBytes(out, MarkdownLimit), true
	}
	return splitBytes(bot.PlainText(text), TextLimit), false
}

// splitBytes splits on line boundaries with bot.Split and, as a guard,
// cuts any piece still over limit at a rune boundary.
func splitBytes(s string, limit int) []string {
	var out []string
	for _, p := range bot.Split(s, limit) {
		for len(p) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(p[cut]) {
				cut--
			}
			out = append(out, p[:cut])
			p = p[cut:]
		}
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{" "}
	}
	return out
}
