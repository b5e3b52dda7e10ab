package embedded

import (
	"errors"
	"fmt"
	"github.com/natunakab/besign/authority"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestHelperQueueDocument is run as a child process by
// TestQueueAcrossProcesses: it waits for the common start, queues one path
// and prints the outcome.
func TestHelperQueueDocument(t *testing.T) {
	path := os.Getenv("BESIGN_TEST_QUEUE_DB")
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
	opts := DefaultOptions()
	opts.Path, opts.MasterKey, opts.Now = path, testKey, func() time.Time { return now }
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	time.Sleep(time.Until(time.Unix(0, start)))
	_, err = e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: os.Getenv("BESIGN_TEST_TOKEN"),
		Path: os.Getenv("BESIGN_TEST_QUEUE_PATH"), Pages: 1, Settings: goodSettings()})
	switch {
	case err == nil:
		fmt.Println("RESULT ok")
	case errors.Is(err, authority.ErrQueueDuplicate):
		fmt.Println("RESULT duplicate")
	case errors.Is(err, authority.ErrQueueFull):
		fmt.Println("RESULT full")
	default:
		fmt.Printf("RESULT other %v\n", err)
	}
}

// Processes adding to one queue at once: the same path lands once and the
// others are told it is a duplicate; different paths all land; and no more
// than MaxQueuedDocuments ever do, as the count is taken in the write
// transaction.
func TestQueueAcrossProcesses(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	const email = "siti@natunakab.go.id"
	tok := queueUser(t, e, clk, "Siti", email)
	run := func(paths []string) map[string]int {
		t.Helper()
		start := time.Now().Add(2 * time.Second).UnixNano()
		return childResults(t, len(paths), "TestHelperQueueDocument", func(i int) []string {
			return []string{"BESIGN_TEST_QUEUE_DB=" + opts.Path, "BESIGN_TEST_TOKEN=" + tok,
				"BESIGN_TEST_NOW=" + clk.Now().Format(time.RFC3339Nano), "BESIGN_TEST_QUEUE_PATH=" + paths[i],
				"BESIGN_TEST_START=" + strconv.FormatInt(start, 10)}
		})
	}
	count := func() int { return len(queuedPaths(t, e, tok)) }

	const n = 6
	same := make([]string, n)
	for i := range same {
		same[i] = "/home/siti/sama.pdf"
	}
	if c := run(same); c["ok"] != 1 || c["duplicate"] != n-1 {
		t.Fatalf("%d processes adding one path: %v, want 1 ok and %d duplicate", n, c, n-1)
	}
	if got := count(); got != 1 {
		t.Fatalf("%d documents after adding one path", got)
	}

	var different []string
	for i := range n {
		different = append(different, fmt.Sprintf("/home/siti/beda-%d.pdf", i))
	}
	if c := run(different); c["ok"] != n {
		t.Fatalf("%d processes adding different paths: %v", n, c)
	}
	if got := count(); got != 1+n {
		t.Fatalf("%d documents, want %d", got, 1+n)
	}

	// Three places left, six processes: three land.
	fillQueue(t, e, email, authority.MaxQueuedDocuments-3-count())
	for i := range different {
		different[i] += ".lagi"
	}
	if c := run(different); c["ok"] != 3 || c["full"] != n-3 {
		t.Fatalf("%d processes adding to a queue with 3 places: %v", n, c)
	}
	if got := count(); got != authority.MaxQueuedDocuments {
		t.Fatalf("%d documents, want %d", got, authority.MaxQueuedDocuments)
	}
}
