package quiz

import (
	"context"
	"strings"
	"testing"

	"gridbot/bot"
)

const custGroup = bot.ChatRef("wxc:wrOgQhDgAAcustomer3")

// TestAnnouncementCarriesThePageLink: with links on, every group's
// announcement carries the round page's link; where residents cannot
// open a private chat from a button (WeChat Work, customer groups) the
// text points at the link instead of at a chat they may not have. With
// links off nothing changes.
func TestAnnouncementCarriesThePageLink(t *testing.T) {
	const page = "https://wx.example.cn/s/abcdefghjkmn"
	for _, on := range []bool{true, false} {
		cfg := DefaultConfig()
		var asked []int
		if on {
			cfg.Link = func(_ context.Context, id int) (string, error) {
				asked = append(asked, id)
				return page, nil
			}
		}
		g := newRig(t, cfg, nil)
		ctx := context.Background()
		if _, err := g.f.env.Dir.Bind(ctx, custGroup, "3网格", "3网格客户群"); err != nil {
			t.Fatal(err)
		}
		id, err := g.f.OpenRound(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bs := g.out.ByKind("quiz")
		if len(bs) != 4 {
			t.Fatalf("links on %v: %d announcements, want 4 (two Telegram groups, a robot group, a customer group)", on, len(bs))
		}
		for _, b := range bs {
			chat, m := b.Chats[0], b.Message
			var pages []string
			for _, row := range m.Buttons {
				for _, btn := range row {
					if btn.URL == page {
						pages = append(pages, btn.Text)
					}
				}
			}
			if !on {
				if len(pages) != 0 || strings.Contains(m.Text, "答案和排名也在那里") {
					t.Errorf("links off: %s got %q %v", chat, m.Text, m.Buttons)
				}
				continue
			}
			if len(pages) != 1 {
				t.Errorf("links on: %s buttons %+v, want one page link", chat, m.Buttons)
			}
			switch chat.Platform() {
			case "tg":
				if len(m.Buttons) != 2 || !strings.Contains(m.Buttons[0][0].URL, "start=quiz_") {
					t.Errorf("%s: buttons %+v, want 开始答题 then the page", chat, m.Buttons)
				}
			default:
				if !strings.Contains(m.Text, "点下面的链接看怎么答题") || strings.Contains(m.Text, "私聊") {
					t.Errorf("%s: text %q, want it to point at the page and not at a private chat", chat, m.Text)
				}
			}
		}
		if on && (len(asked) != 1 || asked[0] != id) {
			t.Errorf("page links asked for %v, want round %d once", asked, id)
		}
	}
}
