package embedded

import (
	"context"
	"encoding/hex"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

// Action links at rest. A mail carrying a single-use token (a reset link)
// is stored with the token masked; the token itself is sealed under the
// master key beside it. With a Sender, the sealed token is used once to
// deliver the mail and then forgotten: the outbox never shows a usable
// link. Without one, the outbox is the mailbox of the data dir's owner: it
// shows the link until the token is used or expires, and then the sealed
// copy is forgotten too.

// maskedToken replaces a token in the stored mail and wherever the link
// may not be shown.
const maskedToken = "********"

// maxSendAttempts bounds deliveries of one mail: after that many failures
// it is reported (SendError, the log) and its link forgotten.
const maxSendAttempts = 3

// sendRetryDelays are the waits before the second and third attempt;
// tests shorten them.
var sendRetryDelays = []time.Duration{5 * time.Second, 30 * time.Second}

func linkAAD(m *store.Mail) string {
	return "mail link " + m.Kind + " " + m.To + " " + hex.EncodeToString(m.TokenHash)
}

// sealLink masks tok in m and keeps it sealed beside it.
func (e *Authority) sealLink(m *store.Mail, tok string, hash []byte) error {
	m.Body = strings.ReplaceAll(m.Body, tok, maskedToken)
	m.ActionLink = strings.ReplaceAll(m.ActionLink, tok, maskedToken)
	m.TokenHash = hash
	sealed, err := e.box.seal([]byte(tok), linkAAD(m))
	if err != nil {
		return err
	}
	m.LinkSecret = sealed
	return nil
}

// unmaskLink returns m with its link usable, or false when it holds none.
func (e *Authority) unmaskLink(m store.Mail) (store.Mail, bool) {
	if m.LinkSecret == nil {
		return m, false
	}
	tok, err := e.box.open(m.LinkSecret, linkAAD(&m))
	if err != nil {
		e.opts.Logf("mail %d: sealed link: %v", m.ID, err)
		return m, false
	}
	m.Body = strings.ReplaceAll(m.Body, maskedToken, string(tok))
	m.ActionLink = strings.ReplaceAll(m.ActionLink, maskedToken, string(tok))
	return m, true
}

// outboxMail is a mail as the outbox shows it: with a usable link only in
// the standalone mailbox, else masked and without an action.
func (e *Authority) outboxMail(m store.Mail) authority.Mail {
	if e.sender == nil {
		if um, ok := e.unmaskLink(m); ok {
			return publicMail(um)
		}
	}
	if strings.Contains(m.ActionLink, maskedToken) {
		m.ActionLink = ""
	}
	return publicMail(m)
}

// maskClearLinks masks reset and passphrase links that an older version
// stored in clear, and returns how many. A masked passphrase link is not
// lost: the account signs in and creates the passphrase from Akun.
func maskClearLinks(ctx context.Context, tx store.Tx) (int, error) {
	ms, err := tx.Mails(ctx, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		l, err := link.Parse(m.ActionLink)
		if err != nil || (l.Kind != link.KindReset && l.Kind != link.KindPassphrase) || l.Value == "" || l.Value == maskedToken || m.LinkSecret != nil {
			continue
		}
		body := strings.ReplaceAll(m.Body, l.Value, maskedToken)
		if err := tx.SetMailText(ctx, m.ID, body, strings.ReplaceAll(m.ActionLink, l.Value, maskedToken)); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
