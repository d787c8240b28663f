package replies

import (
	"strings"

	"gridbot/bot"
)

// compose builds one group message from the owed answers (oldest first),
// as many as fit max bytes (always the first), and returns the answers it
// holds. A lone answer is sent as it is, replying to the person's message;
// otherwise answers of one Kind make one section, each person named (a
// mention) on their own line. An answer with buttons, or for no one in
// particular (a message kept to send again), goes alone.
func compose(owed []*entry, max int) (bot.Message, []*entry) {
	first := owed[0]
	if len(owed) == 1 && !first.told || alone(first) {
		return bot.Message{Text: first.a.Text, ReplyTo: first.a.ReplyTo, Buttons: first.a.Buttons}, owed[:1]
	}
	type section struct {
		kind string
		es   []*entry
	}
	var secs []*section
	var used []*entry
	size := 0
	for _, e := range owed {
		if alone(e) {
			continue
		}
		var sec *section
		if e.a.Kind != "" {
			for _, s := range secs {
				if s.kind == e.a.Kind {
					sec = s
				}
			}
		}
		cost := len(line(e)) + 1
		if sec == nil {
			cost += len(e.a.Head) + len(e.a.Tail) + 4
			if e.a.Same || e.a.Item == "" {
				cost += len(e.a.Text)
			}
		}
		if len(used) > 0 && size+cost > max {
			break
		}
		size += cost
		if sec == nil {
			sec = &section{kind: e.a.Kind}
			secs = append(secs, sec)
		}
		sec.es = append(sec.es, e)
		used = append(used, e)
	}
	var b strings.Builder
	for i, s := range secs {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(renderSection(s.es))
	}
	return bot.Message{Text: b.String()}, used
}

// alone reports whether an answer is sent only on its own.
func alone(e *entry) bool { return len(e.a.Buttons) > 0 || e.a.User == "" }

// renderSection shows answers of one kind (or one answer of no kind).
func renderSection(es []*entry) string {
	a := es[0].a
	var b strings.Builder
	switch {
	case a.Kind != "" && a.Same:
		var names, told []string
		for _, e := range es {
			if e.told {
				told = append(told, mention(e))
			} else {
				names = append(names, mention(e))
			}
		}
		if len(names) > 0 {
			b.WriteString(strings.Join(names, msgNames) + msgSaid + a.Text)
		}
		if len(told) > 0 {
			if len(names) > 0 {
				b.WriteString("\n")
			}
			b.WriteString(strings.Join(told, msgNames) + msgToldPrivately)
		}
	case a.Kind != "" && a.Item != "":
		if a.Head != "" {
			b.WriteString(a.Head + "\n")
		}
		for _, e := range es {
			b.WriteString(line(e) + "\n")
		}
		b.WriteString(es[len(es)-1].a.Tail)
	default:
		for i, e := range es {
			if i > 0 {
				b.WriteString("\n\n")
			}
			if e.told {
				b.WriteString(mention(e) + msgToldPrivately)
				continue
			}
			b.WriteString(mention(e) + msgSaid + e.a.Text)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// line is one person's line in a merged section.
func line(e *entry) string {
	if e.a.Item == "" {
		return mention(e)
	}
	s := "• " + mention(e) + " " + e.a.Item
	if e.told {
		s += msgDetailPrivate
	}
	return s
}

func mention(e *entry) string {
	name := e.a.Name
	if strings.TrimSpace(name) == "" {
		name = "居民"
	}
	return bot.MentionHTML(e.a.User, name)
}
