package cli

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign"
)

// cliRunConfig is cliRun with a configuration of the test's.
func cliRunConfig(t *testing.T, config, stdin string, args ...string) (int, string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if os.Getenv("BESIGN_KEYRING_TEST") == "" {
		config = "allow_plain_master_key = true\n" + config
	}
	os.WriteFile(p, []byte(config), 0o600)
	var out, errb bytes.Buffer
	code := Run(append([]string{"--data-dir", t.TempDir(), "--config", p}, args...), strings.NewReader(stdin), &out, &errb,
		func(*Env) error { t.Fatal("GUI started by a CLI command"); return nil })
	return code, out.String(), errb.String()
}

// besign sign with tsa_url makes PAdES B-T; besign verify shows the
// token's time and TSA as the signing time. A TSA that cannot be reached
// fails signing in one line and writes nothing.
func TestSignWithTSAURL(t *testing.T) {
	p, f := signFixture(t)
	srv := httptest.NewServer(p.TSA("TSA Uji", time.Now().Add(time.Hour)))
	defer srv.Close()

	dir := t.TempDir()
	in := copyCorpus(t, "read.go.pdf", dir)
	code, _, errOut := cliRunConfig(t, "tsa_url = \""+srv.URL+"/tsa\"\n", f.Password+"\n", "sign", in, "--p12", f.P12, "--passphrase-stdin")
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, errOut)
	}
	signed := filepath.Join(dir, "read.go_signed.pdf")
	code, out, errOut := cliRun(t, "", "verify", "--json", "--trust", f.RootPEM, signed)
	var res []struct {
		Signatures []pdfsign.SignatureInfo `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res) != 1 || len(res[0].Signatures) != 1 {
		t.Fatalf("verify --json: exit %d %v\n%s%s", code, err, out, errOut)
	}
	s := res[0].Signatures[0]
	if !s.Valid || s.Timestamp == "" || s.SigningTime != s.Timestamp || s.TimestampAuthority != "TSA Uji" || s.ClaimedSigningTime == "" {
		t.Fatalf("signature: %+v", s)
	}
	for _, key := range []string{`"timestamp":`, `"timestamp_authority": "TSA Uji"`} {
		if !strings.Contains(out, key) {
			t.Errorf("verify --json lacks %s", key)
		}
	}
	code, out, _ = cliRun(t, "", "verify", "--trust", f.RootPEM, signed)
	if code != 0 || !strings.Contains(out, "signed at:     "+s.Timestamp+" (timestamp by TSA Uji") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}

	os.Remove(signed)
	code, _, errOut = cliRunConfig(t, "tsa_url = \"http://127.0.0.1:1/tsa\"\n", f.Password+"\n", "sign", in, "--p12", f.P12, "--passphrase-stdin")
	if code != 1 || !strings.Contains(errOut, "time-stamping authority cannot be reached") || !strings.Contains(errOut, "tsa_url") {
		t.Fatalf("unreachable TSA: exit %d: %s", code, errOut)
	}
	oneLineError(t, errOut)
	if _, err := os.Stat(signed); !os.IsNotExist(err) {
		t.Fatalf("written without a timestamp: %v", err)
	}
}
