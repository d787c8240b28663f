package wxoa

// Text for residents (Simplified Chinese), shown on the page when the
// visitor could not be identified through WeChat.
const (
	MsgNotInWeChat = "请在微信里打开这个链接（可以用微信「扫一扫」扫页面上的二维码）。"
	MsgSnapshot    = "请先点一下页面下方的「使用完整服务」，再继续报名。"
	MsgLinkBroken  = "这个链接已经失效了，请回到群里重新点开。"
	MsgBusy        = "微信那边有点忙，请稍等一会儿再点开链接。"
	MsgUnavailable = "暂时无法确认您的微信身份，请稍后再试，或联系社区工作人员。"
	MsgTryAgain    = "没能确认您的微信身份，请回到群里重新点开链接试试。"
)
