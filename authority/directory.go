package authority

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The employee directory file: CSV with a header naming the columns nip,
// nama, unit_organisasi, jabatan and provinsi (in any order; more columns
// are ignored). IT imports it with `besign admin directory import`, or
// names it as directory_path in the configuration.

// DirectoryColumns are the directory file's required columns.
var DirectoryColumns = []string{"nip", "nama", "unit_organisasi", "jabatan", "provinsi"}

// ErrDirectoryFile: the directory file cannot be used; the error names each
// bad line, and nothing was imported.
var ErrDirectoryFile = errors.New("employee directory file is not valid")

// DirectoryFileError lists the bad lines of a directory file (1-based, as
// an editor counts them).
type DirectoryFileError struct {
	Lines []LineError
}

// LineError is one bad line of a file.
type LineError struct {
	Line int
	Err  string
}

func (d *DirectoryFileError) Error() string {
	var b strings.Builder
	b.WriteString(ErrDirectoryFile.Error())
	for _, l := range d.Lines {
		if l.Line > 0 {
			fmt.Fprintf(&b, "; line %d: %s", l.Line, l.Err)
		} else {
			fmt.Fprintf(&b, "; %s", l.Err)
		}
	}
	return b.String()
}

func (d *DirectoryFileError) Unwrap() error { return ErrDirectoryFile }

// maxDirectoryRows bounds a directory file (a regency has a few thousand
// employees; a province some tens of thousands).
const maxDirectoryRows = 200_000

// ReadDirectoryCSV reads a directory file. It returns the rows and, for
// each, its line number; a file with a missing column, a broken line or no
// rows gives a *DirectoryFileError.
func ReadDirectoryCSV(r io.Reader) ([]Employee, []int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil, &DirectoryFileError{Lines: []LineError{{0, "the file is empty; the first line must name the columns " + strings.Join(DirectoryColumns, ", ")}}}
	}
	if err != nil {
		return nil, nil, &DirectoryFileError{Lines: []LineError{{1, err.Error()}}}
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, c := range DirectoryColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, &DirectoryFileError{Lines: []LineError{{1, "missing column(s) " + strings.Join(missing, ", ") + "; the first line must name the columns " + strings.Join(DirectoryColumns, ", ")}}}
	}
	var rows []Employee
	var lines []int
	var bad []LineError
	for {
		line, _ := cr.FieldPos(0)
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, LineError{pe.Line, pe.Err.Error()})
			} else {
				bad = append(bad, LineError{0, err.Error()})
			}
			break
		}
		line, _ = cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(head) {
			bad = append(bad, LineError{line, fmt.Sprintf("%d fields, the header has %d", len(rec), len(head))})
			continue
		}
		if len(rows) >= maxDirectoryRows {
			bad = append(bad, LineError{line, fmt.Sprintf("more than %d rows", maxDirectoryRows)})
			break
		}
		rows = append(rows, Employee{NIP: rec[col["nip"]], Name: rec[col["nama"]], Unit: rec[col["unit_organisasi"]],
			Jabatan: rec[col["jabatan"]], Province: rec[col["provinsi"]]})
		lines = append(lines, line)
	}
	if len(bad) == 0 && len(rows) == 0 {
		bad = append(bad, LineError{0, "the file has no rows"})
	}
	if len(bad) > 0 {
		return nil, nil, &DirectoryFileError{Lines: bad}
	}
	return rows, lines, nil
}

// ImportDirectoryCSV reads a directory file and imports it, all or
// nothing; bad rows come back as a *DirectoryFileError with their lines.
func ImportDirectoryCSV(ctx context.Context, a ActivationAdmin, r io.Reader) (int, error) {
	rows, lines, err := ReadDirectoryCSV(r)
	if err != nil {
		return 0, err
	}
	res, err := a.ImportDirectory(ctx, rows)
	if len(res.Errors) > 0 {
		de := &DirectoryFileError{}
		for _, re := range res.Errors {
			line := 0
			if re.Row >= 0 && re.Row < len(lines) {
				line = lines[re.Row]
			}
			de.Lines = append(de.Lines, LineError{line, re.Err})
		}
		return 0, de
	}
	if err != nil {
		return 0, err
	}
	return res.Imported, nil
}
