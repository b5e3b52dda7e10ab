package embedded

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/region"
	"github.com/natunakab/besign/authority/store"
)

// Activation on the embedded authority. The form (with the NIK and phone)
// and the photo are sealed with the master key; the NIK's uniqueness is kept
// by an HMAC of it under a master subkey, never by the NIK itself.

func activationAAD(userID int64) string { return "activation|" + strconv.FormatInt(userID, 10) }
func photoAAD(userID int64) string      { return "activation-photo|" + strconv.FormatInt(userID, 10) }

// nikHash is the keyed hash that makes a NIK unique without storing it.
func (e *Authority) nikHash(nik string) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, e.opts.MasterKey, nil, "besign authority NIK index v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(nik))
	return m.Sum(nil), nil
}

// sealActivation seals the form into row under the master key: the data
// without the photo, and the photo apart (none: row.Photo nil).
func (e *Authority) sealActivation(row *store.Activation, d authority.ActivationData) error {
	photo := d.Photo
	d.Photo = nil
	plain, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode activation: %w", err)
	}
	if row.Data, err = e.box.seal(plain, activationAAD(row.UserID)); err != nil {
		return err
	}
	row.Photo = nil
	if len(photo) > 0 {
		if row.Photo, err = e.box.seal(photo, photoAAD(row.UserID)); err != nil {
			return err
		}
	}
	return nil
}

// activation opens a stored row for u; withPhoto false leaves the photo's
// bytes out (its size stays).
func (e *Authority) activation(u store.User, row store.Activation, withPhoto bool) (authority.Activation, error) {
	a := authority.Activation{
		Email: u.Email, Account: u.Name, Instansi: e.opts.Instansi,
		Status: authority.ActivationStatus(row.Status), Reason: row.Reason, Step: row.Step,
		UpdatedAt: row.UpdatedAt, SubmittedAt: row.SubmittedAt, DecidedAt: row.DecidedAt, DecidedBy: row.DecidedBy,
	}
	plain, err := e.box.open(row.Data, activationAAD(u.ID))
	if err != nil {
		return authority.Activation{}, fmt.Errorf("activation of %s: %w", u.Email, err)
	}
	if err := json.Unmarshal(plain, &a.Data); err != nil {
		return authority.Activation{}, fmt.Errorf("activation of %s: %w", u.Email, errSecretDamaged)
	}
	if row.Photo != nil {
		photo, err := e.box.open(row.Photo, photoAAD(u.ID))
		if err != nil {
			return authority.Activation{}, fmt.Errorf("photo of %s: %w", u.Email, err)
		}
		a.PhotoSize = len(photo)
		if withPhoto {
			a.Data.Photo = photo
		}
	}
	if a.Status != authority.ActivationDraft && a.Data.Employment == authority.EmploymentASN {
		nik, err1 := authority.CheckNIK(a.Data.NIK, e.now())
		nip, err2 := authority.CheckNIP(a.Data.NIP, e.now())
		if err1 == nil && err2 == nil {
			a.Warnings = authority.NIPWarnings(nip, nik)
		}
	}
	return a, nil
}

// emptyActivation is the activation of an account that never started one.
func (e *Authority) emptyActivation(u store.User) authority.Activation {
	return authority.Activation{Email: u.Email, Account: u.Name, Instansi: e.opts.Instansi, Status: authority.ActivationDraft,
		Data: authority.ActivationData{Name: u.Name}}
}

// Activation returns the signed-in account's activation.
func (e *Authority) Activation(ctx context.Context, token string) (authority.Activation, error) {
	var a authority.Activation
	err := e.viewAsUser(ctx, token, func(tx store.Tx, u store.User) (err error) {
		a, err = e.activationOf(ctx, tx, u, true)
		return err
	})
	return a, err
}

func (e *Authority) activationOf(ctx context.Context, tx store.Tx, u store.User, withPhoto bool) (authority.Activation, error) {
	row, err := tx.ActivationByUser(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return e.emptyActivation(u), nil
	}
	if err != nil {
		return authority.Activation{}, err
	}
	return e.activation(u, row, withPhoto)
}

// SaveActivationDraft keeps the form between steps.
func (e *Authority) SaveActivationDraft(ctx context.Context, req authority.ActivationRequest) (authority.Activation, error) {
	if err := authority.CheckDraft(req.Data); err != nil {
		return authority.Activation{}, err
	}
	var a authority.Activation
	err := e.asUser(ctx, req.Token, func(tx store.Tx, u store.User) error {
		row, err := tx.ActivationByUser(ctx, u.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			row = store.Activation{UserID: u.ID, Status: string(authority.ActivationDraft)}
		case err != nil:
			return err
		case row.Status == string(authority.ActivationWaiting) || row.Status == string(authority.ActivationVerified):
			return authority.ErrActivationLocked
		}
		// A rejected activation stays rejected, its reason shown, until
		// it is resubmitted.
		row.Step = min(max(req.Step, 0), authority.ActivationSteps-1)
		row.UpdatedAt = e.now()
		if err := e.sealActivation(&row, req.Data); err != nil {
			return err
		}
		if err := tx.PutActivation(ctx, row); err != nil {
			return err
		}
		a, err = e.activation(u, row, true)
		return err
	})
	return a, err
}

// SubmitActivation checks the form and sends it for verification.
func (e *Authority) SubmitActivation(ctx context.Context, req authority.ActivationRequest) (authority.Activation, error) {
	d, _, err := authority.ValidateActivation(req.Data, e.now())
	if err != nil {
		return authority.Activation{}, err
	}
	hash, err := e.nikHash(d.NIK)
	if err != nil {
		return authority.Activation{}, err
	}
	var a authority.Activation
	var mails []int64
	err = e.asUser(ctx, req.Token, func(tx store.Tx, u store.User) error {
		mails = nil // fn may run again (store.DB.Update)
		row, err := tx.ActivationByUser(ctx, u.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			row = store.Activation{UserID: u.ID}
		case err != nil:
			return err
		case row.Status == string(authority.ActivationWaiting) || row.Status == string(authority.ActivationVerified):
			return authority.ErrActivationLocked
		}
		now := e.now()
		row.Status, row.Reason, row.Step, row.NIKHash = string(authority.ActivationWaiting), "", authority.ActivationSteps-1, hash
		row.UpdatedAt, row.SubmittedAt, row.DecidedAt, row.DecidedBy = now, now, time.Time{}, ""
		if e.opts.AutoApproveActivations {
			row.Status, row.DecidedAt, row.DecidedBy = string(authority.ActivationVerified), now, "auto"
		}
		if err := e.sealActivation(&row, d); err != nil {
			return err
		}
		if err := tx.PutActivation(ctx, row); errors.Is(err, store.ErrDuplicate) {
			return &authority.ValidationError{Fields: []authority.FieldError{{Field: authority.FieldNIK, Err: authority.ErrNIKTaken}}}
		} else if err != nil {
			return err
		}
		if e.opts.AutoApproveActivations {
			id, err := e.passphraseLinkMail(ctx, tx, u, authority.MailActivationApproved, passphraseLinkLifetime)
			if err != nil {
				return err
			}
			mails = append(mails, id)
		} else {
			m := activationSubmittedMail(e.language(u), u.Email, d.Name)
			m.CreatedAt = now
			if err := tx.InsertMail(ctx, &m); err != nil {
				return err
			}
			mails = append(mails, m.ID)
		}
		a, err = e.activation(u, row, true)
		return err
	})
	if err != nil {
		return authority.Activation{}, err
	}
	e.send(mails)
	return a, nil
}

// LookupEmployee finds a NIP or NRP in the directory.
func (e *Authority) LookupEmployee(ctx context.Context, req authority.LookupRequest) (authority.Employee, error) {
	nip := strings.TrimSpace(req.NIP)
	if _, err := authority.CheckNIP(nip, e.now()); err != nil {
		return authority.Employee{}, err
	}
	var emp authority.Employee
	err := e.view(ctx, func(tx store.Tx) error {
		if _, _, err := e.session(ctx, tx, req.Token); err != nil {
			return err
		}
		r, err := tx.EmployeeByNIP(ctx, nip)
		if errors.Is(err, store.ErrNotFound) {
			return authority.ErrEmployeeNotFound
		}
		if err != nil {
			return err
		}
		emp = employee(r)
		return nil
	})
	return emp, err
}

func employee(r store.Employee) authority.Employee {
	emp := authority.Employee{NIP: r.NIP, Name: r.Name, Unit: r.Unit, Jabatan: r.Jabatan, Province: r.Province}
	if p, ok := region.Find(r.Province); ok {
		emp.ProvinceCode = p.Code
	}
	return emp
}

// verifier resolves a session token that must belong to a verifier.
func (e *Authority) verifier(ctx context.Context, tx store.Tx, token string) (store.User, error) {
	u, _, err := e.session(ctx, tx, token)
	if err != nil {
		return store.User{}, err
	}
	if u.Role != string(authority.RoleVerifier) {
		return store.User{}, authority.ErrVerifierRequired
	}
	return u, nil
}

// PendingActivations lists the waiting activations for a verifier.
func (e *Authority) PendingActivations(ctx context.Context, token string) ([]authority.Activation, error) {
	var out []authority.Activation
	err := e.view(ctx, func(tx store.Tx) error {
		_, err := e.verifier(ctx, tx, token)
		if err != nil {
			return err
		}
		out, err = e.listActivations(ctx, tx, authority.ActivationWaiting, true)
		return err
	})
	return out, err
}

func (e *Authority) listActivations(ctx context.Context, tx store.Tx, status authority.ActivationStatus, withPhoto bool) ([]authority.Activation, error) {
	rows, err := tx.Activations(ctx, string(status))
	if err != nil {
		return nil, err
	}
	out := make([]authority.Activation, 0, len(rows))
	for _, row := range rows {
		u, err := tx.UserByID(ctx, row.UserID)
		if err != nil {
			return nil, err
		}
		a, err := e.activation(u, row, withPhoto)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// DecideActivation approves or rejects as a verifier.
func (e *Authority) DecideActivation(ctx context.Context, req authority.DecisionRequest) (authority.Activation, error) {
	return e.decide(ctx, req, true)
}

// AdminDecideActivation approves or rejects as IT.
func (e *Authority) AdminDecideActivation(ctx context.Context, req authority.DecisionRequest) (authority.Activation, error) {
	return e.decide(ctx, req, false)
}

func (e *Authority) decide(ctx context.Context, req authority.DecisionRequest, asVerifier bool) (authority.Activation, error) {
	reason, err := checkReason(req.Reason, req.Approve)
	if err != nil {
		return authority.Activation{}, err
	}
	email, err := authority.NormalizeEmail(req.Email)
	if err != nil {
		return authority.Activation{}, err
	}
	var a authority.Activation
	var mails []int64
	err = e.update(ctx, func(tx store.Tx) error {
		mails = nil // fn may run again (store.DB.Update)
		by := "admin"
		if asVerifier {
			v, err := e.verifier(ctx, tx, req.Token)
			if err != nil {
				return err
			}
			if v.Email == email {
				return authority.ErrOwnActivation
			}
			by = v.Email
		}
		u, err := tx.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("activation of %s: %w", email, authority.ErrNotFound)
		}
		if err != nil {
			return err
		}
		row, err := tx.ActivationByUser(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("activation of %s: %w", email, authority.ErrActivationNotWaiting)
		}
		if err != nil {
			return err
		}
		if row.Status != string(authority.ActivationWaiting) {
			return fmt.Errorf("activation of %s is %s: %w", email, row.Status, authority.ErrActivationNotWaiting)
		}
		now := e.now()
		row.DecidedAt, row.DecidedBy, row.UpdatedAt = now, by, now
		if a, err = e.activation(u, row, false); err != nil {
			return err
		}
		if req.Approve {
			row.Status = string(authority.ActivationVerified)
		} else {
			// The NIK is released: a rejection may be for a NIK that is
			// someone else's. Resubmitting claims it again.
			row.Status, row.Reason, row.NIKHash = string(authority.ActivationRejected), reason, nil
		}
		if err := tx.PutActivation(ctx, row); err != nil {
			return err
		}
		if req.Approve {
			// The mail carries the link that opens "Buat Passphrase".
			id, err := e.passphraseLinkMail(ctx, tx, u, authority.MailActivationApproved, passphraseLinkLifetime)
			if err != nil {
				return err
			}
			mails = append(mails, id)
		} else {
			m := activationRejectedMail(e.language(u), u.Email, a.Data.Name, reason)
			m.CreatedAt = now
			if err := tx.InsertMail(ctx, &m); err != nil {
				return err
			}
			mails = append(mails, m.ID)
		}
		a, err = e.activation(u, row, false)
		return err
	})
	if err != nil {
		return authority.Activation{}, err
	}
	e.send(mails)
	return a, nil
}

// checkReason trims a rejection's reason; approval needs none.
func checkReason(s string, approve bool) (string, error) {
	if approve {
		return "", nil
	}
	return authority.CheckFreeText(s, authority.MaxReasonLen, true, authority.TextErrors{Empty: authority.ErrReasonRequired, Long: authority.ErrReasonTooLong, Invalid: authority.ErrTextInvalid})
}

// ListActivations lists activations for IT, without photos.
func (e *Authority) ListActivations(ctx context.Context, q authority.ActivationQuery) ([]authority.Activation, error) {
	var out []authority.Activation
	err := e.view(ctx, func(tx store.Tx) (err error) {
		out, err = e.listActivations(ctx, tx, q.Status, false)
		return err
	})
	return out, err
}

// ShowActivation returns one account's activation with its photo.
func (e *Authority) ShowActivation(ctx context.Context, email string) (authority.Activation, error) {
	addr, err := authority.NormalizeEmail(email)
	if err != nil {
		return authority.Activation{}, err
	}
	var a authority.Activation
	err = e.view(ctx, func(tx store.Tx) error {
		u, err := tx.UserByEmail(ctx, addr)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("activation of %s: %w", addr, authority.ErrNotFound)
		}
		if err != nil {
			return err
		}
		a, err = e.activationOf(ctx, tx, u, true)
		return err
	})
	return a, err
}

// ImportDirectory replaces the employee directory, all rows or none.
func (e *Authority) ImportDirectory(ctx context.Context, rows []authority.Employee) (authority.DirectoryImportResult, error) {
	var res authority.DirectoryImportResult
	recs := make([]store.Employee, 0, len(rows))
	seen := map[string]bool{}
	for i, r := range rows {
		rec, err := checkEmployee(r, e.now())
		if err == nil {
			if seen[rec.NIP] {
				err = fmt.Errorf("NIP %s is on an earlier row too", rec.NIP)
			}
			seen[rec.NIP] = true
		}
		if err != nil {
			res.Errors = append(res.Errors, authority.RowError{Row: i, Err: err.Error()})
			continue
		}
		recs = append(recs, rec)
	}
	if len(res.Errors) > 0 {
		return res, fmt.Errorf("%d of %d rows: %w", len(res.Errors), len(rows), authority.ErrDirectoryRejected)
	}
	err := e.update(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, recs) })
	if err != nil {
		return authority.DirectoryImportResult{}, err
	}
	res.Imported = len(recs)
	return res, nil
}

// checkEmployee checks one directory row: a valid NIP or NRP and the
// required texts. The province may be any text (the screen offers the
// province list when it names none).
func checkEmployee(r authority.Employee, now time.Time) (store.Employee, error) {
	nip := strings.TrimSpace(r.NIP)
	rec := store.Employee{NIP: nip}
	if _, err := authority.CheckNIP(nip, now); err != nil {
		return rec, fmt.Errorf("nip %q: %w", nip, err)
	}
	var err error
	if rec.Name, err = authority.CheckName(r.Name); err != nil {
		return rec, fmt.Errorf("nama: %w", err)
	}
	if rec.Unit, err = authority.CheckText(r.Unit, authority.ErrUnitRequired); err != nil {
		return rec, fmt.Errorf("unit_organisasi: %w", err)
	}
	if rec.Jabatan, err = authority.CheckText(r.Jabatan, authority.ErrJabatanRequired); err != nil {
		return rec, fmt.Errorf("jabatan: %w", err)
	}
	if rec.Province, err = authority.CheckText(r.Province, authority.ErrProvinceRequired); err != nil {
		return rec, fmt.Errorf("provinsi: %w", err)
	}
	return rec, nil
}
