package telegram

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"gridbot/bot"
)

// AllowedUpdates are the update kinds the bot asks Telegram for.
var AllowedUpdates = []string{"message", "callback_query", "poll_answer", "my_chat_member"}

// toUpdate converts a Telegram update, or returns nil for kinds the bot
// does not handle (edits, stickers without caption, other members' changes).
func (c *Client) toUpdate(u tgbotapi.Update) *bot.Update {
	return convert(u, c.self.ID)
}

// convert is toUpdate for a bot whose own user id is self.
func convert(u tgbotapi.Update, self int64) *bot.Update {
	out := &bot.Update{ID: Platform + ":" + strconv.Itoa(u.UpdateID)}
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat == nil {
			return nil
		}
		setChat(out, m.Chat)
		setMessage(out, m)
		switch {
		case m.MigrateToChatID != 0:
			out.MigratedTo = ChatRef(m.MigrateToChatID)
		case m.Text != "":
			out.Text = m.Text
			out.Mentions = mentions(m.Text, m.Entities)
		case m.Caption != "":
			out.Text = m.Caption
			out.Mentions = mentions(m.Caption, m.CaptionEntities)
		default:
			return nil
		}
		if r := m.ReplyToMessage; r != nil && r.From != nil && out.MigratedTo == "" {
			out.ReplyTo = &bot.Reply{User: UserRef(r.From.ID), UserName: displayName(r.From), MessageID: strconv.Itoa(r.MessageID)}
			out.Addressed = self != 0 && r.From.ID == self
		}
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		out.Data = q.Data
		out.CallbackID = Platform + ":" + q.ID
		if q.From != nil {
			out.User = UserRef(q.From.ID)
			out.UserName = displayName(q.From)
			out.Chat = ChatRef(q.From.ID)
			out.ChatKind = bot.Private
		}
		if q.Message != nil {
			if q.Message.Chat != nil {
				setChat(out, q.Message.Chat)
			}
			out.MessageID = strconv.Itoa(q.Message.MessageID)
		}
		out.Time = time.Now()
		if out.Chat == "" {
			return nil
		}
	case u.PollAnswer != nil:
		a := u.PollAnswer
		out.User = UserRef(a.User.ID)
		out.UserName = displayName(&a.User)
		out.Chat = ChatRef(a.User.ID)
		out.ChatKind = bot.Private
		out.Time = time.Now()
		opts := a.OptionIDs
		if opts == nil {
			opts = []int{}
		}
		out.Poll = &bot.PollAnswer{PollID: a.PollID, Options: opts}
	case u.MyChatMember != nil:
		mc := u.MyChatMember
		if self != 0 && mc.NewChatMember.User != nil && mc.NewChatMember.User.ID != self {
			return nil
		}
		setChat(out, &mc.Chat)
		out.User = UserRef(mc.From.ID)
		out.UserName = displayName(&mc.From)
		out.Time = time.Unix(int64(mc.Date), 0)
		st := mc.NewChatMember.Status
		out.Member = &bot.MemberEvent{
			Present: st == "member" || st == "administrator" || st == "creator" || (st == "restricted" && mc.NewChatMember.IsMember),
			Admin:   st == "administrator" || st == "creator",
		}
	default:
		return nil
	}
	return out
}

func setChat(out *bot.Update, ch *tgbotapi.Chat) {
	out.Chat = ChatRef(ch.ID)
	if ch.Type == "private" {
		out.ChatKind = bot.Private
		out.ChatTitle = strings.TrimSpace(ch.FirstName + " " + ch.LastName)
	} else {
		out.ChatKind = bot.Group
		out.ChatTitle = ch.Title
	}
}

func setMessage(out *bot.Update, m *tgbotapi.Message) {
	out.MessageID = strconv.Itoa(m.MessageID)
	out.Time = time.Unix(int64(m.Date), 0)
	if m.From != nil {
		out.User = UserRef(m.From.ID)
		out.UserName = displayName(m.From)
	}
}

// displayName is first and last name as Telegram shows them, falling back
// to the username.
func displayName(u *tgbotapi.User) string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		n = u.UserName
	}
	return n
}

// mentions collects text_mention entities (users without a username, with
// their id) and @username mentions (handle only). Entity offsets count
// UTF-16 code units.
func mentions(text string, ents []tgbotapi.MessageEntity) []bot.Mention {
	var out []bot.Mention
	var u16 []uint16
	for _, e := range ents {
		switch e.Type {
		case "text_mention":
			if e.User == nil {
				continue
			}
			out = append(out, bot.Mention{User: UserRef(e.User.ID), UserName: displayName(e.User), Username: e.User.UserName})
		case "mention":
			if u16 == nil {
				u16 = utf16.Encode([]rune(text))
			}
			if e.Offset < 0 || e.Length <= 1 || e.Offset+e.Length > len(u16) {
				continue
			}
			h := string(utf16.Decode(u16[e.Offset : e.Offset+e.Length]))
			out = append(out, bot.Mention{Username: strings.TrimPrefix(h, "@")})
		}
	}
	return out
}
