package pg

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/internal/pgtest"
)

// Two stores (two server processes) hitting one key at once count every
// hit once: the counts returned are exactly 1..n. A new window starts at
// 1; a process whose clock is behind does not move the window back.
func TestHitCountsAcrossStores(t *testing.T) {
	s1, dsn := open(t)
	s2, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	now := time.Date(2026, 12, 7, 9, 0, 10, 0, time.UTC)
	const n = 60
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		s := []*Store{s1, s2}[i%2]
		wg.Go(func() {
			c, err := s.Hit(ctx, "address:10.0.0.5", now, time.Minute)
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		})
	}
	wg.Wait()
	sort.Ints(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts %v: want 1..%d, each once", counts, n)
		}
	}
	if c, _ := s1.Hit(ctx, "address:10.0.0.6", now, time.Minute); c != 1 {
		t.Errorf("another key: %d", c)
	}
	if c, _ := s2.Hit(ctx, "address:10.0.0.5", now.Add(time.Minute), time.Minute); c != 1 {
		t.Errorf("next window: %d", c)
	}
	if c, _ := s1.Hit(ctx, "address:10.0.0.5", now, time.Minute); c != 2 {
		t.Errorf("a clock one window behind: %d, want 2 (the newer window goes on)", c)
	}
	var stored int
	if err := s1.pool.QueryRow(ctx, "SELECT count(*) FROM rate_limits WHERE position('10.0.0' in encode(key, 'escape')) > 0").Scan(&stored); err != nil || stored != 0 {
		t.Errorf("an address in clear in rate_limits: %d, %v", stored, err)
	}
}

// BenchmarkHitOneKey is the cost of the rate limit's count when every
// request comes from one address (a load test on loopback): all hits
// update one row.
func BenchmarkHitOneKey(b *testing.B) {
	s, err := Open(ctx, pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(8) // 16 goroutines on the 2 processors here, as many server requests
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Hit(ctx, "address:127.0.0.1", time.Now(), time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
