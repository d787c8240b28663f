package quiz

// User-facing text of the quiz, kept in one place so translations can be
// added. Format verbs are filled with already-escaped text.
const (
	msgAnnounce = "📝 <b>第%d期知识竞答开始啦！</b>\n" +
		"本期共 %d 道题，答对一题得 10 分，一人答一次。\n" +
		"截止时间：<b>%s</b>\n" +
		"答案只有您自己看得到，请放心作答。\n"
	msgAnnounceLink   = "👇 点下面的「开始答题」按钮，和我私聊答题。"
	msgAnnounceNoLink = "请私聊我，发送「答题」两个字就可以开始。"
	btnStart          = "开始答题"
	msgAnnouncePage   = "👇 点下面的链接看怎么答题；截止后，答案和排名也在那里。"
	btnPage           = "📄 查看竞答页面（可转发）"

	msgNoRound      = "现在没有进行中的知识竞答。新一期开始时，群里会发通知，请留意。"
	msgRoundOver    = "第%d期竞答已经结束了，这次的答案不再计分。谢谢您的参与，下期再来！"
	msgAlreadyDone  = "您已经答过第%d期了，得了 %d 分。每期每人只能答一次，谢谢您！\n结果会在 %s 公布在群里。"
	msgGroupGoLink  = "答题请和我私聊，答案只有您自己看得到 👉 <a href=\"%s\">点这里开始答题</a>"
	msgGroupGoPlain = "答题请私聊我（点我的头像，发消息），发送「答题」就可以开始。答案只有您自己看得到。"
	msgWelcome      = "👋 欢迎参加<b>第%d期知识竞答</b>！\n共 %d 道题，一题 10 分。看清题目，慢慢来。"
	msgResume       = "欢迎回来！我们接着答第 %d 题。"

	msgTextQuestion   = "<b>第 %d 题（共 %d 题）</b>\n%s\n\n%s\n请回复选项字母，例如：<code>A</code>"
	msgPollPrefix     = "第%d题/共%d题：%s"
	msgPollHint       = "👇 请在下面的题目里直接点选答案。如果题目关闭了，发送「答题」就能接着答。"
	msgRight          = "✅ <b>答对了！</b> +10 分"
	msgWrong          = "❌ <b>答错了。</b>正确答案是：%s"
	msgExplain        = "\n📖 %s"
	msgFinishScore    = "🎉 <b>全部答完了！</b>\n本期您答对 %d 题（共 %d 题），得 <b>%d 分</b>，用时 %s。\n结果会在 %s 公布在群里。"
	msgFinish         = msgFinishScore + "\n发送「我的」看积分，发送「排行」看排行榜。"
	msgFinishedOpen   = "您已经答完第%d期的全部题目了，这一期不用再答了。\n本期得分：<b>%d 分</b>（答对 %d 题，共 %d 题）。\n结果会在 %s 公布在群里，请留意。"
	msgFinishedClosed = "第%d期竞答已经结束了。您本期得了 <b>%d 分</b>（答对 %d 题，共 %d 题），结果会发在群里。下期再来！"
	msgAnswerHow      = "请回复选项字母，例如 <code>A</code>（也可以回复 1、2、3…）。\n这一题有 %d 个选项：%s。"

	msgResultsTitle = "🏆 <b>第%d期知识竞答结果</b>\n本期共 %d 人参加，%d 人答完全部题目。\n"
	msgTopAll       = "\n<b>全社区前十名</b>\n"
	msgTopGrid      = "\n<b>%s 前五名</b>\n"
	msgTopRow       = "%d. %s　%s　%d 分　用时%s\n"
	msgGridTopRow   = "%d. %s　%d 分　用时%s\n"
	msgNoOne        = "本期还没有人参加。\n"
	msgGridNoOne    = "本网格这期还没有人参加，下期加油！\n"
	msgGridTable    = "\n<b>网格排行</b>（参与率 = 参加人数 ÷ 群成员数）\n"
	msgGridRow      = "%d. %s　参与 %d/%d 人（%s），平均 %s 分\n"
	msgResultsTail  = "\n谢谢大家参与，下一期再见！"

	msgRankTitle = "🏅 <b>%s积分榜</b>（每期答对一题 10 分）\n"
	msgRankEmpty = "这个季度还没有人答题。新一期开始时群里会通知，欢迎参加！"
	msgRankMine  = "\n您现在排第 %d 名，共 %d 分。"
	msgMe        = "📋 <b>我的竞答成绩</b>（%s）\n积分：<b>%d 分</b>%s\n参加：%d 期\n答题：%d 道，答对 %d 道，正确率 %s"
	msgMeRank    = "（第 %d 名）"
	msgMeEmpty   = "您这个季度还没有参加知识竞答。新一期开始时群里会通知，欢迎参加！"

	msgStarted      = "第%d期知识竞答已开始，共 %d 题，截止 %s。开赛通知正在发往 %d 个网格群。"
	msgStartedHeld  = "第%d期知识竞答已开始，共 %d 题，截止 %s。\n现在是夜间免打扰时段，开赛通知还没有发出，将于 <b>%s</b> 发往 %d 个网格群。"
	msgBusyRound    = "第%d期竞答还在进行中（截止 %s）。要先结束它，请发送「结束竞答」。"
	msgStopped      = "第%d期知识竞答已结束，结果正在发到各网格群。"
	msgStoppedHeld  = "第%d期知识竞答已结束。现在是夜间免打扰时段，结果还没有发出，将于 <b>%s</b> 发到各网格群。"
	msgNothingOpen  = "现在没有进行中的竞答。要开始新一期，请发送「开始竞答」。"
	msgQuizUsage    = "知识竞答可以这样用：发送「开始竞答」开始一期，「结束竞答」结束本期，「竞答统计」看统计。"
	msgNotEnough    = "题库里的题目不够开一期竞答（需要 %d 题，现有 %d 题）。"
	msgStatsTitle   = "📊 <b>第%d期竞答统计</b>（%s）\n参加 %d 人，答完 %d 人（完成率 %s），开始于 %s，截止 %s。\n"
	msgStatsQ       = "\n<b>各题正确率</b>（正确率低的题，可以在每日一学里多讲讲）\n"
	msgStatsQRow    = "%d. %s　%s（%d/%d）\n"
	msgStatsGrid    = "\n<b>各网格</b>\n"
	msgStatsGridRow = "%s：参加 %d/%d 人（%s），答完 %d 人，平均 %s 分\n"
	msgStatsNone    = "还没有开过知识竞答。发送「开始竞答」开始第一期。"
	statusOpen      = "进行中"
	statusClosed    = "已结束"
	gridNone        = "未分网格"

	msgCSVBareQuote = "有单独的英文引号（\"）。含引号的格子请整个用引号括起来，里面的引号写两遍"
	msgCSVQuote     = "英文引号（\"）没有配对"
	msgCSVFields    = "这一行的列数和表头不一样"
	msgCSVEmpty     = "文件是空的"
	msgCSVOther     = "格式不对，请在 Excel 里「另存为」CSV UTF-8 再试"
	msgYAMLBad      = "不是正确的 YAML 格式，请检查第 %d 行附近的缩进、冒号和引号"
	msgYAMLItem     = "题目格式不对，请对照示例检查这一题的字段（选项要写成列表）"
)
