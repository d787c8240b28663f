package custgroups

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gridbot/bot"
	"gridbot/bot/grid"
	"gridbot/bot/wecom/custgroup"
)

// SyncResult is what a sync found.
type SyncResult struct {
	// Total groups the owners have now; New of them seen for the first
	// time; Gone groups synced before that are no longer listed
	// (dissolved, or their owner left the range); Mapped of Total bound to
	// a grid.
	Total, New, Gone, Mapped int
}

// Sync reads the customer groups of the configured owners (or of every
// owner in the app's visible range) and their details, stores them and
// refreshes the name and resident count of the mapped ones in the
// Directory. A group no longer listed is marked dissolved and its chat
// gone. On a client error nothing is changed and the error's Advice says
// what an admin must do.
func (f *Feature) Sync(ctx context.Context) (SyncResult, error) {
	refs, err := f.api.AllGroups(ctx, custgroup.OwnerActive, f.cfg.Owners)
	if err != nil {
		f.recordSync(ctx, SyncResult{}, err)
		return SyncResult{}, err
	}
	old, err := f.store.groups(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	known := map[string]group{}
	for _, g := range old {
		known[g.ChatID] = g
	}
	now := f.now()
	var res SyncResult
	listed := map[string]bool{}
	pipe := f.env.Redis.Pipeline()
	var mapped []group
	for _, r := range refs {
		d, err := f.api.Group(ctx, r.ChatID, false)
		if err != nil {
			if custgroup.KindOf(err) == custgroup.KindRefused {
				continue
			}
			f.recordSync(ctx, SyncResult{}, err)
			return SyncResult{}, err
		}
		staff, ext := d.Count()
		g := group{ChatID: d.ChatID, Name: d.Name, Owner: d.Owner, OwnerStatus: r.Status, Externals: ext, Staff: staff, Created: d.Created}
		if g.ChatID == "" {
			g.ChatID = r.ChatID
		}
		if g.Name == "" {
			g.Name = msgNoName
		}
		listed[g.ChatID] = true
		was, ok := known[g.ChatID]
		if !ok {
			res.New++
		}
		if was.Grid != "" {
			g.Grid = was.Grid
			res.Mapped++
			mapped = append(mapped, g)
		}
		f.store.saveGroup(ctx, pipe, g, now)
	}
	res.Total = len(listed)
	var gone []group
	for _, g := range old {
		if !listed[g.ChatID] && !g.Dissolved {
			g.Dissolved = true
			gone = append(gone, g)
			f.store.saveGroup(ctx, pipe, g, now)
			res.Gone++
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return SyncResult{}, fmt.Errorf("store customer groups: %w", err)
	}
	for _, g := range mapped {
		if err := f.env.Dir.SetChat(ctx, grid.ChatInfo{Ref: Ref(g.ChatID), Title: g.Name, Status: grid.ChatActive,
			Members: g.Externals, CanReadAll: true}); err != nil {
			return res, err
		}
	}
	for _, g := range gone {
		if g.Grid != "" {
			if _, err := f.env.Dir.MarkGone(ctx, Ref(g.ChatID)); err != nil {
				return res, err
			}
		}
	}
	f.recordSync(ctx, res, nil)
	return res, nil
}

// recordSync keeps when the last sync ran and how it went, for the console.
func (f *Feature) recordSync(ctx context.Context, r SyncResult, err error) {
	msg := ""
	if err != nil {
		msg = advice(err)
		f.log.Warn("customer groups: sync", "err", err)
	}
	if e := f.env.Redis.HSet(ctx, f.store.key("sync"), "at", f.now().Unix(), "total", r.Total, "new", r.New,
		"error", msg).Err(); e != nil {
		f.log.Error("customer groups: record sync", "err", e)
	}
}

// SyncJob is Sync as a scheduler job.
func (f *Feature) SyncJob(ctx context.Context) error {
	_, err := f.Sync(ctx)
	return err
}

// LastSync returns when the groups were last synced (zero: never) and the
// advice of its failure ("" when it went well).
func (f *Feature) LastSync(ctx context.Context) (time.Time, string, error) {
	h, err := f.env.Redis.HGetAll(ctx, f.store.key("sync")).Result()
	if err != nil {
		return time.Time{}, "", fmt.Errorf("last customer-group sync: %w", err)
	}
	sec, _ := strconv.ParseInt(h["at"], 10, 64)
	if sec == 0 {
		return time.Time{}, h["error"], nil
	}
	return time.Unix(sec, 0).In(f.env.Loc), h["error"], nil
}

// Group is a customer group as staff see it.
type Group struct {
	// N is its number in 客户群 列表.
	N      int
	ChatID string
	Ref    bot.ChatRef
	Name   string
	// Owner is the owner's userid, OwnerName what staff call them.
	Owner, OwnerName string
	Residents        int
	Grid             string
	Dissolved        bool
	// Cap describes its sends in the current window against the cap;
	// CapLow is true when few or none are left.
	Cap    string
	CapLow bool
}

// Groups returns every synced customer group in list order, numbered.
func (f *Feature) Groups(ctx context.Context) ([]Group, error) {
	gs, err := f.store.groups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Group, 0, len(gs))
	for i, g := range gs {
		v := Group{N: i + 1, ChatID: g.ChatID, Ref: Ref(g.ChatID), Name: g.Name, Owner: g.Owner,
			OwnerName: f.ownerName(ctx, g.Owner), Residents: g.Externals, Grid: g.Grid, Dissolved: g.Dissolved}
		recv, pend, err := f.store.history(ctx, g.ChatID)
		if err != nil {
			return nil, err
		}
		st := f.cfg.Cap.Check(f.now(), recv, pend)
		v.Cap, v.CapLow = st.Describe(), st.Low()
		out = append(out, v)
	}
	return out, nil
}

// ownerName is what staff call a member: the name the Directory knows for
// wecom:<userid>, else the userid.
func (f *Feature) ownerName(ctx context.Context, userid string) string {
	if userid == "" {
		return "?"
	}
	if f.env.Dir != nil {
		if n, err := f.env.Dir.Name(ctx, bot.UserRef("wecom:"+userid)); err == nil && n != "" {
			return n
		}
	}
	return userid
}

// Find returns the group staff mean by ref: its number in the list, or
// (part of) its name when only one group matches. The error is a
// *bot.UserError saying what to write.
func (f *Feature) Find(ctx context.Context, ref string) (Group, error) {
	gs, err := f.Groups(ctx)
	if err != nil {
		return Group{}, err
	}
	if len(gs) == 0 {
		return Group{}, bot.Userf(msgNone)
	}
	ref = strings.TrimSpace(ref)
	if n, err := strconv.Atoi(strings.TrimSuffix(ref, "号")); err == nil {
		if n < 1 || n > len(gs) {
			return Group{}, bot.Userf(msgNoSuchNum, n, len(gs))
		}
		return gs[n-1], nil
	}
	var hits []Group
	for _, g := range gs {
		if g.Name == ref || g.ChatID == ref {
			return g, nil
		}
		if strings.Contains(g.Name, ref) {
			hits = append(hits, g)
		}
	}
	switch len(hits) {
	case 0:
		return Group{}, bot.Userf(msgNoSuchName, bot.Esc(ref))
	case 1:
		return hits[0], nil
	}
	names := make([]string, 0, min(len(hits), 5))
	for _, h := range hits[:min(len(hits), 5)] {
		names = append(names, fmt.Sprintf("%d. %s", h.N, bot.Esc(h.Name)))
	}
	return Group{}, bot.Userf(msgAmbiguous, bot.Esc(ref), len(hits), strings.Join(names, "、"), hits[0].N)
}

// Map binds customer group chatID to the grid name as staff typed it ("3网格",
// "3"; created if new) and returns the reply for staff; name "" unbinds
// it. A mapped group is a chat of the grid in the Directory, so
// broadcasts to the grid include it. Bad input is a *bot.UserError.
func (f *Feature) Map(ctx context.Context, chatID, name string) (string, error) {
	if typed := name; typed != "" {
		if name = gridName(typed); name == "" {
			return "", bot.Userf(msgBadGrid, bot.Esc(typed))
		}
	}
	g, ok, err := f.store.group(ctx, chatID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bot.Userf(msgNone)
	}
	ref := Ref(chatID)
	if name == "" {
		old, err := f.env.Dir.Unbind(ctx, ref)
		if err != nil {
			return "", err
		}
		if err := f.store.setGrid(ctx, chatID, ""); err != nil {
			return "", err
		}
		if old == "" {
			return fmt.Sprintf(msgNotMapped, bot.Esc(g.Name)), nil
		}
		return fmt.Sprintf(msgUnmappedOK, bot.Esc(g.Name), bot.Esc(old)), nil
	}
	if g.Dissolved {
		return "", bot.Conflictf(msgIsGone, bot.Esc(g.Name))
	}
	old, err := f.env.Dir.Bind(ctx, ref, name, g.Name)
	if err != nil {
		return "", err
	}
	if err := f.env.Dir.SetChat(ctx, grid.ChatInfo{Ref: ref, Title: g.Name, Status: grid.ChatActive,
		Members: g.Externals, CanReadAll: true}); err != nil {
		return "", err
	}
	if err := f.store.setGrid(ctx, chatID, name); err != nil {
		return "", err
	}
	was := ""
	if old != "" && old != name {
		was = fmt.Sprintf(msgMappedWas, bot.Esc(old))
	}
	recv, pend, err := f.store.history(ctx, chatID)
	if err != nil {
		return "", err
	}
	capNote := ""
	if st := f.cfg.Cap.Check(f.now(), recv, pend); st.Low() {
		capNote = fmt.Sprintf(msgMappedCap, st.Describe())
	}
	return fmt.Sprintf(msgMapped, bot.Esc(g.Name), bot.Esc(name), was, bot.Esc(name),
		bot.Esc(f.ownerName(ctx, g.Owner)), capNote), nil
}

// CapWarnings returns what staff must know before confirming a broadcast
// to chats: for each customer group among them whose sends are near or at
// the cap, a line naming it and its count (HTML), after a head line; nil
// when there is nothing to warn of. A group at the cap will not get the
// broadcast, and the delivery report says so.
func (f *Feature) CapWarnings(ctx context.Context, chats []bot.ChatRef) ([]string, error) {
	var lines []string
	full := false
	for _, c := range chats {
		if c.Platform() != Platform {
			continue
		}
		g, ok, err := f.store.group(ctx, c.ID())
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		recv, pend, err := f.store.history(ctx, g.ChatID)
		if err != nil {
			return nil, err
		}
		st := f.cfg.Cap.Check(f.now(), recv, pend)
		if !st.Low() {
			continue
		}
		full = full || st.Full()
		lines = append(lines, fmt.Sprintf(capLine, bot.Esc(g.Name), bot.Esc(g.Grid), st.Describe()))
	}
	if len(lines) == 0 {
		return nil, nil
	}
	head := capHead
	if full {
		head += capFull
	}
	return append([]string{head + capAdvice}, lines...), nil
}
