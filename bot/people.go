package bot

import "gridbot/bot/zh"

// Headcount finds how many people a sign-up remark says are coming; see
// zh.Headcount, which it calls. It stays here for the features that call
// it as bot.Headcount.
func Headcount(s string) (n int, remark string, ok bool) { return zh.Headcount(s) }

// BadNumberAt reports whether s starts with a number no activity number or
// headcount can be (negative, or ten digits and more); see zh.BadNumberAt.
func BadNumberAt(s string) bool { return zh.BadNumberAt(s) }
