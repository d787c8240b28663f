package outbox

// Texts staff read: failure reasons and the delivery report.
const (
	ReasonGone      = "机器人已被移出群"
	ReasonTemporary = "平台或网络暂时故障，重试 %d 次仍未成功"
	ReasonLimited   = "平台一直限流，重试 %d 次仍未成功"
	ReasonPermanent = "发送失败：%s"
	ReasonCancelled = "已取消"
	ReasonMissed    = "没有发到群里（群主没点发送、已取消，或到了群发上限）"

	msgReportHead   = "📨 <b>送达报告</b>：%s\n已送达 %d 个群（覆盖约 %d 人）"
	msgReportAllOK  = "\n全部送达，没有失败。"
	msgReportCancel = "\n已取消 %d 个群，没有发出。"
	msgReportRecall = "\n这条消息已撤回。"
	msgReportFailed = "\n失败 %d 个："
	msgReportLine   = "\n· %s — %s"
	msgUntitled     = "（无标题）"
	msgToday        = "今天 "
	msgTomorrow     = "明天 "
)
