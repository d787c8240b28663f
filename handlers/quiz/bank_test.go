package quiz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gridbot/bot/feature"
)

func TestDefaultBank(t *testing.T) {
	qs := DefaultBank()
	if got, want := len(qs), 80; got < want {
		t.Fatalf("default bank has %d questions, want at least %d", got, want)
	}
	perCat := map[string]int{}
	letters := map[int]int{}
	for _, q := range qs {
		if !slices.Contains(Categories, q.Category) {
			t.Errorf("question %s: category %q is not one of the tips' categories %v", q.ID, q.Category, Categories)
		}
		if q.Difficulty < 1 || q.Difficulty > 3 {
			t.Errorf("question %s: difficulty %d, want 1..3", q.ID, q.Difficulty)
		}
		if len(q.Answer) != 1 {
			t.Errorf("question %s: %d answers, want exactly one (Telegram quiz polls)", q.ID, len(q.Answer))
		}
		perCat[q.Category]++
		letters[q.Answer[0]]++
	}
	for _, c := range Categories {
		if perCat[c] < 8 {
			t.Errorf("category %s has %d questions, want at least 8", c, perCat[c])
		}
	}
	if len(letters) < 3 {
		t.Errorf("correct answers sit at only %d letters: %v", len(letters), letters)
	}
	if errs := CheckFile("bank.yaml"); len(errs) > 0 {
		t.Errorf("CheckFile(bank.yaml) = %v, want no problems", errs)
	}
}

func TestDefaultBankCoversThemes(t *testing.T) {
	var all strings.Builder
	for _, q := range DefaultBank() {
		all.WriteString(q.Text + strings.Join(q.Options, "") + q.Explanation)
	}
	for _, theme := range []string{"铸牢中华民族共同体意识", "三个离不开", "五个认同", "民族区域自治法", "1984年",
		"一律平等", "民族团结进步创建", "石榴籽", "56个民族", "古尔邦节", "那达慕", "泼水节", "火把节", "三月三",
		"低保", "义诊", "96110", "春节"} {
		if !strings.Contains(all.String(), theme) {
			t.Errorf("default bank never mentions %s", theme)
		}
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const badBank = `- id: a1
  category: 民族知识
  question: 我国有多少个民族？
  options: [56个, 50个]
  answer: A
  explanation: 56个民族。
- id: a1
  category: 民族知识
  question: 重复的编号
  options: [对, 错]
  answer: A
  explanation: 说明。
- id: a3
  category: 民族知识
  question: 答案越界
  options: [对, 错]
  answer: C
  explanation: 说明。
- id: a4
  category: 民族知识
  question: 只有一个选项
  options: [对]
  answer: A
  explanation: 说明。
- id: a5
  category: 民族知识
  question: ` + "\"" + `LONGQ` + "\"" + `
  options: [对, LONGO]
  answer: A
  explanation: LONGE
`

func TestCheckFileReportsEachProblemWithLine(t *testing.T) {
	body := strings.NewReplacer("LONGQ", strings.Repeat("题", 301), "LONGO", strings.Repeat("项", 101),
		"LONGE", strings.Repeat("解", 201)).Replace(badBank)
	errs := CheckFile(writeFile(t, "bank.yaml", body))
	text := errors.Join(errs...).Error()
	for _, want := range []string{
		"bank.yaml:7: 编号 a1 重复（第 1 行已经用过）",
		"bank.yaml:13: 题目 a3：答案 C 超出选项范围",
		"bank.yaml:19: 题目 a4：有 1 个选项",
		"bank.yaml:25: 题目 a5：题目有 301 个字，最多 300 个",
		"选项 B 有 101 个字，最多 100 个",
		"解析有 201 个字，最多 200 个",
	} {
		contains(t, text, want)
	}
	if got, want := len(errs), 6; got != want {
		t.Errorf("got %d problems, want %d:\n%s", got, want, text)
	}
}

func TestCheckFileSevenOptions(t *testing.T) {
	body := "- id: x\n  question: 七个选项\n  options: [a, b, c, d, e, f, g]\n  answer: A\n  explanation: 说明\n"
	errs := CheckFile(writeFile(t, "b.yaml", body))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "有 7 个选项，应当是 2 到 6 个") {
		t.Errorf("got %v, want one error about 7 options", errs)
	}
}

const goodCSV = "\uFEFF编号,分类,难度,题目,A,B,C,D,答案,解析,标签\n" +
	"c1,民族知识,易,我国有多少个民族？,50个,56个,55个,,B,我国共有56个民族。,56个民族\n" +
	"c2,生活服务,2,\"反诈专线是多少，\"\"96110\"\"吗？\",是,不是,,,ａ,96110是全国反诈预警劝阻专线。,反诈 热线\n"

func TestImportCSV(t *testing.T) {
	qs, err := ImportCSV(strings.NewReader(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(qs), 2; got != want {
		t.Fatalf("got %d questions, want %d", got, want)
	}
	q := qs[1]
	if got, want := q.Text, `反诈专线是多少，"96110"吗？`; got != want {
		t.Errorf("text: got %q, want %q", got, want)
	}
	if got, want := len(q.Options), 2; got != want {
		t.Errorf("options: got %d, want %d (empty cells dropped)", got, want)
	}
	if got, want := q.Answer, []int{0}; !slices.Equal(got, want) {
		t.Errorf("answer: got %v, want %v (full-width ａ)", got, want)
	}
	if got, want := q.Difficulty, 2; got != want {
		t.Errorf("difficulty: got %d, want %d", got, want)
	}
	if got, want := qs[0].Difficulty, 1; got != want {
		t.Errorf("difficulty 易: got %d, want %d", got, want)
	}
	if got, want := q.Tags, []string{"反诈", "热线"}; !slices.Equal(got, want) {
		t.Errorf("tags: got %v, want %v", got, want)
	}
	var buf bytes.Buffer
	if err := WriteYAML(&buf, qs); err != nil {
		t.Fatal(err)
	}
	back, err := ParseBank(buf.Bytes(), "out.yaml")
	if err != nil {
		t.Fatalf("written bank does not read back: %v\n%s", err, buf.String())
	}
	if got, want := back[1].Text, q.Text; got != want {
		t.Errorf("round trip: got %q, want %q", got, want)
	}
	if got, want := back[1].Answer, q.Answer; !slices.Equal(got, want) {
		t.Errorf("round trip answer: got %v, want %v", got, want)
	}
}

func TestImportCSVLineNumberedErrors(t *testing.T) {
	in := "id,question,A,B,answer,explanation,difficulty\n" +
		"x1,好题,对,错,A,说明,1\n" +
		"x2,答案不对,对,错,Z,说明,1\n" +
		"x1,重复,对,错,A,说明,1\n" +
		"x4,难度不对,对,错,A,说明,很难\n" +
		"x5,\"多行\n题目\",对,错,E,说明,1\n"
	_, err := ImportCSV(strings.NewReader(in))
	if err == nil {
		t.Fatal("got no error, want line-numbered errors")
	}
	for _, want := range []string{"CSV:3: 题目 x2：答案 Z 超出选项范围", "CSV:4: 编号 x1 重复（第 2 行已经用过）",
		"CSV:5: 题目 x4：难度「很难」看不懂", "CSV:6: 题目 x5：答案 E 超出选项范围"} {
		contains(t, err.Error(), want)
	}
}

func TestImportCSVRefusesMissingColumnsAndGBK(t *testing.T) {
	_, err := ImportCSV(strings.NewReader("题目,答案\n好,A\n"))
	if err == nil || !strings.Contains(err.Error(), "CSV:1: 表头缺少这些列：编号、解析、A、B") || strings.Contains(err.Error(), "id") {
		t.Errorf("got %v, want a header error naming the missing columns as the sheet does (编号, not id)", err)
	}
	_, err = ImportCSV(strings.NewReader("编号,题目,A,B,答案,解析\nq1,好\"题,对,错,A,说明\n"))
	if err == nil || !strings.Contains(err.Error(), "CSV:2: 这一行读不懂：有单独的英文引号") {
		t.Errorf("stray quote: %v", err)
	}
	if errs := CheckFile(writeFile(t, "broken.yaml", "- id: x\n  question: [unclosed\n")); len(errs) != 1 ||
		!strings.Contains(errs[0].Error(), "不是正确的 YAML 格式，请检查第") || strings.Contains(errs[0].Error(), "did not find") || strings.Contains(errs[0].Error(), "mapping") {
		t.Errorf("broken YAML: %v", errs)
	}
	qs, err := ImportCSV(strings.NewReader("题目编号,题目内容,选项A,选项B,正确答案,答案解析,难易程度\nq1,好题,对,错,A,说明,易\n"))
	if err != nil || len(qs) != 1 || qs[0].ID != "q1" || qs[0].Explanation != "说明" || qs[0].Difficulty != 1 {
		t.Errorf("long Chinese headers: %v, %+v", err, qs)
	}
	_, err = ImportCSV(strings.NewReader("\xb1\xe0\xba\xc5,\xcc\xe2\xc4\xbf\n"))
	if err == nil || !strings.Contains(err.Error(), "CSV UTF-8") {
		t.Errorf("got %v, want advice to save as CSV UTF-8", err)
	}
}

func TestCLI(t *testing.T) {
	csvPath := writeFile(t, "q.csv", goodCSV)
	out := filepath.Join(t.TempDir(), "out.yaml")
	var stdout, stderr bytes.Buffer
	if code := CLI([]string{"quiz", "import", csvPath, "-o", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("import: exit %d, stderr %s", code, stderr.String())
	}
	contains(t, stdout.String(), "已导入 2 道题")
	stdout.Reset()
	if code := CLI([]string{"check", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("check: exit %d, stderr %s", code, stderr.String())
	}
	contains(t, stdout.String(), "题库检查通过")
	bad := writeFile(t, "bad.csv", "id,question,A,B,answer,explanation\nx,题,对,错,C,说明\n")
	stderr.Reset()
	if code := CLI([]string{"quiz", "check", bad}, &stdout, &stderr); code != 1 {
		t.Errorf("check bad: got exit %d, want 1", code)
	}
	contains(t, stderr.String(), "bad.csv:2: 题目 x：答案 C 超出选项范围")
	if code := CLI([]string{"quiz", "import"}, &stdout, &stderr); code != 2 {
		t.Errorf("import without file: got exit %d, want 2", code)
	}
	stdout.Reset()
	if code := CLI([]string{"import", csvPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("import to stdout: exit %d", code)
	}
	contains(t, stdout.String(), "answer: B")
}

func FuzzImportCSV(f *testing.F) {
	f.Add(goodCSV)
	f.Add("id,question,A,B,answer,explanation\nx,题,对,错,C,说明\n")
	f.Add("编号,题目,选项A,选项B,答案,解析,难度\n1,\"a\"\"b\",c,d,AB,e,难\n")
	f.Add("\"unterminated\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		qs, err := ImportCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, q := range qs {
			if p := q.Check(); len(p) > 0 {
				t.Fatalf("imported question %q has problems %v", q.ID, p)
			}
			if !utf8.ValidString(q.Text) {
				t.Fatalf("invalid UTF-8 in %q", q.Text)
			}
		}
		var buf bytes.Buffer
		if err := WriteYAML(&buf, qs); err != nil {
			t.Fatal(err)
		}
		back, err := ParseBank(buf.Bytes(), "x")
		if len(qs) > 0 && (err != nil || len(back) != len(qs)) {
			t.Fatalf("written bank does not read back: %v", err)
		}
	})
}

func TestNewLoadsExtraBanks(t *testing.T) {
	extra := writeFile(t, "extra.yaml", "questions:\n"+
		"  - id: zc01\n    category: 政策法规\n    question: 改写的第一题？\n    options: [对, 错]\n    answer: A\n    explanation: 说明。\n"+
		"  - id: local01\n    category: 典型事迹\n    question: 本社区的新题？\n    options: [对, 错]\n    answer: B\n    explanation: 说明。\n")
	cfg := DefaultConfig()
	cfg.Banks = []string{extra}
	f, err := New(feature.Env{}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	qs := f.Bank()
	if got, want := len(qs), len(DefaultBank())+1; got != want {
		t.Errorf("got %d questions, want %d (one replaced, one added)", got, want)
	}
	i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == "zc01" })
	if got, want := qs[i].Text, "改写的第一题？"; got != want {
		t.Errorf("zc01: got %q, want %q", got, want)
	}
	cfg.Banks = []string{writeFile(t, "bad.yaml", "- id: x\n  question: 没有选项\n  answer: A\n  explanation: e\n")}
	if _, err := New(feature.Env{}, cfg, nil); err == nil || !strings.Contains(err.Error(), "bad.yaml:1: 题目 x：有 0 个选项") {
		t.Errorf("New with a bad bank: got %v, want an error naming file and line", err)
	}
}
