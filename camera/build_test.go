package camera

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Release builds must not link mediadevices' fake camera: it would be listed to every user.
func TestFakeCameraOnlyUnderBuildTag(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	const fake = "github.com/pion/mediadevices/pkg/driver/videotest"
	deps := func(tags string) []string {
		out, err := exec.Command(gobin, "list", "-deps", "-tags", tags, ".").Output()
		if err != nil {
			t.Fatalf("go list -tags %q: %v", tags, err)
		}
		return strings.Fields(string(out))
	}
	if d := deps(""); slices.Contains(d, fake) {
		t.Error("the release build links the fake camera")
	} else if !slices.Contains(d, "github.com/pion/mediadevices/pkg/driver/camera") {
		t.Error("the release build does not link the real camera driver")
	}
	if !slices.Contains(deps("besign_fakecam"), fake) {
		t.Error("-tags besign_fakecam does not link the fake camera")
	}
}
