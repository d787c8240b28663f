package links

// User-facing text of links, Simplified Chinese. Verbs take plain text
// unless noted; replies escape what they put into HTML.
const (
	helpGroup = "链接和二维码"

	kindActivity = "活动"
	kindQuiz     = "知识竞答"
	kindTip      = "每日一学"
	kindNotice   = "通知"

	titleActivity = "%s（%d号）"
	titleQuiz     = "第%d期知识竞答"

	lineTime       = "时间："
	linePlace      = "地点："
	lineSeats      = "名额：共 %d 个，剩余 %d 个"
	lineCancelled  = "本活动已取消"
	lineQuizQs     = "题数：%d 题"
	lineCloses     = "截止："
	lineQuizClosed = "本期已结束，可看成绩和排行"
	lineCategory   = "类别："
	lineNoticeNo   = "编号：%d 号"
	lineNoticeAt   = "发布："

	msgNoRound   = "没有第 %d 期知识竞答。"
	msgNoQuiz    = "还没有开过知识竞答，开始后再来取链接吧。"
	msgNoTip     = "没有找到这条每日一学。"
	msgNoBase    = "还没有配置居民页的网址（residents.base_url），暂时发不了链接。请联系管理员配置后再试。"
	msgLinkHead  = "🔗 <b>%s · %s</b>\n"
	msgLinkBody  = "链接：%s\n可以转发到微信群，居民点开就能看%s。"
	msgLinkQR    = "\n二维码在下一条，可以长按保存或打印张贴。"
	msgPoster    = "\n打印海报：%s"
	msgUsage     = "请这样发：\n「链接 3」—— 3号活动的链接和二维码\n「链接 竞答」—— 本期知识竞答\n「链接 每日一学」—— 今天的每日一学\n「链接 通知 2」—— 2号通知"
	msgBadNo     = "「%s」不是活动编号。请写活动的号数，例如「链接 3」；发「活动」可以看编号。"
	msgQRCaption = "%s 的二维码：%s"

	doesActivity = "活动详情、剩余名额，并在网页上报名"
	doesQuiz     = "题目并在网页上答题、看成绩和排行"
	doesTip      = "今天的每日一学和往期内容"
	doesNotice   = "通知全文"
)
