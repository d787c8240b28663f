package bot

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Esc escapes user text for the HTML subset used in Message.Text.
func Esc(s string) string { return html.EscapeString(s) }

var tradToSimp = map[rune]rune{
	'報': '报', '動': '动', '單': '单', '題': '题', '幫': '帮', '網': '网', '號': '号',
	'記': '记', '時': '时', '長': '长', '參': '参', '與': '与', '個': '个', '請': '请',
	'競': '竞', '賽': '赛', '績': '绩', '們': '们', '義': '义', '務': '务', '願': '愿',
	'說': '说', '發': '发', '佈': '布', '間': '间', '點': '点', '區': '区', '會': '会',
	'滿': '满', '額': '额', '場': '场', '綁': '绑', '簽': '签', '統': '统', '計': '计',
	'員': '员', '擇': '择', '選': '选', '資': '资', '訊': '讯', '據': '据', '這': '这',
	'裡': '里', '麼': '么', '嗎': '吗', '兩': '两', '歲': '岁', '學': '学', '習': '习',
	'標': '标', '體': '体', '週': '周', '數': '数', '錄': '录', '冊': '册', '稱': '称',
	'臺': '台', '帳': '账', '賬': '账', '訂': '订', '閱': '阅', '幾': '几', '麽': '么',
	'還': '还', '沒': '没', '開': '开', '關': '关', '調': '调', '撥': '拨', '設': '设',
	'聯': '联', '繫': '系', '係': '系', '歷': '历', '戶': '户', '謝': '谢', '煩': '烦', '媽': '妈', '爺': '爷',
	'孫': '孙', '兒': '儿', '婦': '妇', '親': '亲', '鄰': '邻', '屬': '属', '頭': '头', '塊': '块', '倆': '俩',
	'問': '问', '誰': '谁', '來': '来', '過': '过', '邊': '边', '樓': '楼', '裏': '里', '夠': '够', '愛': '爱',
	'為': '为', '給': '给', '讓': '让', '對': '对', '託': '托', '棟': '栋', '後': '后', '從': '从',
	'連': '连', '啟': '启', '紅': '红', '燈': '灯', '謎': '谜', '診': '诊', '輛': '辆',
}

// Normalize folds what phone input methods produce into one form the parser
// can match, without changing what a person would read: full-width digits,
// letters and / @ # become half-width, the ideographic space and other spaces
// become ' ', runs of spaces collapse, invisible characters go, and each
// line is trimmed. Chinese punctuation is kept. The result is valid UTF-8
// and Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A,
			r == 0xFF0F, r == 0xFF20, r == 0xFF03:
			r -= 0xFEE0
		case r == '\r':
			continue
		case r == '\n':
		case unicode.IsSpace(r) || r == 0x3000:
			r = ' '
		case unicode.IsControl(r) || r == 0x200B || r == 0xFEFF:
			continue
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		out = append(out, strings.TrimSpace(l))
	}
	return strings.Trim(strings.Join(out, "\n"), " \n")
}

// Simplify maps the traditional characters of command words to simplified
// ones (報名 → 报名). Every mapped character keeps its UTF-8 length, so byte
// offsets in the result are offsets in s.
func Simplify(s string) string {
	return strings.Map(func(r rune) rune {
		if t, ok := tradToSimp[r]; ok {
			return t
		}
		return r
	}, s)
}

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
