package workbench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"

	"gridbot/bot"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

const importTTL = 30 * time.Minute

// uploadRows reads the uploaded file "file" (CSV or XLSX) into rows; a
// *httpError-free user error names what is wrong.
func uploadRows(r *http.Request) ([][]string, error) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, bot.Userf(msgImportNone)
	}
	defer file.Close()
	switch strings.ToLower(filepath.Ext(hdr.Filename)) {
	case ".csv":
		rows, err := tips.ReadCSV(file)
		if err != nil {
			return nil, bot.Userf("%s", err.Error())
		}
		return rows, nil
	case ".xlsx":
		x, err := excelize.OpenReader(io.LimitReader(file, 8<<20))
		if err != nil {
			return nil, bot.Userf(msgXLSXBad)
		}
		defer x.Close()
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil {
			return nil, bot.Userf(msgXLSXBad)
		}
		return rows, nil
	}
	return nil, bot.Userf(msgImportType)
}

func (f *Feature) stash(ctx context.Context, v *viewer, kind string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("stash import: %w", err)
	}
	if err := f.env.Redis.Set(ctx, f.key("imp", v.sess.ID, kind), b, importTTL).Err(); err != nil {
		return fmt.Errorf("stash import: %w", err)
	}
	return nil
}

func (f *Feature) unstash(ctx context.Context, v *viewer, kind string, into any) error {
	b, err := f.env.Redis.GetDel(ctx, f.key("imp", v.sess.ID, kind)).Bytes()
	if errors.Is(err, redis.Nil) {
		return bot.Userf(msgImportGone)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return json.Unmarshal(b, into)
}

// lineProblem is one problem of an import, at a line of the file.
type lineProblem struct {
	Line int
	Msg  string
}

// ----- 每日一学 -----

type tipForm struct {
	tips.Tip
	New     bool
	Preview string
}

type tipsPage struct {
	Entries  []tips.Entry
	Form     tipForm
	Problems []lineProblem
	Import   []tips.Tip
}

func (f *Feature) showTips(w http.ResponseWriter, r *http.Request, v *viewer, code int, errMsg string, p tipsPage) error {
	es, err := f.d.Tips.Tips(r.Context())
	if err != nil {
		return err
	}
	p.Entries = es
	f.render(w, code, "tips", page{V: v, Title: "每日一学", Nav: "tips", Error: errMsg, D: p})
	return nil
}

func (f *Feature) tipList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return f.showTips(w, r, v, http.StatusOK, "", tipsPage{Form: tipForm{New: true, Tip: tips.Tip{Category: tips.Categories[0]}}})
}

func (f *Feature) tipEdit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	e, ok, err := f.d.Tips.Tip(r.Context(), r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	if !ok {
		return refuse(http.StatusNotFound, msgNotFound)
	}
	fm := tipForm{Tip: e.Tip, Preview: bot.PlainText(tips.Format(e.Tip, "").Text)}
	f.render(w, http.StatusOK, "tip_edit", page{V: v, Title: "修改每日一学", Nav: "tips", D: fm})
	return nil
}

// tipSave previews (action=preview) or saves one tip from the form.
func (f *Feature) tipSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	t := tips.Tip{ID: oneLine(r.PostFormValue("id")), Category: oneLine(r.PostFormValue("category")),
		Title: oneLine(r.PostFormValue("title")), Body: strings.TrimSpace(r.PostFormValue("body")),
		Source: oneLine(r.PostFormValue("source"))}
	if old, ok, err := f.d.Tips.Tip(r.Context(), t.ID); err == nil && ok {
		t.Translations = old.Translations
	}
	fm := tipForm{Tip: t, New: r.PostFormValue("new") == "1", Preview: bot.PlainText(tips.Format(t, "").Text)}
	show := func(code int, msg string) error {
		f.render(w, code, "tip_edit", page{V: v, Title: "每日一学", Nav: "tips", Error: msg, D: fm})
		return nil
	}
	if r.PostFormValue("action") == "preview" {
		if p := tips.Check(t); len(p) > 0 {
			return show(http.StatusUnprocessableEntity, strings.Join(p, "；"))
		}
		return show(http.StatusOK, "")
	}
	probs, err := f.d.Tips.SaveTips(r.Context(), []tips.Tip{t})
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return show(http.StatusUnprocessableEntity, strings.Join(probs[0], "；"))
	}
	return f.done(w, r, v, fmt.Sprintf(msgTipSaved, t.Title), "/console/tips")
}

func (f *Feature) tipImport(w http.ResponseWriter, r *http.Request, v *viewer) error {
	rows, err := uploadRows(r)
	if msg, ok := bot.UserMessage(err); ok {
		return f.showTips(w, r, v, statusFor(err), msg, tipsPage{Form: tipForm{New: true}})
	}
	if err != nil {
		return err
	}
	ts, probs := tips.ParseTable(rows)
	if len(probs) > 0 {
		p := tipsPage{Form: tipForm{New: true}}
		for _, pr := range probs {
			p.Problems = append(p.Problems, lineProblem{Line: pr.Line, Msg: pr.Msg})
		}
		return f.showTips(w, r, v, http.StatusUnprocessableEntity, fmt.Sprintf("文件里有 %d 处问题，没有导入。请改好后再上传。", len(probs)), p)
	}
	if err := f.stash(r.Context(), v, "tips", ts); err != nil {
		return err
	}
	return f.showTips(w, r, v, http.StatusOK, "", tipsPage{Form: tipForm{New: true}, Import: ts})
}

func (f *Feature) tipImportConfirm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	var ts []tips.Tip
	if err := f.unstash(r.Context(), v, "tips", &ts); err != nil {
		return err
	}
	probs, err := f.d.Tips.SaveTips(r.Context(), ts)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return bot.Userf(msgImportGone)
	}
	return f.done(w, r, v, fmt.Sprintf(msgImported, len(ts)), "/console/tips")
}

// ----- 竞答题库 -----

type questionForm struct {
	quiz.Question
	New     bool
	Answer  string
	Options []string
}

func formOf(q quiz.Question, isNew bool) questionForm {
	opts := slices.Clone(q.Options)
	for len(opts) < quiz.MaxOptions {
		opts = append(opts, "")
	}
	return questionForm{Question: q, New: isNew, Answer: quiz.AnswerLetters(q.Answer), Options: opts}
}

type quizPage struct {
	Entries  []quiz.BankEntry
	Form     questionForm
	Problems []lineProblem
	Import   []quiz.Question
}

func (f *Feature) showQuiz(w http.ResponseWriter, r *http.Request, v *viewer, code int, errMsg string, p quizPage) error {
	es, err := f.d.Quiz.Questions(r.Context())
	if err != nil {
		return err
	}
	p.Entries = es
	f.render(w, code, "quiz", page{V: v, Title: "竞答题库", Nav: "quiz", Error: errMsg, D: p})
	return nil
}

func (f *Feature) quizList(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return f.showQuiz(w, r, v, http.StatusOK, "", quizPage{Form: formOf(quiz.Question{Difficulty: 1}, true)})
}

func (f *Feature) quizEdit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if r.URL.Query().Get("new") == "1" {
		f.render(w, http.StatusOK, "quiz_edit", page{V: v, Title: "新增题目", Nav: "quiz", D: formOf(quiz.Question{Difficulty: 1}, true)})
		return nil
	}
	es, err := f.d.Quiz.Questions(r.Context())
	if err != nil {
		return err
	}
	id := r.URL.Query().Get("id")
	i := slices.IndexFunc(es, func(e quiz.BankEntry) bool { return e.ID == id })
	if i < 0 {
		return refuse(http.StatusNotFound, msgNotFound)
	}
	f.render(w, http.StatusOK, "quiz_edit", page{V: v, Title: "修改题目", Nav: "quiz", D: formOf(es[i].Question, false)})
	return nil
}

func (f *Feature) quizSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := quiz.Question{ID: oneLine(r.PostFormValue("id")), Text: strings.TrimSpace(r.PostFormValue("text")),
		Category: oneLine(r.PostFormValue("category")), Explanation: strings.TrimSpace(r.PostFormValue("explanation"))}
	for _, o := range r.PostForm["option"] {
		if o = oneLine(o); o != "" {
			q.Options = append(q.Options, o)
		}
	}
	q.Difficulty, _ = strconv.Atoi(r.PostFormValue("difficulty"))
	fm := formOf(q, r.PostFormValue("new") == "1")
	fm.Answer = oneLine(r.PostFormValue("answer"))
	show := func(msg string) error {
		f.render(w, http.StatusUnprocessableEntity, "quiz_edit", page{V: v, Title: "竞答题库", Nav: "quiz", Error: msg, D: fm})
		return nil
	}
	ans, err := quiz.ParseAnswerList(fm.Answer)
	if err != nil {
		return show(err.Error())
	}
	q.Answer = ans
	fm.Question = q
	probs, err := f.d.Quiz.SaveQuestions(r.Context(), []quiz.Question{q})
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return show(strings.Join(probs[0], "；"))
	}
	return f.done(w, r, v, fmt.Sprintf(msgQuestionSave, q.ID), "/console/quiz")
}

// rowsCSV writes table rows as CSV, one line per row (line breaks inside
// cells become spaces), so the CSV importer's line numbers are row numbers.
func rowsCSV(rows [][]string) []byte {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	for _, row := range rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(c)
		}
		_ = cw.Write(out)
	}
	cw.Flush()
	return buf.Bytes()
}

func (f *Feature) quizImport(w http.ResponseWriter, r *http.Request, v *viewer) error {
	empty := quizPage{Form: formOf(quiz.Question{Difficulty: 1}, true)}
	rows, err := uploadRows(r)
	if msg, ok := bot.UserMessage(err); ok {
		return f.showQuiz(w, r, v, statusFor(err), msg, empty)
	}
	if err != nil {
		return err
	}
	qs, err := quiz.ImportCSV(bytes.NewReader(rowsCSV(rows)))
	if err != nil {
		p := empty
		for _, e := range unjoin(err) {
			var le *quiz.LineError
			if errors.As(e, &le) {
				p.Problems = append(p.Problems, lineProblem{Line: le.Line, Msg: le.Msg})
			} else {
				p.Problems = append(p.Problems, lineProblem{Msg: e.Error()})
			}
		}
		return f.showQuiz(w, r, v, http.StatusUnprocessableEntity, fmt.Sprintf("文件里有 %d 处问题，没有导入。请改好后再上传。", len(p.Problems)), p)
	}
	if err := f.stash(r.Context(), v, "quiz", qs); err != nil {
		return err
	}
	p := empty
	p.Import = qs
	return f.showQuiz(w, r, v, http.StatusOK, "", p)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (f *Feature) quizImportConfirm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	var qs []quiz.Question
	if err := f.unstash(r.Context(), v, "quiz", &qs); err != nil {
		return err
	}
	probs, err := f.d.Quiz.SaveQuestions(r.Context(), qs)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return bot.Userf(msgImportGone)
	}
	return f.done(w, r, v, fmt.Sprintf(msgImported, len(qs)), "/console/quiz")
}
