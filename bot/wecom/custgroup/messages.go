package custgroup

// Advice for staff (Simplified Chinese): what happened and what an admin
// changes where. Paths are those of the WeChat Work admin console.
const (
	adviceUntrustedIP = "服务器的IP（%s）不在本应用的「企业可信IP」里：请企业微信管理员在管理后台「应用管理 → 本应用 → 企业可信IP」里加上它，约1分钟后生效。"
	adviceUncertain   = "创建群发时企业微信没有给出明确结果，群发可能已经建好；请先在群发记录里查看，不要马上重发，以免居民收到两次。"
	adviceNetwork     = "暂时连不上企业微信，请稍后再试。"
	adviceUnknown     = "企业微信返回了错误 %d，请把这个编号告诉技术人员。"
)

var advice = map[int]string{
	CodeBusy:              "企业微信系统繁忙，请稍后再试。",
	CodeBadSecret:         "本应用的 Secret 不对（可能已被重置）：请企业微信管理员在「应用管理 → 本应用」里查看 Secret，重新填到 gridbot 的环境变量里。",
	CodeBadSecret2:        "本应用的 Secret 不对（可能已被重置）：请企业微信管理员在「应用管理 → 本应用」里查看 Secret，重新填到 gridbot 的环境变量里。",
	CodeBadCorpID:         "企业ID不对：请在企业微信管理后台「我的企业 → 企业信息」最下方查看企业ID，重新填写。",
	CodeBadUserID:         "这个成员账号在企业微信通讯录里找不到（可能已离职），请换成现在的群主。",
	CodeBadParam:          "发给企业微信的内容不合要求（可能太长或格式不对），请联系技术人员查看记录。",
	CodeBadExternalID:     "客户的编号不对，请重新同步客户群。",
	CodeBadToken:          "连接企业微信的凭证失效了，请稍后再试。",
	CodeTokenExpired:      "连接企业微信的凭证过期了，请稍后再试。",
	CodeNoToken:           "连接企业微信的凭证缺失，请联系技术人员。",
	CodeNoMsgID:           "缺少群发编号。",
	CodeBadMsgID:          "找不到这条群发（编号不对或已过期）。",
	CodeNoRecipient:       "选中的客户群都发不了：请确认发送人就是这些群的群主，而且群还在。",
	CodeNotActivated:      "这位群主还没有激活企业微信，请提醒他先登录企业微信。",
	CodeDispatching:       "群发还在派发中，请过几分钟再查看结果。",
	CodeTooManyAttach:     "附件太多了，一次群发最多9个附件。",
	CodeBadAttachType:     "附件类型不对，请联系技术人员。",
	CodeTaskCancelled:     "这条群发已经取消了。",
	CodeRemindLimit:       "这条群发24小时内已经提醒过3次了，请明天再提醒。",
	CodeFreqLimit:         "调用太频繁，企业微信暂时限制了调用，请过一会儿再试。",
	CodeConcurrency:       "同时调用的太多了，请过一会儿再试。",
	CodeNoAPIRight:        "本应用还不能调用客户联系接口：请企业微信管理员在管理后台「客户与上下游 → 客户联系 → 客户」页面点「API」，把本应用加到「可调用接口的应用」里。",
	CodeGroupDissolved:    "这个客户群已经解散了。",
	CodeBadCursor:         "翻页位置失效了，请从头再同步一次。",
	CodeOutOfRange:        "群主不在本应用的可见范围：请企业微信管理员在「应用管理 → 本应用 → 可见范围」里加上这位群主（或他所在的部门）。",
	CodeTooManyInRange:    "本应用可见范围里超过1000人，请按群主分批同步客户群。",
	CodeNoRelation:        "和这位客户没有联系人关系。",
	CodeNoContactRight:    "本应用或群主没有客户联系权限：请在管理后台「客户联系」里把群主加入使用范围。",
	CodeMiniNotLinked:     "小程序还没有关联到本企业。",
	CodeMiniBadAppID:      "小程序的 AppID 不对。",
	CodeMiniAppIDMismatch: "小程序的 AppID 和关联的不一致。",
	CodeNoLicense:         "成员没有「互通账号」许可（服务商的应用才需要），请联系服务商。",
}

// Describe texts of a group's result (SendStatus.Describe).
const (
	msgNotSent   = "群主还没有点发送"
	msgSent      = "已发到群里"
	msgNotFriend = "没发出去：对方不是好友"
	msgCap       = "没发出去：这个群收到的群发已到企业微信的上限"
	msgUnknownSt = "状态未知"
)

// Reasons a request is refused before it is sent (Error.Msg and Advice).
const (
	msgTooManyOwners = "一次最多按 %[2]d 位群主查询，这次有 %[1]d 位。"
	msgNoChatID      = "缺少客户群编号。"
	msgNoSender      = "群发要写明发送人（群主的成员账号）。"
	msgNoGroups      = "没有选中客户群。"
	msgTooManyGroups = "一次群发最多选 %[2]d 个客户群，这次有 %[1]d 个，请分几次发。"
	msgEmpty         = "群发内容是空的。"
	msgTextTooLong   = "群发文字有 %d 字节，超过企业微信的上限 %d 字节（约 %d 个汉字），请删短一些。"
	msgTooManyLinks  = "一次群发最多 %[2]d 个附件，这次有 %[1]d 个。"
	msgLinkField     = "链接附件的%s不合要求（%s）。"
	msgNoMsgID       = "缺少群发编号。"
)
