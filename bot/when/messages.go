package when

// Messages shown to users; kept here so translations can be added.
const (
	MsgNotUnderstood = "没看懂时间「%s」，请写成 2月12日 19:00 这样。"
	MsgNoClock       = "请写上几点，例如「%s 19:00」。"
	MsgNoSuchDate    = "日期「%s」不存在，请检查月份和日子。"
	MsgBadClock      = "钟点「%s」不对，请写成 19:00 或 晚上7点 这样。"

	// MsgAsk offers the two readings of an ambiguous time: the two
	// choices, then a hint on how to write the one meant.
	MsgAsk = "您是说 %s 还是 %s？%s"
	// Hints after MsgAsk.
	HintHalfDay  = "写上「上午」或「下午」就行，例如「下午%d点」。"
	HintTwelve   = "写成「0点」或「中午12点」就行。"
	HintWeekend  = "写上「周六」或「周日」就行。"
	HintWeekday  = "请改好再发。"
	MsgWeekdayIs = "%s是%s，不是%s。"

	// MsgLunarOrSolar asks whether a month and day in Chinese numerals
	// ("八月十五") is lunar or solar.
	MsgLunarOrSolar = "「%s」是农历还是公历？农历请写「农历%s」（那天是%d年%d月%d日），公历请写「%d月%d日」。"
	// MsgNoLunarDay says a lunar day does not come in the next year.
	MsgNoLunarDay = "接下来一年里没有农历「%s」这一天，请换个日子。"
	// MsgLunarShort says the coming lunar month has 29 days, not a 30th.
	MsgLunarShort = "今年农历%s月只有29天，没有「%s」，请换个日子。"

	// MsgRolledYear asks about a date without a year that has just passed
	// this year: the date as typed, next year, and the text to send.
	MsgRolledYear = "%[1]s已经过去了，您是说明年（%[2]d年）%[1]s吗？写上年份就行：%[3]s"
	// MsgRolledMonth asks about a day of the month (15号) that has just
	// passed this month: the day as typed, the month meant, the text to send.
	MsgRolledMonth = "%[1]s已经过去了，您是说%[2]d月%[1]s吗？写上月份就行：%[3]s"

	// MsgOneTime refuses a range where only one moment is wanted.
	MsgOneTime = "这里只要写一个时间，不用写到几点结束。"
	// MsgEndEarly refuses a range whose end is not after its start.
	MsgEndEarly = "结束时间要晚于开始时间（%s）。"
)
