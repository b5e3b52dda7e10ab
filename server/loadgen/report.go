package loadgen

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// Percentile returns the p-th percentile (0-100) of ds, nearest rank; 0
// for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Write prints the run's rates, latencies and errors, one kind a line.
func (r *Result) Write(w io.Writer) {
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(w, "window %.1f s\n", secs)
	digests := 0
	for _, b := range r.Batches {
		if b.Acked {
			digests += len(b.Digests)
		}
	}
	for _, k := range []string{KindSignIn, KindUnlock, KindTimeStamp, KindHealth} {
		ds := r.Latencies[k]
		fmt.Fprintf(w, "%-10s %6d  %7.2f/s  p50 %8.1f ms  p99 %8.1f ms  max %8.1f ms\n", k, len(ds), float64(len(ds))/secs,
			ms(Percentile(ds, 50)), ms(Percentile(ds, 99)), ms(Percentile(ds, 100)))
	}
	fmt.Fprintf(w, "%-10s %6d  %7.2f/s\n", "digests", digests, float64(digests)/secs)
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "errors %d\n", r.ErrorCount())
	for _, k := range kinds {
		for msg, n := range r.Errors[k] {
			fmt.Fprintf(w, "  %s: %d x %s\n", k, n, msg)
		}
	}
	for k, n := range r.Retries {
		fmt.Fprintf(w, "retries %s: %d\n", k, n)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
