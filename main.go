// Command besign is BeSign Desktop: without arguments the desktop app,
// with a subcommand a tool for scripting and IT (see cli).
package main

import (
	"errors"
	"os"
	"os/exec"
	"time"

	"github.com/natunakab/besign/app"
	"github.com/natunakab/besign/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, startApp))
}

// retryEnv marks the second process that startApp starts.
const retryEnv = "BESIGN_DISPLAY_RETRY"

// startApp hands the app what it needs from the command line; app does not
// import cli. A display that answered but refused the window (GLFW starts
// once per process) gets one more try in a new process, a second later.
func startApp(env *cli.Env) error {
	cfg, err := env.Config()
	err = app.Run(app.Input{Version: cli.Version, DataDir: env.DataDir, Config: cfg, ConfigErr: err,
		Link: env.Link, Files: env.Files})
	if errors.Is(err, app.ErrDisplayRefused) && os.Getenv(retryEnv) == "" {
		if exe, xerr := os.Executable(); xerr == nil {
			time.Sleep(time.Second)
			cmd := exec.Command(exe, os.Args[1:]...)
			cmd.Env = append(os.Environ(), retryEnv+"=1")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
			var exit *exec.ExitError
			switch rerr := cmd.Run(); {
			case rerr == nil:
				os.Exit(0)
			case errors.As(rerr, &exit):
				os.Exit(exit.ExitCode()) // it said why
			}
		}
	}
	return err
}
