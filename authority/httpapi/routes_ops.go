package httpapi

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/natunakab/besign/authority"
)

// Routes of the server's operations (the audit log), kept apart from the
// role routes of routes.go so that other parts add theirs without
// touching the same lines.

// Audit lists the audit log (Admin.Audit) for the admin key.
var Audit = Route{"/v1/admin/audit", AdminOnly, SmallBody}

// AuditRequest is Audit's body: since, or everything for a zero time.
type AuditRequest struct {
	Since time.Time `json:"since"`
}

func init() { Routes = append(Routes, Audit) }

func (h *Handler) registerOps() {
	handle(h, Audit, func(ctx context.Context, r AuditRequest) ([]authority.AuditEntry, error) {
		return h.a.Audit(ctx, r.Since)
	})
}

// clientOf is the client of r for the audit log: the connection's address
// (no X-Forwarded-For, which anyone can write) and the user agent.
func clientOf(r *http.Request) authority.Client {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return authority.Client{Address: host, UserAgent: r.UserAgent()}
}
