// Package grid is the grid directory: which group chats are bound to which
// residential grid, the grids' tags and languages, staff and appointed grid
// workers, the names people chose, and the one cache of "does this user
// administer this group" answers. Its keys are dir:{dir}:* and
// adm:{<chat>}:<user>; nobody else builds them. *Directory implements
// bot.Roles for the router.
package grid

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"gridbot/bot"
	"gridbot/bot/redisx"
)

// Chat status values kept by the Directory.
const (
	ChatActive = "ok"
	ChatGone   = "gone"
)

// ChatInfo is what the Directory knows of a chat.
type ChatInfo struct {
	Ref     bot.ChatRef
	Grid    string
	Title   string
	Status  string
	Members int
	// CanReadAll is false when the bot sees only commands there (Telegram
	// privacy mode on and not an admin).
	CanReadAll bool
}

// Grid is a residential grid with its groups.
type Grid struct {
	Name  string
	Tags  []string
	Lang  string
	Chats []ChatInfo
}

// Members sums the member counts of the grid's active chats.
func (g Grid) Members() int {
	n := 0
	for _, c := range g.Chats {
		if c.Status != ChatGone {
			n += c.Members
		}
	}
	return n
}

// Directory keeps grids, their chats, staff and grid workers in Redis. All
// its keys share the hash tag {dir}, so its scripts are one round trip and
// stay valid on Redis Cluster.
type Directory struct {
	rdb      redis.UniversalClient
	k        bot.Keys
	cfgStaff map[bot.UserRef]bool
}

// NewDirectory returns a Directory; staff lists users who are staff by
// configuration (they cannot be removed by command).
func NewDirectory(rdb redis.UniversalClient, k bot.Keys, staff []bot.UserRef) *Directory {
	m := make(map[bot.UserRef]bool, len(staff))
	for _, u := range staff {
		m[u] = true
	}
	return &Directory{rdb: rdb, k: k, cfgStaff: m}
}

func (d *Directory) key(parts ...string) string {
	return d.k.Key(append([]string{"dir", "{dir}"}, parts...)...)
}

func (d *Directory) chatKey(c bot.ChatRef) string { return d.key("chat", string(c)) }
func (d *Directory) gridKey(g string) string      { return d.key("grid", g) }
func (d *Directory) metaKey(g string) string      { return d.key("gridmeta", g) }
func (d *Directory) workersKey(g string) string   { return d.key("workers", g) }

// NormalizeGrid turns what staff type into a grid name: full-width folded,
// spaces removed, and a bare number given the suffix 网格 ("３" → "3网格").
func NormalizeGrid(s string) string {
	s = strings.ReplaceAll(bot.Normalize(s), " ", "")
	s = strings.TrimPrefix(s, "第")
	if _, err := strconv.Atoi(s); err == nil {
		return s + "网格"
	}
	return s
}

var whoisScript = redis.NewScript(`
local grid = redis.call('HGET', KEYS[1], 'grid') or ''
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[4], ARGV[4], ARGV[1]) end
local chosen = redis.call('HGET', KEYS[5], ARGV[1]) or ''
local role = 0
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then role = 2
elseif grid ~= '' and redis.call('SISMEMBER', ARGV[3] .. grid, ARGV[1]) == 1 then role = 1 end
local homes = redis.call('HGET', KEYS[6], ARGV[1]) or ''
if grid ~= '' and string.find('\31' .. homes .. '\31', '\31' .. grid .. '\31', 1, true) == nil then
  if homes == '' then homes = grid else homes = homes .. '\31' .. grid end
  redis.call('HSET', KEYS[6], ARGV[1], homes)
end
return {grid, role, chosen, homes}
`)

// Whois returns the grid bound to chat, the user's role there, the name
// they chose and the grids they are known in, and remembers the platform's
// display name and handle and, in a bound group, the grid; one round trip.
// Admins of a bound group are grid workers too, but asking the platform is
// slow, so callers check that only when a command needs it (see Router).
func (d *Directory) Whois(ctx context.Context, chat bot.ChatRef, user bot.UserRef, name, username string) (bot.Who, error) {
	keys, args := d.whoisArgs(chat, user, name, username)
	res, err := whoisScript.Run(ctx, d.rdb, keys, args...).Result()
	return d.who(chat, user, res, err)
}

// WhoisIn implements bot.WhoisPiper: Whois queued in pipe, so the router
// sends it with the update's claim.
func (d *Directory) WhoisIn(ctx context.Context, pipe redis.Pipeliner, chat bot.ChatRef, user bot.UserRef, name, username string) func(context.Context) (bot.Who, error) {
	keys, args := d.whoisArgs(chat, user, name, username)
	p := redisx.EvalIn(ctx, pipe, whoisScript, keys, args...)
	return func(ctx context.Context) (bot.Who, error) {
		res, err := p.Result(ctx, d.rdb)
		return d.who(chat, user, res, err)
	}
}

func (d *Directory) whoisArgs(chat bot.ChatRef, user bot.UserRef, name, username string) ([]string, []any) {
	if username != "" {
		username = user.Platform() + ":" + strings.ToLower(username)
	}
	return []string{d.chatKey(chat), d.key("staff"), d.key("names"), d.key("handles"), d.key("chosen"), d.key("homes")},
		[]any{string(user), name, d.key("workers", ""), username}
}

// who reads whoisScript's reply {grid, role, chosen name, homes}.
func (d *Directory) who(chat bot.ChatRef, user bot.UserRef, v any, err error) (bot.Who, error) {
	if err != nil {
		return bot.Who{}, fmt.Errorf("whois %s: %w", chat, err)
	}
	res, err := redisx.Array(v, 4)
	if err != nil {
		return bot.Who{}, fmt.Errorf("whois %s: %w", chat, err)
	}
	role, _ := res[1].(int64)
	w := bot.Who{Role: bot.Role(role)}
	w.Grid, _ = res[0].(string)
	w.Name, _ = res[2].(string)
	if h, _ := res[3].(string); h != "" {
		w.Homes = strings.Split(h, "\x1f")
	}
	if d.cfgStaff[user] {
		w.Role = bot.Staff
	}
	return w, nil
}

// SetName records the name a user wants to be called by; it wins over the
// platform's display name (WeChat Work robots see only user ids).
func (d *Directory) SetName(ctx context.Context, u bot.UserRef, name string) error {
	if err := d.rdb.HSet(ctx, d.key("chosen"), string(u), name).Err(); err != nil {
		return fmt.Errorf("set name of %s: %w", u, err)
	}
	return nil
}

// ByHandle finds a user by platform handle ("tg", "zhang_ayi"), among users
// the bot has seen; ok is false when unknown.
func (d *Directory) ByHandle(ctx context.Context, platform, handle string) (bot.UserRef, bool, error) {
	u, err := d.rdb.HGet(ctx, d.key("handles"), platform+":"+strings.ToLower(strings.TrimPrefix(handle, "@"))).Result()
	if err == redis.Nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("user by handle: %w", err)
	}
	return bot.UserRef(u), true, nil
}

// IsConfigStaff reports whether the user is staff by configuration.
func (d *Directory) IsConfigStaff(u bot.UserRef) bool { return d.cfgStaff[u] }

// Name returns the name a user chose, else the last display name seen for
// them, or "" if none.
func (d *Directory) Name(ctx context.Context, u bot.UserRef) (string, error) {
	pipe := d.rdb.Pipeline()
	chosen := pipe.HGet(ctx, d.key("chosen"), string(u))
	seen := pipe.HGet(ctx, d.key("names"), string(u))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return "", fmt.Errorf("name of %s: %w", u, err)
	}
	if n := chosen.Val(); n != "" {
		return n, nil
	}
	return seen.Val(), nil
}

var bindScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'grid') or ''
if old ~= '' and old ~= ARGV[2] then
  redis.call('SREM', ARGV[4] .. old, ARGV[1])
  if redis.call('SCARD', ARGV[4] .. old) == 0 then redis.call('SREM', KEYS[3], old) end
end
redis.call('HSET', KEYS[1], 'grid', ARGV[2], 'title', ARGV[3], 'status', 'ok')
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return old
`)

// Bind makes chat the group of grid and returns the grid it was bound to
// before ("" if none). The grid is created if new.
func (d *Directory) Bind(ctx context.Context, chat bot.ChatRef, grid, title string) (string, error) {
	old, err := bindScript.Run(ctx, d.rdb,
		[]string{d.chatKey(chat), d.gridKey(grid), d.key("grids")},
		string(chat), grid, title, d.key("grid", "")).Text()
	if err != nil {
		return "", fmt.Errorf("bind %s to %s: %w", chat, grid, err)
	}
	return old, nil
}

var unbindScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'grid') or ''
if old == '' then return '' end
redis.call('HDEL', KEYS[1], 'grid')
redis.call('SREM', ARGV[2] .. old, ARGV[1])
if redis.call('SCARD', ARGV[2] .. old) == 0 then redis.call('SREM', KEYS[2], old) end
return old
`)

// Unbind removes chat from its grid and returns that grid ("" if none). A
// grid with no chats left leaves the grid list; its settings are kept.
func (d *Directory) Unbind(ctx context.Context, chat bot.ChatRef) (string, error) {
	old, err := unbindScript.Run(ctx, d.rdb,
		[]string{d.chatKey(chat), d.key("grids")}, string(chat), d.key("grid", "")).Text()
	if err != nil {
		return "", fmt.Errorf("unbind %s: %w", chat, err)
	}
	return old, nil
}

var migrateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local h = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(h))
redis.call('DEL', KEYS[1])
local grid = redis.call('HGET', KEYS[2], 'grid')
if grid then
  redis.call('SREM', ARGV[3] .. grid, ARGV[1])
  redis.call('SADD', ARGV[3] .. grid, ARGV[2])
end
return 1
`)

// Migrate moves everything known of chat from to chat to (a Telegram group
// that became a supergroup), keeping its grid binding.
func (d *Directory) Migrate(ctx context.Context, from, to bot.ChatRef) error {
	err := migrateScript.Run(ctx, d.rdb, []string{d.chatKey(from), d.chatKey(to)},
		string(from), string(to), d.key("grid", "")).Err()
	if err != nil {
		return fmt.Errorf("migrate %s to %s: %w", from, to, err)
	}
	return nil
}

// SetChat records facts about a chat whether bound or not: its title,
// status, member count (negative leaves it) and whether the bot reads all
// messages there.
func (d *Directory) SetChat(ctx context.Context, c ChatInfo) error {
	fields := []any{"status", c.Status, "can_read", boolStr(c.CanReadAll)}
	if c.Title != "" {
		fields = append(fields, "title", c.Title)
	}
	if c.Members >= 0 {
		fields = append(fields, "members", c.Members)
	}
	if err := d.rdb.HSet(ctx, d.chatKey(c.Ref), fields...).Err(); err != nil {
		return fmt.Errorf("set chat %s: %w", c.Ref, err)
	}
	return nil
}

// SetStatus marks a chat active or gone (the bot was removed, or a webhook
// key stopped working).
func (d *Directory) SetStatus(ctx context.Context, chat bot.ChatRef, status string) error {
	if err := d.rdb.HSet(ctx, d.chatKey(chat), "status", status).Err(); err != nil {
		return fmt.Errorf("set status of %s: %w", chat, err)
	}
	return nil
}

var markGoneScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'status', 'gone')
if old == 'gone' then return 0 end
return 1
`)

// MarkGone marks a chat gone (the bot was removed, or a webhook key stopped
// working) and reports whether this changed anything, so that staff are told
// once, not at every failed push.
func (d *Directory) MarkGone(ctx context.Context, chat bot.ChatRef) (bool, error) {
	n, err := markGoneScript.Run(ctx, d.rdb, []string{d.chatKey(chat)}).Int()
	if err != nil {
		return false, fmt.Errorf("mark %s gone: %w", chat, err)
	}
	return n == 1, nil
}

// MsgChatGone tells staff the bot can no longer post in a group.
const MsgChatGone = "⚠️ 机器人已不在「%s」（%s）里了，之后的推送发不到这个群。\n" +
	"如果是误删，请把机器人重新拉进群，再在群里发送「绑定网格 %s」。"

// NotifyStaff sends m to the private chat of every staff member through the
// outbox (urgent: alerts are not held for quiet hours). Staff on platforms
// without private chats are skipped by the platform.
func NotifyStaff(ctx context.Context, d *Directory, out bot.Outbox, kind, title string, m bot.Message) error {
	staff, err := d.StaffList(ctx)
	if err != nil {
		return err
	}
	if len(staff) == 0 {
		return nil
	}
	chats := make([]bot.ChatRef, len(staff))
	for i, u := range staff {
		chats[i] = u.PrivateChat()
	}
	_, err = out.Enqueue(ctx, bot.Broadcast{Kind: kind, Title: title, Chats: chats, Message: m, Urgent: true})
	return err
}

// GoneAlert is the staff message for a chat the bot left.
func GoneAlert(c ChatInfo) bot.Message {
	title, grid := c.Title, c.Grid
	if title == "" {
		title = string(c.Ref)
	}
	if grid == "" {
		grid = "未绑定网格"
	}
	return bot.Message{Text: fmt.Sprintf(MsgChatGone, bot.Esc(title), bot.Esc(grid), bot.Esc(grid))}
}

// SetMembers records a chat's member count.
func (d *Directory) SetMembers(ctx context.Context, chat bot.ChatRef, n int) error {
	if err := d.rdb.HSet(ctx, d.chatKey(chat), "members", n).Err(); err != nil {
		return fmt.Errorf("set members of %s: %w", chat, err)
	}
	return nil
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Chat returns what is known of one chat; Status is "" for an unknown chat.
func (d *Directory) Chat(ctx context.Context, chat bot.ChatRef) (ChatInfo, error) {
	h, err := d.rdb.HGetAll(ctx, d.chatKey(chat)).Result()
	if err != nil {
		return ChatInfo{}, fmt.Errorf("chat %s: %w", chat, err)
	}
	return chatFromHash(chat, h), nil
}

func chatFromHash(ref bot.ChatRef, h map[string]string) ChatInfo {
	n, _ := strconv.Atoi(h["members"])
	return ChatInfo{Ref: ref, Grid: h["grid"], Title: h["title"], Status: h["status"],
		Members: n, CanReadAll: h["can_read"] != "0"}
}

// GridNames returns the names of all grids, sorted.
func (d *Directory) GridNames(ctx context.Context) ([]string, error) {
	names, err := d.rdb.SMembers(ctx, d.key("grids")).Result()
	if err != nil {
		return nil, fmt.Errorf("grid names: %w", err)
	}
	SortGrids(names)
	return names, nil
}

// SortGrids sorts grid names in the order people expect: "2网格" before
// "10网格", then by text.
func SortGrids(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		na, nb := leadingInt(a), leadingInt(b)
		if na != nb {
			return na - nb
		}
		return strings.Compare(a, b)
	})
}

func leadingInt(s string) int {
	n, i := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && i < 9 {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 {
		return 1 << 30
	}
	return n
}

// Grids returns every grid with its chats, settings and tags, sorted by name.
func (d *Directory) Grids(ctx context.Context) ([]Grid, error) {
	names, err := d.GridNames(ctx)
	if err != nil {
		return nil, err
	}
	return d.load(ctx, names)
}

func (d *Directory) load(ctx context.Context, names []string) ([]Grid, error) {
	pipe := d.rdb.Pipeline()
	members := make([]*redis.StringSliceCmd, len(names))
	metas := make([]*redis.MapStringStringCmd, len(names))
	for i, n := range names {
		members[i] = pipe.SMembers(ctx, d.gridKey(n))
		metas[i] = pipe.HGetAll(ctx, d.metaKey(n))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	grids := make([]Grid, len(names))
	pipe = d.rdb.Pipeline()
	var chats [][]*redis.MapStringStringCmd
	for i, n := range names {
		meta := metas[i].Val()
		grids[i] = Grid{Name: n, Tags: splitTags(meta["tags"]), Lang: meta["lang"]}
		refs := members[i].Val()
		slices.Sort(refs)
		var cmds []*redis.MapStringStringCmd
		for _, r := range refs {
			cmds = append(cmds, pipe.HGetAll(ctx, d.chatKey(bot.ChatRef(r))))
		}
		chats = append(chats, cmds)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("load grid chats: %w", err)
	}
	for i := range grids {
		refs := members[i].Val()
		for j, cmd := range chats[i] {
			grids[i].Chats = append(grids[i].Chats, chatFromHash(bot.ChatRef(refs[j]), cmd.Val()))
		}
	}
	return grids, nil
}

func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Grid returns one grid with its chats and settings; ok is false when no
// chat is bound to it.
func (d *Directory) Grid(ctx context.Context, name string) (Grid, bool, error) {
	ok, err := d.rdb.SIsMember(ctx, d.key("grids"), name).Result()
	if err != nil {
		return Grid{}, false, fmt.Errorf("grid %s: %w", name, err)
	}
	if !ok {
		return Grid{}, false, nil
	}
	gs, err := d.load(ctx, []string{name})
	if err != nil {
		return Grid{}, false, err
	}
	return gs[0], true, nil
}

// SetGridMeta sets a grid's tags and language ("" leaves either unchanged;
// "-" clears it).
func (d *Directory) SetGridMeta(ctx context.Context, grid string, tags []string, lang string) error {
	var fields []any
	if len(tags) > 0 {
		v := strings.Join(tags, ",")
		if v == "-" {
			v = ""
		}
		fields = append(fields, "tags", v)
	}
	if lang != "" {
		if lang == "-" {
			lang = ""
		}
		fields = append(fields, "lang", lang)
	}
	if len(fields) == 0 {
		return nil
	}
	if err := d.rdb.HSet(ctx, d.metaKey(grid), fields...).Err(); err != nil {
		return fmt.Errorf("set meta of %s: %w", grid, err)
	}
	return nil
}

// Language is a second language a bilingual grid's pushes may carry.
type Language struct {
	// Code is what is stored and what tip banks name translations by ("ug").
	Code string
	// Name is what staff read and type ("维吾尔语").
	Name string
}

// Languages are the second languages a grid may have, in the order staff
// see them.
var Languages = []Language{
	{"ug", "维吾尔语"}, {"kk", "哈萨克语"}, {"mn", "蒙古语"}, {"ky", "柯尔克孜语"}, {"bo", "藏语"},
	{"ko", "朝鲜语"}, {"za", "壮语"}, {"ii", "彝语"}, {"en", "英语"},
}

// ParseLanguage finds the language staff typed, by Chinese name (维吾尔语,
// 维吾尔文, 维语) or code (ug); ok is false when it is none of Languages.
func ParseLanguage(s string) (Language, bool) {
	s = strings.ToLower(strings.TrimSpace(bot.Normalize(s)))
	for _, l := range Languages {
		stem := strings.TrimSuffix(l.Name, "语")
		if s == l.Code || s == l.Name || s == stem+"文" || s == stem || utf8.RuneCountInString(stem) > 1 && s == string([]rune(stem)[:1])+"语" {
			return l, true
		}
	}
	return Language{}, false
}

// LanguageNames lists the Chinese names of Languages, joined by 、.
func LanguageNames() string {
	names := make([]string, len(Languages))
	for i, l := range Languages {
		names[i] = l.Name
	}
	return strings.Join(names, "、")
}

// Resolve turns a target spec that staff typed into grids: "全部" (or 所有,
// all) means every grid; "标签:老旧小区" every grid with that tag; otherwise
// names separated by commas, 、 or spaces. An unknown name or tag is a
// *UserError naming it and listing the grids there are.
func (d *Directory) Resolve(ctx context.Context, spec string) ([]Grid, error) {
	all, err := d.Grids(ctx)
	if err != nil {
		return nil, err
	}
	spec = bot.Normalize(spec)
	if len(all) == 0 {
		return nil, bot.Userf("还没有绑定任何网格群。请先在网格群里发送「绑定网格 3网格」。")
	}
	switch spec {
	case "", "全部", "所有", "全部网格", "all", "ALL", "All":
		return all, nil
	}
	if tag, ok := cutAny(spec, "标签:", "标签：", "tag:"); ok {
		tag = strings.TrimSpace(tag)
		var out []Grid
		for _, g := range all {
			if slices.Contains(g.Tags, tag) {
				out = append(out, g)
			}
		}
		if len(out) == 0 {
			return nil, noTag(tag, all)
		}
		return out, nil
	}
	byName := make(map[string]Grid, len(all))
	for _, g := range all {
		byName[g.Name] = g
	}
	var out []Grid
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(spec, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == ';' || r == '；'
	}) {
		name := NormalizeGrid(f)
		g, ok := byName[name]
		if !ok {
			return nil, bot.Userf("没有找到网格「%s」。现有网格：%s。", bot.Esc(name), bot.Esc(strings.Join(gridNames(all), "、")))
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		names := gridNames(all)
		return nil, bot.Userf("请写明发给哪些网格，例如「全部」或「%s」。", bot.Esc(strings.Join(names[:min(2, len(names))], ",")))
	}
	return out, nil
}

// noTag refuses a tag no grid has, naming the tags there are.
func noTag(tag string, all []Grid) error {
	var tags []string
	for _, g := range all {
		for _, t := range g.Tags {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	if len(tags) == 0 {
		return bot.Userf("没有网格带有标签「%s」，现在还没有网格设置标签（发「网格标签 %s 老旧小区」设置）。", bot.Esc(tag), bot.Esc(all[0].Name))
	}
	return bot.Userf("没有网格带有标签「%s」。现有标签：%s。", bot.Esc(tag), bot.Esc(strings.Join(tags, "、")))
}

func cutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

func gridNames(gs []Grid) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

// ActiveChats returns the chats of the given grids the bot can still post in.
func ActiveChats(gs []Grid) []bot.ChatRef {
	var out []bot.ChatRef
	for _, g := range gs {
		for _, c := range g.Chats {
			if c.Status != ChatGone {
				out = append(out, c.Ref)
			}
		}
	}
	return out
}

// IsStaff reports whether u is staff by configuration or by /addstaff.
func (d *Directory) IsStaff(ctx context.Context, u bot.UserRef) (bool, error) {
	if d.cfgStaff[u] {
		return true, nil
	}
	ok, err := d.rdb.SIsMember(ctx, d.key("staff"), string(u)).Result()
	if err != nil {
		return false, fmt.Errorf("is staff %s: %w", u, err)
	}
	return ok, nil
}

// AddStaff makes u staff; it reports false if u already was.
func (d *Directory) AddStaff(ctx context.Context, u bot.UserRef) (bool, error) {
	if d.cfgStaff[u] {
		return false, nil
	}
	n, err := d.rdb.SAdd(ctx, d.key("staff"), string(u)).Result()
	if err != nil {
		return false, fmt.Errorf("add staff %s: %w", u, err)
	}
	return n == 1, nil
}

// RemoveStaff takes staff rights from u; it reports false if u was not
// staff by command. Staff by configuration stay staff.
func (d *Directory) RemoveStaff(ctx context.Context, u bot.UserRef) (bool, error) {
	n, err := d.rdb.SRem(ctx, d.key("staff"), string(u)).Result()
	if err != nil {
		return false, fmt.Errorf("remove staff %s: %w", u, err)
	}
	return n == 1, nil
}

// AddWorker appoints u grid worker of grid; it reports false if u already was.
func (d *Directory) AddWorker(ctx context.Context, grid string, u bot.UserRef) (bool, error) {
	n, err := d.rdb.SAdd(ctx, d.workersKey(grid), string(u)).Result()
	if err != nil {
		return false, fmt.Errorf("add worker %s to %s: %w", u, grid, err)
	}
	return n == 1, nil
}

// RemoveWorker removes u from the grid workers of grid.
func (d *Directory) RemoveWorker(ctx context.Context, grid string, u bot.UserRef) (bool, error) {
	n, err := d.rdb.SRem(ctx, d.workersKey(grid), string(u)).Result()
	if err != nil {
		return false, fmt.Errorf("remove worker %s from %s: %w", u, grid, err)
	}
	return n == 1, nil
}

// Workers lists the appointed grid workers of grid.
func (d *Directory) Workers(ctx context.Context, grid string) ([]bot.UserRef, error) {
	m, err := d.rdb.SMembers(ctx, d.workersKey(grid)).Result()
	if err != nil {
		return nil, fmt.Errorf("workers of %s: %w", grid, err)
	}
	out := make([]bot.UserRef, len(m))
	for i, s := range m {
		out[i] = bot.UserRef(s)
	}
	slices.Sort(out)
	return out, nil
}

// WorkerGrids lists the grids u is appointed grid worker of, sorted; two
// round trips (the grid names, then one membership check per grid in a
// pipeline). Administrators of a bound group who were never appointed are
// not listed: only the platform knows them, group by group.
func (d *Directory) WorkerGrids(ctx context.Context, u bot.UserRef) ([]string, error) {
	names, err := d.GridNames(ctx)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	pipe := d.rdb.Pipeline()
	cmds := make([]*redis.BoolCmd, len(names))
	for i, n := range names {
		cmds[i] = pipe.SIsMember(ctx, d.workersKey(n), string(u))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("grids of worker %s: %w", u, err)
	}
	var out []string
	for i, c := range cmds {
		if c.Val() {
			out = append(out, names[i])
		}
	}
	return out, nil
}

// StaffList lists staff appointed by command (not those from config).
func (d *Directory) StaffList(ctx context.Context) ([]bot.UserRef, error) {
	m, err := d.rdb.SMembers(ctx, d.key("staff")).Result()
	if err != nil {
		return nil, fmt.Errorf("staff list: %w", err)
	}
	out := make([]bot.UserRef, 0, len(m)+len(d.cfgStaff))
	for u := range d.cfgStaff {
		out = append(out, u)
	}
	for _, s := range m {
		if !d.cfgStaff[bot.UserRef(s)] {
			out = append(out, bot.UserRef(s))
		}
	}
	slices.Sort(out)
	return out, nil
}
