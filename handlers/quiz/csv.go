package quiz

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// csvColumns maps the header names staff may use (Chinese or English) to a
// field. Option columns are A–F (or 选项A…, 选项1…).
var csvColumns = map[string]string{
	"id": "id", "编号": "id", "题号": "id", "题目编号": "id",
	"category": "category", "分类": "category", "类别": "category", "题目分类": "category",
	"difficulty": "difficulty", "难度": "difficulty", "难易": "difficulty", "难易程度": "difficulty",
	"question": "question", "题目": "question", "题干": "question", "问题": "question", "题目内容": "question",
	"answer": "answer", "答案": "answer", "正确答案": "answer", "正确选项": "answer",
	"explanation": "explanation", "解析": "explanation", "说明": "explanation", "答案解析": "explanation",
	"tags": "tags", "标签": "tags",
}

// columnNames are the headers the template uses, for telling staff which
// column is missing.
var columnNames = map[string]string{"id": "编号", "question": "题目", "answer": "答案", "explanation": "解析"}

// ImportCSV reads questions from a CSV file saved by Excel ("CSV UTF-8"):
// a header row naming the columns 编号/id, 分类/category, 难度/difficulty,
// 题目/question, A…F (or 选项A…), 答案/answer, 解析/explanation and
// optional 标签/tags, then one question per row. Every problem is reported
// as a *LineError naming the line; on error no questions are returned.
func ImportCSV(r io.Reader) ([]Question, error) {
	qs, lines, errs := importCSV(r, "CSV")
	errs = append(errs, checkAll(qs, lines, "CSV")...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return qs, nil
}

func importCSV(r io.Reader, name string) ([]Question, []int, []error) {
	data, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return nil, nil, []error{&LineError{File: name, Msg: "读取失败：" + err.Error()}}
	}
	data = []byte(strings.TrimPrefix(string(data), "\uFEFF"))
	if !utf8.Valid(data) {
		return nil, nil, []error{&LineError{File: name, Msg: "文件不是 UTF-8 编码。请在 Excel 里选「另存为」→「CSV UTF-8（逗号分隔）」后再导入"}}
	}
	cr := csv.NewReader(strings.NewReader(string(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, []error{&LineError{File: name, Line: 1, Msg: "读不到表头：" + csvErr(err)}}
	}
	cols := map[string]int{}
	opts := map[int]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if f, ok := csvColumns[strings.ToLower(h)]; ok {
			cols[f] = i
			continue
		}
		if k := optionColumn(h); k >= 0 {
			opts[k] = i
		}
	}
	var missing []string
	for _, f := range []string{"id", "question", "answer", "explanation"} {
		if _, ok := cols[f]; !ok {
			missing = append(missing, columnNames[f])
		}
	}
	if len(opts) < MinOptions {
		missing = append(missing, "A、B（选项列）")
	}
	if len(missing) > 0 {
		return nil, nil, []error{&LineError{File: name, Line: 1,
			Msg: "表头缺少这些列：" + strings.Join(missing, "、") + "。表头示例：编号,分类,难度,题目,A,B,C,D,答案,解析"}}
	}
	var qs []Question
	var lines []int
	var errs []error
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs = append(errs, &LineError{File: name, Line: line, Msg: "这一行读不懂：" + csvErr(err)})
			break
		}
		line, _ := cr.FieldPos(0)
		get := func(f string) string {
			if i, ok := cols[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		q := Question{ID: get("id"), Text: get("question"), Category: get("category"),
			Explanation: get("explanation")}
		for k := 0; k < MaxOptions; k++ {
			if i, ok := opts[k]; ok && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
				q.Options = append(q.Options, strings.TrimSpace(rec[i]))
			}
		}
		if t := get("tags"); t != "" {
			for _, tag := range strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune(" ,，、;；|", r) }) {
				q.Tags = append(q.Tags, tag)
			}
		}
		d, ok := parseDifficulty(get("difficulty"))
		if !ok {
			errs = append(errs, &LineError{File: name, Line: line,
				Msg: fmt.Sprintf("题目 %s：难度「%s」看不懂，请写 1、2、3 或 易、中、难", q.ID, get("difficulty"))})
			continue
		}
		q.Difficulty = d
		ans, err := ParseAnswerList(get("answer"))
		if err != nil {
			errs = append(errs, &LineError{File: name, Line: line, Msg: fmt.Sprintf("题目 %s：%s", q.ID, err)})
			continue
		}
		q.Answer = ans
		qs = append(qs, q)
		lines = append(lines, line)
	}
	return qs, lines, errs
}

// csvErr says in Chinese what is wrong with a CSV line.
func csvErr(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return msgCSVBareQuote
	case errors.Is(err, csv.ErrQuote):
		return msgCSVQuote
	case errors.Is(err, csv.ErrFieldCount):
		return msgCSVFields
	case errors.Is(err, io.EOF):
		return msgCSVEmpty
	}
	return msgCSVOther
}

// optionColumn returns the option index a header names ("A", "选项B",
// "选项3", "option c"), or -1.
func optionColumn(h string) int {
	h = strings.TrimSpace(h)
	for _, p := range []string{"选项", "option", "Option", "OPTION"} {
		h = strings.TrimPrefix(h, p)
	}
	h = strings.TrimSpace(h)
	if len(h) != 1 {
		if r, size := utf8.DecodeRuneInString(h); size == len(h) && r >= 'Ａ' && r <= 'Ｆ' {
			return int(r - 'Ａ')
		}
		return -1
	}
	c := h[0]
	switch {
	case c >= 'A' && c <= 'F':
		return int(c - 'A')
	case c >= 'a' && c <= 'f':
		return int(c - 'a')
	case c >= '1' && c <= '6':
		return int(c - '1')
	}
	return -1
}

func parseDifficulty(s string) (int, bool) {
	switch strings.TrimSpace(s) {
	case "":
		return 0, true
	case "易", "简单", "容易", "低", "初级":
		return 1, true
	case "中", "中等", "一般", "中级":
		return 2, true
	case "难", "困难", "较难", "高", "高级":
		return 3, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 3 {
		return 0, false
	}
	return n, true
}
