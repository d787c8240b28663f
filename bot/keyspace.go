package bot

import (
	"fmt"
	"regexp"
	"strings"
)

// The key space, in one place. Every Redis key gridbot writes is
// "<prefix>:" followed by one of the families below. A Redis Cluster puts a
// key in slot CRC16(tag) mod 16384, where tag is the text between the first
// '{' and the next '}' (when non-empty), or the whole key when there is
// none. Three slot rules follow from that:
//
//   - SlotFeature: every key of the family carries the same tag (the
//     family's Tag, e.g. {ob}), so the whole feature is one slot and its
//     scripts may touch any of its keys, including keys they build from
//     KEYS[1]'s base inside Lua. The price is that the feature lives on one
//     master; the outbox and rate limits are bounded by the platforms' own
//     limits (30 msg/s per Telegram bot) far below what one master serves.
//   - SlotEntity: the tag is one entity (an event id, a chat, an update
//     id), so entities spread over the masters and a script touches one
//     entity's keys only, all passed in KEYS.
//   - SlotSingle: no tag; the key is its own slot and is only ever used by
//     single-key commands (never in a script, MULTI or multi-key command
//     with another key).
//
// Writes that must span two slots (an event and the open index, a check-in
// and the ledger records) are separate commands ordered so that a failure
// between them leaves nothing visible (see events.store.create and
// events.Feature.record). cmd/gridbot's full run of the bot
// (TestWeComGroupUsesEveryFeatureByText) checks every key it wrote against
// this table, and TestSlotIsRedisKeyslot checks Slot against CLUSTER KEYSLOT.
//
// Changing a family's tag moves its keys to another slot: existing data
// must be renamed (with the bot stopped) or it is no longer found. A new
// family (a new feature's keys) gets a row here, or that full run fails.
//
// Outside the prefix, bot/redisx writes one more kind of key:
// gridbot:wait:{<tag>}, a marker with a 10 s TTL in the slot of a MULTI it
// confirms has reached a replica (redisx.MarkerKey).
var Keyspace = []Family{
	{Name: "dir", Pattern: "dir:{dir}:*", Rule: SlotFeature, Tag: "dir", Owner: "bot/grid (Directory)",
		Doc: "chats, grids, grid metadata, workers, staff, names, handles, the grids each user is known in: whois, bind, unbind and migrate scripts touch several at once"},
	{Name: "upd", Pattern: "upd:{*}", Rule: SlotEntity, Owner: "bot (Router)",
		Doc: "dedupe mark of one platform update, tagged by the update id"},
	{Name: "adm", Pattern: "adm:{*}:*", Rule: SlotEntity, Owner: "bot/grid (the admin cache)",
		Doc: "cached admin check of one user in one chat, tagged by the chat"},
	{Name: "ev", Pattern: "ev:{*}:*", Rule: SlotEntity, Owner: "handlers/events",
		Doc: "one activity: meta, reg, in, wait, chk, sent:r24, sent:r1, op:<update> (a sign-up's reply, kept 48 h so a redone update answers the same), cancel:<user> (a cancellation preview, 30 min); every sign-up script gets the five (join and leave also their op key) in KEYS"},
	{Name: "ev-edit", Pattern: "ev:edit:{*}", Rule: SlotEntity, Owner: "handlers/events",
		Doc: "notice-edit throttle of one group chat, tagged by the chat (SET NX, one key)"},
	{Name: "ev-index", Pattern: "ev:seq|ev:open", Rule: SlotSingle, Owner: "handlers/events",
		Doc: "next activity id (INCR) and the open index (ZSET id by start); written apart from the activity, index first"},
	{Name: "ev-records", Pattern: "ev:att:*|ev:vol:*", Rule: SlotSingle, Owner: "handlers/events, read by handlers/ledger through events.Records",
		Doc: "attendance per day and volunteer hours per year; each written in its own MULTI on one key"},
	{Name: "quiz", Pattern: "quiz:{quiz}:*", Rule: SlotFeature, Tag: "quiz", Owner: "handlers/quiz",
		Doc: "rounds, attempts, boards, seasons: the answer script scores into round, grid and season boards at once"},
	{Name: "tip", Pattern: "tip:{tip}:*", Rule: SlotFeature, Tag: "tip", Owner: "handlers/tips",
		Doc: "per-grid cycle of tips, schedules, history: the take script picks and records in one step"},
	{Name: "nt", Pattern: "nt:{nt}:*", Rule: SlotFeature, Tag: "nt", Owner: "handlers/notices",
		Doc: "drafts, notices, their list: confirm claims a draft and numbers the notice in one script"},
	{Name: "ob", Pattern: "ob:{ob}:*", Rule: SlotFeature, Tag: "ob", Owner: "bot/outbox, read by handlers/ledger through outbox.Figures",
		Doc: "broadcasts, pending and in-flight queues, sent/failed marks, reach per day: enqueue, claim and sent scripts"},
	{Name: "rl", Pattern: "rl:{rl}:*", Rule: SlotFeature, Tag: "rl", Owner: "bot/ratelimit",
		Doc: "token buckets: one take touches the global and the chat bucket together"},
	{Name: "sched", Pattern: "sched:{sched}:*", Rule: SlotFeature, Tag: "sched", Owner: "scheduler",
		Doc: "leader lease, job slots and runs, the due queue: claim scripts move between queues"},
	{Name: "rp", Pattern: "rp:{rp}:*", Rule: SlotFeature, Tag: "rp", Owner: "bot/replies",
		Doc: "answers owed per chat (group answers, and private replies kept to send again), per-chat queues and leases, live lists: queue, take and render scripts touch a chat's keys with the ready set"},
	{Name: "ld", Pattern: "ld:{ld}:*", Rule: SlotFeature, Tag: "ld", Owner: "handlers/ledger",
		Doc: "monthly rollups and digest marks"},
	{Name: "wb", Pattern: "wb:{wb}:*", Rule: SlotFeature, Tag: "wb", Owner: "handlers/workbench",
		Doc: "console sign-in links (used up by GETDEL), sessions (one script loads and renews), imports waiting for confirmation"},
	{Name: "cg", Pattern: "cg:{cg}:*", Rule: SlotFeature, Tag: "cg", Owner: "handlers/custgroups",
		Doc: "WeChat Work customer groups: synced groups and their order, group-send tasks and their tracking, each group's receipts and open tasks for the cap, once-each marks of a message to a group: the record, settle and remind scripts touch a task with its group's keys"},
	{Name: "ln", Pattern: "ln:{ln}:*", Rule: SlotFeature, Tag: "ln", Owner: "handlers/links",
		Doc: "short links: c:<code> → kind:id and t:<kind>:<id> → code; the ensure script checks both at once so a target gets one code"},
	{Name: "rs", Pattern: "rs:{rs}:*", Rule: SlotFeature, Tag: "rs", Owner: "handlers/residents",
		Doc: "resident pages: residents' profiles (称呼, grid, door, phone; 400 days) and link tokens both ways: the link script reads and writes a token and its target together"},
	{Name: "tg-poll", Pattern: "tg:{tgpoll}:*", Rule: SlotFeature, Tag: "tgpoll", Owner: "bot/telegram",
		Doc: "the poll leader's lease, fencing counter and the getUpdates offset: the lease script and the fenced offset write touch them together"},
	{Name: "tg", Pattern: "tg:offset", Rule: SlotSingle, Owner: "bot/telegram",
		Doc: "the long-polling offset of builds before the poll lease, read once to migrate"},
}

// SlotRule says how a family's keys are placed in Redis Cluster slots.
type SlotRule int

// The slot rules; see Keyspace.
const (
	SlotFeature SlotRule = iota + 1
	SlotEntity
	SlotSingle
)

func (r SlotRule) String() string {
	switch r {
	case SlotFeature:
		return "feature tag"
	case SlotEntity:
		return "entity tag"
	case SlotSingle:
		return "no tag"
	}
	return fmt.Sprintf("SlotRule(%d)", int(r))
}

// Family is one kind of key. Pattern is matched against the key after the
// prefix: '*' stands for any text, "{*}" for a hash tag around an entity,
// '|' separates alternatives.
type Family struct {
	Name    string
	Pattern string
	Rule    SlotRule
	Tag     string // the one tag of a SlotFeature family
	Owner   string
	Doc     string
}

func (f Family) re() *regexp.Regexp {
	var alts []string
	for _, p := range strings.Split(f.Pattern, "|") {
		q := regexp.QuoteMeta(p)
		q = strings.ReplaceAll(q, `\{\*\}`, `\{([^{}]+)\}`)
		q = strings.ReplaceAll(q, `\*`, `.*`)
		alts = append(alts, q)
	}
	return regexp.MustCompile(`^(?:` + strings.Join(alts, "|") + `)$`)
}

// FamilyOf returns the family of key (a full key under k's prefix), and
// false when no family matches or key is not under the prefix.
func FamilyOf(k Keys, key string) (Family, bool) {
	rest, ok := strings.CutPrefix(key, string(k)+":")
	if !ok {
		return Family{}, false
	}
	for _, f := range Keyspace {
		if f.re().MatchString(rest) {
			return f, true
		}
	}
	return Family{}, false
}

// CheckSlot reports whether key, a key of family f under k's prefix, is in
// the slot f's rule puts it in.
func (f Family) CheckSlot(k Keys, key string) error {
	rest, ok := strings.CutPrefix(key, string(k)+":")
	if !ok || !f.re().MatchString(rest) {
		return fmt.Errorf("key %q is not of family %s (%s under prefix %s)", key, f.Name, f.Pattern, k)
	}
	switch f.Rule {
	case SlotFeature:
		if Slot(key) != Slot("{"+f.Tag+"}") {
			return fmt.Errorf("key %q of family %s is in slot %d, want slot %d of {%s}", key, f.Name, Slot(key), Slot("{"+f.Tag+"}"), f.Tag)
		}
	case SlotEntity:
		m := f.re().FindStringSubmatch(rest)
		entity := ""
		for _, s := range m[1:] {
			if s != "" {
				entity = s
			}
		}
		if entity == "" || Slot(key) != Slot("{"+entity+"}") {
			return fmt.Errorf("key %q of family %s is in slot %d, want the slot of its entity {%s}", key, f.Name, Slot(key), entity)
		}
	case SlotSingle:
		if strings.ContainsAny(key, "{}") {
			return fmt.Errorf("key %q of family %s has a brace; untagged families must have none", key, f.Name)
		}
	default:
		return fmt.Errorf("family %s has no slot rule", f.Name)
	}
	return nil
}

// Slot returns the Redis Cluster slot of key (CRC16-XMODEM of its hash tag,
// or of the whole key, mod 16384), as CLUSTER KEYSLOT computes it.
func Slot(key string) int {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			key = key[s+1 : s+1+e]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) & 16383
}
