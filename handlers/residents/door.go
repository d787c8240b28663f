package residents

import (
	"errors"
	"strconv"
	"strings"

	"gridbot/bot/zh"
)

// MaxDoorParts and MaxDoorPart bound a normalised door: at most four parts
// (楼栋, 单元, 门牌, and one more such as 座), each at most eight
// characters.
const (
	MaxDoorParts = 4
	MaxDoorPart  = 8
	maxDoorInput = 40
)

// ErrDoor is returned for a 楼栋/门牌 that cannot be read.
var ErrDoor = errors.New("residents: door not understood")

// doorMarks are the words people put between the parts of an address: a
// building (3栋, 3号楼, 3幢, A座), a unit (2单元), a room (501室, 501号, 501户).
var doorMarks = []string{"号楼", "单元", "栋", "幢", "座", "号", "室", "户", "门", "区", "期"}

// NormalizeDoor reads a 楼栋/门牌 as residents write it and returns one form
// for one household: 「3栋2单元501」「3-2-501」「3号楼2单元501室」「３栋２单元
// ５０１」 and 「三栋二单元501」 all give "3-2-501". Parts are runs of digits
// and Latin letters (upper-cased, leading zeros dropped) or Chinese
// numerals; the words between them (栋, 单元, 室 …), punctuation and other
// text only separate them. A floor (5层, or 5楼 before a room number that
// starts with 5) is left out, since the room number holds it. It returns
// ErrDoor when no part has a digit, or there are too many or too long
// parts. The result is its own normal form.
func NormalizeDoor(s string) (string, error) {
	if len([]rune(s)) > maxDoorInput {
		return "", ErrDoor
	}
	s = strings.ToUpper(zh.Normalize(s))
	type part struct {
		text  string
		floor bool
		louAt bool // followed by 楼 alone (not 号楼)
	}
	var parts []part
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isAlnum(r):
			j := i
			for j < len(rs) && isAlnum(rs[j]) {
				j++
			}
			parts = append(parts, part{text: trimZeros(string(rs[i:j]))})
			i = j
		case isCNDigit(r):
			j := i
			for j < len(rs) && isCNDigit(rs[j]) {
				j++
			}
			n, ok := cnNumber(rs[i:j])
			if !ok {
				return "", ErrDoor
			}
			parts = append(parts, part{text: strconv.Itoa(n)})
			i = j
		default:
			rest := string(rs[i:])
			if len(parts) > 0 {
				last := &parts[len(parts)-1]
				switch {
				case strings.HasPrefix(rest, "层"):
					last.floor = true
				case strings.HasPrefix(rest, "楼"):
					last.louAt = true
				}
			}
			i++
		}
	}
	var out []string
	for k, p := range parts {
		if p.floor {
			continue
		}
		if p.louAt && k+1 < len(parts) {
			next := parts[k+1].text
			if len(next) >= 3 && strings.HasPrefix(next, p.text) && allDigits(next) {
				continue
			}
		}
		out = append(out, p.text)
	}
	if len(out) == 0 || len(out) > MaxDoorParts || !strings.ContainsFunc(strings.Join(out, ""), isASCIIDigit) {
		return "", ErrDoor
	}
	for _, p := range out {
		if len(p) > MaxDoorPart {
			return "", ErrDoor
		}
	}
	return strings.Join(out, "-"), nil
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func isAlnum(r rune) bool { return isASCIIDigit(r) || r >= 'A' && r <= 'Z' }

func allDigits(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return !isASCIIDigit(r) })
}

// trimZeros drops the leading zeros of a numeric part ("0501" → "501",
// "0" stays); parts with letters stay as written.
func trimZeros(s string) string {
	if !allDigits(s) {
		return s
	}
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

var cnDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

func isCNDigit(r rune) bool {
	_, ok := cnDigits[r]
	return ok || r == '十' || r == '百'
}

// cnNumber reads Chinese numerals: place values (二十三, 一百零五) or digit
// by digit (五零一).
func cnNumber(rs []rune) (int, bool) {
	if !strings.ContainsAny(string(rs), "十百") {
		n := 0
		for _, r := range rs {
			n = n*10 + cnDigits[r]
			if n > 99999999 {
				return 0, false
			}
		}
		return n, true
	}
	total, cur := 0, -1
	for _, r := range rs {
		switch r {
		case '百', '十':
			unit := 100
			if r == '十' {
				unit = 10
			}
			if cur < 0 {
				cur = 1
			}
			if cur == 0 && unit == 10 && total == 0 {
				return 0, false
			}
			total += cur * unit
			cur = -1
		default:
			if cur > 0 {
				return 0, false
			}
			cur = cnDigits[r]
		}
	}
	if cur > 0 {
		total += cur
	}
	return total, total < 1000
}
