package store

import (
	"crypto/sha256"
	"time"
)

// RateKey is the stored form of a limit's key: its hash, so that the table
// holds no address or login in clear.
func RateKey(key string) []byte {
	h := sha256.Sum256([]byte("besign-rate|" + key))
	return h[:]
}

// RateWindow is the start of now's window in Unix nanoseconds.
func RateWindow(now time.Time, window time.Duration) int64 {
	return now.Truncate(window).UnixNano()
}
