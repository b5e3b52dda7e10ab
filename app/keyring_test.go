package app

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/keystore"
)

// Without a Secret Service the adapter words the keystore's reason in the
// user's language, and a keyring that holds nothing recalls nothing. The
// keyring connection is per process, so this runs in a child process whose
// session bus address leads nowhere.
func TestKeyringWithoutSecretService(t *testing.T) {
	if os.Getenv("BESIGN_APP_CHILD") == "nobus" {
		for lang, want := range map[string]string{"id": "tidak ada", "en": "no "} {
			if err := assets.UseLanguage(lang); err != nil {
				t.Fatal(err)
			}
			err := keyring{keystore.New(t.TempDir())}.Available()
			if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "keyring unavailable") {
				t.Fatalf("%s: Available = %v, want a worded reason starting %q", lang, err, want)
			}
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringWithoutSecretService$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "BESIGN_APP_CHILD=nobus",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/besign-test-bus")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestKeyringWithoutSecretService") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// Every reason and warning has its own words in both languages.
func TestReasonAndWarningTexts(t *testing.T) {
	reasons := []keystore.Reason{keystore.ReasonNoBus, keystore.ReasonNoService, keystore.ReasonNoAnswer,
		keystore.ReasonLocked, keystore.ReasonDenied, keystore.ReasonRefused, keystore.ReasonUnsupported,
		keystore.ReasonCredentialMgr, keystore.ReasonKeychain, keystore.ReasonUnusable}
	for _, lang := range assets.Languages {
		if err := assets.UseLanguage(lang); err != nil {
			t.Fatal(err)
		}
		seen := map[string]keystore.Reason{}
		for _, r := range reasons {
			txt := reasonText(r)
			if prev, dup := seen[txt]; dup {
				t.Errorf("%s: %q and %q both read %q", lang, prev, r, txt)
			}
			seen[txt] = r
		}
		w := warningText(&keystore.Warning{Kind: keystore.WarnKeyInFile, Path: "/data/master.key", Reason: keystore.ReasonNoBus})
		if !strings.Contains(w, "/data/master.key") || !strings.Contains(w, reasonText(keystore.ReasonNoBus)) {
			t.Errorf("%s: key-in-file warning %q", lang, w)
		}
		left := warningText(&keystore.Warning{Kind: keystore.WarnKeyFileLeft, Path: "/data/master.key"})
		if !strings.Contains(left, "/data/master.key") || left == w {
			t.Errorf("%s: file-left warning %q", lang, left)
		}
		if warningText(nil) != "" {
			t.Errorf("%s: warning without a warning", lang)
		}
	}
	if reasonText(keystore.ReasonNoBus) == "tidak ada sesi D-Bus untuk Secret Service" {
		t.Error("English reason not translated")
	}
	assets.UseLanguage("id")
}
