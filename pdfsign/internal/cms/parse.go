package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	_ "crypto/md5" // registered so that MD5 signatures can be read (and called weak)
	"crypto/rsa"
	_ "crypto/sha1" // idem for SHA-1
	_ "crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

var (
	oidMD5                = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidMD5WithRSA         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidRSAPSS             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECPublicKey        = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidEd25519            = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSigningTime        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	// OIDSignatureTimeStamp is the unsigned attribute holding a PAdES B-T
	// timestamp token over the signature value.
	OIDSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

var (
	// ErrDigest means the content does not match the signed digest.
	ErrDigest = errors.New("digest mismatch")
	// ErrBadSignature means the signature value does not verify.
	ErrBadSignature = errors.New("signature value does not verify")
	// ErrNoSigner means the signer's certificate is not in the signature.
	ErrNoSigner = errors.New("signer certificate not included")
)

// Parsed is what Parse finds in a SignedData.
type Parsed struct {
	// Certificates are the included certificates that crypto/x509 accepts.
	Certificates []*x509.Certificate
	// CertProblems lists the included certificates x509 refuses, and why.
	CertProblems []string
	// Signer is the signer's certificate; nil when it is missing or x509
	// refuses it. SignerKey and SignerName are set in the second case too,
	// so integrity can still be checked; SignerProblem then says why.
	Signer        *x509.Certificate
	SignerKey     crypto.PublicKey
	SignerName    string
	SignerProblem string
	// Hash is the digest algorithm for the content.
	Hash crypto.Hash
	// KeyAlgorithm is "RSA", "RSA-PSS", "ECDSA" or "Ed25519".
	KeyAlgorithm string
	// HasSignedAttrs reports signed attributes; without them the signature
	// is over the content digest itself.
	HasSignedAttrs bool
	// MessageDigest is the signed message-digest attribute.
	MessageDigest []byte
	// EContent is the encapsulated content; nil when detached or empty.
	EContent []byte
	// EContentType is the encapsulated content's type (id-data for a
	// document signature, id-ct-TSTInfo for a timestamp token).
	EContentType asn1.ObjectIdentifier
	// HasSigningCertV2 reports the ESS signing-certificate-v2 attribute and
	// SigningCertMatches whether it (or v1) names Signer.
	HasSigningCertV2, HasSigningCertV1, SigningCertMatches bool
	// SigningTime is the signing-time attribute (zero when absent): a claim.
	SigningTime time.Time
	// TimeStampToken is the unsigned signature-time-stamp attribute (B-T).
	TimeStampToken []byte
	// Signature is the signature value.
	Signature []byte

	signedAttrs []byte // as a DER SET, what the signature covers
	sigAlg      pkix.AlgorithmIdentifier
}

func hashFor(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256
	case oid.Equal(oidSHA384):
		return crypto.SHA384
	case oid.Equal(oidSHA512):
		return crypto.SHA512
	case oid.Equal(oidSHA1):
		return crypto.SHA1
	case oid.Equal(oidMD5):
		return crypto.MD5
	}
	return 0
}

// certEntry is an included certificate, also when x509 refuses it.
type certEntry struct {
	cert    *x509.Certificate
	raw     []byte
	issuer  []byte
	serial  *big.Int
	ski     []byte
	pub     crypto.PublicKey
	name    string
	problem string
}

type rawCertificate struct {
	TBS asn1.RawValue
	Alg pkix.AlgorithmIdentifier
	Sig asn1.BitString
}

type rawTBS struct {
	Version  int `asn1:"optional,explicit,default:0,tag:0"`
	Serial   *big.Int
	Alg      pkix.AlgorithmIdentifier
	Issuer   asn1.RawValue
	Validity asn1.RawValue
	Subject  asn1.RawValue
	SPKI     asn1.RawValue
}

func commonName(n pkix.Name) string {
	if n.CommonName != "" {
		return n.CommonName
	}
	return n.String()
}

// parseCert reads one certificate; when x509 refuses it, the fields the
// signature check needs are read by hand.
func parseCert(der []byte) (certEntry, error) {
	c, err := x509.ParseCertificate(der)
	if err == nil {
		return certEntry{cert: c, raw: der, issuer: c.RawIssuer, serial: c.SerialNumber, ski: c.SubjectKeyId, pub: c.PublicKey,
			name: commonName(c.Subject)}, nil
	}
	e := certEntry{raw: der, problem: err.Error()}
	var rc rawCertificate
	var tbs rawTBS
	if _, err2 := asn1.Unmarshal(der, &rc); err2 != nil {
		return e, err
	}
	if _, err2 := asn1.Unmarshal(rc.TBS.FullBytes, &tbs); err2 != nil {
		return e, err
	}
	e.issuer, e.serial = tbs.Issuer.FullBytes, tbs.Serial
	e.pub, _ = x509.ParsePKIXPublicKey(tbs.SPKI.FullBytes)
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(tbs.Subject.FullBytes, &rdn); err == nil {
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		e.name = commonName(n)
	}
	return e, nil
}

// Parse decodes a BER or DER ContentInfo holding a SignedData with one
// signer. Trailing zero padding is allowed.
func Parse(ber []byte) (*Parsed, error) {
	der, rest, err := ToDER(ber)
	if err != nil {
		return nil, err
	}
	for _, b := range rest {
		if b != 0 {
			return nil, fmt.Errorf("%w: data after the signature", ErrMalformed)
		}
	}
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: not SignedData", ErrMalformed)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signers", ErrMalformed, len(sd.SignerInfos))
	}
	p := &Parsed{}
	p.EContentType = sd.EncapContentInfo.EContentType
	if ec := sd.EncapContentInfo.EContent; len(ec.Bytes) > 0 {
		if _, err := asn1.Unmarshal(ec.Bytes, &p.EContent); err != nil {
			return nil, fmt.Errorf("%w: encapsulated content: %v", ErrMalformed, err)
		}
		if len(p.EContent) == 0 {
			p.EContent = nil // an empty eContent is as good as detached
		}
	}
	var entries []certEntry
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", ErrMalformed, err)
		}
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue // attribute or other certificate formats
		}
		e, err := parseCert(raw.FullBytes)
		if err != nil {
			p.CertProblems = append(p.CertProblems, "unreadable certificate: "+err.Error())
			continue
		}
		if e.cert != nil {
			p.Certificates = append(p.Certificates, e.cert)
		} else {
			p.CertProblems = append(p.CertProblems, fmt.Sprintf("certificate %q: %s", e.name, e.problem))
		}
		entries = append(entries, e)
	}
	var si signerInfo
	if _, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil {
		return nil, fmt.Errorf("%w: signer info: %v", ErrMalformed, err)
	}
	p.Hash = hashFor(si.DigestAlgorithm.Algorithm)
	if p.Hash == 0 {
		return nil, fmt.Errorf("%w: unsupported digest algorithm %v", ErrMalformed, si.DigestAlgorithm.Algorithm)
	}
	p.sigAlg = si.SignatureAlgorithm
	p.Signature = si.Signature
	// The signer is named by issuer and serial, or (version 3) by subject
	// key identifier.
	var signer *certEntry
	if si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0 {
		for i, e := range entries {
			if len(e.ski) > 0 && bytes.Equal(e.ski, si.SID.Bytes) {
				signer = &entries[i]
			}
		}
	} else {
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", ErrMalformed, err)
		}
		for i, e := range entries {
			if bytes.Equal(e.issuer, ias.Issuer.FullBytes) && e.serial != nil && e.serial.Cmp(ias.Serial) == 0 {
				signer = &entries[i]
			}
		}
	}
	if signer != nil {
		p.Signer, p.SignerKey, p.SignerName, p.SignerProblem = signer.cert, signer.pub, signer.name, signer.problem
	}
	p.KeyAlgorithm = keyAlgorithm(p.SignerKey)
	if err := p.readUnsigned(si.UnsignedAttrs); err != nil {
		return nil, err
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return p, nil
	}
	p.HasSignedAttrs = true
	set := append([]byte(nil), si.SignedAttrs.FullBytes...)
	set[0] = 0x31
	p.signedAttrs = set
	var attrs []attribute
	if _, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil {
		return nil, fmt.Errorf("%w: signed attributes: %v", ErrMalformed, err)
	}
	for _, a := range attrs {
		var vals []asn1.RawValue
		if _, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &vals, "set"); err != nil || len(vals) == 0 {
			return nil, fmt.Errorf("%w: attribute values", ErrMalformed)
		}
		switch {
		case a.Type.Equal(oidMessageDigest):
			if _, err := asn1.Unmarshal(vals[0].FullBytes, &p.MessageDigest); err != nil {
				return nil, fmt.Errorf("%w: message digest: %v", ErrMalformed, err)
			}
		case a.Type.Equal(oidSigningTime):
			asn1.Unmarshal(vals[0].FullBytes, &p.SigningTime)
		case a.Type.Equal(oidSigningCertificateV2):
			p.HasSigningCertV2 = true
			p.SigningCertMatches = signer != nil && signingCertMatches(vals[0].FullBytes, signer.raw, true)
		case a.Type.Equal(oidSigningCertificate):
			p.HasSigningCertV1 = true
			if !p.HasSigningCertV2 {
				p.SigningCertMatches = signer != nil && signingCertMatches(vals[0].FullBytes, signer.raw, false)
			}
		}
	}
	if p.MessageDigest == nil {
		return nil, fmt.Errorf("%w: no message digest attribute", ErrMalformed)
	}
	return p, nil
}

func (p *Parsed) readUnsigned(ua asn1.RawValue) error {
	if len(ua.FullBytes) == 0 {
		return nil
	}
	set := append([]byte(nil), ua.FullBytes...)
	set[0] = 0x31
	var attrs []attribute
	if _, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil {
		return fmt.Errorf("%w: unsigned attributes: %v", ErrMalformed, err)
	}
	for _, a := range attrs {
		var vals []asn1.RawValue
		if _, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &vals, "set"); err != nil || len(vals) == 0 {
			return fmt.Errorf("%w: attribute values", ErrMalformed)
		}
		if a.Type.Equal(OIDSignatureTimeStamp) {
			p.TimeStampToken = vals[0].FullBytes
		}
	}
	return nil
}

// signingCertMatches checks the first ESSCertID(v2) hash against the
// signer's certificate.
func signingCertMatches(val []byte, raw []byte, v2 bool) bool {
	if raw == nil {
		return false
	}
	var seq struct {
		Certs []asn1.RawValue
	}
	if _, err := asn1.Unmarshal(val, &seq); err != nil || len(seq.Certs) == 0 {
		return false
	}
	h := crypto.SHA1
	var hash []byte
	if v2 {
		var id struct {
			Alg  pkix.AlgorithmIdentifier `asn1:"optional"`
			Hash []byte
		}
		// The hash algorithm is optional (default SHA-256): try both shapes.
		if _, err := asn1.Unmarshal(seq.Certs[0].FullBytes, &id); err == nil {
			h = hashFor(id.Alg.Algorithm)
			hash = id.Hash
		} else {
			var id2 struct{ Hash []byte }
			if _, err := asn1.Unmarshal(seq.Certs[0].FullBytes, &id2); err != nil {
				return false
			}
			hash = id2.Hash
		}
		if h == 0 {
			h = crypto.SHA256
		}
	} else {
		var id struct{ Hash []byte }
		if _, err := asn1.Unmarshal(seq.Certs[0].FullBytes, &id); err != nil {
			return false
		}
		hash = id.Hash
	}
	if !h.Available() {
		return false
	}
	d := h.New()
	d.Write(raw)
	return bytes.Equal(d.Sum(nil), hash)
}

func keyAlgorithm(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return ""
}

// Verify checks the signature given the digest of the signed content,
// computed with p.Hash: against the message-digest attribute and the
// signature over the signed attributes, or, without signed attributes,
// the signature over the digest itself. It returns ErrDigest, ErrNoSigner,
// ErrBadSignature or ErrMalformed (unsupported algorithm).
func (p *Parsed) Verify(contentDigest []byte) error {
	if p.HasSignedAttrs && !bytes.Equal(p.MessageDigest, contentDigest) {
		return ErrDigest
	}
	if p.SignerKey == nil {
		return ErrNoSigner
	}
	msg := p.signedAttrs
	// hashed returns the digest the signature algorithm signs.
	hashed := func(h crypto.Hash) ([]byte, error) {
		if !h.Available() {
			return nil, fmt.Errorf("%w: hash unavailable", ErrMalformed)
		}
		if !p.HasSignedAttrs {
			if h != p.Hash {
				return nil, fmt.Errorf("%w: digest and signature algorithms disagree", ErrMalformed)
			}
			return contentDigest, nil
		}
		d := h.New()
		d.Write(msg)
		return d.Sum(nil), nil
	}
	alg := p.sigAlg.Algorithm
	rsaHashes := map[string]crypto.Hash{oidRSA.String(): p.Hash, oidMD5WithRSA.String(): crypto.MD5, oidSHA1WithRSA.String(): crypto.SHA1,
		oidSHA256WithRSA.String(): crypto.SHA256, oidSHA384WithRSA.String(): crypto.SHA384, oidSHA512WithRSA.String(): crypto.SHA512}
	ecHashes := map[string]crypto.Hash{oidECPublicKey.String(): p.Hash, oidECDSAWithSHA1.String(): crypto.SHA1,
		oidECDSAWithSHA256.String(): crypto.SHA256, oidECDSAWithSHA384.String(): crypto.SHA384, oidECDSAWithSHA512.String(): crypto.SHA512}
	if h, ok := rsaHashes[alg.String()]; ok {
		pub, ok := p.SignerKey.(*rsa.PublicKey)
		ok = ok && pub != nil
		if !ok {
			return fmt.Errorf("%w: RSA algorithm with a non-RSA key", ErrBadSignature)
		}
		d, err := hashed(h)
		if err != nil {
			return err
		}
		if rsa.VerifyPKCS1v15(pub, h, d, p.Signature) != nil {
			return ErrBadSignature
		}
		return nil
	}
	if h, ok := ecHashes[alg.String()]; ok {
		pub, ok := p.SignerKey.(*ecdsa.PublicKey)
		ok = ok && pub != nil
		if !ok {
			return fmt.Errorf("%w: ECDSA algorithm with a non-ECDSA key", ErrBadSignature)
		}
		d, err := hashed(h)
		if err != nil {
			return err
		}
		if !ecdsa.VerifyASN1(pub, d, p.Signature) {
			return ErrBadSignature
		}
		return nil
	}
	switch {
	case alg.Equal(oidRSAPSS):
		pub, ok := p.SignerKey.(*rsa.PublicKey)
		ok = ok && pub != nil
		if !ok {
			return fmt.Errorf("%w: RSA-PSS algorithm with a non-RSA key", ErrBadSignature)
		}
		h, salt, err := pssParams(p.sigAlg.Parameters.FullBytes)
		if err != nil {
			return err
		}
		d, err := hashed(h)
		if err != nil {
			return err
		}
		if rsa.VerifyPSS(pub, h, d, p.Signature, &rsa.PSSOptions{SaltLength: salt, Hash: h}) != nil {
			return ErrBadSignature
		}
		return nil
	case alg.Equal(oidEd25519):
		pub, ok := p.SignerKey.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("%w: Ed25519 algorithm with another key", ErrBadSignature)
		}
		if !p.HasSignedAttrs {
			// Pure Ed25519 signs the content itself, which a detached
			// signature over a digest cannot provide (RFC 8419 needs
			// signed attributes here).
			return fmt.Errorf("%w: Ed25519 without signed attributes", ErrMalformed)
		}
		if !ed25519.Verify(pub, msg, p.Signature) {
			return ErrBadSignature
		}
		return nil
	}
	return fmt.Errorf("%w: unsupported signature algorithm %v", ErrMalformed, alg)
}

// pssParams reads RSASSA-PSS-params (RFC 4055); the MGF1 hash must be the
// message hash, as everywhere in practice.
func pssParams(der []byte) (crypto.Hash, int, error) {
	var params struct {
		Hash    pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
		MGF     pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
		Salt    int                      `asn1:"optional,explicit,tag:2,default:20"`
		Trailer int                      `asn1:"optional,explicit,tag:3,default:1"`
	}
	if len(der) > 0 {
		if _, err := asn1.Unmarshal(der, &params); err != nil {
			return 0, 0, fmt.Errorf("%w: RSA-PSS parameters: %v", ErrMalformed, err)
		}
	} else {
		params.Salt = 20
	}
	h := crypto.SHA1
	if len(params.Hash.Algorithm) > 0 {
		h = hashFor(params.Hash.Algorithm)
	}
	mgfHash := crypto.SHA1
	if len(params.MGF.Algorithm) > 0 {
		if !params.MGF.Algorithm.Equal(oidMGF1) {
			return 0, 0, fmt.Errorf("%w: RSA-PSS mask generation %v", ErrMalformed, params.MGF.Algorithm)
		}
		var mh pkix.AlgorithmIdentifier
		if _, err := asn1.Unmarshal(params.MGF.Parameters.FullBytes, &mh); err != nil {
			return 0, 0, fmt.Errorf("%w: RSA-PSS MGF1 hash: %v", ErrMalformed, err)
		}
		mgfHash = hashFor(mh.Algorithm)
	}
	if h == 0 || mgfHash != h || params.Salt < 0 {
		return 0, 0, fmt.Errorf("%w: RSA-PSS parameters not supported", ErrMalformed)
	}
	return h, params.Salt, nil
}

// Weak names the parts of the signature that are too weak to trust: a
// SHA-1 or MD5 digest (content or signature hash), an RSA key under 2048
// bits.
func (p *Parsed) Weak() []string {
	var weak []string
	names := map[crypto.Hash]string{crypto.SHA1: "SHA-1", crypto.MD5: "MD5"}
	if n, ok := names[p.Hash]; ok {
		weak = append(weak, n+" digest")
	}
	alg := p.sigAlg.Algorithm
	switch {
	case alg.Equal(oidSHA1WithRSA), alg.Equal(oidECDSAWithSHA1):
		if p.Hash != crypto.SHA1 {
			weak = append(weak, "SHA-1 signature algorithm")
		}
	case alg.Equal(oidMD5WithRSA):
		if p.Hash != crypto.MD5 {
			weak = append(weak, "MD5 signature algorithm")
		}
	}
	if k, ok := p.SignerKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		weak = append(weak, fmt.Sprintf("RSA key of %d bits", k.N.BitLen()))
	}
	return weak
}

// HashName names a digest algorithm as users read it.
func HashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	case crypto.MD5:
		return "MD5"
	}
	return h.String()
}
