package residents

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/handlers/quiz"
)

// quizData is what the quiz page shows: the answer sheet while the round
// is open and the resident has not answered, the resident's result once
// they have, the questions with answers once closed, and the grid table.
type quizData struct {
	R      *quiz.RoundRecord
	Closes string
	Action string
	Me     string
	Sheet  []sheetQ
	Shown  string
	Result *quiz.PageResult
	// Said is the result's own sentence, shown when no flash says it.
	Said      string
	Qs        []quizQ
	RankTitle string
	Rows      []quiz.RankRow
	MyGrid    string
}

// sheetQ is one question of the answer sheet.
type sheetQ struct {
	N    int
	Text string
	Opts []sheetOpt
}

type sheetOpt struct {
	Value, Label string
	Checked      bool
}

type quizQ struct {
	N           int
	Text        string
	Options     []string
	Answer      string
	Explanation string
	Rate        int
}

// pageResident is the visitor as the quiz knows page participants.
func pageResident(r *Resident) quiz.PageResident {
	return quiz.PageResident{Grid: r.Grid, Door: r.Door, Name: r.Name}
}

func (p *more) quizRound(r *http.Request) (int, error) {
	id, err := p.target(r, KindQuiz)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(id)
	if err != nil {
		return 0, bot.NotFoundf(msgNotFound)
	}
	return n, nil
}

func (p *more) quizPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if r.Method == http.MethodPost {
		return bot.Userf(msgMethod)
	}
	id, err := p.quizRound(r)
	if err != nil {
		return err
	}
	return p.quizView(w, r, v, id, nil, http.StatusOK)
}

// quizView renders round id's page; picked prefills the sheet (a sheet
// sent back for a missing answer).
func (p *more) quizView(w http.ResponseWriter, r *http.Request, v *Visit, id int, picked []int, status int) error {
	ctx := r.Context()
	rec, err := p.m.Quiz.Record(ctx, id)
	if err != nil {
		return err
	}
	if rec == nil {
		return bot.NotFoundf(msgNotFound)
	}
	if rec.Open && p.s.NeedResident(w, r, v) {
		return nil
	}
	qs, err := p.m.Quiz.RoundQuestions(ctx, id)
	if err != nil {
		return err
	}
	page := Prefix + KindQuiz + "/" + r.PathValue("token")
	d := quizData{R: rec, Closes: p.when(rec.Closes), Action: page, Me: MeURL(page), RankTitle: quiz.TableTitle()}
	if v.Known() {
		d.MyGrid = v.Resident.Grid
		res, ok, err := p.m.Quiz.ResultOf(ctx, id, pageResident(v.Resident))
		if err != nil {
			return err
		}
		if ok {
			d.Result = &res
			if v.Flash == "" {
				d.Said = res.Text
			}
		}
	}
	if rec.Open && d.Result == nil && v.Known() {
		d.Shown = p.shownStamp(id, p.s.env.Now())
		for i, q := range qs {
			sq := sheetQ{N: i + 1, Text: q.Text}
			for k, o := range q.Options {
				sq.Opts = append(sq.Opts, sheetOpt{Value: string(rune('A' + k)), Label: fmt.Sprintf("%c. %s", 'A'+k, o),
					Checked: i < len(picked) && picked[i] == k})
			}
			d.Sheet = append(d.Sheet, sq)
		}
	}
	if !rec.Open && d.Result == nil {
		for i, q := range qs {
			qq := quizQ{N: i + 1, Text: q.Text, Options: q.Options, Answer: quiz.AnswerLetters(q.Answer), Explanation: q.Explanation}
			if i < len(rec.Questions) && rec.Questions[i].Answered > 0 {
				qq.Rate = rec.Questions[i].Correct * 100 / rec.Questions[i].Answered
			}
			d.Qs = append(d.Qs, qq)
		}
	}
	if d.Rows, err = p.m.Quiz.GridRanking(ctx, rec); err != nil {
		return err
	}
	v.Title = fmt.Sprintf("第%d期知识竞答", rec.ID)
	p.s.Render(w, status, "quiz", v, d)
	return nil
}

// quizAnswer takes the answer sheet: through the quiz's own scripts, as a
// chat answer, then back to the page with the chat's words for the score.
func (p *more) quizAnswer(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if r.Method != http.MethodPost {
		return bot.Userf(msgMethod)
	}
	id, err := p.quizRound(r)
	if err != nil {
		return err
	}
	page := Prefix + KindQuiz + "/" + r.PathValue("token")
	if !v.Resident.Known() {
		p.s.Redirect(w, r, MeURL(page), msgNeedMeQuiz, false)
		return nil
	}
	qs, err := p.m.Quiz.RoundQuestions(r.Context(), id)
	if err != nil {
		return err
	}
	if qs == nil {
		return bot.NotFoundf(msgNotFound)
	}
	choices := readChoices(r.PostForm, len(qs))
	res, err := p.m.Quiz.AnswerAs(r.Context(), id, pageResident(v.Resident),
		quiz.PageAnswer{Choices: choices, Shown: p.readShown(id, r.PostFormValue("shown"))})
	var ue *bot.UserError
	if errors.As(err, &ue) {
		if slices.Contains(choices, -1) {
			v.Flash, v.FlashBad = plainSymbols(bot.PlainText(ue.Msg)), true
			return p.quizView(w, r, v, id, choices, http.StatusBadRequest)
		}
		p.s.Redirect(w, r, page, bot.PlainText(ue.Msg), true)
		return nil
	}
	if err != nil {
		return err
	}
	p.s.Redirect(w, r, page+"#result", res.Text, false)
	return nil
}

// readChoices reads the answer sheet: field q<N> (N from 1) holds the
// letter of the option chosen for question N. A question with no letter,
// or anything else, is -1 (unanswered); a letter past the question's
// options is left for the quiz to refuse.
func readChoices(form url.Values, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
		v := strings.ToUpper(strings.TrimSpace(form.Get("q" + strconv.Itoa(i+1))))
		if len(v) == 1 && v[0] >= 'A' && v[0] <= 'Z' {
			out[i] = int(v[0] - 'A')
		}
	}
	return out
}

// shownStamp signs the time the sheet of round id is shown:
// "<unix ms>.<mac>".
func (p *more) shownStamp(id int, at time.Time) string {
	ms := strconv.FormatInt(at.UnixMilli(), 10)
	return ms + "." + p.s.mac("quiz-shown", strconv.Itoa(id), ms)
}

// readShown returns the time in a stamp of shownStamp for round id, zero
// when it is missing, malformed or not ours.
func (p *more) readShown(id int, stamp string) time.Time {
	ms, sum, ok := strings.Cut(stamp, ".")
	if !ok || !hmac.Equal([]byte(sum), []byte(p.s.mac("quiz-shown", strconv.Itoa(id), ms))) {
		return time.Time{}
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
