package bsretest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/natunakab/besign/pdfsign/testpki"
)

// The stand-in's answers are PAdES B-T like BSrE's: pdfsign signs B-B,
// then the stand-in asks a test TSA (`openssl ts`, a certificate from the
// same test CA) for an RFC 3161 token over the signature value and adds it
// as the signature-time-stamp unsigned attribute.
//
// pdfsign reserves exactly the room its CMS needs, so the stand-in signs
// with four padding certificates appended to the chain, then swaps them
// for the token: the certificates set is not signed, the signed attributes
// and the signature value stay as they were.

// tsa is a timestamp authority run with `openssl ts`.
type tsa struct {
	dir, cfg, cert, key, chain string
	padding                    []*x509.Certificate
}

func newTSA(dir string, p *testpki.PKI) (*tsa, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// openssl ts wants the timeStamping extended key usage critical
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "Test TSA BSrE"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, k.Public(), p.CAKey)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	a := &tsa{dir: dir, cfg: filepath.Join(dir, "tsa.cnf"), cert: filepath.Join(dir, "tsa.pem"),
		key: filepath.Join(dir, "tsa.key"), chain: filepath.Join(dir, "chain.pem")}
	kd, _ := x509.MarshalPKCS8PrivateKey(k)
	if err := errors.Join(
		testpki.WritePEM(a.cert, cert), testpki.WritePEM(a.chain, p.CA),
		os.WriteFile(a.key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600),
		os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600),
		os.WriteFile(a.cfg, []byte("[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = "+filepath.Join(dir, "serial")+
			"\ncrypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n"+
			"accuracy = secs:1\ness_cert_id_alg = sha256\ness_cert_id_chain = no\n"), 0o600),
	); err != nil {
		return nil, err
	}
	// room for the token: four RSA certificates (about 3.2 KB) beyond the
	// token with the TSA's chain (about 2.4 KB)
	for i := range 4 {
		pk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		t := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "padding " + strconv.Itoa(i)},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		d, err := x509.CreateCertificate(rand.Reader, t, t, pk.Public(), pk)
		if err != nil {
			return nil, err
		}
		c, _ := x509.ParseCertificate(d)
		a.padding = append(a.padding, c)
	}
	return a, nil
}

// token returns a TimeStampToken over data (SHA-256 imprint).
func (a *tsa) token(data []byte) ([]byte, error) {
	dir, err := os.MkdirTemp(a.dir, "ts-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, req, tok := filepath.Join(dir, "in"), filepath.Join(dir, "req"), filepath.Join(dir, "tok")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	if out, err := exec.Command("openssl", "ts", "-query", "-data", in, "-sha256", "-cert", "-out", req).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("openssl ts -query: %v: %s", err, out)
	}
	if out, err := exec.Command("openssl", "ts", "-reply", "-config", a.cfg, "-queryfile", req, "-signer", a.cert,
		"-inkey", a.key, "-chain", a.chain, "-token_out", "-out", tok).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("openssl ts -reply: %v: %s", err, out)
	}
	return os.ReadFile(tok)
}

var byteRangeRe = regexp.MustCompile(`/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// stamp turns the last signature of signed (made with chain plus
// a.padding) into B-T, in place.
func (a *tsa) stamp(signed []byte, chain []*x509.Certificate) error {
	ms := byteRangeRe.FindAllSubmatch(signed, -1)
	if ms == nil {
		return errors.New("no byte range")
	}
	m := ms[len(ms)-1]
	b, _ := strconv.Atoi(string(m[1]))
	c, _ := strconv.Atoi(string(m[2]))
	if b <= 0 || c <= b+2 || c > len(signed) || signed[b] != '<' || signed[c-1] != '>' {
		return errors.New("the byte range's gap is not a hex string")
	}
	gap := signed[b+1 : c-1]
	// the DER value knows its length: the zero padding after it is left
	der, err := hex.DecodeString(string(gap))
	if err != nil {
		return err
	}
	out, err := a.addToken(der, chain)
	if err != nil {
		return err
	}
	if 2*len(out) > len(gap) {
		return fmt.Errorf("the timestamped CMS (%d bytes) does not fit its placeholder (%d)", len(out), len(gap)/2)
	}
	hex.Encode(gap, out)
	for i := 2 * len(out); i < len(gap); i++ {
		gap[i] = '0'
	}
	return nil
}

// addToken rebuilds the DER CMS der (zero padding after it is ignored):
// its certificates set down to chain, and the signer's
// signature-time-stamp attribute added.
func (a *tsa) addToken(der []byte, chain []*x509.Certificate) ([]byte, error) {
	var ci asn1.RawValue
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, err
	}
	ciKids, err := children(ci.Bytes)
	if err != nil || len(ciKids) != 2 {
		return nil, fmt.Errorf("ContentInfo: %v", err)
	}
	var sd asn1.RawValue
	if _, err := asn1.Unmarshal(ciKids[1].Bytes, &sd); err != nil {
		return nil, err
	}
	sdKids, err := children(sd.Bytes)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, c := range chain {
		keep[string(c.Raw)] = true
	}
	for i, k := range sdKids {
		if k.Class == asn1.ClassContextSpecific && k.Tag == 0 {
			certs, err := children(k.Bytes)
			if err != nil {
				return nil, err
			}
			var kept []asn1.RawValue
			for _, c := range certs {
				if keep[string(c.FullBytes)] {
					kept = append(kept, c)
				}
			}
			sdKids[i] = rebuild(k, kept)
		}
	}
	sis := sdKids[len(sdKids)-1]
	siList, err := children(sis.Bytes)
	if err != nil || len(siList) != 1 {
		return nil, fmt.Errorf("signerInfos: %v", err)
	}
	si, err := children(siList[0].Bytes)
	if err != nil {
		return nil, err
	}
	var sig []byte
	for _, e := range si {
		if e.Class == asn1.ClassUniversal && e.Tag == asn1.TagOctetString {
			sig = e.Bytes
		}
	}
	if sig == nil {
		return nil, errors.New("no signature value")
	}
	tok, err := a.token(sig)
	if err != nil {
		return nil, err
	}
	attr, err := asn1.Marshal(struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}, []asn1.RawValue{{FullBytes: tok}}})
	if err != nil {
		return nil, err
	}
	si = append(si, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: attr})
	siList[0] = rebuild(siList[0], si)
	sdKids[len(sdKids)-1] = rebuild(sis, siList)
	ciKids[1] = rebuild(ciKids[1], []asn1.RawValue{rebuild(sd, sdKids)})
	return rebuild(ci, ciKids).FullBytes, nil
}

// children parses the elements of a constructed value's content.
func children(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		b = rest
	}
	return out, nil
}

// rebuild is v (same class and tag) with kids as its content.
func rebuild(v asn1.RawValue, kids []asn1.RawValue) asn1.RawValue {
	var content []byte
	for _, k := range kids {
		if k.FullBytes == nil {
			k.FullBytes, _ = asn1.Marshal(k)
		}
		content = append(content, k.FullBytes...)
	}
	out := asn1.RawValue{Class: v.Class, Tag: v.Tag, IsCompound: true, Bytes: content}
	out.FullBytes, _ = asn1.Marshal(out)
	return out
}
