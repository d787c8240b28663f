package wecom

// User-facing text of the WeChat Work adapter (Simplified Chinese).
const (
	// MsgButtonHint starts the line that replaces buttons, which WeChat
	// Work robots cannot show: "可回复：「报名 7」、「取消报名 7」".
	MsgButtonHint = "👉 可回复："
	// MsgFileUnsupported replaces a file the robot could not send.
	MsgFileUnsupported = "（附件「%s」无法在企业微信群里发送，请联系社区工作人员获取。）"
)
