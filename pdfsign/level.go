package pdfsign

import (
	"crypto/sha256"
	"sort"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// PAdES baseline levels (ETSI EN 319 142-1), from least to most.
const (
	// LevelBB: a valid CAdES signature, nothing more.
	LevelBB = "B-B"
	// LevelBT: a trusted timestamp proves the signature existed at its
	// time: the signature's own signature-time-stamp, or a later
	// document timestamp over it.
	LevelBT = "B-T"
	// LevelBLT: B-T, and the document's DSS holds the chains and fresh
	// revocation data (CRL or OCSP, signed as they must be) for the signer
	// and for that timestamp's authority: it verifies offline.
	LevelBLT = "B-LT"
	// LevelBLTA: B-LT, and a trusted document timestamp covers the DSS
	// entries B-LT relied on.
	LevelBLTA = "B-LTA"
)

// ltEvidence is what a signature's level is made of.
type ltEvidence struct {
	// timestamped: its own signature-time-stamp verified (and, with roots,
	// is trusted); docStamped: else a valid document timestamp covers it,
	// stamp (its index in verifier.docStamps) is the earliest one.
	timestamped, docStamped bool
	stamp                   int
	// chain: every certificate of the signer's chain (or, for a document
	// timestamp, of its TSA's) has its status from fresh DSS data; tsa:
	// likewise for the signature-time-stamp's TSA.
	chain, tsa bool
	// used: the DSS entries (SHA-256 of their bytes) relied on.
	used [][sha256.Size]byte
	// end: where the signed revision ends.
	end int64
}

// docStamp is a valid document timestamp: it covers the file up to
// gapStart (its /Contents), and its own revision ends at end.
type docStamp struct {
	gapStart, end int64
	at            time.Time
	// tsaLT: its TSA's chain has fresh revocation data in the DSS.
	tsaLT bool
	used  [][sha256.Size]byte
}

// isDocTimestamp says whether the final file's dictionary names a
// document timestamp (verifyOne decides on the signed revision's).
func isDocTimestamp(d pdf.Dict) bool {
	sub, _ := d["SubFilter"].(pdf.Name)
	t, _ := d["Type"].(pdf.Name)
	return sub == "ETSI.RFC3161" || t == "DocTimeStamp"
}

// docTimestampsFirst orders the signatures for verification: document
// timestamps, the latest first, then the others in their order.
func (v *verifier) docTimestampsFirst(sigs []sigField) []int {
	var stamps, others []int
	ends := map[int]int64{}
	for i, s := range sigs {
		if s.v != nil && isDocTimestamp(s.v) {
			br, _ := byteRange(v.f, s.v, v.size)
			ends[i] = br[2] + br[3]
			stamps = append(stamps, i)
		} else {
			others = append(others, i)
		}
	}
	sort.SliceStable(stamps, func(a, b int) bool { return ends[stamps[a]] > ends[stamps[b]] })
	return append(stamps, others...)
}

// noteDocTimestamp keeps a valid document timestamp for the signatures
// (and earlier document timestamps) it covers. One that is not valid (a
// wrong imprint, an untrusted TSA, content changed after it) counts for
// nothing.
func (v *verifier) noteDocTimestamp(s sigField, info *SignatureInfo) {
	if !info.Valid || info.Kind != KindDocumentTimestamp || (v.opts.Roots != nil && !info.Trusted) {
		return
	}
	at, err := time.Parse(time.RFC3339, info.Timestamp)
	if err != nil {
		return
	}
	br, err := byteRange(v.f, s.v, v.size)
	if err != nil {
		return
	}
	v.docStamps = append(v.docStamps, docStamp{gapStart: br[1], end: br[2] + br[3], at: at,
		tsaLT: info.lt.chain, used: info.lt.used})
}

// coverTime is the validation time of what ends at end: the time of the
// earliest valid document timestamp over it, else the verification's.
// info (when not nil) notes which timestamp it was.
func (v *verifier) coverTime(info *SignatureInfo, end int64) time.Time {
	best := -1
	for i, d := range v.docStamps {
		if d.gapStart >= end && (best < 0 || d.at.Before(v.docStamps[best].at)) {
			best = i
		}
	}
	if best < 0 {
		return v.now()
	}
	if info != nil {
		info.lt.docStamped, info.lt.stamp = true, best
	}
	return v.docStamps[best].at
}

// levels names the level each valid signature reaches. Without roots no
// chain is built, so B-T is the most a signature can reach.
func (v *verifier) levels(out []SignatureInfo) {
	for i := range out {
		s := &out[i]
		if s.Kind != KindSignature || !s.Valid {
			continue
		}
		s.Level = LevelBB
		e := s.lt
		if !e.timestamped && !e.docStamped {
			continue
		}
		s.Level = LevelBT
		tsaLT := e.tsa
		used := e.used
		if !e.timestamped {
			tsaLT = v.docStamps[e.stamp].tsaLT
			used = append(used[:len(used):len(used)], v.docStamps[e.stamp].used...)
		}
		if v.opts.Roots == nil || !s.Trusted || !e.chain || !tsaLT {
			continue
		}
		s.Level = LevelBLT
		for _, d := range v.docStamps {
			if d.gapStart >= e.end && v.dssAt(d.end).holds(used) {
				s.Level = LevelBLTA
				break
			}
		}
	}
}

// holds says whether the DSS has every entry of used.
func (d *dss) holds(used [][sha256.Size]byte) bool {
	for _, u := range used {
		if !d.items[u] {
			return false
		}
	}
	return true
}

// dssFindings picks the findings about the DSS.
func dssFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Code == FindDSS {
			out = append(out, f)
		}
	}
	return out
}
