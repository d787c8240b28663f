package wecom

import "time"

// SetNow sets the clock the callback checks timestamps and duplicates by.
func (c *Callback) SetNow(now func() time.Time) { c.now = now }
