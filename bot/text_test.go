package bot

import (
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

func FuzzSplit(f *testing.F) {
	f.Add("<b>报名</b>\n张阿姨\n<i>李大爷</i>", 10)
	f.Add(strings.Repeat("活动", 100), 7)
	f.Add("<a href=\"x\">链接</a>", 3)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 5000 || len(s) > 20000 || !utf8.ValidString(s) {
			return
		}
		parts := Split(s, n)
		var plain strings.Builder
		for _, p := range parts {
			plain.WriteString(p)
		}
		if len(s) > 0 && plain.Len() == 0 {
			t.Fatalf("Split(%q, %d) lost everything", s, n)
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
