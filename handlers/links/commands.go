package links

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gridbot/bot"
	"gridbot/bot/qr"
	"gridbot/bot/zh"
)

// Register adds 链接 (also 二维码, /link) for grid workers and staff:
// 「链接 3」 activity 3, 「链接 竞答」 the current quiz round (「链接 竞答 2」
// round 2), 「链接 每日一学」 today's tip of the chat's grid, 「链接 通知 2」
// notice 2. The reply gives the short link, the poster's address and the
// QR code as a picture where the platform shows one. Residents are told
// politely that it is for grid workers and staff (the router's refusal).
func (l *Links) Register(r *bot.Router) {
	r.Add(&bot.Command{Name: "link", Keywords: []string{"链接", "二维码"}, Args: bot.ArgsText,
		Role: bot.GridWorker, Group: helpGroup, Usage: "链接 3 ｜ 链接 竞答 ｜ 链接 每日一学 ｜ 链接 通知 2",
		Help: "取活动、竞答、每日一学、通知的短链接和二维码，转发到微信群或打印海报", Handle: l.cmdLink})
}

// Request is what a 链接 message asks for.
type Request struct {
	Kind Kind
	// N is the activity, round or notice number; 0 for "the current one"
	// (a quiz round) or none given.
	N int
}

// errNoArgs marks a 链接 with nothing after it.
var errNoArgs = errors.New("links: nothing asked")

// ParseRequest reads the text after 链接: "3", "3号", "竞答", "竞答 2",
// "每日一学", "通知 2", "2号通知". A bad request is a *bot.UserError in
// polite Chinese; an empty one is errNoArgs.
func ParseRequest(args string) (Request, error) {
	s := strings.TrimSpace(zh.Fold(args))
	s = strings.Trim(s, " ：:，,。.！!？?")
	if s == "" {
		return Request{}, errNoArgs
	}
	for _, w := range []struct {
		kind  Kind
		words []string
	}{
		{Quiz, []string{"知识竞答", "竞答", "答题", "竞赛"}},
		{Tip, []string{"每日一学", "每日学习", "今日一学", "一学"}},
		{Notice, []string{"通知", "公告"}},
		{Activity, []string{"活动"}},
	} {
		for _, word := range w.words {
			rest, ok := strings.CutPrefix(s, word)
			if !ok {
				rest, ok = strings.CutSuffix(s, word)
			}
			if !ok {
				continue
			}
			n, err := number(rest)
			if err != nil {
				return Request{}, err
			}
			if n == 0 && (w.kind == Notice || w.kind == Activity) {
				return Request{}, bot.Userf(msgUsage)
			}
			return Request{Kind: w.kind, N: n}, nil
		}
	}
	n, err := number(s)
	if err != nil || n == 0 {
		return Request{}, bot.Userf(msgBadNo, bot.Truncate(s, 12))
	}
	return Request{Kind: Activity, N: n}, nil
}

// number reads an optional number with an optional 号/期 around it; 0
// when there is none.
func number(s string) (int, error) {
	s = strings.Trim(s, " ：:，,。第")
	if s == "" {
		return 0, nil
	}
	n, rest, ok := zh.LeadingNumber(s)
	rest = strings.Trim(rest, " 号期。")
	if !ok || rest != "" || n <= 0 {
		return 0, bot.Userf(msgBadNo, bot.Truncate(s, 12))
	}
	return n, nil
}

func (l *Links) cmdLink(ctx context.Context, c *bot.Context) error {
	req, err := ParseRequest(c.Args)
	if errors.Is(err, errNoArgs) {
		return c.Reply(ctx, msgUsage)
	}
	if err != nil {
		return err
	}
	if !l.Enabled() {
		return bot.Userf(msgNoBase)
	}
	t, err := l.target(ctx, c, req)
	if err != nil {
		return err
	}
	about, err := l.About(ctx, t)
	if err != nil {
		return err
	}
	link, err := l.Get(ctx, t)
	if err != nil {
		return err
	}
	text := fmt.Sprintf(msgLinkHead, bot.Esc(about.Kind), bot.Esc(about.Title)) +
		fmt.Sprintf(msgLinkBody, bot.Esc(link.URL), does(t.Kind)) + fmt.Sprintf(msgPoster, bot.Esc(l.PosterURL(link)))
	png, err := QR(link, qr.Screen)
	if err != nil {
		return err
	}
	if err := c.Reply(ctx, text+msgLinkQR); err != nil {
		return err
	}
	return c.ReplyMessage(ctx, bot.Message{Text: fmt.Sprintf(msgQRCaption, bot.Esc(about.Title), bot.Esc(link.URL)),
		File: &bot.File{Name: "二维码-" + link.Code + ".png", Data: png, Photo: true}})
}

// PosterURL returns the address of the printable A4 poster of link.
func (l *Links) PosterURL(link Link) string { return link.URL + "/poster" }

// QRURL returns the address of link's QR code PNG (print size when print).
func (l *Links) QRURL(link Link, print bool) string {
	if print {
		return link.URL + "/qr.png?print=1"
	}
	return link.URL + "/qr.png"
}

func does(k Kind) string {
	switch k {
	case Activity:
		return doesActivity
	case Quiz:
		return doesQuiz
	case Tip:
		return doesTip
	}
	return doesNotice
}

// target turns a request into a target: the current (latest) quiz round
// for 竞答 without a number, today's tip of the chat's grid (or the
// speaker's first home grid, or the first grid) for 每日一学.
func (l *Links) target(ctx context.Context, c *bot.Context, req Request) (Target, error) {
	switch req.Kind {
	case Quiz:
		if req.N == 0 && l.src.Quiz != nil {
			id, err := l.src.Quiz.LastRound(ctx)
			if err != nil {
				return Target{}, err
			}
			if id == 0 {
				return Target{}, bot.NotFoundf(msgNoQuiz)
			}
			req.N = id
		}
		return QuizTarget(req.N), nil
	case Tip:
		if l.src.Tips == nil {
			return Target{}, bot.NotFoundf(msgNoTip)
		}
		grid := c.Grid
		if grid == "" && len(c.Homes) > 0 {
			grid = c.Homes[0]
		}
		if grid == "" && l.env.Dir != nil {
			names, err := l.env.Dir.GridNames(ctx)
			if err != nil {
				return Target{}, err
			}
			if len(names) > 0 {
				grid = names[0]
			}
		}
		tip, _, err := l.src.Tips.Today(ctx, grid)
		if err != nil {
			return Target{}, err
		}
		if tip.ID == "" {
			return Target{}, bot.NotFoundf(msgNoTip)
		}
		return TipTarget(tip.ID), nil
	case Notice:
		return NoticeTarget(req.N), nil
	}
	return ActivityTarget(int64(req.N)), nil
}
