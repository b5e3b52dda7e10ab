package server

import (
	"regexp"
	"testing"
)

// MailSink starts a real SMTP server on loopback for the package's external
// tests (server_test): its port, and linkOf, which waits for a mail to `to`
// holding a link that starts with prefix (besign://reset, ...) and returns
// that link.
func MailSink(t testing.TB) (port int, linkOf func(to, prefix string) string) {
	s := startSink(t, "", "")
	return s.Addr.Port, func(to, prefix string) string {
		t.Helper()
		defer func() {
			if t.Failed() {
				s.mu.Lock()
				for _, m := range s.mails {
					t.Logf("mail to %s: %.300q", m.To, m.Body)
				}
				s.mu.Unlock()
			}
		}()
		body := s.wait(t, to, prefix).Body
		return regexp.MustCompile(regexp.QuoteMeta(prefix) + `\S+`).FindString(body)
	}
}
