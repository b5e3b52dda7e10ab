package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/link"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (two servers in one test process do not share counters), served on
// their own listener (server.metrics_listen) so that the public HTTPS
// port never shows them.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	digests  prometheus.Counter
	signings prometheus.Counter
	routes   map[string]bool
}

func newMetrics(kdfRunning func() int64) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "besign_http_requests_total", Help: "HTTP requests answered, by route, method and status.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "besign_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		digests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "besign_signed_digests_total", Help: "Digests signed (one per document signature).",
		}),
		signings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "besign_signing_calls_total", Help: "SignDigests calls that signed (one passphrase unlock each).",
		}),
		routes: map[string]bool{"/healthz": true},
	}
	for _, r := range httpapi.Routes {
		m.routes[r.Path] = true
	}
	m.reg.MustRegister(m.requests, m.latency, m.digests, m.signings,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "besign_kdf_running", Help: "Passphrase key derivations running now (bounded by server.kdf_workers).",
		}, func() float64 { return float64(kdfRunning()) }),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// signed counts one SignDigests call of n digests (embedded.Options.Signed).
func (m *metrics) signed(n int) {
	m.signings.Inc()
	m.digests.Add(float64(n))
}

// route is the label of a path: a known route, the hand-over page, or
// "other", so that scanners cannot grow the series without bound.
func (m *metrics) route(path string) string {
	switch {
	case m.routes[path]:
		return path
	case len(path) > len(link.PagePath) && path[:len(link.PagePath)] == link.PagePath:
		return link.PagePath
	}
	return "other"
}

// observe records one answered request.
func (m *metrics) observe(method, path string, status int, d time.Duration) {
	r := m.route(path)
	if method != http.MethodGet && method != http.MethodPost {
		method = "other"
	}
	m.requests.WithLabelValues(r, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(r).Observe(d.Seconds())
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}
