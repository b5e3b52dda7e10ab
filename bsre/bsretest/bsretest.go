// Package bsretest is a stand-in for an agency's BSrE Esign Client Service
// (API v2), for tests only: test files import it, the shipped binary never
// does.
//
// It is written from BSrE's guide ("Petunjuk Teknis API Esign Client
// Service" v2.2.1): the four v2 endpoints the client uses, Basic
// authentication, the signer statuses, and the error answers known from
// the guide and public clients (2031 "Passphrase anda salah", 2011 not
// registered, 2021 no certificate, 401, a 500 carrying an iText exception).
// It signs for real, with pdfsign and a throwaway CA (pdfsign/testpki), at
// the place the request gives in the v2 coordinates (top-left origin), and
// timestamps each signature with a test TSA (`openssl ts`): PAdES B-T, as
// BSrE answers.
// Its request decoding is lenient the way the real service must be:
// numbers or numeric strings, null for absent, "otp" for "totp", one
// signatureProperties item for several files.
//
// Faults make it misbehave the ways a client must survive: a timeout after
// signing, a changed prefix, a second signature, a signature elsewhere or
// by another person, a 500.
package bsretest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// Fault is a misbehaviour of the stand-in's signing endpoint.
type Fault int

const (
	// None: sign as asked.
	None Fault = iota
	// TimeoutAfterSigning: sign (and count it), then never answer.
	TimeoutAfterSigning
	// WrongPrefix: sign, then change a byte of the submitted part.
	WrongPrefix
	// SecondSignature: sign twice.
	SecondSignature
	// ServerError: answer 500 with an iText exception, signing nothing.
	ServerError
	// WrongPlace: sign on the requested page, 50 points higher.
	WrongPlace
	// OtherSigner: sign with another person's certificate.
	OtherSigner
	// NoTimestamp: sign B-B, without the TSA's token.
	NoTimestamp
)

// User is a signer known to the stand-in's BSrE.
type User struct {
	NIK, Email, Name string
	Passphrase       string
	// Status is the certificate status (bsre's Status values); default
	// ISSUE.
	Status string
}

type user struct {
	User
	key   *rsa.PrivateKey
	chain []*x509.Certificate
}

// Server is a running stand-in over HTTPS.
type Server struct {
	*httptest.Server
	Username, Password string

	pki   *testpki.PKI
	tsa   *tsa
	other *user

	mu       sync.Mutex
	users    []*user
	fault    Fault
	signings int
	totps    map[*user]string
	props    []Properties
}

// Properties is one signatureProperties item as the stand-in understood it,
// without the image (for tests to look at).
type Properties struct {
	Tampilan                        string
	Page                            int
	OriginX, OriginY, Width, Height float64
	Reason, Location                string
}

// New starts a stand-in; it stops with the test.
func New(t testing.TB) *Server {
	s := &Server{Username: "besign-app", Password: "rahasia-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		pki: testpki.New(testpki.LeafOptions{}), totps: map[*user]string{}}
	var err error
	if s.tsa, err = newTSA(t.TempDir(), s.pki); err != nil {
		t.Fatalf("bsretest: the test TSA: %v", err)
	}
	s.other = s.issue(User{Name: "Orang Lain", Email: "orang.lain@example.go.id", NIK: "2103010101800001"})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/sign/pdf", s.auth(s.sign))
	mux.HandleFunc("POST /api/v2/sign/get/totp", s.auth(s.getTOTP))
	mux.HandleFunc("POST /api/v2/user/check/status", s.auth(s.checkStatus))
	mux.HandleFunc("POST /api/v2/verify/pdf", s.auth(s.verify))
	s.Server = httptest.NewUnstartedServer(mux)
	// a client that distrusts the certificate is a test case, not noise
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// AddUser registers a signer and issues its certificate (RSA-2048, the
// email in the subjectAltName, the NIK as the subject's serialNumber).
func (s *Server) AddUser(u User) {
	if u.Status == "" {
		u.Status = "ISSUE"
	}
	iu := s.issue(u)
	s.mu.Lock()
	s.users = append(s.users, iu)
	s.mu.Unlock()
}

func (s *Server) issue(u User) *user {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial,
		Subject:   pkix.Name{CommonName: u.Name, SerialNumber: u.NIK, Organization: []string{"Pemerintah Kabupaten Natuna"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		EmailAddresses: []string{u.Email}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.pki.CA, key.Public(), s.pki.CAKey)
	if err != nil {
		panic(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return &user{User: u, key: key, chain: []*x509.Certificate{leaf, s.pki.CA}}
}

// SetFault sets the signing endpoint's behaviour from now on.
func (s *Server) SetFault(f Fault) { s.mu.Lock(); s.fault = f; s.mu.Unlock() }

// Signings counts the documents signed so far (a faulty answer included).
func (s *Server) Signings() int { s.mu.Lock(); defer s.mu.Unlock(); return s.signings }

// MailedTOTP is the code last "mailed" to the user with that email.
func (s *Server) MailedTOTP(email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for u, c := range s.totps {
		if strings.EqualFold(u.Email, email) {
			return c
		}
	}
	return ""
}

// LastProperties are the last sign request's signatureProperties.
func (s *Server) LastProperties() []Properties {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Properties(nil), s.props...)
}

// Roots trust the stand-in's signing CA (for verifying what it signs).
func (s *Server) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.pki.Root)
	return p
}

// RootPEM is the stand-in's signing root as PEM (a roots file, as IT ships
// BSrE's).
func (s *Server) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.pki.Root.Raw})
}

// TLSPEM is the stand-in's HTTPS certificate as PEM (a ca_file).
func (s *Server) TLSPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// TLSRoots trust the stand-in's HTTPS certificate.
func (s *Server) TLSRoots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// WriteCredentials writes the Basic credentials file (mode 0600) into dir.
func (s *Server) WriteCredentials(dir string) string {
	path := filepath.Join(dir, "bsre-credentials")
	if err := os.WriteFile(path, []byte(s.Username+":"+s.Password+"\n"), 0o600); err != nil {
		panic(err)
	}
	return path
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(s.Password)) != 1 {
			answer(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 256<<20)
		h(w, r)
	}
}

func answer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// failure is BSrE's error answer.
func failure(w http.ResponseWriter, status, code int, msg string) {
	body := map[string]any{"error": msg}
	if code != 0 {
		body["status_code"] = code
	}
	answer(w, status, body)
}

// find looks the signer up by NIK or email; nil when unknown.
func (s *Server) find(nik, email *string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if (nik != nil && *nik != "" && *nik == u.NIK) || (email != nil && *email != "" && strings.EqualFold(*email, u.Email)) {
			return u
		}
	}
	return nil
}

// userError answers for a signer who may not sign; false when it may.
func userError(w http.ResponseWriter, u *user) bool {
	switch {
	case u == nil:
		failure(w, http.StatusBadRequest, 2011, "Pengguna tidak terdaftar")
	case u.Status == "NO_CERTIFICATE":
		failure(w, http.StatusBadRequest, 2021, "Pengguna belum memiliki sertifikat elektronik")
	case u.Status != "ISSUE":
		// the guide gives no code for these: a 400 with the status
		failure(w, http.StatusBadRequest, 0, "Sertifikat elektronik pengguna tidak aktif: "+u.Status)
	default:
		return false
	}
	return true
}

// num is a number as clients send it: 10, 10.0, "10", or null.
type num struct {
	v   float64
	set bool
}

func (n *num) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	n.v, n.set = v, true
	return nil
}

// str is a string or null.
type str struct{ s string }

func (x *str) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &x.s)
}

type signBody struct {
	NIK, Email          *string
	Passphrase          str
	TOTP                str `json:"totp"`
	OTP                 str `json:"otp"` // the guide's own examples say "otp"
	SignatureProperties []struct {
		Tampilan     str
		ImageBase64  str
		Page         num
		OriginX      num `json:"originX"`
		OriginY      num `json:"originY"`
		Width        num
		Height       num
		TagKoordinat str `json:"tag_koordinat"`
		Location     str
		Reason       str
		PDFPassword  str `json:"pdfPassword"`
	} `json:"signatureProperties"`
	File []string
}

// DecodeSign decodes a sign request body the way the stand-in does, for
// fixture tests: it reports the files and properties it understood.
func DecodeSign(body []byte) (files int, props []Properties, err error) {
	var b signBody
	if err := json.Unmarshal(body, &b); err != nil {
		return 0, nil, err
	}
	for _, p := range b.SignatureProperties {
		props = append(props, Properties{Tampilan: strings.ToUpper(p.Tampilan.s), Page: int(p.Page.v),
			OriginX: p.OriginX.v, OriginY: p.OriginY.v, Width: p.Width.v, Height: p.Height.v,
			Reason: p.Reason.s, Location: p.Location.s})
	}
	return len(b.File), props, nil
}

// itext is the text of the iText 5 exception a PDF without a header gives.
const itext = "com.itextpdf.text.exceptions.InvalidPdfException: PDF header signature not found."

func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	var b signBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		failure(w, http.StatusBadRequest, 0, "Request tidak valid")
		return
	}
	u := s.find(b.NIK, b.Email)
	if userError(w, u) {
		return
	}
	if len(b.File) == 0 || (len(b.SignatureProperties) != len(b.File) && len(b.SignatureProperties) != 1) {
		failure(w, http.StatusBadRequest, 0, "Jumlah signatureProperties tidak sesuai dengan jumlah file")
		return
	}
	totp := b.TOTP.s
	if totp == "" {
		totp = b.OTP.s
	}
	s.mu.Lock()
	fault := s.fault
	mailed := s.totps[u]
	switch {
	case b.Passphrase.s != "":
		if subtle.ConstantTimeCompare([]byte(b.Passphrase.s), []byte(u.Passphrase)) != 1 {
			s.mu.Unlock()
			failure(w, http.StatusBadRequest, 2031, "Passphrase anda salah")
			return
		}
	case totp != "":
		if mailed == "" || subtle.ConstantTimeCompare([]byte(totp), []byte(mailed)) != 1 {
			s.mu.Unlock()
			failure(w, http.StatusBadRequest, 0, "OTP tidak valid")
			return
		}
		delete(s.totps, u) // single use
	default:
		s.mu.Unlock()
		failure(w, http.StatusBadRequest, 0, "Passphrase atau OTP harus diisi")
		return
	}
	s.props = nil
	s.mu.Unlock()
	if fault == ServerError {
		failure(w, http.StatusInternalServerError, 0, itext)
		return
	}
	signer := u
	if fault == OtherSigner {
		signer = s.other
	}
	var out []string
	for i, f := range b.File {
		p := b.SignatureProperties[0]
		if len(b.SignatureProperties) > 1 {
			p = b.SignatureProperties[i]
		}
		s.mu.Lock()
		s.props = append(s.props, Properties{Tampilan: strings.ToUpper(p.Tampilan.s), Page: int(p.Page.v),
			OriginX: p.OriginX.v, OriginY: p.OriginY.v, Width: p.Width.v, Height: p.Height.v,
			Reason: p.Reason.s, Location: p.Location.s})
		s.mu.Unlock()
		pdf, err := base64.StdEncoding.DecodeString(f)
		if err != nil || !bytes.HasPrefix(bytes.TrimLeft(pdf, "\x00\t\n\r "), []byte("%PDF-")) {
			failure(w, http.StatusInternalServerError, 0, itext)
			return
		}
		// the padding makes room for the timestamp token (see stamp)
		opts := pdfsign.Options{Signer: signer.key, Chain: append(append([]*x509.Certificate(nil), signer.chain...), s.tsa.padding...), Reason: p.Reason.s, Location: p.Location.s,
			PDFPassword: p.PDFPassword.s, Page: 1}
		switch strings.ToUpper(p.Tampilan.s) {
		case "INVISIBLE":
		case "VISIBLE":
			if p.TagKoordinat.s != "" {
				failure(w, http.StatusBadRequest, 0, "tag_koordinat tidak didukung oleh stand-in")
				return
			}
			facts, err := pdfsign.ReadFacts(bytes.NewReader(pdf), int64(len(pdf)), p.PDFPassword.s)
			page := int(p.Page.v)
			if err != nil || page < 1 || page > len(facts.PageSizes) || !p.Width.set || !p.Height.set {
				failure(w, http.StatusBadRequest, 0, "Halaman atau koordinat tidak valid")
				return
			}
			// The guide's v2 illustration: (originX, originY) is the
			// box's top-left corner, y counted down from the top of the
			// page as displayed.
			h := facts.PageSizes[page-1][1]
			rect := pdfsign.Rect{X: p.OriginX.v, Y: h - p.OriginY.v - p.Height.v, W: p.Width.v, H: p.Height.v}
			if fault == WrongPlace {
				rect.Y += 50
			}
			opts.Page = page
			opts.Appearance = &pdfsign.Appearance{Rect: rect, Name: signer.Name}
		default:
			failure(w, http.StatusBadRequest, 0, "Tampilan harus VISIBLE atau INVISIBLE")
			return
		}
		signed, err := signPDF(pdf, opts)
		if err != nil {
			failure(w, http.StatusInternalServerError, 0, "com.itextpdf.text.exceptions.InvalidPdfException: "+err.Error())
			return
		}
		if fault != NoTimestamp {
			if err := s.tsa.stamp(signed, signer.chain); err != nil {
				failure(w, http.StatusInternalServerError, 0, "timestamp: "+err.Error())
				return
			}
		}
		s.mu.Lock()
		s.signings++
		s.mu.Unlock()
		switch fault {
		case WrongPrefix:
			i := bytes.Index(signed, []byte("%PDF-1.")) + len("%PDF-1.")
			signed[i] = '9'
		case SecondSignature:
			opts.FieldName = "SignatureKedua"
			if signed, err = signPDF(signed, opts); err == nil {
				err = s.tsa.stamp(signed, signer.chain)
			}
			if err != nil {
				failure(w, http.StatusInternalServerError, 0, err.Error())
				return
			}
		}
		out = append(out, base64.StdEncoding.EncodeToString(signed))
	}
	if fault == TimeoutAfterSigning {
		// signed, and never answers: the client gives up
		<-r.Context().Done()
		return
	}
	answer(w, http.StatusOK, map[string]any{"time": time.Now().UnixMilli(), "file": out})
}

func signPDF(pdf []byte, opts pdfsign.Options) ([]byte, error) {
	var buf bytes.Buffer
	err := pdfsign.Sign(&buf, bytes.NewReader(pdf), int64(len(pdf)), opts)
	return buf.Bytes(), err
}

func (s *Server) getTOTP(w http.ResponseWriter, r *http.Request) {
	var b struct {
		NIK, Email *string
		Data       num
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		failure(w, http.StatusBadRequest, 0, "Request tidak valid")
		return
	}
	u := s.find(b.NIK, b.Email)
	if userError(w, u) {
		return
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(1000000))
	s.mu.Lock()
	s.totps[u] = fmt.Sprintf("%06d", n.Int64())
	s.mu.Unlock()
	answer(w, http.StatusOK, map[string]any{"success": true, "message": "OTP telah dikirim ke email " + u.Email})
}

func (s *Server) checkStatus(w http.ResponseWriter, r *http.Request) {
	var b struct{ NIK, Email *string }
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		failure(w, http.StatusBadRequest, 0, "Request tidak valid")
		return
	}
	u := s.find(b.NIK, b.Email)
	if u == nil {
		failure(w, http.StatusBadRequest, 2011, "Pengguna tidak terdaftar")
		return
	}
	answer(w, http.StatusOK, map[string]any{"status": u.Status, "message": "Status pengguna " + u.Status})
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	var b struct {
		File     string
		Password str
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		failure(w, http.StatusBadRequest, 0, "Request tidak valid")
		return
	}
	pdf, err := base64.StdEncoding.DecodeString(b.File)
	if err != nil {
		failure(w, http.StatusBadRequest, 0, "File tidak valid")
		return
	}
	infos, err := pdfsign.VerifyWith(bytes.NewReader(pdf), int64(len(pdf)), pdfsign.VerifyOptions{Roots: s.Roots(), Password: b.Password.s, Offline: true})
	if err != nil {
		failure(w, http.StatusInternalServerError, 0, itext)
		return
	}
	type sigInfo struct {
		SignerName         string `json:"signerName"`
		SignatureFormat    string `json:"signatureFormat"`
		FieldName          string `json:"fieldName"`
		Reason             string `json:"reason"`
		Location           string `json:"location"`
		IntegrityValid     bool   `json:"integrityValid"`
		CertificateTrusted bool   `json:"certificateTrusted"`
	}
	conclusion, desc := "NO_SIGNATURE", "Dokumen tidak memiliki tandatangan elektronik"
	if len(infos) > 0 {
		conclusion, desc = "VALID", "Dokumen valid"
		if !pdfsign.AllValid(infos) {
			conclusion, desc = "INVALID", "Dokumen tidak valid"
		}
	}
	var sigs []sigInfo
	for _, i := range infos {
		sigs = append(sigs, sigInfo{SignerName: i.Signer, SignatureFormat: "PKCS7-B", FieldName: i.Field, Reason: i.Reason,
			Location: i.Location, IntegrityValid: i.Integrity == pdfsign.Valid, CertificateTrusted: i.Trusted})
	}
	answer(w, http.StatusOK, map[string]any{"conclusion": conclusion, "description": desc,
		"signatureCount": len(infos), "signatureInformations": sigs})
}
