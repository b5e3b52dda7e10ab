package screens

import (
	"fmt"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign"
)

// An ambiguous PDF (issue 17: an object defined twice in one
// cross-reference section) is worded as such when signing and verifying,
// not as a damaged file.
func TestAmbiguousPDFWords(t *testing.T) {
	err := fmt.Errorf("%w: ambiguous cross-reference section: object 4 has two different entries", pdfsign.ErrAmbiguous)
	if msg, ok := signingText(err); !ok || !strings.HasPrefix(msg, "PDF ini ambigu") || !strings.Contains(msg, "tidak dapat ditandatangani") {
		t.Fatalf("signing: %q %v", msg, ok)
	}
	// The reader's English details stay in the CLI's report.
	if msg := verifyErrorText(err); !strings.HasPrefix(msg, "PDF ini ambigu") || !strings.Contains(msg, "tidak dapat diandalkan") || strings.Contains(msg, "cross-reference") {
		t.Fatalf("verify: %q", msg)
	}
}
