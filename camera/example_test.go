package camera_test

import (
	"errors"
	"log"

	"github.com/natunakab/besign/camera"
)

// The camera dialog's life: pick a device, run the preview in a goroutine (each frame would reach
// the widget through fyne.Do), take the photo, check it, close. Close is safe from the UI goroutine
// too, and CloseAll belongs in the app's quit handler.
func Example() {
	devs := camera.Devices()
	if len(devs) == 0 {
		log.Print("no camera: offer the file instead") // camera.DecodePhotoFile
		return
	}
	s, err := camera.Open(devs[0].ID, 640, 480)
	switch {
	case errors.Is(err, camera.ErrBusy), errors.Is(err, camera.ErrPermission), errors.Is(err, camera.ErrNoCamera):
		log.Print("say which, and offer the file instead")
		return
	case err != nil:
		log.Print(err)
		return
	}
	defer s.Close()

	go func() {
		for frame := range s.Frames() { // a slow loop skips frames, never lags behind
			preview := camera.Preview(frame, 480, 360, true)
			_ = preview // fyne.Do(func() { raster.Image = preview; raster.Refresh() })
		}
		if errors.Is(s.Err(), camera.ErrDisconnected) {
			log.Print("the camera was unplugged")
		}
	}()

	// "Ambil Foto":
	photo, err := s.Snapshot()
	if err != nil {
		return // camera.ErrNoFrame: not started yet; ErrDisconnected, ErrClosed
	}
	photo = camera.Downscale(photo, camera.MaxPhotoSide)
	var pe *camera.PhotoError
	if errors.As(camera.CheckPhoto(photo), &pe) {
		for _, p := range pe.Problems { // ErrTooSmall, ErrTooDark, ErrTooBright, ErrBlurred
			log.Print(p)
		}
	}
}
