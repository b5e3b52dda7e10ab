package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
)

// Counter counts requests per key in fixed windows, shared by every server
// process (authority/store's RateCounter, in PostgreSQL): a limit then
// holds however many instances serve, and no instance keeps state another
// would need.
type Counter interface {
	Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
}

// Limits are the rate limits of a Handler (Options.Limits). A request over
// a limit is answered 429 with authority.ErrRateLimited's code and a
// Retry-After, before the authority sees it. Requests with the admin key
// are not limited.
type Limits struct {
	Counter Counter
	// PerAddress bounds the requests of one client address per Window,
	// whatever they ask; 0: no bound.
	PerAddress int
	// PerAccount bounds the requests naming one account per Window: by
	// its login or email, or by the session or link token they carry
	// (guesses at one account from many addresses); 0: no bound.
	PerAccount int
	// MailPerHour bounds, per account, the requests of an hour that make
	// the authority send a mail (mailRoutes): a stranger could otherwise
	// fill somebody's mailbox with reset mails within PerAccount; 0: no
	// bound.
	MailPerHour int
	Window      time.Duration // default one minute
	Now         func() time.Time
}

// mailRoutes are the public routes whose request sends a mail to the
// account it names.
var mailRoutes = map[string]bool{Register.Path: true, RequestReset.Path: true, ForgotPassphrase.Path: true}

// allowAccount applies the account's limits to a decoded request of rt.
func (h *Handler) allowAccount(w http.ResponseWriter, r *http.Request, rt Route, req any) bool {
	key := accountKey(req)
	if !h.allow(w, r, key, h.limits.PerAccount, 0) {
		return false
	}
	return !mailRoutes[rt.Path] || h.allow(w, r, mailKey(key), h.limits.MailPerHour, time.Hour)
}

// mailKey is the mail limit's key of an account key.
func mailKey(key string) string {
	if key == "" {
		return ""
	}
	return "mail:" + key
}

// allow counts one request under key against limit in a window (0: the
// Limits' own); it answers 429 (or 500 when the count cannot be kept) and
// returns false when the request must stop here.
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, key string, limit int, window time.Duration) bool {
	l := h.limits
	if l == nil || l.Counter == nil || limit <= 0 || key == "" {
		return true
	}
	if window <= 0 {
		window = l.Window
	}
	if window <= 0 {
		window = time.Minute
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	n, err := l.Counter.Hit(r.Context(), key, now, window)
	if err != nil {
		h.fail(w, r, err, nil) // logged; the caller hears only ErrInternal
		return false
	}
	if n <= limit {
		return true
	}
	wait := now.Truncate(window).Add(window).Sub(now)
	w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
	if n == limit+1 {
		// once per key and window: a flood does not flood the log
		h.log.Warn("rate limit reached", "path", r.URL.Path, "limit", key[:strings.IndexByte(key, ':')], "client", clientOf(r).Address)
	}
	h.fail(w, r, authority.ErrRateLimited, nil)
	return false
}

// addressKey is the per-address limit's key of r.
func addressKey(r *http.Request) string { return "address:" + clientOf(r).Address }

// accountKey is the per-account limit's key of a decoded request: its
// Login or Email (lower case), else its Token, Ticket or Challenge; "" for
// a request that names no account.
func accountKey(req any) string {
	v := reflect.ValueOf(req)
	if v.Kind() != reflect.Struct {
		return ""
	}
	for _, f := range []string{"Login", "Email"} {
		if fv := v.FieldByName(f); fv.IsValid() && fv.Kind() == reflect.String && fv.String() != "" {
			return "account:" + strings.ToLower(strings.TrimSpace(fv.String()))
		}
	}
	for _, f := range []string{"Token", "Ticket", "Challenge"} {
		if fv := v.FieldByName(f); fv.IsValid() && fv.Kind() == reflect.String && fv.String() != "" {
			return "token:" + fv.String()
		}
	}
	return ""
}
