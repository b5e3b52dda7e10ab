package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var ds []time.Duration
		for _, v := range n {
			ds = append(ds, time.Duration(v)*time.Millisecond)
		}
		return ds
	}
	for _, c := range []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(5, 1, 3, 2, 4), 50, 3 * time.Millisecond},
		{ms(5, 1, 3, 2, 4), 100, 5 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
	} {
		if got := Percentile(c.ds, c.p); got != c.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.ds, c.p, got, c.want)
		}
	}
}

// A step is used once: after the current one, the next is accepted one
// step early, and the one after that must wait for its turn (the server
// would refuse it), leaving LastStep as it was when the wait is cut.
func TestNextCodeNeverReusesAStep(t *testing.T) {
	acc := &Account{Secret: "JBSWY3DPEHPK3PXP", LastStep: step(time.Now())}
	now := acc.LastStep
	if _, wait, err := acc.nextCode(context.Background()); err != nil || acc.LastStep != now+1 || wait > 0 {
		t.Fatalf("the next step: step %d (want %d), waited %v, %v", acc.LastStep, now+1, wait, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if step(time.Now()) == now { // not at a step's turn
		if _, _, err := acc.nextCode(ctx); !errors.Is(err, context.DeadlineExceeded) || acc.LastStep != now+1 {
			t.Fatalf("two steps ahead: step %d, %v; want a wait cut short", acc.LastStep, err)
		}
	}
}
