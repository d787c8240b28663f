// Package console is the local trial adapter: a few grid group chats and
// private chats with the bot, played in a terminal. Each input line is a
// message from the current speaker in the current chat; lines starting with
// /as, /to and /tap change who speaks, where, or press a button. It reads
// standard input, so a trial can be scripted, and ends at end of input.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"gridbot/bot"
)

// Chat is one simulated group.
type Chat struct {
	Ref     bot.ChatRef
	Title   string
	Grid    string
	Members int
}

// DefaultChats are the trial's groups: three grids' groups.
var DefaultChats = []Chat{
	{Ref: "console:g1", Title: "幸福里1网格群", Grid: "1网格", Members: 236},
	{Ref: "console:g2", Title: "幸福里2网格群", Grid: "2网格", Members: 188},
	{Ref: "console:g3", Title: "和谐苑3网格群", Grid: "3网格", Members: 312},
}

// Speaker is who types the next lines.
type Speaker struct {
	User bot.UserRef
	Name string
	Role bot.Role
}

// StaffSpeaker is the trial's community staff member; main lists its ref as
// staff.
var StaffSpeaker = Speaker{User: "console:staff", Name: "王书记", Role: bot.Staff}

// Console is the trial's adapter: it implements bot.Sender and the optional
// capabilities the terminal can show.
type Console struct {
	in      io.Reader
	out     io.Writer
	echo    bool
	chats   []Chat
	fileDir string

	mu      sync.Mutex
	seq     int
	speaker Speaker
	current bot.ChatRef
	buttons map[bot.ChatRef][]bot.Button
	names   map[bot.ChatRef]string

	// OnWorker, when set, is called with each user who starts speaking as a
	// grid worker (/as 网格员), so main can appoint them to the trial's
	// grids: they are then grid workers in private chats too, as the router
	// and 我是谁 see it, not only in the groups they administer.
	OnWorker func(bot.UserRef)
}

var (
	_ bot.Sender           = (*Console)(nil)
	_ bot.Editor           = (*Console)(nil)
	_ bot.Deleter          = (*Console)(nil)
	_ bot.ChatInspector    = (*Console)(nil)
	_ bot.CallbackAnswerer = (*Console)(nil)
	_ bot.DeepLinker       = (*Console)(nil)
)

// New returns a console reading in and writing out. With echo, each input
// line is printed back with its speaker (useful when input is a script).
// Files the bot sends are saved under fileDir.
func New(in io.Reader, out io.Writer, echo bool, fileDir string) *Console {
	c := &Console{
		in: in, out: out, echo: echo, chats: DefaultChats, fileDir: fileDir,
		speaker: Speaker{User: "console:张阿姨", Name: "张阿姨", Role: bot.Resident},
		current: DefaultChats[0].Ref,
		buttons: map[bot.ChatRef][]bot.Button{},
		names:   map[bot.ChatRef]string{},
	}
	for _, ch := range c.chats {
		c.names[ch.Ref] = ch.Title
	}
	c.names[c.speaker.User.PrivateChat()] = "私聊·" + c.speaker.Name
	c.names[StaffSpeaker.User.PrivateChat()] = "私聊·" + StaffSpeaker.Name
	return c
}

// Chats returns the simulated groups, so main can bind them to their grids.
func (c *Console) Chats() []Chat { return c.chats }

// Banner is printed at start.
const Banner = `━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
 网格助手 · 本地试用（local trial）
 这是终端里的模拟网格群，数据存在内存里，退出后不保留。
 Nothing is kept: state lives in an in-process Redis.
 连接 Telegram：设置 GRIDBOT_TELEGRAM_TOKEN（BotFather 给的 token）和
 GRIDBOT_REDIS_ADDR（Redis 地址）再运行，见 README。

 直接输入文字就是在群里发言，例如：帮助、活动、报名 1
 /as staff          以社区工作人员「王书记」身份发言
 /as 居民 张阿姨     以居民身份发言（/as 网格员 小刘 为网格员）
 /to 2              切换到 2 号群（/to 私聊 与机器人私聊；/to 列出所有群）
 /tap 1             点按上一条消息的第 1 个按钮
 回复 文字          回复机器人的上一条消息（像在群里点「回复」那样对机器人说）
 行尾加 \ 可以接着写下一行，多行算一条消息（发布活动的多行格式要用）
 Ctrl-D 或输入结束即退出
━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━`

// Run reads lines until end of input or ctx ends, turning each into an
// Update passed to submit, and waits for each to be handled before reading
// the next, so output follows input.
func (c *Console) Run(ctx context.Context, submit func(context.Context, bot.Sender, *bot.Update) <-chan struct{}) error {
	c.printf("%s\n", Banner)
	c.printf("当前：%s，发言人：%s（%s）\n", c.label(c.current), c.speaker.Name, c.speaker.Role)
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	var pending []string
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return <-errc
			}
			if cont, found := strings.CutSuffix(strings.TrimRight(line, " \r"), "\\"); found {
				pending = append(pending, cont)
				continue
			}
			if len(pending) > 0 {
				line = strings.Join(append(pending, line), "\n")
				pending = nil
			}
			u := c.line(line)
			if u == nil {
				continue
			}
			select {
			case <-submit(ctx, c, u):
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// line turns one input line into an update, or handles it as a console
// command and returns nil.
func (c *Console) line(line string) *bot.Update {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return nil
	}
	trimmed := bot.Normalize(line)
	cmd, arg, _ := strings.Cut(trimmed, " ")
	switch cmd {
	case "/as":
		c.switchSpeaker(arg)
		return nil
	case "/to":
		c.switchChat(arg)
		return nil
	case "/tap":
		return c.tap(arg)
	}
	text, toBot := cutReply(line)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.echo {
		c.printfLocked("\n【%s】%s：%s\n", c.label(c.current), c.speaker.Name, line)
	}
	return c.newUpdateLocked(func(u *bot.Update) { u.Text, u.Addressed = text, toBot })
}

// ReplyPrefix starts a line that replies to the bot's last message, as a
// person in a group taps 回复 on it: the message is addressed to the bot.
const ReplyPrefix = "回复 "

// cutReply reads a ReplyPrefix line ("回复 我不太会用"); ok is false for any
// other line, which stays as typed.
func cutReply(line string) (text string, ok bool) {
	t := strings.TrimLeft(line, " ")
	for _, p := range []string{ReplyPrefix, "回复：", "回复:", "回复　"} {
		if rest, ok := strings.CutPrefix(t, p); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimSpace(rest), true
		}
	}
	return line, false
}

func (c *Console) newUpdateLocked(fill func(*bot.Update)) *bot.Update {
	c.seq++
	u := &bot.Update{
		ID:        fmt.Sprintf("console:%d:%d", time.Now().UnixNano(), c.seq),
		Chat:      c.current,
		ChatKind:  bot.Group,
		ChatTitle: c.names[c.current],
		User:      c.speaker.User,
		UserName:  c.speaker.Name,
		MessageID: strconv.Itoa(c.seq),
		Time:      time.Now(),
	}
	if c.current == c.speaker.User.PrivateChat() {
		u.ChatKind = bot.Private
	}
	fill(u)
	return u
}

func (c *Console) switchSpeaker(arg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := strings.Fields(arg)
	private := c.current == c.speaker.User.PrivateChat()
	switch {
	case len(f) == 0:
		c.printfLocked("用法：/as staff ｜ /as 居民 张阿姨 ｜ /as 网格员 小刘\n")
		return
	case f[0] == "staff" || f[0] == "工作人员" || f[0] == "社区":
		c.speaker = StaffSpeaker
		if len(f) > 1 {
			c.speaker.Name = f[1]
		}
	default:
		role, name := bot.Resident, f[0]
		if f[0] == "居民" || f[0] == "resident" || f[0] == "网格员" || f[0] == "worker" {
			if f[0] == "网格员" || f[0] == "worker" {
				role = bot.GridWorker
			}
			name = "张阿姨"
			if len(f) > 1 {
				name = f[1]
			}
		}
		c.speaker = Speaker{User: bot.UserRef("console:" + name), Name: name, Role: role}
		if role == bot.GridWorker && c.OnWorker != nil {
			c.OnWorker(c.speaker.User)
		}
	}
	c.names[c.speaker.User.PrivateChat()] = "私聊·" + c.speaker.Name
	if private {
		c.current = c.speaker.User.PrivateChat()
	}
	c.printfLocked("（现在以「%s」（%s）身份在「%s」发言）\n", c.speaker.Name, c.speaker.Role, c.label(c.current))
}

func (c *Console) switchChat(arg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	arg = strings.TrimSpace(arg)
	switch {
	case arg == "":
		c.printfLocked("可以去的聊天：\n")
		for i, ch := range c.chats {
			c.printfLocked("  /to %d  %s（%s，%d 人）\n", i+1, ch.Title, ch.Grid, ch.Members)
		}
		c.printfLocked("  /to 私聊  与网格助手私聊\n")
		return
	case arg == "私聊" || arg == "private" || arg == "dm":
		c.current = c.speaker.User.PrivateChat()
		c.names[c.current] = "私聊·" + c.speaker.Name
	default:
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(arg, "网格"), "号"))
		if err != nil || n < 1 || n > len(c.chats) {
			c.printfLocked("没有这个群，输入 /to 查看可以去的聊天。\n")
			return
		}
		c.current = c.chats[n-1].Ref
	}
	c.printfLocked("（已切换到「%s」）\n", c.label(c.current))
}

func (c *Console) tap(arg string) *bot.Update {
	c.mu.Lock()
	defer c.mu.Unlock()
	btns := c.buttons[c.current]
	n, err := strconv.Atoi(strings.TrimSpace(arg))
	if err != nil || n < 1 || n > len(btns) {
		if len(btns) == 0 {
			c.printfLocked("这里还没有可以点的按钮。\n")
		} else {
			c.printfLocked("请输入 /tap 1 到 /tap %d。\n", len(btns))
		}
		return nil
	}
	b := btns[n-1]
	c.printfLocked("\n【%s】%s 点了「%s」\n", c.label(c.current), c.speaker.Name, b.Text)
	if payload, ok := strings.CutPrefix(b.URL, "console:start="); ok {
		c.current = c.speaker.User.PrivateChat()
		c.names[c.current] = "私聊·" + c.speaker.Name
		c.printfLocked("（已打开与网格助手的私聊）\n")
		return c.newUpdateLocked(func(u *bot.Update) { u.Text = "/start " + payload })
	}
	if b.URL != "" {
		c.printfLocked("（链接：%s）\n", b.URL)
		return nil
	}
	return c.newUpdateLocked(func(u *bot.Update) {
		u.Data = b.Data
		u.CallbackID = fmt.Sprintf("console:cb%d", c.seq)
	})
}

func (c *Console) label(ref bot.ChatRef) string {
	if n, ok := c.names[ref]; ok {
		return n
	}
	if strings.HasPrefix(string(ref), "console:") {
		return "私聊·" + ref.ID()
	}
	return string(ref)
}

func (c *Console) printf(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printfLocked(format, a...)
}

func (c *Console) printfLocked(format string, a ...any) {
	fmt.Fprintf(c.out, format, a...)
}

// Send implements bot.Sender by printing the message under its chat's name.
func (c *Console) Send(_ context.Context, chat bot.ChatRef, m bot.Message) (string, error) {
	if chat.Platform() != "console" {
		return "", &bot.SendError{Kind: bot.Permanent, Desc: "not a console chat"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := strconv.Itoa(c.seq)
	if _, known := c.names[chat]; !known {
		c.names[chat] = "私聊·" + chat.ID()
	}
	c.printfLocked("【%s】🤖 网格助手：%s\n", c.label(chat), indent(plain(m.Text)))
	if m.File != nil {
		c.printfLocked("    📎 %s\n", c.saveFile(m.File))
	}
	if len(m.Buttons) > 0 {
		var flat []bot.Button
		var labels []string
		for _, row := range m.Buttons {
			for _, b := range row {
				flat = append(flat, b)
				labels = append(labels, fmt.Sprintf("[%d] %s", len(flat), b.Text))
			}
		}
		c.buttons[chat] = flat
		c.printfLocked("    按钮：%s（输入 /tap 序号 点按）\n", strings.Join(labels, "  "))
	}
	return id, nil
}

func (c *Console) saveFile(f *bot.File) string {
	if c.fileDir == "" {
		return fmt.Sprintf("%s（%d 字节）", f.Name, len(f.Data))
	}
	if err := os.MkdirAll(c.fileDir, 0o755); err != nil {
		return fmt.Sprintf("%s（保存失败：%v）", f.Name, err)
	}
	p := filepath.Join(c.fileDir, filepath.Base(f.Name))
	if err := os.WriteFile(p, f.Data, 0o644); err != nil {
		return fmt.Sprintf("%s（保存失败：%v）", f.Name, err)
	}
	return fmt.Sprintf("%s（已保存到 %s）", f.Name, p)
}

var trialLink = regexp.MustCompile(`<a href="console:[^"]*">([^<]*)</a>`)

// plain renders markup for the terminal; links into the trial itself show
// only their text (the same link is a button to /tap).
func plain(s string) string {
	return bot.PlainText(trialLink.ReplaceAllString(s, "$1"))
}

func indent(s string) string {
	return strings.ReplaceAll(s, "\n", "\n    ")
}

// Edit implements bot.Editor by printing the new text.
func (c *Console) Edit(_ context.Context, chat bot.ChatRef, msgID string, m bot.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.printfLocked("【%s】✏️ 网格助手更新了第 %s 条消息：%s\n", c.label(chat), msgID, indent(plain(m.Text)))
	return nil
}

// Delete implements bot.Deleter.
func (c *Console) Delete(_ context.Context, chat bot.ChatRef, msgID string) error {
	c.printf("【%s】🗑 网格助手撤回了第 %s 条消息\n", c.label(chat), msgID)
	return nil
}

// AnswerCallback implements bot.CallbackAnswerer by printing the toast.
func (c *Console) AnswerCallback(_ context.Context, _ string, text string) error {
	if text != "" {
		c.printf("    （弹出提示：%s）\n", text)
	}
	return nil
}

// MemberCount implements bot.ChatInspector with the simulated sizes.
func (c *Console) MemberCount(_ context.Context, chat bot.ChatRef) (int, error) {
	for _, ch := range c.chats {
		if ch.Ref == chat {
			return ch.Members, nil
		}
	}
	return 2, nil
}

// IsAdmin implements bot.ChatInspector: trial grid workers administer
// every group.
func (c *Console) IsAdmin(_ context.Context, _ bot.ChatRef, user bot.UserRef) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speaker.User == user && c.speaker.Role == bot.GridWorker, nil
}

// DeepLink implements bot.DeepLinker; /tap on such a button opens the
// speaker's private chat with /start payload.
func (c *Console) DeepLink(payload string) string { return "console:start=" + payload }

// CanReadAllGroupMessages reports true: the trial sees every line.
func (c *Console) CanReadAllGroupMessages() bool { return true }
