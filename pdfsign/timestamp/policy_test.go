package timestamp

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"testing"
)

// PolicyOID's DER: the project's default (a UUID arc, beyond
// encoding/asn1) byte for byte, small arcs as encoding/asn1 writes them,
// and refusals.
func TestPolicyOID(t *testing.T) {
	got, err := PolicyOID("2.25.291168842190197302872843172957757647633")
	if err != nil || !bytes.Equal(got, DefaultPolicy) {
		t.Fatalf("the UUID arc: % x, %v; want DefaultPolicy % x", got, err, DefaultPolicy)
	}
	for _, c := range []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 99999, 1}, {1, 2, 3, 4, 1}, {0, 4, 0, 2023, 1, 1}, {2, 999, 3}, {1, 39}} {
		want, _ := asn1.Marshal(c)
		got, err := PolicyOID(c.String())
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: % x, %v; want % x", c, got, err, want)
		}
		var back asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(got, &back); err != nil || !back.Equal(c) {
			t.Errorf("%s does not read back: %v %v", c, back, err)
		}
	}
	for _, bad := range []string{"", "1", "1.", ".1.2", "1.2.x", "3.1", "1.40", "1.-2", "1.+2", "1.02", "1.2 .3"} {
		if _, err := PolicyOID(bad); !errors.Is(err, ErrPolicy) {
			t.Errorf("%q: %v, want ErrPolicy", bad, err)
		}
	}
}
