package cli

import (
	"bytes"
	"strings"
	"testing"
)

// A besign:// link as the only operand starts the desktop app with it (the
// OS runs "besign LINK" for a clicked link); anything after it is a usage
// error, and a link never reaches a subcommand.
func TestLinkStartsApp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		link string // "" when the app must not start
		code int
	}{
		{[]string{"besign://reset?token=abc"}, "besign://reset?token=abc", 0},
		{[]string{"BESIGN:reset?token=abc"}, "BESIGN:reset?token=abc", 0},
		{[]string{"--data-dir", "x", "besign://forgot?login=a@b.id"}, "besign://forgot?login=a@b.id", 0},
		{[]string{"besign://reset?token=abc", "more"}, "", 2},
		{[]string{"besign:"}, "", 2},
		{[]string{"besignx://reset"}, "", 2},
	} {
		var out, errb bytes.Buffer
		got, started := "", false
		code := Run(tt.args, strings.NewReader(""), &out, &errb, func(env *Env) error {
			started, got = true, env.Link
			return nil
		})
		if code != tt.code || got != tt.link || started != (tt.link != "") {
			t.Errorf("%q: exit %d, app started %v with %q (%s); want exit %d, link %q", tt.args, code, started, got, errb.String(), tt.code, tt.link)
		}
	}
}
