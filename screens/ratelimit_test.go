package screens

import "github.com/natunakab/besign/authority"

// The organisation server's rate limit reaches every screen that calls it
// (TestMessages checks its sentence).
func init() { sentinelValues["ErrRateLimited"] = authority.ErrRateLimited }
