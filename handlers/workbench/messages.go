package workbench

// User-facing text of the console, Simplified Chinese, in one place.
const (
	msgLinkHead    = "🖥 <b>工作台登录链接</b>\n"
	msgLinkBody    = "请在电脑或手机浏览器打开：\n%s\n\n链接 10 分钟内有效，只能用一次，请不要转发给别人。"
	msgLinkInGroup = "工作台登录链接已私聊发给您，请查看和我的私聊。"
	msgLinkNoPM    = "请先私聊我（点我的头像 → 发消息），再发送「工作台」，登录链接只能私聊发送。"
	msgNotStaff    = "抱歉，工作台只对社区工作人员和网格员开放。有需要请联系社区工作人员。"
	msgOff         = "工作台暂未开启，请联系管理员。"
	helpConsole    = "在电脑或手机浏览器里打开网页版工作台（登录链接私聊发给您）"

	titleLogin     = "登录工作台"
	msgLoginReady  = "欢迎，%s。点下面的按钮进入工作台。"
	msgLinkBad     = "这个登录链接不对（可能复制不完整或被改动过）。请在私聊里给机器人发「工作台」重新获取。"
	msgLinkExpired = "这个登录链接已过期（10 分钟内有效）。请在私聊里给机器人发「工作台」重新获取。"
	msgLinkUsed    = "这个登录链接已经用过了，每个链接只能用一次。请在私聊里给机器人发「工作台」重新获取。"
	msgNoSession   = "请先登录：在私聊里给机器人发「工作台」，打开收到的链接。"
	msgRefused     = "抱歉，您没有权限查看这个页面。"
	msgOtherGrid   = "抱歉，这不是您负责的网格，不能查看。"
	msgCSRF        = "页面已过期或来源不明，操作没有执行。请刷新页面后再试。"
	msgMethod      = "不支持这种访问方式。"
	msgNotFound    = "没有找到这个页面。"
	msgBusy        = "系统繁忙，请稍后再试。"
	msgLoggedOut   = "您已退出工作台。"
	msgBadNumber   = "编号不对。"

	msgTipSaved     = "已保存每日一学「%s」。"
	msgQuestionSave = "已保存题目 %s。"
	msgImported     = "已导入 %d 条。"
	msgImportNone   = "请选择要导入的 CSV 或 XLSX 文件。"
	msgImportType   = "只能导入 .csv 或 .xlsx 文件。"
	msgImportGone   = "导入预览已过期，请重新上传文件。"
	msgXLSXBad      = "读不了这个 XLSX 文件。请用 Excel 打开后「另存为」Excel 工作簿（.xlsx）再上传，或者存成 CSV UTF-8。"
	msgNoNotice     = "没有找到这个通知。"
	msgFillTargets  = "请选择发给哪些网格（全部、某些网格，或一个标签）。"
	msgChooseChange = "没有要修改的内容。"
	stWaiting       = "待发 "
	stSending       = "发送中"
	stRecalled      = "已撤回"
	stCancelled     = "已取消"
	labelStart      = "开始时间"
	labelEnd        = "结束时间"
	labelDeadline   = "报名截止"
	labelAt         = "定时发送"
	hintEnd         = "可不选。"
	hintDeadline    = "可不选，默认到活动开始时截止。"
	hintAt          = "可不选，不选就立即发出（夜间免打扰时段会等到早上）。"
	msgDatePart     = "「%s」请把年、月、日、时、分都选上（不需要的话都不选）。"
	msgDateNone     = "「%s」选的 %d年%d月%d日 这一天不存在，请重新选日期。"
)

// Role names shown in the header.
const (
	roleStaff  = "社区工作人员"
	roleWorker = "网格员"
)
