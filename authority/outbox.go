package authority

import (
	"context"
	"strings"

	"github.com/natunakab/besign/authority/store"
)

// The outbox and its delivery.
// Outbox lists mail, newest first.
func (e *Embedded) Outbox(ctx context.Context, q OutboxQuery) ([]Mail, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	to := strings.ToLower(strings.TrimSpace(q.To))
	var ms []store.Mail
	err := e.db.View(ctx, func(tx *store.Tx) (err error) {
		ms, err = tx.Mails(ctx, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Mail, 0, len(ms))
	for _, m := range ms {
		out = append(out, publicMail(m))
	}
	return out, nil
}

func publicMail(m store.Mail) Mail {
	return Mail{
		ID: m.ID, Kind: MailKind(m.Kind), To: m.To, Subject: m.Subject, Body: m.Body,
		ActionLabel: m.ActionLabel, ActionLink: m.ActionLink,
		CreatedAt: m.CreatedAt, SentAt: m.SentAt, SendError: m.SendError,
	}
}

// send delivers committed mail in the background when a Sender is configured.
// Close waits for it. Failures are recorded on the mail, never returned.
func (e *Embedded) send(ids []int64) {
	if e.sender == nil || len(ids) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return // still unsent in the outbox: sent at the next open
	}
	e.sending.Add(1)
	go func() {
		defer e.sending.Done()
		ctx := context.Background()
		for _, id := range ids {
			var m store.Mail
			err := e.db.View(ctx, func(tx *store.Tx) (err error) {
				m, err = tx.MailByID(ctx, id)
				return err
			})
			if err != nil {
				e.opts.Logf("mail %d: %v", id, err)
				continue
			}
			sendErr := e.sender.Send(ctx, publicMail(m))
			msg := ""
			if sendErr != nil {
				msg = sendErr.Error()
				e.opts.Logf("mail %d (%s): not sent: %v", id, m.Kind, sendErr)
			}
			err = e.db.Update(ctx, func(tx *store.Tx) error {
				return tx.SetMailSent(ctx, id, e.now(), msg)
			})
			if err != nil {
				e.opts.Logf("mail %d: record delivery: %v", id, err)
			}
		}
	}()
}
