package server

import (
	"html/template"
	"net/http"

	"github.com/natunakab/besign/authority/link"
)

// The hand-over page (GET /buka/...): the https address a server's mail
// links to, which opens the same flow in BeSign Desktop through besign://.
// The link is parsed and written again by authority/link, never echoed,
// and html/template escapes it; the page has no script, sends no referrer
// (the token must not leak to another site) and is never cached.
var handoverPage = template.Must(template.New("buka").Parse(`<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0; url={{.Link}}">
<title>Buka BeSign Desktop</title>
<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}
a.button{display:inline-block;padding:.6em 1.2em;background:#1565c0;color:#fff;text-decoration:none;border-radius:4px}
code{word-break:break-all;background:#eee;padding:.2em}</style>
</head>
<body>
<h1>Buka di BeSign Desktop</h1>
<p>Tautan ini dibuka oleh aplikasi BeSign Desktop di komputer kantor Anda.</p>
<p><a class="button" href="{{.Link}}">Buka BeSign Desktop</a></p>
<p>Jika aplikasi tidak terbuka, jalankan BeSign Desktop lalu tempelkan tautan berikut pada halaman masuk:</p>
<p><code>{{.Link}}</code></p>
<hr>
<p lang="en">This link opens in the BeSign Desktop app. If it does not open, start BeSign Desktop and paste the link above on its sign-in page.</p>
</body>
</html>
`))

func handover(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	l, err := link.FromPage(r.URL.Path, r.URL.RawQuery)
	if err != nil {
		http.Error(w, "Tautan tidak dikenal. / Unknown link.", http.StatusNotFound)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	// template.URL: the besign scheme is ours, and the text was written
	// by link.String from a parsed link, not taken from the request.
	handoverPage.Execute(w, struct{ Link template.URL }{template.URL(l.String())})
}
