package quiz

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits of a question, set by Telegram quiz polls.
const (
	MaxQuestion    = 300
	MaxOption      = 100
	MaxExplanation = 200
	MinOptions     = 2
	MaxOptions     = 6
)

// Categories are the categories shared with the daily tips.
var Categories = []string{"政策法规", "民族知识", "历史文化", "典型事迹", "生活服务"}

// Question is one quiz question. Answer holds the zero-based indexes of the
// correct options (any one of them counts as right); Difficulty is 1 (易),
// 2 (中) or 3 (难).
type Question struct {
	ID          string
	Text        string
	Options     []string
	Answer      []int
	Explanation string
	Category    string
	Difficulty  int
	Tags        []string
}

// yamlQuestion is the file form of a Question: answers as letters ("B",
// "A,C").
type yamlQuestion struct {
	ID          string   `yaml:"id"`
	Category    string   `yaml:"category"`
	Difficulty  int      `yaml:"difficulty,omitempty"`
	Tags        []string `yaml:"tags,omitempty,flow"`
	Question    string   `yaml:"question"`
	Options     []string `yaml:"options"`
	Answer      string   `yaml:"answer"`
	Explanation string   `yaml:"explanation"`
}

//go:embed bank.yaml
var defaultBankYAML []byte

// DefaultBank returns the embedded question bank.
func DefaultBank() []Question {
	qs, err := ParseBank(defaultBankYAML, "bank.yaml")
	if err != nil {
		panic("quiz: embedded bank: " + err.Error())
	}
	return qs
}

// LineError is a problem found at a line of a bank or CSV file.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ParseBank reads a YAML bank (a list of questions, or a mapping with a
// "questions" list) and checks every question. The error joins one
// *LineError per problem; on error no questions are returned.
func ParseBank(data []byte, name string) ([]Question, error) {
	qs, lines, errs := parseBank(data, name)
	errs = append(errs, checkAll(qs, lines, name)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return qs, nil
}

func parseBank(data []byte, name string) ([]Question, []int, []error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := yamlLine(err)
		return nil, nil, []error{&LineError{File: name, Line: line, Msg: fmt.Sprintf(msgYAMLBad, max(line, 1))}}
	}
	if len(doc.Content) == 0 {
		return nil, nil, []error{&LineError{File: name, Msg: "文件是空的"}}
	}
	list := doc.Content[0]
	if list.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(list.Content); i += 2 {
			if list.Content[i].Value == "questions" {
				list = list.Content[i+1]
				break
			}
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, nil, []error{&LineError{File: name, Line: list.Line, Msg: "应当是题目列表（每题以 \"- id:\" 开头）"}}
	}
	var qs []Question
	var lines []int
	var errs []error
	for _, n := range list.Content {
		var y yamlQuestion
		if err := n.Decode(&y); err != nil {
			errs = append(errs, &LineError{File: name, Line: max(yamlLine(err), n.Line), Msg: msgYAMLItem})
			continue
		}
		q, err := y.question()
		if err != nil {
			errs = append(errs, &LineError{File: name, Line: n.Line, Msg: err.Error()})
			continue
		}
		qs = append(qs, q)
		lines = append(lines, n.Line)
	}
	return qs, lines, errs
}

func (y yamlQuestion) question() (Question, error) {
	q := Question{ID: strings.TrimSpace(y.ID), Text: strings.TrimSpace(y.Question),
		Explanation: strings.TrimSpace(y.Explanation), Category: strings.TrimSpace(y.Category),
		Difficulty: y.Difficulty, Tags: y.Tags}
	for _, o := range y.Options {
		q.Options = append(q.Options, strings.TrimSpace(o))
	}
	ans, err := ParseAnswerList(y.Answer)
	if err != nil {
		return q, fmt.Errorf("题目 %s：%w", q.ID, err)
	}
	q.Answer = ans
	return q, nil
}

func (q Question) yaml() yamlQuestion {
	return yamlQuestion{ID: q.ID, Category: q.Category, Difficulty: q.Difficulty, Tags: q.Tags,
		Question: q.Text, Options: q.Options, Answer: AnswerLetters(q.Answer), Explanation: q.Explanation}
}

// ParseAnswerList reads the correct answers as staff write them: letters or
// numbers, full-width or not, separated or not ("B", "b", "2", "A,C", "AC",
// "Ｂ"). Indexes are zero-based, sorted and unique.
func ParseAnswerList(s string) ([]int, error) {
	var out []int
	for _, r := range s {
		switch {
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'A'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'a'
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		}
		switch {
		case r >= 'A' && r <= 'Z':
			out = append(out, int(r-'A'))
		case r >= 'a' && r <= 'z':
			out = append(out, int(r-'a'))
		case r >= '1' && r <= '9':
			out = append(out, int(r-'1'))
		case strings.ContainsRune(" ,，、;；/|", r):
		default:
			return nil, fmt.Errorf("答案「%s」看不懂，请写选项字母，例如 B 或 A,C", s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("缺少答案，请写选项字母，例如 B")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// AnswerLetters writes zero-based answers as letters: [0 2] → "A,C".
func AnswerLetters(ans []int) string {
	parts := make([]string, len(ans))
	for i, a := range ans {
		if a >= 0 && a < 26 {
			parts[i] = string(rune('A' + a))
		} else {
			parts[i] = strconv.Itoa(a + 1)
		}
	}
	return strings.Join(parts, ",")
}

// Check returns the problems of one question, in Chinese.
func (q Question) Check() []string {
	var p []string
	if q.ID == "" {
		p = append(p, "缺少编号 id")
	}
	if q.Text == "" {
		p = append(p, "缺少题目")
	}
	if n := utf8.RuneCountInString(q.Text); n > MaxQuestion {
		p = append(p, fmt.Sprintf("题目有 %d 个字，最多 %d 个", n, MaxQuestion))
	}
	if n := len(q.Options); n < MinOptions || n > MaxOptions {
		p = append(p, fmt.Sprintf("有 %d 个选项，应当是 %d 到 %d 个", n, MinOptions, MaxOptions))
	}
	for i, o := range q.Options {
		if o == "" {
			p = append(p, fmt.Sprintf("选项 %c 是空的", 'A'+i))
		}
		if n := utf8.RuneCountInString(o); n > MaxOption {
			p = append(p, fmt.Sprintf("选项 %c 有 %d 个字，最多 %d 个", 'A'+i, n, MaxOption))
		}
		if slices.Index(q.Options, o) < i {
			p = append(p, fmt.Sprintf("选项 %c 与前面的选项重复", 'A'+i))
		}
	}
	if len(q.Answer) == 0 {
		p = append(p, "缺少答案")
	}
	for _, a := range q.Answer {
		if a < 0 || a >= len(q.Options) {
			p = append(p, fmt.Sprintf("答案 %s 超出选项范围（只有 %d 个选项）", AnswerLetters([]int{a}), len(q.Options)))
		}
	}
	if q.Explanation == "" {
		p = append(p, "缺少解析 explanation")
	}
	if n := utf8.RuneCountInString(q.Explanation); n > MaxExplanation {
		p = append(p, fmt.Sprintf("解析有 %d 个字，最多 %d 个", n, MaxExplanation))
	}
	if q.Difficulty < 0 || q.Difficulty > 3 {
		p = append(p, fmt.Sprintf("难度 %d 不对，应当是 1（易）、2（中）或 3（难）", q.Difficulty))
	}
	return p
}

func checkAll(qs []Question, lines []int, name string) []error {
	var errs []error
	seen := map[string]int{}
	for i, q := range qs {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		for _, p := range q.Check() {
			errs = append(errs, &LineError{File: name, Line: line, Msg: fmt.Sprintf("题目 %s：%s", q.ID, p)})
		}
		if q.ID == "" {
			continue
		}
		if first, ok := seen[q.ID]; ok {
			errs = append(errs, &LineError{File: name, Line: line,
				Msg: fmt.Sprintf("编号 %s 重复（第 %d 行已经用过）", q.ID, first)})
			continue
		}
		seen[q.ID] = line
	}
	return errs
}

// CheckFile validates a bank file, YAML or CSV (by extension .csv): format,
// duplicate ids, answers out of range, over-long text (question ≤ 300
// characters, option ≤ 100, explanation ≤ 200), 2–6 options. It returns
// one error per problem, each naming the line; nil means the bank is good.
func CheckFile(path string) []error {
	data, err := os.ReadFile(path)
	if err != nil {
		return []error{fmt.Errorf("读取 %s：%w", path, err)}
	}
	var qs []Question
	var lines []int
	var errs []error
	if strings.EqualFold(fileExt(path), ".csv") {
		qs, lines, errs = importCSV(strings.NewReader(string(data)), path)
	} else {
		qs, lines, errs = parseBank(data, path)
	}
	return append(errs, checkAll(qs, lines, path)...)
}

func fileExt(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 && !strings.ContainsAny(p[i:], "/\\") {
		return p[i:]
	}
	return ""
}

// LoadBanks returns the embedded bank (unless noDefault) with the questions
// of files added, a later question replacing an earlier one of the same id.
func LoadBanks(noDefault bool, files []string) ([]Question, error) {
	var qs []Question
	if !noDefault {
		qs = DefaultBank()
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("quiz bank %s: %w", f, err)
		}
		more, err := ParseBank(data, f)
		if err != nil {
			return nil, fmt.Errorf("quiz bank %s: %w", f, err)
		}
		qs = merge(qs, more)
	}
	return qs, nil
}

func merge(base, more []Question) []Question {
	idx := make(map[string]int, len(base))
	for i, q := range base {
		idx[q.ID] = i
	}
	out := slices.Clone(base)
	for _, q := range more {
		if i, ok := idx[q.ID]; ok {
			out[i] = q
			continue
		}
		idx[q.ID] = len(out)
		out = append(out, q)
	}
	return out
}

// WriteYAML writes questions as a bank file that ParseBank reads back.
func WriteYAML(w io.Writer, qs []Question) error {
	ys := make([]yamlQuestion, len(qs))
	for i, q := range qs {
		ys[i] = q.yaml()
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(ys); err != nil {
		return fmt.Errorf("write bank: %w", err)
	}
	return enc.Close()
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// yamlLine is the line a YAML error names, or 0.
func yamlLine(err error) int {
	m := yamlLineRe.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
