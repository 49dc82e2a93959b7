package auth

import (
	"sync"
	"time"
)

// Limiter counts failed attempts per key (an IP address, a username) in a
// fixed window and refuses a key that failed too often. It lives in memory:
// each process limits on its own, which is enough against password guessing
// through one server.
type Limiter struct {
	Max    int           // failures allowed in a window
	Window time.Duration // length of the window
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]*window
}

type window struct {
	start    time.Time
	failures int
}

// NewLimiter returns a Limiter that allows max failures per key in each window.
func NewLimiter(max int, per time.Duration) *Limiter {
	return &Limiter{Max: max, Window: per, now: time.Now, seen: map[string]*window{}}
}

// Allow reports whether the key may try now, and if not, how long until it may.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.seen[key]
	if w == nil {
		return true, 0
	}
	if elapsed := l.now().Sub(w.start); elapsed >= l.Window {
		delete(l.seen, key)
		return true, 0
	} else if w.failures >= l.Max {
		return false, l.Window - elapsed
	}
	return true, 0
}

// Fail counts a failed attempt for the key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.seen[key]
	if w == nil || now.Sub(w.start) >= l.Window {
		w = &window{start: now}
		l.seen[key] = w
	}
	w.failures++
	if len(l.seen) > 100_000 { // bound memory under a spray of keys
		for k, v := range l.seen {
			if now.Sub(v.start) >= l.Window {
				delete(l.seen, k)
			}
		}
	}
}

// Reset forgets the key's failures, after a successful login.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.seen, key)
	l.mu.Unlock()
}
