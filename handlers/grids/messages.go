package grids

// User-facing text of the grids feature, kept in one place for translation.
const (
	groupName = "网格与权限"
	helpName  = "常用"

	msgHello = "大家好，我是<b>网格助手</b> 👋\n" +
		"我可以在群里发每日一学、活动通知，帮大家报名活动、参加知识竞答。\n" +
		"请社区工作人员在本群发送「<code>绑定网格 3网格</code>」（换成本群的网格名），把本群绑定到网格。\n" +
		"居民朋友发送「帮助」就能看到怎么用。"
	msgHelloNoRead = "\n\n⚠️ 提醒工作人员：我现在只能看到以 / 开头的命令，看不到「报名 3」这样的中文消息。" +
		"请在 BotFather 里发送 /setprivacy 选 Disable，或者把我设为群管理员。"

	msgBindUsage    = "请写上本群的网格名，例如：<code>绑定网格 %s</code>"
	msgBound        = "✅ 本群已绑定为「<b>%s</b>」。\n以后发给%s的通知、活动和每日一学都会发到这里。"
	msgRebound      = "✅ 本群已从「%s」改为「<b>%s</b>」。"
	msgAlreadyBound = "本群已经是「%s」的网格群了，不用重复绑定。"
	msgUnbound      = "已解除本群与「%s」的绑定，之后不再往本群推送。"
	msgNotBound     = "本群还没有绑定网格。绑定请发送：<code>绑定网格 3网格</code>"
	msgBadGridName  = "网格名太长了，请用简短的名字，例如「3网格」或「幸福里网格」。"

	msgNoGrids    = "还没有绑定任何网格群。请在网格群里发送「绑定网格 3网格」。"
	msgGridsHead  = "<b>网格列表</b>（共 %d 个网格、%d 个群，约 %d 人）\n"
	msgGridLine   = "\n<b>%s</b>%s"
	msgGridChat   = "\n  • %s：%d 人，%s"
	msgCanPost    = "可以推送"
	msgGone       = "❌ 机器人已不在群里"
	msgNoRead     = "⚠️ 只能看到斜杠命令"
	msgGridTags   = "（标签：%s）"
	msgGridLang   = "（双语：%s）"
	msgGridNoChat = "\n  （没有群）"

	msgWhoTarget     = "请回复那位成员的消息再发这个命令，或写上对方：<code>%s @用户名</code>"
	msgUnknownUser   = "没有找到「%s」。请回复对方的一条消息再发这个命令。"
	msgStaffAdded    = "✅ 已把 %s 设为社区工作人员。"
	msgStaffAlready  = "%s 已经是社区工作人员了。"
	msgStaffRemoved  = "已取消 %s 的社区工作人员权限。"
	msgStaffInConfig = "%s 是写在配置文件里的工作人员，要取消请改配置文件（staff 一节）后重启。"
	msgStaffNot      = "%s 不是社区工作人员，不用取消。"
	msgStaffHead     = "<b>社区工作人员</b>（%d 人）"
	msgWorkerNeeds   = "请在已绑定网格的群里使用这个命令。"
	msgWorkerAdded   = "✅ 已任命 %s 为「%s」的网格员。"
	msgWorkerAlready = "%s 已经是「%s」的网格员了。"
	msgWorkerRemoved = "已取消 %s 的「%s」网格员身份。"
	msgWorkerNot     = "%s 不是「%s」的网格员。"

	msgExampleGrid = "3网格"
	msgTagUsage    = "请写上网格名和标签，例如：<code>网格标签 %s 老旧小区,独居老人多</code>\n要清除标签，发：<code>网格标签 %s 清除</code>"
	msgTagSet      = "✅ 「%s」的标签已设为：%s\n发通知时写「通知 标签:%s …」就会发给带这个标签的网格。"
	msgTagClear    = "已清除「%s」的标签。"
	msgLangUsage   = "请写上网格名和第二种语言，例如：<code>双语推送 %s 维吾尔语</code>\n可选：%s。\n要取消双语，发：<code>双语推送 %s 取消</code>"
	msgBadLang     = "「%s」不是可选的语言。可选：%s。"
	msgLangSet     = "✅ 「%s」的双语推送已设为：%s。有译文的每日一学会同时发中文和%[2]s。"
	msgLangClear   = "已取消「%s」的双语推送。"

	msgNameUsage = "请写上您想让大家怎么称呼您，例如：<code>我的名字是 张阿姨</code>（12 个字以内）"
	msgNameSet   = "好的，以后就称呼您「%s」。报名名单和排行榜上也会用这个名字。"

	msgWhoami      = "%s，您好！\n身份：%s"
	msgWhoamiGroup = "\n本群：%s"
	msgWhoamiGrids = "\n负责网格：%s"
	msgWhoamiID    = "\n您的编号：<code>%s</code>"
	msgWhoamiChat  = "\n本群编号：<code>%s</code>"
	msgNoGrid      = "未绑定网格"
)
