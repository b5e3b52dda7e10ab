package link

import "testing"

func TestPageRoundTrip(t *testing.T) {
	for _, l := range []Link{{KindReset, "abc_DEF-123"}, {KindForgot, "siti+kantor@natunakab.go.id"}, {KindPassphrase, "tok"}, {KindPassphrase, ""}} {
		p := l.Page("https://besign.example/")
		const base = "https://besign.example"
		if len(p) <= len(base) || p[:len(base)] != base {
			t.Fatalf("%+v: page %q", l, p)
		}
		rest := p[len(base):]
		path, query := rest, ""
		for i := range rest {
			if rest[i] == '?' {
				path, query = rest[:i], rest[i+1:]
				break
			}
		}
		got, err := FromPage(path, query)
		if err != nil || got != l {
			t.Errorf("%q: %+v, %v; want %+v", p, got, err, l)
		}
	}
	for _, bad := range [][2]string{{"/buka/", ""}, {"/buka/javascript", "x=1"}, {"/buka/reset/x", "token=a"}, {"/other/reset", "token=a"}, {"/buka/reset", "token=<script>"}} {
		if _, err := FromPage(bad[0], bad[1]); err == nil {
			t.Errorf("%q?%q accepted", bad[0], bad[1])
		}
	}
}
