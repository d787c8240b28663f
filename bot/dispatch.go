package bot

import (
	"context"
	"hash/fnv"
	"sync"
	"time"
)

// Dispatcher runs updates of one chat in arrival order and updates of
// different chats in parallel, on a fixed number of workers (shards). With
// LimitUsers, it also keeps one person's flood from holding up everyone
// else (see FloodLimit).
type Dispatcher struct {
	handle  func(context.Context, Sender, *Update)
	queues  []chan job
	wg      sync.WaitGroup
	mu      sync.RWMutex
	closed  bool
	flood   *floodGate
	metrics *Metrics
}

type job struct {
	ctx  context.Context
	s    Sender
	u    *Update
	done chan struct{}
	// slowDown, instead of handling u, asks its sender to slow down.
	slowDown bool
}

// NewDispatcher starts workers that call handle (usually Router.Handle);
// m counts the updates waiting and those turned away (nil: not counted).
func NewDispatcher(workers int, handle func(context.Context, Sender, *Update), m *Metrics) *Dispatcher {
	if workers < 1 {
		workers = 1
	}
	d := &Dispatcher{handle: handle, queues: make([]chan job, workers), metrics: m}
	for i := range d.queues {
		q := make(chan job, 64)
		d.queues[i] = q
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for j := range q {
				d.metrics.Queued("updates", -1)
				d.run(j)
				close(j.done)
			}
		}()
	}
	return d
}

func (d *Dispatcher) run(j job) {
	if !j.slowDown {
		d.handle(j.ctx, j.s, j.u)
		return
	}
	if _, err := j.s.Send(j.ctx, j.u.Chat, Message{Text: MsgSlowDown, ReplyTo: j.u.MessageID}); err != nil {
		d.flood.log("ask to slow down", j.u, err)
	}
}

// FloodLimit is how many updates one person may have handled in a short
// time: Burst at once, then one more every Every. Updates over it are not
// handled at all, so one account sending hundreds of messages neither fills
// its chat's worker (which would stop updates of every chat from being
// taken in) nor spends the bot-wide send budget everyone's answers share.
// The person is asked to slow down once per flood, in a private chat; in a
// group the extra messages pass unanswered.
type FloodLimit struct {
	Burst int
	Every time.Duration
	// Exempt, when set, names people never limited (configured staff).
	Exempt func(UserRef) bool
	// Log, when set, is told of sends that failed.
	Log func(msg string, args ...any)
}

// LimitUsers turns the flood limit on (Burst < 1 leaves it off). Call it
// before the first Submit.
func (d *Dispatcher) LimitUsers(l FloodLimit) {
	if l.Burst < 1 || l.Every <= 0 {
		return
	}
	d.flood = &floodGate{l: l, users: map[UserRef]*floodState{}, now: time.Now}
}

// Submit queues u behind earlier updates of the same chat and returns a
// channel closed when it has been handled. It blocks while that chat's
// worker is full, and returns an already-closed channel after Close or
// when u is over its sender's flood limit.
func (d *Dispatcher) Submit(ctx context.Context, s Sender, u *Update) <-chan struct{} {
	done := make(chan struct{})
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		close(done)
		return done
	}
	j := job{ctx: context.WithoutCancel(ctx), s: s, u: u, done: done}
	if d.flood != nil {
		allowed, ask := d.flood.admit(u)
		if !allowed && !ask {
			d.metrics.Update(updateKind(u), "flood")
			close(done)
			return done
		}
		j.slowDown = !allowed
	}
	h := fnv.New32a()
	key := u.Chat
	if key == "" {
		key = ChatRef(u.User)
	}
	h.Write([]byte(key))
	d.metrics.Queued("updates", 1)
	d.queues[h.Sum32()%uint32(len(d.queues))] <- j
	return done
}

// Close stops taking updates and waits until the queued ones are handled.
func (d *Dispatcher) Close() {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		for _, q := range d.queues {
			close(q)
		}
	}
	d.mu.Unlock()
	d.wg.Wait()
}

// floodGate keeps one in-memory bucket per person (GCRA: the time at which
// the bucket is empty again). In-memory is enough: with long polling one
// replica takes in every update, and a limit that is per replica behind a
// load balancer still stops a flood; it costs no Redis round trip.
type floodGate struct {
	l     FloodLimit
	now   func() time.Time
	mu    sync.Mutex
	users map[UserRef]*floodState
	swept time.Time
}

type floodState struct {
	tat    time.Time
	warned bool
}

// admit reports whether u may be handled; when it may not, ask says to ask
// its sender, this once, to slow down.
func (g *floodGate) admit(u *Update) (allowed, ask bool) {
	if u.User == "" || g.l.Exempt != nil && g.l.Exempt(u.User) {
		return true, false
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	st := g.users[u.User]
	if st == nil {
		st = &floodState{}
		g.users[u.User] = st
	}
	tat := st.tat
	if tat.Before(now) {
		tat, st.warned = now, false
	}
	if tat.Sub(now) > time.Duration(g.l.Burst-1)*g.l.Every {
		ask = !st.warned && u.ChatKind == Private && u.Text != ""
		st.warned = st.warned || ask
		return false, ask
	}
	st.tat = tat.Add(g.l.Every)
	return true, false
}

// sweep forgets, at most once a minute, the people whose bucket is full.
func (g *floodGate) sweep(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	g.swept = now
	for u, st := range g.users {
		if st.tat.Before(now) {
			delete(g.users, u)
		}
	}
}

func (g *floodGate) log(msg string, u *Update, err error) {
	if g != nil && g.l.Log != nil {
		g.l.Log(msg, "chat", u.Chat, "err", err)
	}
}
