package bot

// Replies the router gives to text addressed to it that it did not
// understand (see Context.NotUnderstood).
const (
	MsgNotUnderstood = "您好，这句话我没太看懂 🙂 您是不是想："
	MsgHello         = "您好，我是网格助手 🙂 您可以："
	MsgHintLine      = "\n• %s"
	MsgMoreHelp      = "\n发「帮助」看全部用法。"
	MsgYoureWelcome  = "不客气 🙂 有需要随时找我。"
)
