package ledger

// User-facing text of the ledger, in one place for translation.
const (
	helpGroup    = "统计报表"
	helpGroupVol = "志愿服务"

	msgPeriodBad   = "没看懂「%s」是哪段时间。可以这样写：报表 本月、报表 上月、报表 今年、报表 %s、报表 %s %s。"
	msgPeriodOrder = "开始日期要在结束日期之前，例如：报表 %s %s。"
	msgPeriodLong  = "一次最多统计五年，请把时间段缩短一些。"

	msgReportHead        = "<b>📊 %s工作报表</b>\n%s 至 %s\n"
	msgReportPushes      = "• 推送 %s 条，覆盖群众 %s 人次\n"
	msgReportRecalled    = "• 另有 %d 条推送已撤回，不计入\n"
	msgReportActs        = "• 活动 %d 次，报名 %s 人次，签到 %s 人次\n"
	msgReportPlanned     = "• 另有计划活动 %d 次（还没到时间），已报名 %s 人\n"
	msgReportVol         = "• 志愿服务 %s 小时（%d 人）\n"
	msgReportQuiz        = "• 知识竞答 %d 期，参与 %s 人次，正确率 %s\n"
	msgReportQuizPlayers = "• 知识竞答 %d 期，参与 %s 人次\n"
	msgReportRank        = "• 网格评比：%s 第 %d 名（共 %d 个网格，%s 分）\n"
	msgReportEmpty       = "这段时间还没有可统计的记录。\n"
	msgReportTop         = "• 网格评比第一：%s（%s 分）\n"
	msgReportFile        = "\n表格里有汇总、宣传推送、活动台账、知识竞答、网格评比、志愿服务六张表，汇总表里有一段可以直接用的工作小结。"
	msgReportNoGrid      = "您还不是任何网格的网格员，看不了网格报表。需要的话，请社区工作人员在网格群里发「任命网格员 @您」。"
	msgReportNotYours    = "「%s」不是您负责的网格。您可以看：%s。"
	msgReportSent        = "报表已经私信发给您了，请在和我的私聊里查收。"
	msgReportNoDM        = "报表没能私信发给您：请先点我的头像，私聊我发一句「你好」，再发「报表 %s」。"
	msgReportFileFmt     = "网格工作报表_%s.xlsx"

	stateSent         = "已送达"
	stateRecalled     = "已撤回"
	statePartRecalled = "部分撤回"

	msgVolHead   = "<b>您的志愿服务记录</b>\n"
	msgVolYear   = "今年：%s 小时\n"
	msgVolTotal  = "近%d年累计：%s 小时\n"
	msgVolStars  = "星级：%s\n"
	msgVolNoStar = "星级：暂无星级\n"
	msgVolNext   = "再服务 %s 小时，就能升到 %s 啦。\n"
	msgVolTop    = "您已经是最高星级，了不起！\n"
	msgVolThank  = "谢谢您为社区出的一份力！"
	msgVolNone   = "您还没有志愿服务时长记录。参加标有「志愿服务」的活动并签到后，时长会自动记上。"

	msgDigestHead   = "<b>📅 上周网格简报</b>（%s）\n"
	msgDigestTotal  = "全社区：推送 %s 条，覆盖 %s 人次%s；活动 %d 次，报名 %s 人次，签到 %s 人次%s；竞答参与 %s 人次%s。\n"
	msgDigestGrids  = "\n<b>各网格</b>（覆盖人次 / 签到人次 / 竞答参与，括号里是比前一周）\n"
	msgDigestRow    = "• %s：%s / %s / %s\n"
	msgDigestQuiet  = "\n这些网格上周没有签到和竞答：%s。可以去群里问问大家的想法。\n"
	msgDigestTail   = "\n要完整报表请发「报表 上周」或「报表 本月」。"
	msgDigestSame   = "持平"
	msgDigestUp     = "↑%s"
	msgDigestDown   = "↓%s"
	msgDigestChange = "（%s）"
)
