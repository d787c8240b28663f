package redistest

import "sync/atomic"

type atomicInt = atomic.Int64
