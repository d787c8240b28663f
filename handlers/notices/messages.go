package notices

// User-facing text of the notices feature, kept in one place for
// translation.
const (
	msgUsage       = "请这样写：\n<code>通知 全部 明早9点停水，请提前储水</code>\n<code>通知 3网格,5网格 内容</code>\n<code>通知 标签:老旧小区 内容</code>\n定时发送：<code>通知 12月1日 09:00 全部 内容</code>\n紧急（夜间也立即发）：<code>紧急通知 全部 内容</code>"
	msgNoTarget    = "请写明发给哪些网格，例如「通知 全部 明天停水」或「通知 3网格,5网格 明天停水」。"
	msgNoBody      = "通知内容是空的。请在网格后面写上内容，例如「通知 全部 明早9点停水，请提前储水」。"
	msgPast        = "定时时间 %s 已经过去了，请写一个以后的时间。"
	msgTooFar      = "定时时间 %s 太远了，最多只能提前 %d 天安排。"
	msgNoChats     = "这些网格里还没有能发消息的群，通知发不出去。请先在网格群里绑定。"
	msgTooLong     = "通知太长了（%d 字），请控制在 %d 字以内。"
	msgPreviewHead = "<b>【通知预览】</b>%s"
	msgPreviewUrg  = " <b>紧急</b>：夜间也立即发送"
	msgPreviewAt   = " 定时：%s 发出"
	msgPreviewTo   = "发往：%s（%d 个网格，%d 个群，约 %d 人）"
	msgPreviewSep  = "——————"
	msgPreviewTail = "确认无误请点「确认发送」，或回复「确认」。%d 分钟内有效，不确认不会发出。"
	btnConfirm     = "✅ 确认发送"
	btnDrop        = "✖ 不发了"

	msgHeader      = "<b>【社区通知】</b>"
	msgHeaderUrg   = "<b>【紧急通知】</b>"
	msgExpired     = "这条通知草稿已过期（超过 %d 分钟未确认），没有发出。请重新发送「通知 …」。"
	msgAlreadySent = "通知 %s 号已经发出，不会重复发送。"
	msgSending     = "通知 %s 号正在发送，请稍候。"
	msgDropped     = "这条通知已取消，没有发出。"
	msgDropOK      = "好的，这条通知不发了。"
	msgConfirmed   = "✅ 已确认，通知 <b>%d 号</b>正在发往 %d 个群（约 %d 人）。\n发送完成后我会私聊告诉您送达情况。\n发错了可以撤回：发「<code>撤回通知 %d</code>」"
	msgScheduled   = "✅ 已确认，通知 <b>%d 号</b>将于 %s 发往 %d 个群（约 %d 人）。\n取消：<code>/notice cancel %d</code>"
	msgStaffOnly   = "只有社区工作人员可以确认通知。"

	msgNumUsage    = "请写通知编号，例如「%s 3」。发送「通知列表」可以查看编号。"
	msgNoSuch      = "没有找到通知 %d 号。发送「通知列表」可以查看编号。"
	msgCancelled   = "已取消通知 %d 号，它不会再发出（共取消 %d 个群）。"
	msgCancelLate  = "通知 %d 号已经发出了，不能取消。需要的话可以撤回：发「<code>撤回通知 %d</code>」"
	msgCancelNone  = "暂时不能取消定时通知，请联系管理员。"
	msgCancelDone  = "通知 %d 号%s，不需要取消。"
	msgRecalled    = "通知 %d 号已撤回：从 %d 个群删除%s。"
	msgRecallFail  = "，%d 个群没能删除（超过 48 小时、机器人不是管理员，或平台不支持撤回）"
	msgRecallNone  = "通知 %d 号还没有发到任何群，没有可撤回的消息。"
	msgRecallNoOp  = "这个平台不支持撤回消息。"
	msgAlreadyDone = "通知 %d 号%s。"

	msgListEmpty = "还没有发过通知。"
	msgListHead  = "<b>最近的通知</b>"
	msgListLine  = "<b>%d 号</b> · %s%s\n    发往 %s（%d 个群）：%s"
	msgListUrg   = " · 紧急"

	stQueuedFuture = "待发送（定时 %s）"
	stQueued       = "已发出 %s"
	stCancelled    = "已取消"
	stRecalled     = "已撤回"
)
