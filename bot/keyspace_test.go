package bot_test

import (
	"context"
	"testing"

	"gridbot/bot"
	"gridbot/bot/redistest"
)

func TestSlotIsRedisKeyslot(t *testing.T) {
	for key, want := range map[string]int{
		"foo": 12182, "somekey": 11058, "{user1000}.following": 3443, "{user1000}.followers": 3443,
		"foo{}{bar}": 8363, "foo{{bar}}zap": 4015, "foo{bar}{zap}": 5061, "": 0,
	} {
		if got := bot.Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
	if !redistest.Cluster() {
		return
	}
	rdb, keys, _ := redistest.New(t)
	for _, key := range []string{keys.Key("ev", "{42}", "meta"), keys.Key("ob", "{ob}", "pending"), keys.Key("ev", "open"),
		keys.Key("upd", "{tg:123456}"), keys.Key("adm", "{tg:-100}", "tg:7"), "网格{3网格}", "{}x", "a{b"} {
		want, err := rdb.ClusterKeySlot(context.Background(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := bot.Slot(key); int64(got) != want {
			t.Errorf("Slot(%q) = %d, CLUSTER KEYSLOT says %d", key, got, want)
		}
	}
}

func TestEveryKeyHasOneFamilyAndItsSlot(t *testing.T) {
	k := bot.Keys("gb")
	good := map[string]string{
		"gb:dir:{dir}:chat:tg:-1001": "dir", "gb:dir:{dir}:workers:3网格": "dir",
		"gb:upd:{tg:99}": "upd", "gb:adm:{tg:-100}:tg:7": "adm",
		"gb:ev:{42}:meta": "ev", "gb:ev:{42}:sent:r24": "ev", "gb:ev:edit:{tg:-100}": "ev-edit",
		"gb:ev:seq": "ev-index", "gb:ev:open": "ev-index", "gb:ev:att:20270212": "ev-records", "gb:ev:vol:2027": "ev-records",
		"gb:quiz:{quiz}:r:3:a:tg:7": "quiz", "gb:tip:{tip}:had:3网格": "tip", "gb:nt:{nt}:d:5": "nt",
		"gb:ob:{ob}:b:9:sent": "ob", "gb:rl:{rl}:tg:chat:tg:-100": "rl", "gb:sched:{sched}:due": "sched",
		"gb:ld:{ld}:m:2026-11": "ld", "gb:rs:{rs}:p:cAbc": "rs", "gb:rs:{rs}:l:Abc": "rs", "gb:tg:offset": "tg",
	}
	for key, want := range good {
		f, ok := bot.FamilyOf(k, key)
		if !ok || f.Name != want {
			t.Errorf("FamilyOf(%q) = %q, %v; want %q", key, f.Name, ok, want)
			continue
		}
		if err := f.CheckSlot(k, key); err != nil {
			t.Error(err)
		}
	}
	for _, key := range []string{"gb:ob:pending", "gb:quiz:r:3", "other:ev:{1}:meta", "gb:nope:{x}"} {
		if f, ok := bot.FamilyOf(k, key); ok {
			t.Errorf("FamilyOf(%q) = %s, want no family", key, f.Name)
		}
	}
	bad := map[string]string{"gb:ev:{}:meta": "ev", "gb:ev:att:{20270212}": "ev-records", "gb:ob:{ob}x:pending": "ob"}
	for key, fam := range bad {
		for _, f := range bot.Keyspace {
			if f.Name == fam && f.CheckSlot(k, key) == nil {
				t.Errorf("%s.CheckSlot(%q) = nil, want an error", fam, key)
			}
		}
	}
}
