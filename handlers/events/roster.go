package events

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"gridbot/bot"
)

// rosterRow is one household in the roster.
type rosterRow struct {
	Kind    string // 正式, 候补, 现场
	Pos     int    // number within its kind
	S       signup
	Checked string // check-in time, "" if not checked in
}

var rosterHeader = []string{"类别", "序号", "姓名", "人数", "备注", "报名时间", "候补位次", "签到", "签到时间", "网格", "用户", "来源"}

func sortBySeq(s []signup) {
	slices.SortFunc(s, func(a, b signup) int { return int(a.Seq - b.Seq) })
}

func rosterRows(in, wait, walk []signup, chk map[string]string, loc *time.Location) []rosterRow {
	var rows []rosterRow
	add := func(kind string, list []signup) {
		for i, s := range list {
			rows = append(rows, rosterRow{Kind: kind, Pos: i + 1, S: s, Checked: unixText(chk[string(s.User)], loc)})
		}
	}
	add("正式", in)
	add("候补", wait)
	add("现场", walk)
	return rows
}

func (f *Feature) rosterText(e *Event, rows []rosterRow) string {
	var b strings.Builder
	inHH, inN, waitHH, checked := 0, 0, 0, 0
	for _, r := range rows {
		switch r.Kind {
		case "正式":
			inHH++
			inN += r.S.N
		case "候补":
			waitHH++
		}
		if r.Checked != "" {
			checked++
		}
	}
	fmt.Fprintf(&b, msgRosterHead, bot.Esc(e.Title), e.ID, f.fmtSpan(e), bot.Esc(e.Place), inHH, inN, e.Seats, waitHH, checked)
	if f.held(e) {
		fmt.Fprintf(&b, msgRosterHeld, f.outAt(e.NoticeAt))
	}
	if len(rows) == 0 {
		b.WriteString(msgRosterEmpty)
		return b.String()
	}
	kind := ""
	for _, r := range rows {
		if r.Kind != kind {
			kind = r.Kind
			switch kind {
			case "正式":
				b.WriteString(msgRosterIn)
			case "候补":
				b.WriteString(msgRosterWait)
			default:
				b.WriteString(msgRosterWalk)
			}
		}
		remark := ""
		if r.S.Remark != "" {
			remark = " " + bot.Esc(r.S.Remark)
		}
		when := ""
		if !r.S.At.IsZero() && r.S.At.Unix() > 0 {
			when = " " + r.S.At.In(f.env.Loc).Format("01-02 15:04")
		}
		chk := ""
		if r.Checked != "" {
			chk = msgRosterChecked
		}
		name := displayName(r.S.Name)
		if FromPage(r.S.User) {
			name += msgPageTag
		}
		fmt.Fprintf(&b, msgRosterLine, r.Pos, name, r.S.N, remark, when, chk)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r rosterRow) cells(loc *time.Location) []string {
	at := ""
	if r.S.At.Unix() > 0 {
		at = r.S.At.In(loc).Format("2006-01-02 15:04")
	}
	pos := ""
	if r.Kind == "候补" {
		pos = strconv.Itoa(r.Pos)
	}
	checked := "否"
	if r.Checked != "" {
		checked = "是"
	}
	return []string{r.Kind, strconv.Itoa(r.Pos), cellSafe(r.S.Name), strconv.Itoa(r.S.N), cellSafe(r.S.Remark), at, pos, checked, r.Checked, r.S.Grid, string(r.S.User), Source(r.S.User)}
}

// cellSafe keeps spreadsheet programs from running user text as a formula.
func cellSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func rosterCSV(rows []rosterRow, loc *time.Location) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // lets Excel open UTF-8 Chinese text correctly
	w := csv.NewWriter(&buf)
	_ = w.Write(rosterHeader)
	for _, r := range rows {
		_ = w.Write(r.cells(loc))
	}
	w.Flush()
	return buf.Bytes()
}

func rosterXLSX(e *Event, rows []rosterRow, loc *time.Location) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "名单"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fmt.Errorf("roster xlsx: %w", err)
	}
	title := fmt.Sprintf("%s（%d号） %s %s", e.Title, e.ID, e.Start.In(loc).Format("2006-01-02 15:04"), e.Place)
	if err := x.SetCellStr(sheet, "A1", title); err != nil {
		return nil, fmt.Errorf("roster xlsx: %w", err)
	}
	for i, h := range rosterHeader {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		_ = x.SetCellStr(sheet, cell, h)
	}
	for ri, r := range rows {
		for ci, v := range r.cells(loc) {
			cell, _ := excelize.CoordinatesToCellName(ci+1, ri+3)
			if ci == 1 || ci == 3 {
				n, _ := strconv.Atoi(v)
				_ = x.SetCellInt(sheet, cell, int64(n))
				continue
			}
			_ = x.SetCellStr(sheet, cell, v)
		}
	}
	_ = x.SetColWidth(sheet, "C", "C", 14)
	_ = x.SetColWidth(sheet, "E", "F", 22)
	_ = x.SetColWidth(sheet, "I", "K", 18)
	_ = x.SetColWidth(sheet, "L", "L", 8)
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("roster xlsx: %w", err)
	}
	return buf.Bytes(), nil
}
