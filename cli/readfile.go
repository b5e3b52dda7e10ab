package cli

import (
	"fmt"
	"io"
	"os"
)

// Size limits for the small files the CLI reads whole. Real files are far
// smaller; the limits stop a wrong path (a PDF, a disk image, /dev/zero)
// from filling memory.
const (
	maxP12Size   = 1 << 20  // PKCS#12: a key and a short chain, a few KB
	maxTrustSize = 4 << 20  // PEM roots
	maxCSVSize   = 32 << 20 // users import: hundreds of thousands of rows
)

// readBounded reads the file at path, refusing one larger than max bytes.
// what names the kind of file in the message.
func readBounded(path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %s, too large for %s", path, sizeText(max), what)
	}
	return data, nil
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}
