package httpapi

// The audit log reveals who signed what: TestSignerCannotCallAdminRoutes
// attacks its route too.
func init() { adminBodies[Audit.Path] = AuditRequest{} }
