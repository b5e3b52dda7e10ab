package authority

import (
	"context"
	"errors"
	"fmt"

	"github.com/natunakab/besign/authority/store"
)

// OTP devices: enrolment, listing, removal.
// holder resolves a session token or a reset ticket to its account.
func (e *Embedded) holder(ctx context.Context, tx *store.Tx, token string) (u store.User, viaTicket bool, err error) {
	u, _, err = e.session(ctx, tx, token)
	if err == nil || !errors.Is(err, ErrSessionExpired) {
		return u, false, err
	}
	t, err := e.ticket(ctx, tx, token)
	if err != nil {
		if errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenUsed) || errors.Is(err, ErrTokenExpired) {
			return store.User{}, false, ErrSessionExpired
		}
		return store.User{}, false, err
	}
	u, err = tx.UserByID(ctx, t.UserID)
	return u, true, err
}

// BeginOTPEnrolment creates a pending TOTP secret.
func (e *Embedded) BeginOTPEnrolment(ctx context.Context, token string) (OTPEnrolment, error) {
	if err := e.checkOpen(); err != nil {
		return OTPEnrolment{}, err
	}
	secret, err := newOTPSecret()
	if err != nil {
		return OTPEnrolment{}, err
	}
	id, _, err := newToken()
	if err != nil {
		return OTPEnrolment{}, err
	}
	var out OTPEnrolment
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		u, viaTicket, err := e.holder(ctx, tx, token)
		if err != nil {
			return err
		}
		// A reset link proves only the mailbox: it may set up the first
		// device, not add one beside an existing device.
		if viaTicket && u.OTPDevices > 0 {
			return ErrSignInRequired
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
		out = OTPEnrolment{
			ID: id, URI: keyURI(e.opts.OTPIssuer, u.Email, secret), Secret: secret,
			Issuer: e.opts.OTPIssuer, Account: u.Email,
			Type: "totp", Algorithm: "SHA1", Digits: otpDigits, Period: otpPeriod,
		}
		return nil
	})
	return out, err
}

// ConfirmOTPEnrolment adds the device once its code matches.
func (e *Embedded) ConfirmOTPEnrolment(ctx context.Context, req ConfirmOTPRequest) (OTPDevice, error) {
	if err := e.checkOpen(); err != nil {
		return OTPDevice{}, err
	}
	code, err := parseOTPCode(req.Code)
	if err != nil {
		return OTPDevice{}, err
	}
	name, err := checkDeviceName(req.DeviceName)
	if err != nil {
		return OTPDevice{}, err
	}
	var dev OTPDevice
	var mails []int64
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		u, viaTicket, err := e.holder(ctx, tx, req.Token)
		if err != nil {
			return err
		}
		if viaTicket && u.OTPDevices > 0 {
			return ErrSignInRequired
		}
		now := e.now()
		en, err := tx.Enrolment(ctx, req.EnrolmentID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrEnrolmentUnknown
		}
		if err != nil {
			return err
		}
		if !now.Before(en.ExpiresAt) {
			return ErrEnrolmentUnknown
		}
		secret, err := e.box.open(en.Secret, enrolmentAAD(en.ID, u.ID))
		if err != nil {
			return fmt.Errorf("OTP enrolment: %w", err)
		}
		step, ok := matchOTP(string(secret), code, now)
		if !ok {
			return ErrOTPInvalid
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
		dev = OTPDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt}
		return nil
	})
	if err != nil {
		return OTPDevice{}, err
	}
	e.send(mails)
	return dev, nil
}

// OTPDevices lists the devices of the token's account.
func (e *Embedded) OTPDevices(ctx context.Context, token string) ([]OTPDevice, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	var out []OTPDevice
	err := e.db.View(ctx, func(tx *store.Tx) error {
		u, _, err := e.holder(ctx, tx, token)
		if err != nil {
			return err
		}
		ds, err := tx.Devices(ctx, u.ID)
		for _, d := range ds {
			out = append(out, OTPDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt})
		}
		return err
	})
	return out, err
}

// RemoveOTPDevice removes a device of the signed-in account, never the last.
func (e *Embedded) RemoveOTPDevice(ctx context.Context, token string, deviceID int64) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		ds, err := tx.Devices(ctx, u.ID)
		if err != nil {
			return err
		}
		found := false
		for _, d := range ds {
			found = found || d.ID == deviceID
		}
		if !found {
			return fmt.Errorf("OTP device %d: %w", deviceID, ErrNotFound)
		}
		if len(ds) == 1 {
			return ErrLastOTPDevice
		}
		return tx.DeleteDevice(ctx, deviceID, u.ID)
	})
}
