package tips

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

//go:embed default_bank.yaml
var defaultBank []byte

// DefaultBank returns the YAML of the bank built into the binary.
func DefaultBank() []byte { return bytes.Clone(defaultBank) }

// Limits a tip must keep to so it reads well on a phone screen.
const (
	MaxTitle = 30  // runes
	MaxBody  = 300 // runes
)

// Categories are the categories the default bank uses; others are allowed
// but `tips check` warns, since a typo splits the round-robin.
var Categories = []string{"政策法规", "民族知识", "节日习俗", "历史文化", "典型事迹", "生活服务", "法律常识", "安全提示"}

// Tip is one piece of knowledge pushed as 每日一学.
type Tip struct {
	ID       string `yaml:"id"`
	Category string `yaml:"category"`
	Title    string `yaml:"title"`
	Body     string `yaml:"body"`
	Source   string `yaml:"source,omitempty"`
	// Translations are keyed by language code (ug, kk, mn) for bilingual
	// grids.
	Translations map[string]Translation `yaml:"translations,omitempty"`
}

// Translation is a tip in another language.
type Translation struct {
	Title string `yaml:"title"`
	Body  string `yaml:"body"`
}

// Problem is something wrong in a bank file, at a line (1-based; 0 when
// the file could not be read at all).
type Problem struct {
	Line    int
	Warning bool
	Msg     string
}

// String formats the problem as "LINE: 错误|提醒：message".
func (p Problem) String() string {
	kind := probError
	if p.Warning {
		kind = probWarn
	}
	return fmt.Sprintf("%d: %s：%s", p.Line, kind, p.Msg)
}

// Bank is an ordered set of tips with unique ids.
type Bank struct {
	Tips []Tip
	byID map[string]int
}

// Get returns the tip with id.
func (b *Bank) Get(id string) (Tip, bool) {
	i, ok := b.byID[id]
	if !ok {
		return Tip{}, false
	}
	return b.Tips[i], true
}

// Len returns the number of tips.
func (b *Bank) Len() int { return len(b.Tips) }

// add appends t, or replaces the tip with the same id in place.
func (b *Bank) add(t Tip) {
	if b.byID == nil {
		b.byID = map[string]int{}
	}
	if i, ok := b.byID[t.ID]; ok {
		b.Tips[i] = t
		return
	}
	b.byID[t.ID] = len(b.Tips)
	b.Tips = append(b.Tips, t)
}

// Order returns the tip ids in push order: round-robin over categories in
// the order they first appear, within a category in bank order. Grids get
// the tips in this order.
func (b *Bank) Order() []string {
	var cats []string
	by := map[string][]string{}
	for _, t := range b.Tips {
		if _, ok := by[t.Category]; !ok {
			cats = append(cats, t.Category)
		}
		by[t.Category] = append(by[t.Category], t.ID)
	}
	out := make([]string, 0, len(b.Tips))
	for i := 0; len(out) < len(b.Tips); i++ {
		for _, c := range cats {
			if i < len(by[c]) {
				out = append(out, by[c][i])
			}
		}
	}
	return out
}

// ParseBank reads a bank file: either a list of tips or a mapping with a
// "tips" list. It returns the good tips and every problem found, with
// line numbers; tips with errors are left out.
func ParseBank(data []byte) ([]Tip, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []Problem{{Line: yamlErrLine(err), Msg: msgYAMLBad}}
	}
	if len(doc.Content) == 0 {
		return nil, []Problem{{Line: 1, Msg: "文件是空的"}}
	}
	root := doc.Content[0]
	list := root
	if root.Kind == yaml.MappingNode {
		list = nil
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "tips" {
				list = root.Content[i+1]
			}
		}
		if list == nil {
			return nil, []Problem{{Line: root.Line, Msg: `缺少 "tips:" 列表`}}
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, []Problem{{Line: list.Line, Msg: "tips 应当是一个列表（每条以 - 开头）"}}
	}
	var tips []Tip
	var probs []Problem
	seen := map[string]int{}
	for _, n := range list.Content {
		t, ps := parseTip(n)
		probs = append(probs, ps...)
		if hasError(ps) {
			continue
		}
		if first, dup := seen[t.ID]; dup {
			probs = append(probs, Problem{Line: n.Line, Msg: fmt.Sprintf("编号（id）%q 重复（第 %d 行已有）", t.ID, first)})
			continue
		}
		seen[t.ID] = n.Line
		tips = append(tips, t)
	}
	return tips, probs
}

func hasError(ps []Problem) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return !p.Warning })
}

var knownFields = []string{"id", "category", "title", "body", "source", "translations"}

// fieldNames are the Chinese names of the fields a tip must have.
var fieldNames = map[string]string{"id": "编号", "category": "分类", "title": "标题", "body": "正文"}

func parseTip(n *yaml.Node) (Tip, []Problem) {
	var probs []Problem
	errAt := func(line int, format string, a ...any) {
		probs = append(probs, Problem{Line: line, Msg: fmt.Sprintf(format, a...)})
	}
	warnAt := func(line int, format string, a ...any) {
		probs = append(probs, Problem{Line: line, Warning: true, Msg: fmt.Sprintf(format, a...)})
	}
	if n.Kind != yaml.MappingNode {
		errAt(n.Line, "每条 tip 应当是 id/category/title/body 等字段的映射")
		return Tip{}, probs
	}
	var t Tip
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := lines[k.Value]; dup {
			errAt(k.Line, "字段 %q 重复", k.Value)
			continue
		}
		lines[k.Value] = k.Line
		if !slices.Contains(knownFields, k.Value) {
			warnAt(k.Line, "未知字段 %q（可用：%s）", k.Value, strings.Join(knownFields, ", "))
			continue
		}
		if k.Value == "translations" {
			t.Translations = parseTranslations(v, errAt)
			continue
		}
		if v.Kind != yaml.ScalarNode {
			errAt(v.Line, "字段 %q 应当是文字", k.Value)
			continue
		}
		s := strings.TrimSpace(v.Value)
		switch k.Value {
		case "id":
			t.ID = s
		case "category":
			t.Category = s
		case "title":
			t.Title = s
		case "body":
			t.Body = s
		case "source":
			t.Source = s
		}
	}
	for _, f := range []struct {
		name, val string
	}{{"id", t.ID}, {"category", t.Category}, {"title", t.Title}, {"body", t.Body}} {
		if f.val == "" {
			line := n.Line
			if l, ok := lines[f.name]; ok {
				line = l
			}
			errAt(line, "缺少%s（%s）", fieldNames[f.name], f.name)
		}
	}
	if t.ID != "" && strings.ContainsAny(t.ID, " \t\n|") {
		errAt(lines["id"], "编号（id）%q 不能含空格或 |", t.ID)
	}
	if t.Category != "" && !slices.Contains(Categories, t.Category) {
		warnAt(lines["category"], "未知分类 %q（常用：%s）", t.Category, strings.Join(Categories, "、"))
	}
	if c := utf8.RuneCountInString(t.Title); c > MaxTitle {
		errAt(lines["title"], "标题太长：%d 字，最多 %d 字", c, MaxTitle)
	}
	if c := utf8.RuneCountInString(t.Body); c > MaxBody {
		errAt(lines["body"], "正文太长：%d 字，最多 %d 字（手机一屏读完）", c, MaxBody)
	}
	return t, probs
}

func parseTranslations(v *yaml.Node, errAt func(int, string, ...any)) map[string]Translation {
	if v.Kind != yaml.MappingNode {
		errAt(v.Line, "translations 应当按语言代码列出，例如 ug: {title: …, body: …}")
		return nil
	}
	out := map[string]Translation{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		lang, tv := v.Content[i], v.Content[i+1]
		var tr Translation
		if err := tv.Decode(&tr); err != nil || tv.Kind != yaml.MappingNode {
			errAt(tv.Line, "翻译 %q 应当有 title 和 body", lang.Value)
			continue
		}
		tr.Title, tr.Body = strings.TrimSpace(tr.Title), strings.TrimSpace(tr.Body)
		if tr.Title == "" || tr.Body == "" {
			errAt(tv.Line, "翻译 %q 缺少 title 或 body", lang.Value)
			continue
		}
		if c := utf8.RuneCountInString(tr.Body); c > 2*MaxBody {
			errAt(tv.Line, "翻译 %q 正文太长：%d 字", lang.Value, c)
		}
		out[lang.Value] = tr
	}
	return out
}

func yamlErrLine(err error) int {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	var line int
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	return line
}

// LoadBank builds the bank from the default bank (unless replaceDefault)
// and the files in order; a tip in a later file replaces the one with the
// same id. Any error in any file fails the load, naming file and line.
func LoadBank(files []string, replaceDefault bool) (*Bank, error) {
	b := &Bank{}
	load := func(name string, data []byte) error {
		tips, probs := ParseBank(data)
		for _, p := range probs {
			if !p.Warning {
				return fmt.Errorf("tip bank %s:%d: %s", name, p.Line, p.Msg)
			}
		}
		for _, t := range tips {
			b.add(t)
		}
		return nil
	}
	if !replaceDefault {
		if err := load("(default)", defaultBank); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("tip bank: %w", err)
		}
		if err := load(f, data); err != nil {
			return nil, err
		}
	}
	if b.Len() == 0 {
		return nil, errors.New("tip bank is empty: set tips.bank or leave tips.replace_default false")
	}
	return b, nil
}
