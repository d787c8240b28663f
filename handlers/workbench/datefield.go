package workbench

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
)

// A date and time on a page is five selects — 年, 月, 日, 时, 分 — named
// <name>_y, _m, _d, _h and _i: they read the same in every browser
// language (a native date input shows "mm/dd/yyyy" in an English
// browser), work with scripts off, and cannot be mistyped. The server
// puts them together and checks the day exists.

// dateField is one date and time on a form.
type dateField struct {
	Name, Label, Hint string
	Parts             []datePart
}

// datePart is one select of a dateField.
type datePart struct {
	Name, Aria, Suffix string
	Options            []dateOption
}

type dateOption struct {
	Value, Text string
	Selected    bool
}

var dateParts = []struct{ key, aria, suffix string }{
	{"y", "年", "年"}, {"m", "月", "月"}, {"d", "日", "日"}, {"h", "时", "时"}, {"i", "分", "分"},
}

// dateFieldAt is a dateField showing t (nothing chosen when t is zero),
// offering this year and the next two (and t's year).
func (f *Feature) dateFieldAt(name, label, hint string, t time.Time) dateField {
	picked := map[string]string{}
	if !t.IsZero() {
		t = t.In(f.env.Loc)
		picked = map[string]string{"y": strconv.Itoa(t.Year()), "m": strconv.Itoa(int(t.Month())),
			"d": strconv.Itoa(t.Day()), "h": strconv.Itoa(t.Hour()), "i": strconv.Itoa(t.Minute())}
	}
	return f.dateField(name, label, hint, picked)
}

// dateFieldPosted is a dateField showing what the form sent, so a page
// shown again with an error keeps it.
func (f *Feature) dateFieldPosted(r *http.Request, name, label, hint string) dateField {
	picked := map[string]string{}
	for _, p := range dateParts {
		picked[p.key] = strings.TrimSpace(r.PostFormValue(name + "_" + p.key))
	}
	return f.dateField(name, label, hint, picked)
}

func (f *Feature) dateField(name, label, hint string, picked map[string]string) dateField {
	year := f.env.Now().In(f.env.Loc).Year()
	years := []int{year, year + 1, year + 2}
	if y, err := strconv.Atoi(picked["y"]); err == nil && !slices.Contains(years, y) {
		years = append([]int{y}, years...)
	}
	ranges := map[string][]int{"y": years, "m": seq(1, 12, 1), "d": seq(1, 31, 1), "h": seq(0, 23, 1), "i": seq(0, 55, 5)}
	if m, err := strconv.Atoi(picked["i"]); err == nil && m%5 != 0 && m >= 0 && m < 60 {
		ranges["i"] = append(ranges["i"], m)
		slices.Sort(ranges["i"])
	}
	out := dateField{Name: name, Label: label, Hint: hint}
	for _, p := range dateParts {
		part := datePart{Name: name + "_" + p.key, Aria: label + p.aria, Suffix: p.suffix,
			Options: []dateOption{{Value: "", Text: "—", Selected: picked[p.key] == ""}}}
		for _, n := range ranges[p.key] {
			text := strconv.Itoa(n)
			if p.key == "h" || p.key == "i" {
				text = fmt.Sprintf("%02d", n)
			}
			part.Options = append(part.Options, dateOption{Value: strconv.Itoa(n), Text: text, Selected: picked[p.key] == strconv.Itoa(n)})
		}
		out.Parts = append(out.Parts, part)
	}
	return out
}

func seq(from, to, step int) []int {
	var out []int
	for n := from; n <= to; n += step {
		out = append(out, n)
	}
	return out
}

// formTime reads field name of a posted form as the chat forms write a
// time, "2027-02-12 19:00": from its five selects, or from one value
// name ("2027-02-12T19:00" or "2027-02-12 19:00", for scripts). It is ""
// when nothing was chosen, and a *bot.UserError naming label when only
// part was or the day does not exist.
func (f *Feature) formTime(r *http.Request, name, label string) (string, error) {
	if v := strings.TrimSpace(r.PostFormValue(name)); v != "" {
		return datetimeLocal(v), nil
	}
	var n [5]int
	chosen := 0
	for i, p := range dateParts {
		v := strings.TrimSpace(r.PostFormValue(name + "_" + p.key))
		if v == "" {
			continue
		}
		x, err := strconv.Atoi(v)
		if err != nil {
			return "", bot.Userf(msgDatePart, label)
		}
		n[i] = x
		chosen++
	}
	switch chosen {
	case 0:
		return "", nil
	case len(dateParts):
	default:
		return "", bot.Userf(msgDatePart, label)
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], 0, 0, f.env.Loc)
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] || t.Hour() != n[3] || t.Minute() != n[4] {
		return "", bot.Userf(msgDateNone, label, n[0], n[1], n[2])
	}
	return t.Format("2006-01-02 15:04"), nil
}
