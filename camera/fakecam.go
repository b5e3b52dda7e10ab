//go:build besign_fakecam

package camera

// Built with -tags besign_fakecam (the end-to-end tests' binary), Devices also lists mediadevices'
// test-pattern camera "VideoTest"; release builds never link it.
import _ "github.com/pion/mediadevices/pkg/driver/videotest"
