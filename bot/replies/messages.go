package replies

// User-facing text of merged group replies, Simplified Chinese.
const (
	// msgToldPrivately follows a name whose whole answer went privately.
	msgToldPrivately = "，已私信回复您，请看和我的私聊。"
	// msgDetailPrivate follows a merged line whose details went privately.
	msgDetailPrivate = "（详情已私信）"
	// msgSaid joins a name to the answer shown after it.
	msgSaid = "：\n"
	// msgNames joins the names of several who asked the same.
	msgNames = "、"
)
