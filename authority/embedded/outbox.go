package embedded

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

// The outbox and its delivery.
// Outbox lists mail, newest first.
func (e *Authority) Outbox(ctx context.Context, q authority.OutboxQuery) ([]authority.Mail, error) {
	to := strings.ToLower(strings.TrimSpace(q.To))
	var ms []store.Mail
	err := e.update(ctx, func(tx store.Tx) (err error) {
		if err := tx.ForgetSpentMailLinks(ctx, e.now()); err != nil {
			return err
		}
		ms, err = tx.Mails(ctx, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]authority.Mail, 0, len(ms))
	for _, m := range ms {
		out = append(out, e.outboxMail(m))
	}
	return out, nil
}

func publicMail(m store.Mail) authority.Mail {
	return authority.Mail{
		ID: m.ID, Kind: authority.MailKind(m.Kind), To: m.To, Subject: m.Subject, Body: m.Body,
		ActionLabel: m.ActionLabel, ActionLink: m.ActionLink,
		CreatedAt: m.CreatedAt, SentAt: m.SentAt, SendError: m.SendError,
	}
}

// send delivers committed mail in the background when a Sender is configured.
// Close waits for it, and ends the waits between attempts. Failures are
// recorded on the mail, never returned; a mail that failed maxSendAttempts
// times is reported in the log and the outbox, and its link forgotten: it
// never falls back to showing the link.
func (e *Authority) send(ids []int64) {
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
		for _, id := range ids {
			e.deliver(id)
		}
	}()
}

// deliver tries one mail until it is sent, has failed maxSendAttempts
// times, or the authority closes (then the next open tries again).
func (e *Authority) deliver(id int64) {
	ctx := context.Background()
	for {
		var m store.Mail
		err := e.db.View(ctx, func(tx store.Tx) (err error) {
			m, err = tx.MailByID(ctx, id)
			return err
		})
		if err != nil {
			e.opts.Logf("mail %d: %v", id, err)
			return
		}
		if !m.SentAt.IsZero() || m.Attempts >= maxSendAttempts {
			return
		}
		um, _ := e.unmaskLink(m)
		sendErr := e.sender.Send(ctx, e.withLinkPage(publicMail(um)))
		msg := ""
		final := sendErr == nil
		if sendErr != nil {
			msg = sendErr.Error()
			if m.Attempts+1 >= maxSendAttempts {
				final = true
				msg = fmt.Sprintf("not delivered after %d attempts, report to IT: %s", maxSendAttempts, msg)
			}
			e.opts.Logf("mail %d (%s): %s", id, m.Kind, msg)
		}
		err = e.db.Update(ctx, func(tx store.Tx) error {
			if err := tx.SetMailSent(ctx, id, e.now(), msg); err != nil {
				return err
			}
			if final {
				return tx.ForgetMailLink(ctx, id)
			}
			return nil
		})
		if err != nil {
			e.opts.Logf("mail %d: record delivery: %v", id, err)
			return
		}
		if final {
			return
		}
		select {
		case <-time.After(sendRetryDelays[min(m.Attempts, len(sendRetryDelays)-1)]):
		case <-e.stopSending:
			return
		}
	}
}

// withLinkPage points the mail's link at the server's hand-over page
// (Options.LinkPage), in the body and the action; a mail without a link,
// or without LinkPage, goes as it is.
func (e *Authority) withLinkPage(m authority.Mail) authority.Mail {
	if e.opts.LinkPage == "" || m.ActionLink == "" {
		return m
	}
	l, err := link.Parse(m.ActionLink)
	if err != nil {
		return m
	}
	page := l.Page(e.opts.LinkPage)
	m.Body = strings.ReplaceAll(m.Body, m.ActionLink, page)
	m.ActionLink = page
	return m
}
