package authority

import "context"

type sessionKey struct{}

// WithSession marks ctx as a signed-in person's, by their session token. An
// authority that serves many people (the organisation server, through
// authority/remote) then answers Outbox with that person's own mail only;
// the embedded authority, whose outbox is the OS account's own, has no use
// for it.
func WithSession(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, sessionKey{}, token)
}

// SessionOf is the session token WithSession put in ctx, or "".
func SessionOf(ctx context.Context) string {
	tok, _ := ctx.Value(sessionKey{}).(string)
	return tok
}
