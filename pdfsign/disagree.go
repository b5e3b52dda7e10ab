package pdfsign

import (
	"errors"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// checkPageStreams returns ErrAmbiguous when a stream a page draws (its
// content streams and the XObjects its resources name directly) has a
// /Length that reaches past an "endstream", which readers cut at different
// places. Each stream is read once; the cost is the size of those streams.
func checkPageStreams(f *pdf.File) error {
	catalog, _, err := f.ResolveDict(f.Trailer["Root"])
	if err != nil {
		return mapParseErr(err)
	}
	seen := map[int]bool{}
	check := func(o pdf.Object) error {
		r, ok := o.(pdf.Ref)
		if !ok || seen[r.Num] {
			return nil
		}
		seen[r.Num] = true
		if err := f.CheckStreamEnd(r.Num); errors.Is(err, pdf.ErrAmbiguous) {
			return mapParseErr(err)
		}
		// Other read errors are for the code that uses the stream.
		return nil
	}
	for _, pr := range pageList(f, catalog) {
		page, _, _ := f.ResolveDict(pr)
		cs := pdf.Array{page["Contents"]}
		if co, _ := f.Resolve(page["Contents"]); co != nil {
			if a, ok := co.(pdf.Array); ok {
				cs = a
			}
		}
		res, _, _ := f.ResolveDict(page["Resources"])
		xo, _, _ := f.ResolveDict(res["XObject"])
		for _, x := range xo {
			cs = append(cs, x)
		}
		for _, c := range cs {
			if err := check(c); err != nil {
				return err
			}
		}
	}
	return nil
}
