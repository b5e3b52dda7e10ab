package pdfsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"golang.org/x/crypto/ocsp"
)

// ltKit is a signer, a TSA under the same issuing CA, and what makes
// their validation data.
type ltKit struct {
	p      *testpki.PKI
	signer issued
	tsa    *tsa
}

// newLTKit issues a signer certificate that expires in an hour (tests move
// the clock past it) and a TSA (a day).
func newLTKit(t *testing.T) *ltKit {
	p := testpki.New(testpki.LeafOptions{})
	signer := issue(t, p, p.Key, func(c *x509.Certificate) {
		c.CRLDistributionPoints = []string{"http://127.0.0.1:9/ca.crl"}
		c.NotAfter = time.Now().Add(time.Hour)
	})
	return &ltKit{p: p, signer: signer, tsa: newTSA(t, p)}
}

// sign is a CAdES signature by the kit's signer; with stamp, B-T with a
// token over the signature value (or over other bytes, with wrong).
func (k *ltKit) sign(t *testing.T, stamp, wrong bool) func([]byte) []byte {
	plain := goSignChain(t, k.p, k.signer.cert)
	if !stamp {
		return plain
	}
	return func(b []byte) []byte {
		der := plain(b)
		parsed, err := cms.Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		over := parsed.Signature
		if wrong {
			over = append([]byte("x"), over...)
		}
		out, err := cms.AddSignatureTimeStamp(der, k.tsa.token(t, over, "sha256"))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// crlOf is a CRL by issuer (with key), issued at thisUpdate, revoking
// revoked at the times given.
func crlOf(t *testing.T, issuer *x509.Certificate, key crypto.Signer, thisUpdate time.Time, revoked map[*big.Int]time.Time) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for s, at := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: at})
	}
	b, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(thisUpdate.UnixNano()),
		ThisUpdate: thisUpdate, NextUpdate: thisUpdate.Add(24 * time.Hour), RevokedCertificateEntries: entries}, issuer, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dssUpdate appends a B-LT update: /DSS with certs, CRLs and OCSP
// responses, after the signature field 5 (catalog 1 keeps its form).
func dssUpdate(t *testing.T, b []byte, certs []*x509.Certificate, crls, ocsps [][]byte) []byte {
	t.Helper()
	objs := map[int]string{}
	n := 20
	list := func(items [][]byte) string {
		var refs []string
		for _, it := range items {
			objs[n] = testpdf.Stream(string(it))
			refs = append(refs, fmt.Sprintf("%d 0 R", n))
			n++
		}
		return "[" + strings.Join(refs, " ") + "]"
	}
	var raw [][]byte
	for _, c := range certs {
		raw = append(raw, c.Raw)
	}
	dss := "<</Certs" + list(raw) + "/CRLs" + list(crls) + "/OCSPs" + list(ocsps) + ">>"
	objs[19] = dss
	objs[1] = "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R]/SigFlags 3>>/DSS 19 0 R>>"
	return appendUpdate(t, b, objs)
}

// fullDSS is what makes the kit's B-T signature B-LT: the chain, the TSA's
// certificate, the issuing CA's CRL (for the signer and the TSA) and the
// root's (for the issuing CA), all issued now, after the timestamp.
func (k *ltKit) fullDSS(t *testing.T, b []byte, revoked map[*big.Int]time.Time) []byte {
	now := time.Now()
	return dssUpdate(t, b, []*x509.Certificate{k.signer.cert, k.p.CA, k.tsa.is.cert},
		[][]byte{crlOf(t, k.p.CA, k.p.CAKey, now, revoked), crlOf(t, k.p.Root, k.p.RootKey, now, nil)}, nil)
}

func verifyAt(t *testing.T, b []byte, roots *x509.CertPool, at time.Time) []SignatureInfo {
	t.Helper()
	infos, err := VerifyWith(bytesReader(b), int64(len(b)), VerifyOptions{Roots: roots, Offline: true, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

var sigSpecSah = sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}

// docStampSpec is a document timestamp after field 5, keeping the DSS.
func docStampSpec(keepDSS bool) sigSpec {
	s := sigSpec{field: "Stempel", subFilter: "ETSI.RFC3161", docTS: true, fieldNum: 7, fields: []int{5}}
	if keepDSS {
		s.catExtra = "/DSS 19 0 R"
	}
	return s
}

// Levels with the clock moved past the signer's certificate's expiry:
// B-LT (and B-LTA) documents verify offline at their timestamp's time;
// the B-B document from the same signer is "sertifikat kedaluwarsa"
// (cert_expired); a B-T one is valid but needs the network for its
// revocation status; a B-B signature under a later document timestamp is
// judged at the document timestamp's time.
func TestLevelsAfterExpiry(t *testing.T) {
	k := newLTKit(t)
	roots := rootsOf(k.p)
	later := time.Now().Add(2 * time.Hour) // the signer's certificate expired an hour before
	bb := signUpdate(t, basePDF(), sigSpecSah, k.sign(t, false, false))
	bt := signUpdate(t, basePDF(), sigSpecSah, k.sign(t, true, false))
	blt := k.fullDSS(t, bt, nil)
	stamp := func(b []byte) []byte { return k.tsa.token(t, b, "sha256") }
	blta := signUpdate(t, blt, docStampSpec(true), stamp)
	bbStamped := signUpdate(t, k.fullDSS(t, bb, nil), docStampSpec(true), stamp)

	for _, c := range []struct {
		name  string
		b     []byte
		valid bool
		level string
	}{
		{"B-B", bb, false, ""},
		{"B-T", bt, true, LevelBT},
		{"B-LT", blt, true, LevelBLT},
		{"B-LTA", blta, true, LevelBLTA},
		{"B-B under a document timestamp, with a DSS", bbStamped, true, LevelBLTA},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := verifyAt(t, c.b, roots, later)[0]
			if s.Valid != c.valid || s.Level != c.level {
				t.Fatalf("valid %v level %q: %+v", s.Valid, s.Level, s)
			}
			vt, err := time.Parse(time.RFC3339, s.ValidationTime)
			if err != nil {
				t.Fatal(err)
			}
			if c.level == "" {
				if !hasFinding(s, FindCertExpired) || !vt.Equal(later.Truncate(time.Second)) {
					t.Fatalf("%+v", s)
				}
				return
			}
			if !vt.Before(time.Now()) || vt.Before(time.Now().Add(-time.Minute)) {
				t.Fatalf("validation time %s", s.ValidationTime)
			}
			if want := map[string]string{LevelBT: "not checked"}[c.level]; want != "" && s.Revocation != want {
				t.Fatalf("revocation %q", s.Revocation)
			} else if want == "" && s.Revocation != "good" {
				t.Fatalf("revocation %q: %+v", s.Revocation, s)
			}
		})
	}
	// A document timestamp alone makes a B-B signature B-T.
	onlyStamp := signUpdate(t, bb, docStampSpec(false), stamp)
	if s := verifyAt(t, onlyStamp, roots, later)[0]; !s.Valid || s.Level != LevelBT {
		t.Fatalf("%+v", s)
	}
}

// A revocation after the timestamp leaves a B-LT signature valid; one
// before it does not, and reaches no level.
func TestLevelRevoked(t *testing.T) {
	k := newLTKit(t)
	roots := rootsOf(k.p)
	bt := signUpdate(t, basePDF(), sigSpecSah, k.sign(t, true, false))
	after := k.fullDSS(t, bt, map[*big.Int]time.Time{k.signer.cert.SerialNumber: time.Now().Add(time.Minute)})
	before := k.fullDSS(t, bt, map[*big.Int]time.Time{k.signer.cert.SerialNumber: time.Now().Add(-time.Hour)})
	later := time.Now().Add(2 * time.Hour)
	if s := verifyAt(t, after, roots, later)[0]; !s.Valid || s.Level != LevelBLT || !strings.Contains(strings.Join(s.Warnings, ";"), "after the validation time") {
		t.Fatalf("revoked after: %+v", s)
	}
	if s := verifyAt(t, before, roots, later)[0]; s.Valid || s.Level != "" || !hasFinding(s, FindRevoked) {
		t.Fatalf("revoked before: %+v", s)
	}
}

// Bad validation data is reported as such and counts toward no level.
func TestLevelBadInput(t *testing.T) {
	k := newLTKit(t)
	roots := rootsOf(k.p)
	now := time.Now()
	bt := signUpdate(t, basePDF(), sigSpecSah, k.sign(t, true, false))
	rootCRL := crlOf(t, k.p.Root, k.p.RootKey, now, nil)
	certs := []*x509.Certificate{k.signer.cert, k.p.CA, k.tsa.is.cert}

	// A CRL in the issuing CA's name signed by another key.
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fakeCA := *k.p.CA
	fakeCA.PublicKey = otherKey.Public()
	fakeCA.SubjectKeyId = []byte{1, 2, 3}
	forged := crlOf(t, &fakeCA, otherKey, now, nil)
	wrongKey := dssUpdate(t, bt, certs, [][]byte{forged, rootCRL}, nil)

	// An OCSP response (signed by the issuing CA) about the TSA's
	// certificate only: nothing about the signer's.
	resp, err := ocsp.CreateResponse(k.p.CA, k.p.CA, ocsp.Response{Status: ocsp.Good, SerialNumber: k.tsa.is.cert.SerialNumber,
		ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}, k.p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	otherCert := dssUpdate(t, bt, certs, [][]byte{rootCRL}, [][]byte{resp})

	// An OCSP response about the signer, signed by a key the issuer never
	// designated (its own certificate embedded).
	rogue := testpki.New(testpki.LeafOptions{})
	forgedOCSP, err := ocsp.CreateResponse(k.p.CA, rogue.Leaf, ocsp.Response{Status: ocsp.Good, SerialNumber: k.signer.cert.SerialNumber,
		ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}, rogue.Key)
	if err != nil {
		t.Fatal(err)
	}
	rogueOCSP := dssUpdate(t, bt, certs, [][]byte{rootCRL}, [][]byte{forgedOCSP})

	// A CRL issued after the certificate expired: a CA drops expired
	// certificates from its list, so a revoked one would no longer show.
	afterExpiry := dssUpdate(t, bt, certs, [][]byte{crlOf(t, k.p.CA, k.p.CAKey, now.Add(2*time.Hour), nil), rootCRL}, nil)

	// A stale CRL: issued and expired before the timestamp.
	stale := dssUpdate(t, bt, certs, [][]byte{crlOf(t, k.p.CA, k.p.CAKey, now.Add(-72*time.Hour), nil), rootCRL}, nil)

	// A signature-time-stamp token over the wrong hash, with a full DSS.
	wrongHash := k.fullDSS(t, signUpdate(t, basePDF(), sigSpecSah, k.sign(t, true, true)), nil)

	for _, c := range []struct {
		name, code, text string
		b                []byte
		level            string
	}{
		{"CRL signed by the wrong key", FindDSS, "is not signed by it", wrongKey, LevelBT},
		{"OCSP response for another certificate", FindDSS, "about other certificates", otherCert, LevelBT},
		{"stale CRL", FindDSS, "is not fresh", stale, LevelBT},
		{"OCSP response signed by another key", FindDSS, "is not signed by its issuer or a responder it designated", rogueOCSP, LevelBT},
		{"CRL issued after the certificate expired", FindDSS, "after the certificate expired", afterExpiry, LevelBT},
		{"token over the wrong hash", FindTimestamp, "does not cover this signature", wrongHash, LevelBB},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := verifyAt(t, c.b, roots, time.Time{})[0]
			if !s.Valid || s.Level != c.level || !hasFinding(s, c.code) || !strings.Contains(strings.Join(s.Warnings, ";"), c.text) {
				t.Fatalf("%+v", s)
			}
		})
	}

	// A document timestamp followed by a change of the page's content:
	// neither the timestamp nor the signature counts.
	blta := signUpdate(t, k.fullDSS(t, bt, nil), docStampSpec(true), func(b []byte) []byte { return k.tsa.token(t, b, "sha256") })
	changed := appendUpdate(t, blta, map[int]string{4: testpdf.Stream(testpdf.TextContent("Dibatalkan"))})
	infos := verifyAt(t, changed, roots, time.Time{})
	if len(infos) != 2 {
		t.Fatalf("%+v", infos)
	}
	for _, s := range infos {
		if s.Valid || s.Level != "" || !hasFinding(s, FindChanged) {
			t.Fatalf("after a content change: %+v", s)
		}
	}
}

// A later update may redefine the objects that hold the DSS, but not an
// object the DSS shares with the rest of the document: the signed
// revision's /Names posing as the DSS's /VRI stays the document's names.
func TestDSSSharedObject(t *testing.T) {
	rsaPKI, _ := pkis()
	for _, c := range []struct {
		name, catalog string
		mod           string
	}{
		{"the DSS's own /VRI", "/DSS<</VRI 30 0 R>>", ModSignatures},
		{"/VRI shared with /Names", "/DSS<</VRI 30 0 R>>/Names 30 0 R", ModOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := sigSpecSah
			spec.catExtra = c.catalog
			spec.extra = map[int]string{30: "<<>>"}
			signed := signUpdate(t, basePDF(), spec, goSign(t, rsaPKI))
			changed := appendUpdate(t, signed, map[int]string{30: "<</JavaScript<</Names[(a) 31 0 R]>>>>", 31: "<</S/JavaScript/JS(app.alert(1))>>"})
			s := verifyBytes(t, changed, rootsOf(rsaPKI))[0]
			if s.Modifications != c.mod || s.Valid != (c.mod != ModOther) {
				t.Fatalf("%+v", s)
			}
		})
	}
}

// B-LT needs the TSA's validation data too: with a TSA under another CA,
// a DSS that answers only for the signer's chain leaves the signature at
// B-T; with the TSA's CA's CRLs added it is B-LT.
func TestLevelNeedsTSAData(t *testing.T) {
	k := newLTKit(t)
	other := testpki.New(testpki.LeafOptions{})
	k.tsa = newTSA(t, other)
	roots := rootsOf(k.p)
	roots.AddCert(other.Root)
	now := time.Now()
	bt := signUpdate(t, basePDF(), sigSpecSah, k.sign(t, true, false))
	certs := []*x509.Certificate{k.signer.cert, k.p.CA, k.tsa.is.cert, other.CA}
	signerOnly := [][]byte{crlOf(t, k.p.CA, k.p.CAKey, now, nil), crlOf(t, k.p.Root, k.p.RootKey, now, nil)}
	both := append(signerOnly, crlOf(t, other.CA, other.CAKey, now, nil), crlOf(t, other.Root, other.RootKey, now, nil))
	for _, c := range []struct {
		name  string
		crls  [][]byte
		level string
	}{
		{"the signer's chain only", signerOnly, LevelBT},
		{"the TSA's chain too", both, LevelBLT},
	} {
		s := verifyAt(t, dssUpdate(t, bt, certs, c.crls, nil), roots, time.Time{})[0]
		if !s.Valid || s.Level != c.level {
			t.Fatalf("%s: %+v", c.name, s)
		}
	}
}

// Renewal: a document timestamp whose TSA certificate has expired still
// counts when a later document timestamp covers it (it is judged at that
// one's time), so the signature stays B-LTA; without the renewal it falls
// back to B-LT, and the expired document timestamp is not valid.
func TestLevelRenewedArchive(t *testing.T) {
	k := newLTKit(t)
	roots := rootsOf(k.p)
	short := newTSA(t, k.p, func(c *x509.Certificate) { c.NotAfter = time.Now().Add(time.Hour) })
	bt := signUpdate(t, basePDF(), sigSpecSah, k.sign(t, true, false))
	now := time.Now()
	withDSS := dssUpdate(t, bt, []*x509.Certificate{k.signer.cert, k.p.CA, k.tsa.is.cert, short.is.cert},
		[][]byte{crlOf(t, k.p.CA, k.p.CAKey, now, nil), crlOf(t, k.p.Root, k.p.RootKey, now, nil)}, nil)
	first := signUpdate(t, withDSS, docStampSpec(true), func(b []byte) []byte { return short.token(t, b, "sha256") })
	second := docStampSpec(true)
	second.field, second.fieldNum, second.fields = "Stempel2", 9, []int{5, 7}
	renewed := signUpdate(t, first, second, func(b []byte) []byte { return k.tsa.token(t, b, "sha256") })
	later := now.Add(2 * time.Hour) // both the signer's and the first TSA's certificates have expired

	infos := verifyAt(t, first, roots, later)
	if s, ts := infos[0], infos[1]; !s.Valid || s.Level != LevelBLT || ts.Valid || !hasFinding(ts, FindCertExpired) {
		t.Fatalf("not renewed: %+v\n%+v", s, ts)
	}
	infos = verifyAt(t, renewed, roots, later)
	if len(infos) != 3 {
		t.Fatalf("%+v", infos)
	}
	s, ts1, ts2 := infos[0], infos[1], infos[2]
	if !s.Valid || s.Level != LevelBLTA || !ts1.Valid || !ts2.Valid || ts1.ValidationTime != ts2.Timestamp {
		t.Fatalf("renewed: %+v\n%+v\n%+v", s, ts1, ts2)
	}
}
