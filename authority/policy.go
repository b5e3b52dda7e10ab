package authority

import "time"

// LockoutPolicy is the brute-force protection; zero fields take defaults.
type LockoutPolicy struct {
	FailureFactor     int           // failures before the first lock (default 5)
	WaitIncrement     time.Duration // added per further failure (default 60 s)
	MaxWait           time.Duration // cap of the wait (default 15 min)
	QuickLoginCheck   time.Duration // two failures closer than this ... (default 1 s)
	MinQuickLoginWait time.Duration // ... lock at least this long (default 60 s)
}
