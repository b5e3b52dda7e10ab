package authority

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/jpeg" // DecodeConfig of submitted photos
	"strings"
	"time"

	"github.com/natunakab/besign/authority/region"
)

// Activations is the account holder's side of activation (the "Aktivasi"
// tab): the three-step form, kept as a draft between steps, then submitted
// for verification, and resubmitted after a rejection.
type Activations interface {
	// Activation returns the signed-in account's activation; one never
	// started is an empty draft.
	Activation(ctx context.Context, token string) (Activation, error)
	// SaveActivationDraft keeps the form as it is, checked only for size,
	// so that an interrupted activation resumes. It is refused while the
	// activation waits for verification or once it is verified.
	SaveActivationDraft(ctx context.Context, req ActivationRequest) (Activation, error)
	// SubmitActivation checks the whole form (a *ValidationError names each
	// bad field) and sends it for verification, or approves it at once when
	// the authority is configured to. After a rejection it resubmits.
	SubmitActivation(ctx context.Context, req ActivationRequest) (Activation, error)
	// LookupEmployee finds a NIP or NRP in the employee directory ("Cek
	// NIP/NRP"); an unknown number gives ErrEmployeeNotFound.
	LookupEmployee(ctx context.Context, req LookupRequest) (Employee, error)
}

// Verifications is the verifier's side: an account with role verifier
// lists the activations waiting for verification and decides on them.
type Verifications interface {
	// PendingActivations lists the activations waiting for verification,
	// oldest first, photos included.
	PendingActivations(ctx context.Context, token string) ([]Activation, error)
	// DecideActivation approves, or rejects with a reason, one waiting
	// activation. A verifier cannot decide on their own.
	DecideActivation(ctx context.Context, req DecisionRequest) (Activation, error)
}

// ActivationAdmin is IT's side of activation (`besign admin activations`
// and `besign admin directory import`).
type ActivationAdmin interface {
	// ListActivations lists activations with a status, or all (Status
	// empty), without their photos.
	ListActivations(ctx context.Context, q ActivationQuery) ([]Activation, error)
	// ShowActivation returns one account's activation with its photo.
	ShowActivation(ctx context.Context, email string) (Activation, error)
	// AdminDecideActivation approves or rejects like DecideActivation,
	// as IT (Token is ignored).
	AdminDecideActivation(ctx context.Context, req DecisionRequest) (Activation, error)
	// ImportDirectory replaces the employee directory with rows, all or
	// nothing; ImportResult.Errors names each bad row.
	ImportDirectory(ctx context.Context, rows []Employee) (DirectoryImportResult, error)
}

// ActivationStatus is where an activation stands.
type ActivationStatus string

const (
	ActivationDraft    ActivationStatus = "draft"
	ActivationWaiting  ActivationStatus = "WAITING_FOR_VERIFICATION"
	ActivationVerified ActivationStatus = "verified"
	ActivationRejected ActivationStatus = "rejected"
)

// Employment is the "Status" of Data Kedinasan.
type Employment string

const (
	EmploymentASN   Employment = "asn"     // "ASN dan Penyidik POLRI": NIP or NRP
	EmploymentOther Employment = "lainnya" // "Lainnya": unit and jabatan by hand
)

// ActivationData is the form: Data Diri, Data Kedinasan and Foto Diri.
type ActivationData struct {
	Name          string     `json:"name"` // as on the KTP
	NIK           string     `json:"nik"`
	GelarDepan    string     `json:"gelar_depan"` // "-" for none
	GelarBelakang string     `json:"gelar_belakang"`
	Phone         string     `json:"phone"` // stored as +62...
	Employment    Employment `json:"employment"`
	NIP           string     `json:"nip,omitempty"` // NIP or NRP, for ASN
	Unit          string     `json:"unit"`
	Jabatan       string     `json:"jabatan"`
	Province      string     `json:"province"`        // code, see package region
	Photo         []byte     `json:"photo,omitempty"` // JPEG
	Consent       bool       `json:"consent"`
}

// Activation is one account's activation as the authority tells it.
type Activation struct {
	Email    string           `json:"email"`
	Account  string           `json:"account"` // the account's name
	Instansi string           `json:"instansi"`
	Status   ActivationStatus `json:"status"`
	Reason   string           `json:"reason,omitempty"` // of a rejection
	Step     int              `json:"step"`             // the form's step when last saved (0-based)
	Data     ActivationData   `json:"data"`
	// PhotoSize is the photo's size in bytes, also when Data.Photo is left out.
	PhotoSize   int       `json:"photo_size"`
	Warnings    []Warning `json:"warnings,omitempty"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	DecidedBy   string    `json:"decided_by,omitempty"` // verifier's email, "admin" or "auto"
}

type ActivationRequest struct {
	Token string         `json:"token"`
	Step  int            `json:"step"`
	Data  ActivationData `json:"data"`
}

type LookupRequest struct {
	Token string `json:"token"`
	NIP   string `json:"nip"`
}

type DecisionRequest struct {
	Token   string `json:"token,omitempty"` // a verifier's session
	Email   string `json:"email"`           // whose activation
	Approve bool   `json:"approve"`
	Reason  string `json:"reason,omitempty"` // required to reject
}

type ActivationQuery struct {
	Status ActivationStatus `json:"status,omitempty"`
}

// Employee is one person of the employee directory.
type Employee struct {
	NIP     string `json:"nip"`
	Name    string `json:"nama"`
	Unit    string `json:"unit_organisasi"`
	Jabatan string `json:"jabatan"`
	// Province is as the directory writes it; ProvinceCode is set when that
	// names one of region.Provinces.
	Province     string `json:"provinsi"`
	ProvinceCode string `json:"province_code,omitempty"`
}

// DirectoryImportResult tells per row (0-based, as given) what is wrong;
// Imported is 0 when any row failed.
type DirectoryImportResult struct {
	Imported int        `json:"imported"`
	Errors   []RowError `json:"errors,omitempty"`
}

// Errors of activation.
var (
	ErrActivationInvalid    = errors.New("activation form is not complete or not valid")
	ErrActivationLocked     = errors.New("activation has been submitted and cannot be changed now")
	ErrActivationNotWaiting = errors.New("activation is not waiting for verification")
	ErrVerifierRequired     = errors.New("only a verifier can do this")
	ErrOwnActivation        = errors.New("a verifier cannot verify their own activation")
	ErrReasonRequired       = errors.New("a reason is required to reject")
	ErrReasonTooLong        = errors.New("reason is too long")
	ErrEmployeeNotFound     = errors.New("NIP or NRP is not in the employee directory")
	ErrEmploymentInvalid    = errors.New(`status must be "asn" or "lainnya"`)
	ErrNIPRequired          = errors.New("NIP or NRP is required")
	ErrUnitRequired         = errors.New("unit organisasi is required")
	ErrJabatanRequired      = errors.New("jabatan is required")
	ErrProvinceRequired     = errors.New("choose a province")
	ErrProvinceInvalid      = errors.New("province is not one of Indonesia's provinces")
	ErrTextTooLong          = errors.New("text is too long")
	ErrTextInvalid          = errors.New("text contains characters that are not allowed")
	ErrPhotoRequired        = errors.New("a photo is required")
	ErrPhotoInvalid         = errors.New("photo must be a JPEG image")
	ErrPhotoTooLarge        = errors.New("photo is too large")
	ErrPhotoTooSmall        = errors.New("photo is too small")
	ErrConsentRequired      = errors.New("consent is required")
	ErrDirectoryRejected    = errors.New("directory import rejected: some rows are not valid")
)

// Limits of the activation form. The screens scale photos down to
// MaxPhotoSide before they submit them.
const (
	MaxTextLen      = 200 // unit, jabatan
	MaxReasonLen    = 500
	MaxPhotoBytes   = 2 << 20
	MaxPhotoSide    = 1600
	MinPhotoSide    = 240
	ActivationSteps = 3
)

// Form fields, as ValidationError names them.
const (
	FieldName          = "name"
	FieldNIK           = "nik"
	FieldGelarDepan    = "gelar_depan"
	FieldGelarBelakang = "gelar_belakang"
	FieldPhone         = "phone"
	FieldEmployment    = "employment"
	FieldNIP           = "nip"
	FieldUnit          = "unit"
	FieldJabatan       = "jabatan"
	FieldProvince      = "province"
	FieldPhoto         = "photo"
	FieldConsent       = "consent"
)

// FieldError is one bad field of the form.
type FieldError struct {
	Field string
	Err   error
}

// ValidationError lists the bad fields of a form, in form order. It
// matches ErrActivationInvalid and each field's error with errors.Is.
type ValidationError struct {
	Fields []FieldError
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + ": " + f.Err.Error()
	}
	return ErrActivationInvalid.Error() + ": " + strings.Join(parts, "; ")
}

func (v *ValidationError) Unwrap() []error {
	out := []error{ErrActivationInvalid}
	for _, f := range v.Fields {
		out = append(out, f.Err)
	}
	return out
}

// Field returns the error of one field, nil when it is fine.
func (v *ValidationError) Field(name string) error {
	if v == nil {
		return nil
	}
	for _, f := range v.Fields {
		if f.Field == name {
			return f.Err
		}
	}
	return nil
}

// StepFields are the fields of each step of the form, so that a screen
// can check one step before moving on.
var StepFields = [ActivationSteps][]string{
	{FieldName, FieldNIK, FieldGelarDepan, FieldGelarBelakang, FieldPhone},
	{FieldEmployment, FieldNIP, FieldUnit, FieldJabatan, FieldProvince},
	{FieldPhoto, FieldConsent},
}

// ValidateActivation checks the whole form and returns it normalised
// (trimmed, phone as +62...), with the warnings that do not stop it; err is
// a *ValidationError. The screens call it too, so that the rules are
// written once.
func ValidateActivation(d ActivationData, now time.Time) (ActivationData, []Warning, error) {
	v := &ValidationError{}
	bad := func(field string, err error) { v.Fields = append(v.Fields, FieldError{field, err}) }
	var err error
	if d.Name, err = CheckName(d.Name); err != nil {
		bad(FieldName, err)
	}
	d.NIK = strings.TrimSpace(d.NIK)
	nik, nikErr := CheckNIK(d.NIK, now)
	if nikErr != nil {
		bad(FieldNIK, nikErr)
	}
	if d.GelarDepan, err = CheckGelar(d.GelarDepan); err != nil {
		bad(FieldGelarDepan, err)
	}
	if d.GelarBelakang, err = CheckGelar(d.GelarBelakang); err != nil {
		bad(FieldGelarBelakang, err)
	}
	if d.Phone, err = NormalizePhone(d.Phone); err != nil {
		bad(FieldPhone, err)
	}
	var warnings []Warning
	switch d.Employment {
	case EmploymentASN:
		d.NIP = strings.TrimSpace(d.NIP)
		if d.NIP == "" {
			bad(FieldNIP, ErrNIPRequired)
		} else if nip, err := CheckNIP(d.NIP, now); err != nil {
			bad(FieldNIP, err)
		} else if nikErr == nil {
			warnings = NIPWarnings(nip, nik)
		}
	case EmploymentOther:
		d.NIP = ""
	default:
		bad(FieldEmployment, ErrEmploymentInvalid)
	}
	if d.Unit, err = CheckText(d.Unit, ErrUnitRequired); err != nil {
		bad(FieldUnit, err)
	}
	if d.Jabatan, err = CheckText(d.Jabatan, ErrJabatanRequired); err != nil {
		bad(FieldJabatan, err)
	}
	if d.Province == "" {
		bad(FieldProvince, ErrProvinceRequired)
	} else if _, ok := region.ByCode(d.Province); !ok {
		bad(FieldProvince, ErrProvinceInvalid)
	}
	if err := CheckPhotoJPEG(d.Photo); err != nil {
		bad(FieldPhoto, err)
	}
	if !d.Consent {
		bad(FieldConsent, ErrConsentRequired)
	}
	if len(v.Fields) > 0 {
		return d, warnings, v
	}
	return d, warnings, nil
}

// CheckText trims a required free text (unit, jabatan).
func CheckText(s string, missing error) (string, error) {
	return CheckFreeText(s, MaxTextLen, false, TextErrors{missing, ErrTextTooLong, ErrTextInvalid})
}

// CheckPhotoJPEG checks what the authority keeps of a photo: a JPEG of at
// most MaxPhotoBytes whose sides lie between MinPhotoSide and MaxPhotoSide.
// Whether the picture is usable (light, sharpness) is the camera package's
// check, made before.
func CheckPhotoJPEG(b []byte) error {
	if len(b) == 0 {
		return ErrPhotoRequired
	}
	if len(b) > MaxPhotoBytes {
		return ErrPhotoTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "jpeg" {
		return ErrPhotoInvalid
	}
	if cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide {
		return ErrPhotoTooLarge
	}
	if cfg.Width < MinPhotoSide || cfg.Height < MinPhotoSide {
		return ErrPhotoTooSmall
	}
	return nil
}

// CheckDraft bounds a draft's size without judging its content.
func CheckDraft(d ActivationData) error {
	for _, s := range []string{d.Name, d.NIK, d.GelarDepan, d.GelarBelakang, d.Phone, string(d.Employment), d.NIP, d.Unit, d.Jabatan, d.Province} {
		if len(s) > 4*MaxTextLen {
			return ErrTextTooLong
		}
	}
	if len(d.Photo) > MaxPhotoBytes {
		return ErrPhotoTooLarge
	}
	return nil
}
