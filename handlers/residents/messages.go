package residents

// User-facing text of the resident pages, Simplified Chinese, for elderly
// eyes: short sentences that say what to do next.
const (
	siteName = "社区居民服务"

	msgBusy        = "系统有点忙，请过一会儿再试。您的操作没有办成，什么也没有改。"
	msgNotFound    = "这个页面找不到了。链接可能抄错了，请回到群里重新点开。"
	msgMethod      = "这个页面不能这样打开，请回到群里重新点开链接。"
	msgCSRF        = "页面已经过期了，请返回后刷新页面再试一次。什么也没有改。"
	msgTooFast     = "操作太频繁了，请歇一会儿（约一分钟）再试。什么也没有改。"
	msgNeedMe      = "请先填一下您的称呼和门牌，再报名。"
	msgNeedMeQuiz  = "请先填一下您的称呼和门牌，再答题。"
	msgNameBad     = "称呼请写 1 到 12 个字，例如「王阿姨」「李师傅」。"
	msgNamePhone   = "称呼里请不要写电话号码，电话可以写在下面的「手机」一栏。"
	msgGridBad     = "请选择您住的网格。"
	msgDoorBad     = "楼栋门牌没看懂，请这样写：3栋2单元501，或 3-2-501。"
	msgPhoneBad    = "手机号请写 11 位数字，例如 13812345678；不想留可以空着。"
	msgSaved       = "已记下您的信息：%s，%s %s。"
	msgFormTooBig  = "填写的内容太长了，请改短一些再提交。什么也没有改。"
	msgWxoaOutside = "请在微信里打开这个链接；在别的浏览器里，请填一下您的称呼和门牌。"
)

// Text of the quiz, tip and notice pages.
const (
	msgNoticeGone     = "这条通知已取消，没有发出。"
	msgNoticeRecalled = "这条通知已被社区撤回。"
)
