package embedded

import (
	"context"
	"errors"
	"fmt"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// OTP devices: enrolment, listing, removal.
// holder resolves a session token or a reset ticket to its account.
func (e *Authority) holder(ctx context.Context, tx store.Tx, token string) (u store.User, viaTicket bool, err error) {
	u, _, err = e.session(ctx, tx, token)
	if err == nil || !errors.Is(err, authority.ErrSessionExpired) {
		return u, false, err
	}
	t, err := e.ticket(ctx, tx, token)
	if err != nil {
		if errors.Is(err, authority.ErrTokenInvalid) || errors.Is(err, authority.ErrTokenUsed) || errors.Is(err, authority.ErrTokenExpired) {
			return store.User{}, false, authority.ErrSessionExpired
		}
		return store.User{}, false, err
	}
	u, err = tx.UserByID(ctx, t.UserID)
	return u, true, err
}

// BeginOTPEnrolment creates a pending TOTP secret.
func (e *Authority) BeginOTPEnrolment(ctx context.Context, token string) (authority.OTPEnrolment, error) {
	secret, err := newOTPSecret()
	if err != nil {
		return authority.OTPEnrolment{}, err
	}
	id, _, err := newToken()
	if err != nil {
		return authority.OTPEnrolment{}, err
	}
	var out authority.OTPEnrolment
	err = e.update(ctx, func(tx store.Tx) error {
		u, viaTicket, err := e.holder(ctx, tx, token)
		if err != nil {
			return err
		}
		// A reset link proves only the mailbox: it may set up the first
		// device, not add one beside an existing device.
		if viaTicket && u.OTPDevices > 0 {
			return authority.ErrSignInRequired
		}
		sealed, err := e.box.seal([]byte(secret), enrolmentAAD(id, u.ID))
		if err != nil {
			return err
		}
		now := e.now()
		if err := tx.InsertEnrolment(ctx, store.Enrolment{ID: id, UserID: u.ID, Secret: sealed,
			CreatedAt: now, ExpiresAt: now.Add(enrolmentLifetime)}); err != nil {
			return err
		}
		out = authority.OTPEnrolment{
			ID: id, URI: keyURI(e.opts.OTPIssuer, u.Email, secret), Secret: secret,
			Issuer: e.opts.OTPIssuer, Account: u.Email,
			Type: "totp", Algorithm: "SHA1", Digits: authority.OTPDigits, Period: otpPeriod,
		}
		return nil
	})
	return out, err
}

// ConfirmOTPEnrolment adds the device once its code matches.
func (e *Authority) ConfirmOTPEnrolment(ctx context.Context, req authority.ConfirmOTPRequest) (authority.OTPDevice, error) {
	code, err := authority.ParseOTPCode(req.Code)
	if err != nil {
		return authority.OTPDevice{}, err
	}
	name, err := authority.CheckDeviceName(req.DeviceName)
	if err != nil {
		return authority.OTPDevice{}, err
	}
	var dev authority.OTPDevice
	var mails []int64
	err = e.update(ctx, func(tx store.Tx) error {
		mails = nil // fn may run again (store.DB.Update)
		u, viaTicket, err := e.holder(ctx, tx, req.Token)
		if err != nil {
			return err
		}
		if viaTicket && u.OTPDevices > 0 {
			return authority.ErrSignInRequired
		}
		now := e.now()
		en, err := tx.Enrolment(ctx, req.EnrolmentID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return authority.ErrEnrolmentUnknown
		}
		if err != nil {
			return err
		}
		if !now.Before(en.ExpiresAt) {
			return authority.ErrEnrolmentUnknown
		}
		secret, err := e.box.open(en.Secret, enrolmentAAD(en.ID, u.ID))
		if err != nil {
			return fmt.Errorf("OTP enrolment: %w", err)
		}
		step, ok := matchOTP(string(secret), code, now)
		if !ok {
			return authority.ErrOTPInvalid
		}
		// The secret is new, so its code cannot have been used: only move
		// the account's last step forward, never refuse.
		if step > u.OTPLastStep {
			if err := tx.SetOTPLastStep(ctx, u.ID, step); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		d := store.Device{UserID: u.ID, Name: name, Secret: []byte{}, CreatedAt: now}
		if err := tx.InsertDevice(ctx, &d); err != nil {
			return err
		}
		// Sealed once the row id is known, so the secret is bound to its row.
		sealed, err := e.box.seal(secret, deviceAAD(d.ID, u.ID))
		if err != nil {
			return err
		}
		if err := tx.SetDeviceSecret(ctx, d.ID, sealed); err != nil {
			return err
		}
		if err := tx.DeleteEnrolment(ctx, en.ID); err != nil {
			return err
		}
		m := deviceAddedMail(e.language(u), u.Email, name, now)
		m.CreatedAt = now
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		mails = append(mails, m.ID)
		dev = authority.OTPDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt}
		return nil
	})
	if err != nil {
		return authority.OTPDevice{}, err
	}
	e.send(mails)
	return dev, nil
}

// OTPDevices lists the devices of the token's account.
func (e *Authority) OTPDevices(ctx context.Context, token string) ([]authority.OTPDevice, error) {
	var out []authority.OTPDevice
	err := e.view(ctx, func(tx store.Tx) error {
		u, _, err := e.holder(ctx, tx, token)
		if err != nil {
			return err
		}
		ds, err := tx.Devices(ctx, u.ID)
		for _, d := range ds {
			out = append(out, authority.OTPDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt})
		}
		return err
	})
	return out, err
}

// RemoveOTPDevice removes a device of the signed-in account, never the last.
func (e *Authority) RemoveOTPDevice(ctx context.Context, token string, deviceID int64) error {
	return e.asUser(ctx, token, func(tx store.Tx, u store.User) error {
		ds, err := tx.Devices(ctx, u.ID)
		if err != nil {
			return err
		}
		found := false
		for _, d := range ds {
			found = found || d.ID == deviceID
		}
		if !found {
			return fmt.Errorf("OTP device %d: %w", deviceID, authority.ErrNotFound)
		}
		if len(ds) == 1 {
			return authority.ErrLastOTPDevice
		}
		return tx.DeleteDevice(ctx, deviceID, u.ID)
	})
}
