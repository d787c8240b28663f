package telegram

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"gridbot/bot"
)

const selfID = 777000111

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want *bot.Update
	}{
		{"group text with mentions", `{"update_id":10,"message":{"message_id":5,"date":1700000000,
			"chat":{"id":-1001234,"type":"supergroup","title":"3网格居民群"},
			"from":{"id":42,"first_name":"张","last_name":"阿姨","username":"zhang"},
			"text":"😀 @li_si 和 王五 报名",
			"entities":[{"type":"mention","offset":3,"length":6},{"type":"text_mention","offset":12,"length":2,"user":{"id":99,"first_name":"王五"}}]}}`,
			&bot.Update{ID: "tg:10", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "3网格居民群", User: "tg:42",
				UserName: "张 阿姨", MessageID: "5", Time: time.Unix(1700000000, 0), Text: "😀 @li_si 和 王五 报名",
				Mentions: []bot.Mention{{Username: "li_si"}, {User: "tg:99", UserName: "王五"}}}},
		{"private text", `{"update_id":11,"message":{"message_id":6,"date":1700000001,
			"chat":{"id":42,"type":"private","first_name":"张"},"from":{"id":42,"first_name":"张"},"text":"我的"}}`,
			&bot.Update{ID: "tg:11", Chat: "tg:42", ChatKind: bot.Private, ChatTitle: "张", User: "tg:42",
				UserName: "张", MessageID: "6", Time: time.Unix(1700000001, 0), Text: "我的"}},
		{"old basic group", `{"update_id":12,"message":{"message_id":7,"date":1700000002,
			"chat":{"id":-555,"type":"group","title":"老群"},"from":{"id":43,"first_name":"","username":"anon"},"text":"活动"}}`,
			&bot.Update{ID: "tg:12", Chat: "tg:-555", ChatKind: bot.Group, ChatTitle: "老群", User: "tg:43",
				UserName: "anon", MessageID: "7", Time: time.Unix(1700000002, 0), Text: "活动"}},
		{"reply to", `{"update_id":13,"message":{"message_id":8,"date":1700000003,
			"chat":{"id":-1001234,"type":"supergroup","title":"群"},"from":{"id":1,"first_name":"社工"},"text":"/gridworker",
			"reply_to_message":{"message_id":3,"date":1699999999,"chat":{"id":-1001234,"type":"supergroup"},"from":{"id":50,"first_name":"李","last_name":"网格员"},"text":"hi"}}}`,
			&bot.Update{ID: "tg:13", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "群", User: "tg:1",
				UserName: "社工", MessageID: "8", Time: time.Unix(1700000003, 0), Text: "/gridworker",
				ReplyTo: &bot.Reply{User: "tg:50", UserName: "李 网格员", MessageID: "3"}}},
		{"reply to the bot", `{"update_id":20,"message":{"message_id":12,"date":1700000003,
			"chat":{"id":-1001234,"type":"supergroup","title":"群"},"from":{"id":42,"first_name":"张"},"text":"我不太会弄",
			"reply_to_message":{"message_id":4,"date":1699999999,"chat":{"id":-1001234,"type":"supergroup"},"from":{"id":777000111,"first_name":"网格助手","is_bot":true},"text":"报名成功"}}}`,
			&bot.Update{ID: "tg:20", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "群", User: "tg:42",
				UserName: "张", MessageID: "12", Time: time.Unix(1700000003, 0), Text: "我不太会弄", Addressed: true,
				ReplyTo: &bot.Reply{User: "tg:777000111", UserName: "网格助手", MessageID: "4"}}},
		{"photo caption", `{"update_id":14,"message":{"message_id":9,"date":1700000004,
			"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"张"},"photo":[{"file_id":"x","file_unique_id":"y","width":1,"height":1}],"caption":"报名3"}}`,
			&bot.Update{ID: "tg:14", Chat: "tg:42", ChatKind: bot.Private, User: "tg:42",
				UserName: "张", MessageID: "9", Time: time.Unix(1700000004, 0), Text: "报名3"}},
		{"sticker is skipped", `{"update_id":15,"message":{"message_id":10,"date":1,"chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"张"}}}`, nil},
		{"edited message is skipped", `{"update_id":16,"edited_message":{"message_id":10,"date":1,"chat":{"id":42,"type":"private"},"text":"x"}}`, nil},
		{"migration", `{"update_id":17,"message":{"message_id":11,"date":1700000005,
			"chat":{"id":-555,"type":"group","title":"老群"},"from":{"id":1,"first_name":"社工"},"migrate_to_chat_id":-1009998887776}}`,
			&bot.Update{ID: "tg:17", Chat: "tg:-555", ChatKind: bot.Group, ChatTitle: "老群", User: "tg:1",
				UserName: "社工", MessageID: "11", Time: time.Unix(1700000005, 0), MigratedTo: "tg:-1009998887776"}},
		{"callback", `{"update_id":18,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":42,"first_name":"张"},
			"chat_instance":"ci","data":"ev:join:3",
			"message":{"message_id":101,"date":1700000006,"chat":{"id":-1001234,"type":"supergroup","title":"3网格"}}}}`,
			&bot.Update{ID: "tg:18", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "3网格", User: "tg:42",
				UserName: "张", MessageID: "101", Data: "ev:join:3", CallbackID: "tg:4382bfdwdsb323b2d9"}},
		{"poll answer", `{"update_id":19,"poll_answer":{"poll_id":"5432","user":{"id":42,"first_name":"张"},"option_ids":[2]}}`,
			&bot.Update{ID: "tg:19", Chat: "tg:42", ChatKind: bot.Private, User: "tg:42", UserName: "张",
				Poll: &bot.PollAnswer{PollID: "5432", Options: []int{2}}}},
		{"poll vote retracted", `{"update_id":20,"poll_answer":{"poll_id":"5432","user":{"id":42,"first_name":"张"},"option_ids":[]}}`,
			&bot.Update{ID: "tg:20", Chat: "tg:42", ChatKind: bot.Private, User: "tg:42", UserName: "张",
				Poll: &bot.PollAnswer{PollID: "5432", Options: []int{}}}},
		{"bot added", `{"update_id":21,"my_chat_member":{"chat":{"id":-1001234,"type":"supergroup","title":"3网格"},
			"from":{"id":1,"first_name":"社工"},"date":1700000007,
			"old_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"left"},
			"new_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"member"}}}`,
			&bot.Update{ID: "tg:21", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "3网格", User: "tg:1",
				UserName: "社工", Time: time.Unix(1700000007, 0), Member: &bot.MemberEvent{Present: true}}},
		{"bot made admin", `{"update_id":22,"my_chat_member":{"chat":{"id":-1001234,"type":"supergroup","title":"3网格"},
			"from":{"id":1,"first_name":"社工"},"date":1700000008,
			"old_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"member"},
			"new_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"administrator"}}}`,
			&bot.Update{ID: "tg:22", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "3网格", User: "tg:1",
				UserName: "社工", Time: time.Unix(1700000008, 0), Member: &bot.MemberEvent{Present: true, Admin: true}}},
		{"bot removed", `{"update_id":23,"my_chat_member":{"chat":{"id":-1001234,"type":"supergroup","title":"3网格"},
			"from":{"id":1,"first_name":"社工"},"date":1700000009,
			"old_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"member"},
			"new_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"kicked","until_date":0}}}`,
			&bot.Update{ID: "tg:23", Chat: "tg:-1001234", ChatKind: bot.Group, ChatTitle: "3网格", User: "tg:1",
				UserName: "社工", Time: time.Unix(1700000009, 0), Member: &bot.MemberEvent{}}},
		{"user blocked the bot", `{"update_id":24,"my_chat_member":{"chat":{"id":42,"type":"private","first_name":"张"},
			"from":{"id":42,"first_name":"张"},"date":1700000010,
			"old_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"member"},
			"new_chat_member":{"user":{"id":777000111,"is_bot":true,"first_name":"bot"},"status":"kicked"}}}`,
			&bot.Update{ID: "tg:24", Chat: "tg:42", ChatKind: bot.Private, ChatTitle: "张", User: "tg:42",
				UserName: "张", Time: time.Unix(1700000010, 0), Member: &bot.MemberEvent{}}},
		{"another member's change is skipped", `{"update_id":25,"my_chat_member":{"chat":{"id":-1,"type":"supergroup"},
			"from":{"id":1,"first_name":"x"},"date":1,
			"old_chat_member":{"user":{"id":5,"first_name":"y"},"status":"left"},
			"new_chat_member":{"user":{"id":5,"first_name":"y"},"status":"member"}}}`, nil},
	} {
		var u tgbotapi.Update
		if err := json.Unmarshal([]byte(tc.json), &u); err != nil {
			t.Fatalf("%s: bad test json: %v", tc.name, err)
		}
		got := convert(u, selfID)
		if got != nil && got.CallbackID != "" || got != nil && got.Poll != nil {
			got.Time = time.Time{} // callbacks and poll answers carry no date
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func FuzzConvertNeverPanics(f *testing.F) {
	f.Add(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"@a","entities":[{"type":"mention","offset":0,"length":2}]}}`)
	f.Add(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"x","entities":[{"type":"mention","offset":5,"length":-2}]}}`)
	f.Add(`{"update_id":1,"callback_query":{"id":"1"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var u tgbotapi.Update
		if json.Unmarshal([]byte(s), &u) != nil {
			return
		}
		_ = convert(u, selfID)
	})
}
