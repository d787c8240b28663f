package bot

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitKeepsLinesAndMarkup(t *testing.T) {
	var b strings.Builder
	b.WriteString("<b>名单</b>\n<code>")
	for i := range 300 {
		b.WriteString("第" + strconv.Itoa(i) + "位 张阿姨 2人\n")
	}
	b.WriteString("</code>\n<a href=\"https://example.org/?a=1&amp;b=2\">详情</a>")
	text := b.String()
	parts := Split(text, 1000)
	if len(parts) < 4 {
		t.Fatalf("%d parts", len(parts))
	}
	var joined strings.Builder
	for i, p := range parts {
		if len(p) > 1000 {
			t.Errorf("part %d is %d bytes", i, len(p))
		}
		if !utf8.ValidString(p) {
			t.Errorf("part %d cut inside a character", i)
		}
		if strings.Count(p, "<code>") != strings.Count(p, "</code>") {
			t.Errorf("part %d leaves <code> unbalanced:\n%s", i, p)
		}
		if i > 0 && i < len(parts)-1 && !strings.HasPrefix(p, "<code>") {
			t.Errorf("part %d does not reopen <code>: %.30q", i, p)
		}
		joined.WriteString(PlainText(p))
	}
	if want := PlainText(text); strings.ReplaceAll(joined.String(), "\n", "") != strings.ReplaceAll(want, "\n", "") {
		t.Error("text lost or changed in splitting")
	}
}

func TestSplitShortTextUnchanged(t *testing.T) {
	if got := Split("<b>你好</b>", 4096); len(got) != 1 || got[0] != "<b>你好</b>" {
		t.Errorf("got %q", got)
	}
}

// notice builds what the notices feature sends: the header, then the
// escaped body.
func notice(body string) string { return "<b>【社区通知】</b>\n" + Esc(body) }

var (
	anyTag    = regexp.MustCompile(`<[^>]*>`)
	brokenEnt = regexp.MustCompile(`&(#?[a-zA-Z0-9]{0,8})$`)
)

// plainOf is what a reader sees of one piece: tags gone, entities shown.
func plainOf(s string) string { return html.UnescapeString(anyTag.ReplaceAllString(s, "")) }

// checkPieces asserts what every caller relies on: each piece within
// limit and valid UTF-8, no tag or entity cut, tags balanced, and the
// pieces read together exactly as the text.
func checkPieces(t *testing.T, text string, limit int, parts []string) {
	t.Helper()
	var joined strings.Builder
	for i, p := range parts {
		if len(p) > limit {
			t.Fatalf("piece %d is %d bytes, limit %d", i, len(p), limit)
		}
		if !utf8.ValidString(p) {
			t.Fatalf("piece %d cut inside a character: %q", i, p)
		}
		if lt := strings.LastIndexByte(p, '<'); lt >= 0 && !strings.Contains(p[lt:], ">") {
			t.Fatalf("piece %d ends inside a tag: %q", i, p[lt:])
		}
		if m := brokenEnt.FindString(p); m != "" {
			t.Fatalf("piece %d ends inside an entity: %q", i, m)
		}
		for _, tag := range []string{"b", "i", "code", "a"} {
			if o, c := strings.Count(p, "<"+tag+">")+strings.Count(p, "<"+tag+" "), strings.Count(p, "</"+tag+">"); o != c {
				t.Fatalf("piece %d leaves <%s> unbalanced (%d open, %d closed): %q", i, tag, o, c, p)
			}
		}
		joined.WriteString(plainOf(p))
	}
	if got, want := joined.String(), plainOf(text); got != want {
		t.Fatalf("pieces read %q\nwant       %q", got, want)
	}
}

func TestSplitLongNoticeKeepsEntitiesAndHeader(t *testing.T) {
	body := strings.Repeat("水电费&燃气费请按时缴纳<每户>，", 150) + "谢谢配合。"
	text := notice(body)
	parts := Split(text, 4096)
	if len(parts) < 2 {
		t.Fatalf("%d pieces for %d bytes", len(parts), len(text))
	}
	checkPieces(t, text, 4096, parts)
	if plain := strings.TrimSpace(plainOf(parts[0])); plain == "【社区通知】" {
		t.Fatal("the header went alone in the first piece")
	}
	for i, p := range parts[:len(parts)-1] {
		if !strings.HasSuffix(p, "，") && !strings.HasSuffix(p, "。") {
			t.Errorf("piece %d does not end at a sentence or clause end: …%q", i, p[len(p)-12:])
		}
	}
}

func TestSplitPrefersSentenceEnds(t *testing.T) {
	body := strings.Repeat("明早九点到十二点停水，请提前储水。", 40)
	parts := Split(notice(body), 1000)
	checkPieces(t, notice(body), 1000, parts)
	for i, p := range parts[:len(parts)-1] {
		if !strings.HasSuffix(p, "。") && !strings.HasSuffix(p, "。</b>") {
			t.Errorf("piece %d ends mid-sentence: …%q", i, p[max(0, len(p)-15):])
		}
	}
}

func TestSplitKeepsLinkWhole(t *testing.T) {
	text := strings.Repeat("报名", 150) + `<a href="https://example.org/a?b=1&amp;c=2">点这里报名参加活动</a>` + strings.Repeat("好", 100)
	for _, limit := range []int{300, 320, 400, 500, 600} {
		parts := Split(text, limit)
		checkPieces(t, text, limit, parts)
		for _, p := range parts {
			if strings.Contains(p, "<a ") && !strings.Contains(p, "点这里报名参加活动") {
				t.Errorf("limit %d: link cut: %q", limit, p)
			}
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("明早9点停水&请提前储水。\n张阿姨<李大爷>\"不去\"", 300, uint8(1))
	f.Add(strings.Repeat("活动&", 400), 4096, uint8(0))
	f.Add(strings.Repeat("a&b", 2000), 2048, uint8(2))
	f.Add("链接|详情|名单", 257, uint8(3))
	f.Fuzz(func(t *testing.T, s string, n int, shape uint8) {
		if n < 257 || n > 5000 || len(s) > 20000 || !utf8.ValidString(s) {
			return
		}
		var text string
		switch shape % 4 {
		case 0:
			text = notice(s)
		case 1:
			text = Esc(s)
		case 2:
			text = notice(strings.Repeat(s, 1+4000/(len(s)+1)))
		default:
			var b strings.Builder
			for i, seg := range strings.Split(s, "|") {
				switch i % 3 {
				case 0:
					b.WriteString("<b>" + Esc(seg) + "</b>")
				case 1:
					b.WriteString(`<a href="https://e.org/?q=` + Esc(Truncate(seg, 20)) + `">` + Esc(seg) + "</a>")
				default:
					b.WriteString(Esc(seg) + "\n")
				}
			}
			text = b.String()
		}
		checkPieces(t, text, n, Split(text, n))
	})
}

func FuzzSplitRaw(f *testing.F) {
	f.Add("<b>报名</b>\n张阿姨\n<i>李大爷</i>", 10)
	f.Add(strings.Repeat("活动", 100), 7)
	f.Add("<a href=\"x\">链接</a>", 3)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 5000 || len(s) > 20000 || !utf8.ValidString(s) {
			return
		}
		parts := Split(s, n)
		if strings.IndexByte(s, '<') < 0 || n <= 256 {
			if got := strings.Join(parts, ""); got != s {
				t.Fatalf("Split(%q, %d) pieces join to %q", s, n, got)
			}
		}
		for i, p := range parts {
			if !utf8.ValidString(p) {
				t.Fatalf("piece %d cut inside a character", i)
			}
		}
	})
}

func TestRedactRawAndEscaped(t *testing.T) {
	got := Redact("GET /bot123:AbC/sendMessage?k=123%3AAbC", "123:AbC", "<token>")
	if got != "GET /bot<token>/sendMessage?k=<token>" {
		t.Errorf("got %q", got)
	}
	if Redact("x", "", "*") != "x" {
		t.Error("empty secret changed text")
	}
}
