package localqueue

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/authority/remote"
)

// TestHelperQueueDocument is run as a child process by
// TestQueueAcrossProcesses: an app with the server gone, which waits for
// the common start, queues one path and prints the outcome.
func TestHelperQueueDocument(t *testing.T) {
	path := os.Getenv("BESIGN_TEST_QUEUE_FILE")
	if path == "" {
		t.Skip("child process of TestQueueAcrossProcesses")
	}
	now, err := time.Parse(time.RFC3339Nano, os.Getenv("BESIGN_TEST_NOW"))
	if err != nil {
		t.Fatal(err)
	}
	start, err := strconv.ParseInt(os.Getenv("BESIGN_TEST_START"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := remote.New(remote.Options{URL: os.Getenv("BESIGN_TEST_SERVER")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, path, gone, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	time.Sleep(time.Until(time.Unix(0, start)))
	_, err = a.QueueDocument(ctx, authority.QueueDocumentRequest{Token: os.Getenv("BESIGN_TEST_TOKEN"),
		Path: os.Getenv("BESIGN_TEST_QUEUE_PATH"), Pages: 2, Settings: settings()})
	switch {
	case err == nil:
		fmt.Println("RESULT ok")
	case errors.Is(err, authority.ErrQueueDuplicate):
		fmt.Println("RESULT duplicate")
	default:
		fmt.Printf("RESULT other %v\n", err)
	}
}

// Two apps of one person (two processes on one data dir) adding at once
// with the server gone: the same path lands once and the other is told it
// is a duplicate; different paths both land.
func TestQueueAcrossProcesses(t *testing.T) {
	r := newRig(t)
	tok := r.session("Siti", "siti@"+authoritytest.Domain)
	r.srv.Close()
	run := func(paths ...string) map[string]int {
		t.Helper()
		start := time.Now().Add(2 * time.Second).UnixNano()
		var mu sync.Mutex
		var wg sync.WaitGroup
		counts := map[string]int{}
		for _, p := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^TestHelperQueueDocument$", "-test.count=1")
				cmd.Env = append(os.Environ(), "BESIGN_TEST_QUEUE_FILE="+r.path, "BESIGN_TEST_TOKEN="+tok,
					"BESIGN_TEST_NOW="+r.clk.Now().Format(time.RFC3339Nano), "BESIGN_TEST_QUEUE_PATH="+p,
					"BESIGN_TEST_SERVER="+r.srv.URL, "BESIGN_TEST_START="+strconv.FormatInt(start, 10))
				out, err := cmd.CombinedOutput()
				_, after, ok := strings.Cut(string(out), "RESULT ")
				mu.Lock()
				defer mu.Unlock()
				if err != nil || !ok {
					t.Errorf("child: %v\n%s", err, out)
					return
				}
				counts[strings.Fields(after)[0]]++
			}()
		}
		wg.Wait()
		return counts
	}
	if c := run("/home/siti/sama.pdf", "/home/siti/sama.pdf"); c["ok"] != 1 || c["duplicate"] != 1 {
		t.Fatalf("two processes adding one path: %v", c)
	}
	if c := run("/home/siti/satu.pdf", "/home/siti/dua.pdf"); c["ok"] != 2 {
		t.Fatalf("two processes adding different paths: %v", c)
	}
	if got := paths(t, r.queue, tok); len(got) != 3 {
		t.Fatalf("the queue holds %v", got)
	}
}
