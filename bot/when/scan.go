package when

import (
	"strings"
	"time"
	"unicode/utf8"

	"gridbot/bot"
)

// scanner reads the simplified text s from byte offset i. Simplify keeps
// byte lengths, so offsets in s are offsets in the folded input. Dates are
// resolved against now (in the location wanted) and today, its midnight.
type scanner struct {
	s          string
	i          int
	now, today time.Time
}

func newScanner(folded string, now time.Time) *scanner {
	return &scanner{s: simplifyDates(bot.Simplify(folded)), now: now, today: midnight(now)}
}

// tradDates maps the traditional characters of date words that
// bot.Simplify leaves alone (農曆, 臘月, 國慶, 禮拜); each keeps its UTF-8
// length, so offsets stay offsets in the input.
var tradDates = strings.NewReplacer("農", "农", "曆", "历", "陰", "阴", "臘", "腊", "國", "国", "慶", "庆", "節", "节",
	"禮", "礼", "陽", "阳", "聖", "圣", "誕", "诞", "師", "师", "軍", "军", "黨", "党", "勞", "劳", "鐘", "钟",
	"紀", "纪", "讀", "读", "書", "书", "親", "亲", "憲", "宪", "際", "际")

func simplifyDates(s string) string { return tradDates.Replace(s) }

func (p *scanner) rest() string { return p.s[p.i:] }

func (p *scanner) spaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// eat consumes the first of words (longest first) found at the cursor.
func (p *scanner) eat(words ...string) string {
	for _, w := range words {
		if strings.HasPrefix(p.rest(), w) {
			p.i += len(w)
			return w
		}
	}
	return ""
}

// eatSp is eat after optional spaces; the spaces stay unread when no word
// follows them.
func (p *scanner) eatSp(words ...string) string {
	save := p.i
	p.spaces()
	if w := p.eat(words...); w != "" {
		return w
	}
	p.i = save
	return ""
}

// ended reports whether the cursor is at the end of the text or before a
// space or punctuation, so a word just read is not part of a longer one.
func (p *scanner) ended() bool {
	if p.i >= len(p.s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(p.rest())
	return strings.ContainsRune(" \n|,，。、;；!！?？()（）", r)
}

// num is a number read from the text.
type num struct {
	n      int
	digits int  // Arabic digits read; 0 for Chinese numerals
	lead0  bool // written with a leading zero (05, 零五)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// number reads up to four Arabic digits or a Chinese numeral (up to 九十九,
// 廿三, or four digits 二〇二七) at the cursor. No spaces are skipped.
func (p *scanner) number() (num, bool) {
	k := 0
	for p.i+k < len(p.s) && isDigit(p.s[p.i+k]) {
		k++
	}
	if k > 4 {
		return num{}, false
	}
	if k > 0 {
		n := 0
		for _, c := range p.s[p.i : p.i+k] {
			n = n*10 + int(c-'0')
		}
		lead := k > 1 && p.s[p.i] == '0'
		p.i += k
		return num{n: n, digits: k, lead0: lead}, true
	}
	n, size, lead := chineseNumber(p.rest())
	if size == 0 {
		return num{}, false
	}
	p.i += size
	return num{n: n, lead0: lead}, true
}

var cnDigit = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// chineseNumber reads a Chinese numeral at the start of s: 五, 十五, 二十,
// 二十三, 廿三, 卅, 零五 (lead is true) or four digits (二〇二七). It returns
// the value and the bytes read, 0 when none.
func chineseNumber(s string) (n, size int, lead bool) {
	var rs []rune
	var sizes []int
	for off := 0; off < len(s) && len(rs) < 4; {
		r, w := utf8.DecodeRuneInString(s[off:])
		if _, ok := cnDigit[r]; !ok && r != '十' && r != '廿' && r != '卅' {
			break
		}
		rs, sizes = append(rs, r), append(sizes, off+w)
		off += w
	}
	if len(rs) == 0 {
		return 0, 0, false
	}
	if len(rs) == 4 && allDigits(rs) {
		for _, r := range rs {
			n = n*10 + cnDigit[r]
		}
		return n, sizes[3], false
	}
	if len(rs) >= 2 && (rs[0] == '零' || rs[0] == '〇') && isCnDigit(rs[1]) && rs[1] != '两' {
		return cnDigit[rs[1]], sizes[1], true
	}
	return tens(rs, sizes)
}

func allDigits(rs []rune) bool {
	for _, r := range rs {
		if !isCnDigit(r) || r == '两' {
			return false
		}
	}
	return true
}

func isCnDigit(r rune) bool { _, ok := cnDigit[r]; return ok }

// tens reads [digit]十[digit], 廿[digit], 卅[digit] or a single digit.
func tens(rs []rune, sizes []int) (int, int, bool) {
	i, n := 0, 0
	switch {
	case rs[0] == '廿' || rs[0] == '卅':
		n, i = 20, 1
		if rs[0] == '卅' {
			n = 30
		}
	case rs[0] == '十':
		n, i = 10, 1
	case len(rs) > 1 && rs[1] == '十' && rs[0] != '零' && rs[0] != '〇':
		n, i = cnDigit[rs[0]]*10, 2
	default:
		return cnDigit[rs[0]], sizes[0], false
	}
	if i < len(rs) && isCnDigit(rs[i]) && rs[i] != '零' && rs[i] != '〇' {
		n += cnDigit[rs[i]]
		i++
	}
	return n, sizes[i-1], false
}
