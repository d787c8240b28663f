package quiz

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

const cliUsage = `用法：
  gridbot quiz import 题库.csv [-o 题库.yaml]   把 Excel 导出的 CSV（UTF-8）转成题库文件（YAML）
  gridbot quiz check 题库文件                   检查题库文件（.yaml 或 .csv）
CSV 表头示例：编号,分类,难度,题目,A,B,C,D,答案,解析,标签
`

// CLI runs "quiz import FILE.csv [-o out.yaml]" and "quiz check FILE" (the
// leading "quiz" is optional). It returns the exit code: 0 good, 1 the file
// has problems (listed on stderr with line numbers), 2 bad usage.
func CLI(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "quiz" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, cliUsage)
		return 2
	}
	switch args[0] {
	case "import":
		return cliImport(args[1:], stdout, stderr)
	case "check":
		if len(args) != 2 {
			fmt.Fprint(stderr, cliUsage)
			return 2
		}
		errs := CheckFile(args[1])
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		if len(errs) > 0 {
			fmt.Fprintf(stderr, "共 %d 处问题。\n", len(errs))
			return 1
		}
		fmt.Fprintf(stdout, "%s：题库检查通过。\n", args[1])
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, cliUsage)
		return 0
	}
	fmt.Fprint(stderr, cliUsage)
	return 2
}

func cliImport(args []string, stdout, stderr io.Writer) int {
	var in, out string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" || a == "--o" || a == "-out":
			if i+1 >= len(args) {
				fmt.Fprint(stderr, cliUsage)
				return 2
			}
			i++
			out = args[i]
		case strings.HasPrefix(a, "-o="):
			out = a[3:]
		case in == "" && !strings.HasPrefix(a, "-"):
			in = a
		default:
			fmt.Fprint(stderr, cliUsage)
			return 2
		}
	}
	if in == "" {
		fmt.Fprint(stderr, cliUsage)
		return 2
	}
	f, err := os.Open(in)
	if err != nil {
		fmt.Fprintf(stderr, "打不开 %s：%v\n", in, err)
		return 1
	}
	defer f.Close()
	qs, lines, errs := importCSV(f, in)
	errs = append(errs, checkAll(qs, lines, in)...)
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "共 %d 处问题，没有生成题库。\n", len(errs))
		return 1
	}
	w := stdout
	if out != "" {
		of, err := os.Create(out)
		if err != nil {
			fmt.Fprintf(stderr, "无法写入 %s：%v\n", out, err)
			return 1
		}
		defer of.Close()
		w = of
	}
	if err := WriteYAML(w, qs); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if out != "" {
		if err := closeErr(w); err != nil {
			fmt.Fprintf(stderr, "无法写入 %s：%v\n", out, err)
			return 1
		}
		fmt.Fprintf(stdout, "已导入 %d 道题，写入 %s。\n", len(qs), out)
	}
	return 0
}

func closeErr(w io.Writer) error {
	if f, ok := w.(*os.File); ok {
		if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
			return err
		}
	}
	return nil
}
