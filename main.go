// Command besign is BeSign Desktop: without arguments the desktop app,
// with a subcommand a tool for scripting and IT (see cli).
package main

import (
	"os"

	"github.com/natunakab/besign/app"
	"github.com/natunakab/besign/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, startApp))
}

// startApp hands the app what it needs from the command line; app does not
// import cli.
func startApp(env *cli.Env) error {
	cfg, err := env.Config()
	return app.Run(app.Input{Version: cli.Version, DataDir: env.DataDir, Config: cfg, ConfigErr: err,
		Link: env.Link, Files: env.Files})
}
