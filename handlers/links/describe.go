package links

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gridbot/bot"
	"gridbot/bot/when"
	"gridbot/handlers/events"
	"gridbot/handlers/notices"
	"gridbot/handlers/quiz"
	"gridbot/handlers/tips"
)

// Sources are the features' typed calls links uses to say what a target
// is. Each is a small interface the feature already satisfies.
type Sources struct {
	Events interface {
		Get(context.Context, int64) (*events.Event, error)
	}
	Notices interface {
		Get(context.Context, int) (notices.Notice, error)
	}
	Quiz interface {
		LastRound(context.Context) (int, error)
		Record(context.Context, int) (*quiz.RoundRecord, error)
	}
	Tips interface {
		Tip(context.Context, string) (tips.Entry, bool, error)
		Today(context.Context, string) (tips.Tip, bool, error)
	}
	// Pages gives the address of a target's resident page (kind is the
	// Kind's letter, id the target's id); nil: <base>/r/... by Page.
	Pages interface {
		URL(ctx context.Context, kind, id, query string) (string, error)
	}
}

// About is what a poster and a reply say of a target: a heading, a title
// and lines such as 时间 and 地点, all plain text.
type About struct {
	// Kind is the kind in words: 活动, 知识竞答, 每日一学, 通知.
	Kind  string
	Title string
	// Lines are "label：value" facts in order (时间, 地点, 名额).
	Lines []string
	// Ended is true for an activity that has started or was cancelled, a
	// closed quiz round, a recalled notice: the page still opens, but a
	// poster says so.
	Ended bool
}

// errUnknown is returned by About for a target no source knows.
var errUnknown = errors.New("links: unknown target")

// About describes t for a poster or a reply. A target that does not exist
// is a *bot.UserError in polite Chinese.
func (l *Links) About(ctx context.Context, t Target) (About, error) {
	now := l.env.Now()
	switch t.Kind {
	case Activity:
		if l.src.Events == nil {
			break
		}
		id, _ := strconv.ParseInt(t.ID, 10, 64)
		e, err := l.src.Events.Get(ctx, id)
		if err != nil {
			return About{}, err
		}
		span := when.Format(e.Start, now, l.env.Loc)
		if !e.End.IsZero() {
			span = when.FormatRange(e.Start, e.End, now, l.env.Loc)
		}
		a := About{Kind: kindActivity, Title: fmt.Sprintf(titleActivity, e.Title, e.ID),
			Lines: []string{lineTime + span, linePlace + e.Place}, Ended: e.Cancelled() || !e.Start.After(now)}
		if e.Seats > 0 {
			a.Lines = append(a.Lines, fmt.Sprintf(lineSeats, e.Seats, e.Left()))
		}
		if e.Cancelled() {
			a.Lines = append(a.Lines, lineCancelled)
		}
		return a, nil
	case Quiz:
		if l.src.Quiz == nil {
			break
		}
		id, _ := strconv.Atoi(t.ID)
		rec, err := l.src.Quiz.Record(ctx, id)
		if err != nil {
			return About{}, err
		}
		if rec == nil {
			return About{}, bot.NotFoundf(msgNoRound, id)
		}
		a := About{Kind: kindQuiz, Title: fmt.Sprintf(titleQuiz, id), Ended: !rec.Open,
			Lines: []string{fmt.Sprintf(lineQuizQs, len(rec.Questions))}}
		if rec.Open {
			a.Lines = append(a.Lines, lineCloses+when.Format(rec.Closes, now, l.env.Loc))
		} else {
			a.Lines = append(a.Lines, lineQuizClosed)
		}
		return a, nil
	case Tip:
		if l.src.Tips == nil {
			break
		}
		e, ok, err := l.src.Tips.Tip(ctx, t.ID)
		if err != nil {
			return About{}, err
		}
		if !ok {
			return About{}, bot.NotFoundf(msgNoTip)
		}
		return About{Kind: kindTip, Title: e.Title, Lines: []string{lineCategory + e.Category}}, nil
	case Notice:
		if l.src.Notices == nil {
			break
		}
		n, _ := strconv.Atoi(t.ID)
		nt, err := l.src.Notices.Get(ctx, n)
		if err != nil {
			return About{}, err
		}
		first, _, _ := strings.Cut(strings.TrimSpace(nt.Body), "\n")
		sent := nt.Created
		if nt.Due.After(sent) {
			sent = nt.Due
		}
		a := About{Kind: kindNotice, Title: bot.Truncate(first, 40), Ended: nt.Status != "queued",
			Lines: []string{fmt.Sprintf(lineNoticeNo, nt.N), lineNoticeAt + sent.In(l.env.Loc).Format("2006年1月2日 15:04")}}
		if nt.Status != "queued" {
			a.Lines = append(a.Lines, nt.State)
		}
		return a, nil
	}
	return About{}, fmt.Errorf("%w: %s", errUnknown, t)
}
