package embedded

import (
	"bytes"
	"errors"
	"github.com/natunakab/besign/authority"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testNIK   = "2103015901950003" // a woman born 1995-01-19, Natuna
	testNIP   = "199501192022032003"
	testPhone = "0812-3456-7890"
)

// testJPEG is a noisy photo, as a camera gives.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(r.IntN(256))
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func validForm(t testing.TB) authority.ActivationData {
	return authority.ActivationData{
		Name: "Siti Rahmawati", NIK: testNIK, GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: testPhone,
		Employment: authority.EmploymentASN, NIP: testNIP, Unit: "Dinas Komunikasi dan Informatika", Jabatan: "Pranata Komputer",
		Province: "21", Photo: testJPEG(t, 320, 400), Consent: true,
	}
}

func TestActivationDraftSubmitApprove(t *testing.T) {
	e, clk, opts := openTest(t, func(o *Options) { o.Instansi = "Pemerintah Kabupaten Natuna" })
	_, secret := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	s := signIn(t, e, clk, "siti@natunakab.go.id", secret, false)

	a, err := e.Activation(ctx, s.Token)
	if err != nil || a.Status != authority.ActivationDraft || a.Data.Name != "Siti Rahmawati" || a.Instansi != "Pemerintah Kabupaten Natuna" {
		t.Fatalf("fresh activation = %+v, %v", a, err)
	}
	// A draft keeps whatever was typed, even what is not valid yet.
	draft := authority.ActivationData{Name: "Siti", NIK: "21030159", Phone: "0812abc"}
	if _, err := e.SaveActivationDraft(ctx, authority.ActivationRequest{Token: s.Token, Step: 1, Data: draft}); err != nil {
		t.Fatalf("SaveActivationDraft: %v", err)
	}
	// Resumed after a restart.
	e.Close()
	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	e = e2
	a, err = e.Activation(ctx, s.Token)
	if err != nil || a.Step != 1 || a.Data.NIK != "21030159" || a.Data.Phone != "0812abc" || a.Status != authority.ActivationDraft {
		t.Fatalf("resumed = %+v, %v", a, err)
	}

	// Submitting an invalid form names every bad field and stores nothing.
	_, err = e.SubmitActivation(ctx, authority.ActivationRequest{Token: s.Token, Data: draft})
	var ve *authority.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, authority.ErrActivationInvalid) {
		t.Fatalf("submit invalid: %v", err)
	}
	for field, want := range map[string]error{authority.FieldNIK: authority.ErrNIKFormat, authority.FieldPhone: authority.ErrPhoneInvalid, authority.FieldGelarDepan: authority.ErrGelarRequired,
		authority.FieldEmployment: authority.ErrEmploymentInvalid, authority.FieldUnit: authority.ErrUnitRequired, authority.FieldProvince: authority.ErrProvinceRequired, authority.FieldPhoto: authority.ErrPhotoRequired, authority.FieldConsent: authority.ErrConsentRequired} {
		if got := ve.Field(field); !errors.Is(got, want) {
			t.Errorf("field %s: %v, want %v", field, got, want)
		}
	}
	if a, _ := e.Activation(ctx, s.Token); a.Status != authority.ActivationDraft {
		t.Errorf("status after a refused submit: %s", a.Status)
	}

	form := validForm(t)
	a, err = e.SubmitActivation(ctx, authority.ActivationRequest{Token: s.Token, Data: form})
	if err != nil {
		t.Fatalf("SubmitActivation: %v", err)
	}
	if a.Status != authority.ActivationWaiting || a.Data.Phone != "+6281234567890" || a.PhotoSize != len(form.Photo) || len(a.Warnings) != 0 {
		t.Fatalf("submitted = %+v", a)
	}
	newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationSubmitted)
	if _, err := e.SaveActivationDraft(ctx, authority.ActivationRequest{Token: s.Token, Data: form}); !errors.Is(err, authority.ErrActivationLocked) {
		t.Errorf("draft while waiting: %v", err)
	}

	// A signer cannot verify; a verifier can, but not their own.
	if _, err := e.PendingActivations(ctx, s.Token); !errors.Is(err, authority.ErrVerifierRequired) {
		t.Errorf("signer lists pending: %v", err)
	}
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Budi Verifikator", Email: "budi@natunakab.go.id", Role: authority.RoleVerifier}); err != nil {
		t.Fatal(err)
	}
	_, vsecret := activateExisting(t, e, clk, "budi@natunakab.go.id")
	vs := signIn(t, e, clk, "budi@natunakab.go.id", vsecret, false)
	pending, err := e.PendingActivations(ctx, vs.Token)
	if err != nil || len(pending) != 1 || pending[0].Email != "siti@natunakab.go.id" || !bytes.Equal(pending[0].Data.Photo, form.Photo) || pending[0].Data.NIK != testNIK {
		t.Fatalf("pending = %d, %v", len(pending), err)
	}
	if _, err := e.DecideActivation(ctx, authority.DecisionRequest{Token: vs.Token, Email: "siti@natunakab.go.id"}); !errors.Is(err, authority.ErrReasonRequired) {
		t.Errorf("reject without reason: %v", err)
	}
	if _, err := e.DecideActivation(ctx, authority.DecisionRequest{Token: vs.Token, Email: "budi@natunakab.go.id", Approve: true}); !errors.Is(err, authority.ErrOwnActivation) {
		t.Errorf("own activation: %v", err)
	}
	a, err = e.DecideActivation(ctx, authority.DecisionRequest{Token: vs.Token, Email: "siti@natunakab.go.id", Reason: "Foto tidak jelas"})
	if err != nil || a.Status != authority.ActivationRejected || a.Reason != "Foto tidak jelas" || a.DecidedBy != "budi@natunakab.go.id" {
		t.Fatalf("reject = %+v, %v", a, err)
	}
	m := newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationRejected)
	mustContain(t, "rejection mail", m.Body, "Foto tidak jelas")

	// The user fixes the data and resubmits; the reason stays until then.
	if a, err := e.SaveActivationDraft(ctx, authority.ActivationRequest{Token: s.Token, Step: 2, Data: form}); err != nil || a.Status != authority.ActivationRejected || a.Reason == "" {
		t.Errorf("draft after rejection = %+v, %v", a, err)
	}
	form.Photo = testJPEG(t, 300, 300)
	if a, err = e.SubmitActivation(ctx, authority.ActivationRequest{Token: s.Token, Data: form}); err != nil || a.Status != authority.ActivationWaiting || a.Reason != "" {
		t.Fatalf("resubmit = %+v, %v", a, err)
	}
	a, err = e.AdminDecideActivation(ctx, authority.DecisionRequest{Email: "siti@natunakab.go.id", Approve: true})
	if err != nil || a.Status != authority.ActivationVerified || a.DecidedBy != "admin" {
		t.Fatalf("approve = %+v, %v", a, err)
	}
	if m := newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationApproved); m.Subject != "[BSrE] Set Passphrase" || !strings.HasPrefix(m.ActionLink, "besign://passphrase?token=") || m.ActionLabel != "Buat Passphrase" {
		t.Errorf("approval mail %q, button %q %q", m.Subject, m.ActionLabel, m.ActionLink)
	}
	if _, err := e.AdminDecideActivation(ctx, authority.DecisionRequest{Email: "siti@natunakab.go.id", Approve: true}); !errors.Is(err, authority.ErrActivationNotWaiting) {
		t.Errorf("approve twice: %v", err)
	}
	list, err := e.ListActivations(ctx, authority.ActivationQuery{})
	if err != nil || len(list) != 1 || list[0].Data.Photo != nil || list[0].PhotoSize != len(form.Photo) {
		t.Errorf("list = %+v, %v", list, err)
	}
}

// activateExisting sets the first password and OTP of an existing account.
func activateExisting(t testing.TB, e *Authority, clk *testClock, email string) (authority.Account, string) {
	t.Helper()
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	tk, err := e.OpenReset(ctx, linkToken(t, newestMail(t, e, email, authority.MailReset).ActionLink))
	if err != nil {
		t.Fatal(err)
	}
	en, err := e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "HP"}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * 1e9)
	return tk.Account, en.Secret
}

func TestActivationNIKOneAccount(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	_, s1 := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	_, s2 := activate(t, e, clk, "Sari Dewi", "sari@natunakab.go.id")
	t1 := signIn(t, e, clk, "siti@natunakab.go.id", s1, false).Token
	t2 := signIn(t, e, clk, "sari@natunakab.go.id", s2, false).Token
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: t1, Data: validForm(t)}); err != nil {
		t.Fatal(err)
	}
	form := validForm(t)
	form.Name = "Sari Dewi"
	_, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: t2, Data: form})
	var ve *authority.ValidationError
	if !errors.As(err, &ve) || !errors.Is(ve.Field(authority.FieldNIK), authority.ErrNIKTaken) {
		t.Fatalf("second account with the same NIK: %v", err)
	}
	if a, _ := e.Activation(ctx, t2); a.Status != authority.ActivationDraft {
		t.Errorf("status after the refusal: %s", a.Status)
	}
	// Rejection releases the NIK (it may have been someone else's).
	if _, err := e.AdminDecideActivation(ctx, authority.DecisionRequest{Email: "siti@natunakab.go.id", Reason: "NIK bukan milik Anda"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: t2, Data: form}); err != nil {
		t.Fatalf("NIK after the other's rejection: %v", err)
	}
}

func TestActivationAutoApproveAndWarnings(t *testing.T) {
	e, clk, _ := openTest(t, func(o *Options) { o.AutoApproveActivations = true })
	_, s := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	tok := signIn(t, e, clk, "siti@natunakab.go.id", s, false).Token
	form := validForm(t)
	form.NIK = "2103011901950003" // a man's NIK with a woman's NIP
	a, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: tok, Data: form})
	if err != nil || a.Status != authority.ActivationVerified || a.DecidedBy != "auto" {
		t.Fatalf("auto approve = %+v, %v", a, err)
	}
	if len(a.Warnings) != 1 || a.Warnings[0] != authority.WarnNIPSex {
		t.Errorf("warnings %v", a.Warnings)
	}
	newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationApproved)
}

func TestCheckPhotoJPEG(t *testing.T) {
	var png bytes.Buffer
	png.WriteString("\x89PNG\r\n\x1a\n")
	for _, tc := range []struct {
		name  string
		photo []byte
		err   error
	}{
		{"ok", testJPEG(t, 320, 320), nil},
		{"none", nil, authority.ErrPhotoRequired},
		{"corrupt", []byte("\xff\xd8\xff\xe0 not really"), authority.ErrPhotoInvalid},
		{"png", png.Bytes(), authority.ErrPhotoInvalid},
		{"small", testJPEG(t, 100, 100), authority.ErrPhotoTooSmall},
		{"big", testJPEG(t, 2000, 300), authority.ErrPhotoTooLarge},
		{"bytes", make([]byte, authority.MaxPhotoBytes+1), authority.ErrPhotoTooLarge},
	} {
		if err := authority.CheckPhotoJPEG(tc.photo); !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}

// TestActivationAtRest scans the database files for the NIK, the phone
// number and JPEG data in clear (UU PDP 27/2022).
func TestActivationAtRest(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	_, s := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	tok := signIn(t, e, clk, "siti@natunakab.go.id", s, false).Token
	form := validForm(t)
	if _, err := e.SaveActivationDraft(ctx, authority.ActivationRequest{Token: tok, Step: 2, Data: form}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: tok, Data: form}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	needles := map[string][]byte{
		"NIK": []byte(testNIK), "phone": []byte("81234567890"), "JPEG start": {0xff, 0xd8, 0xff, 0xdb},
		"JPEG body": form.Photo[len(form.Photo)/2 : len(form.Photo)/2+32],
	}
	dir := filepath.Dir(opts.Path)
	files, _ := os.ReadDir(dir)
	scanned := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		scanned += len(b)
		for what, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds the %s in clear", f.Name(), what)
			}
		}
	}
	if scanned < len(form.Photo) {
		t.Fatalf("scanned %d bytes, less than the photo: wrong directory?", scanned)
	}
	// The scan can find them: the same data unsealed would be seen.
	if !bytes.Contains(append([]byte("x"), form.Photo...), needles["JPEG start"]) || !strings.Contains(testNIK, string(needles["NIK"])) {
		t.Fatal("needles do not match the data")
	}
}

func TestDirectoryImport(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	good := "nip,nama,unit_organisasi,jabatan,provinsi\n" +
		testNIP + ",Siti Rahmawati,Dinas Kominfo,Pranata Komputer,NATUNA\n" +
		"12345678,Bripka Andi,Polres Natuna,Penyidik,Kepulauan Riau\n"
	n, err := authority.ImportDirectoryCSV(ctx, e, strings.NewReader(good))
	if err != nil || n != 2 {
		t.Fatalf("import = %d, %v", n, err)
	}
	for _, tc := range []struct {
		name, csv string
		lines     []int
		sub       string
	}{
		{"missing columns", "nip,nama,jabatan\n" + testNIP + ",A,B\n", []int{1}, "unit_organisasi, provinsi"},
		{"bad rows", "nama,nip,unit_organisasi,jabatan,provinsi\nA," + testNIP + ",U,J,P\nB,199502302022032003,U,J,P\n\nC,123,U,J,P\nD,12345678,,J,P\n", []int{3, 5, 6}, "birth date"},
		{"short row", "nip,nama,unit_organisasi,jabatan,provinsi\n" + testNIP + ",A,U\n", []int{2}, "fields"},
		{"duplicate", "nip,nama,unit_organisasi,jabatan,provinsi\n12345678,A,U,J,P\n12345678,B,U,J,P\n", []int{3}, "earlier row"},
		{"empty", "", nil, "empty"},
	} {
		_, err := authority.ImportDirectoryCSV(ctx, e, strings.NewReader(tc.csv))
		var de *authority.DirectoryFileError
		if !errors.As(err, &de) || !errors.Is(err, authority.ErrDirectoryFile) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var lines []int
		for _, l := range de.Lines {
			if l.Line > 0 {
				lines = append(lines, l.Line)
			}
		}
		if len(lines) != len(tc.lines) || (len(lines) > 0 && lines[0] != tc.lines[0]) || !strings.Contains(err.Error(), tc.sub) {
			t.Errorf("%s: lines %v, want %v; %v", tc.name, lines, tc.lines, err)
		}
	}
	// Nothing of the bad files was imported: the good one stands.
	_, s := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	tok := signIn(t, e, clk, "siti@natunakab.go.id", s, false).Token
	emp, err := e.LookupEmployee(ctx, authority.LookupRequest{Token: tok, NIP: testNIP})
	if err != nil || emp.Unit != "Dinas Kominfo" || emp.Province != "NATUNA" || emp.ProvinceCode != "" {
		t.Errorf("lookup = %+v, %v", emp, err)
	}
	emp, err = e.LookupEmployee(ctx, authority.LookupRequest{Token: tok, NIP: "12345678"})
	if err != nil || emp.ProvinceCode != "21" {
		t.Errorf("lookup NRP = %+v, %v", emp, err)
	}
	if _, err := e.LookupEmployee(ctx, authority.LookupRequest{Token: tok, NIP: "199001012015031001"}); !errors.Is(err, authority.ErrEmployeeNotFound) {
		t.Errorf("unknown NIP: %v", err)
	}
	if _, err := e.LookupEmployee(ctx, authority.LookupRequest{Token: tok, NIP: "199502302022032003"}); !errors.Is(err, authority.ErrNIPBirthDate) {
		t.Errorf("impossible NIP: %v", err)
	}
}

// TestActivationMailLanguage: outcomes are mailed in the account's language,
// and every activation mail exists in every language with the same fields.
func TestActivationMailLanguage(t *testing.T) {
	e, clk, _ := openTest(t, func(o *Options) { o.Language = authority.LanguageEN })
	_, s := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	tok := signIn(t, e, clk, "siti@natunakab.go.id", s, false).Token
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: tok, Data: validForm(t)}); err != nil {
		t.Fatal(err)
	}
	if m := newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationSubmitted); !strings.Contains(m.Subject, "Waiting for Verification") {
		t.Errorf("English submission mail: %q", m.Subject)
	}
	if _, err := e.AdminDecideActivation(ctx, authority.DecisionRequest{Email: "siti@natunakab.go.id", Reason: "Blurred photo"}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "English rejection", newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationRejected).Body, "Reason: Blurred photo")
	for _, texts := range []map[authority.Language]mailText{activationSubmittedText, activationApprovedText, activationRejectedText} {
		for _, l := range authority.Languages {
			tx, ok := texts[l]
			if !ok || tx.subject == "" || strings.Count(tx.body, "%s") != strings.Count(texts[authority.LanguageID].body, "%s") {
				t.Errorf("%s text of %q missing or with other fields", l, texts[authority.LanguageID].subject)
			}
		}
	}
}
