package outbox

import (
	"time"

	"gridbot/bot"
	"gridbot/bot/when"
)

// Held tells when a broadcast enqueued now through ob (due at notBefore,
// zero for now; urgent or not) starts going out, and whether quiet hours
// hold it past the time asked for, so a confirmation to staff can say
// truthfully that nothing has gone out yet and when it will.
func Held(ob bot.Outbox, now, notBefore time.Time, urgent bool) (at time.Time, held bool) {
	want := now
	if notBefore.After(want) {
		want = notBefore
	}
	at = ob.GoesOutAt(want, urgent)
	return at, at.Sub(want) > time.Minute
}

// When shows a time staff are told a message goes out: "今天 21:00",
// "明天 07:30", or the date for later days ("12月5日（周六）07:30").
func When(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	t, now = t.In(loc), now.In(loc)
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	switch day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc); {
	case day.Equal(today):
		return msgToday + t.Format("15:04")
	case day.Equal(today.AddDate(0, 0, 1)):
		return msgTomorrow + t.Format("15:04")
	}
	return when.Format(t, now, loc)
}
