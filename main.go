// Command besign is BeSign Desktop: without arguments the desktop app,
// with a subcommand a tool for scripting and IT (see cli).
package main

import (
	"os"

	"github.com/natunakab/besign/app"
	"github.com/natunakab/besign/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, app.Run))
}
