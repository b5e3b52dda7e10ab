package signjob

import (
	"errors"
	"fmt"
	"strings"

	"github.com/natunakab/besign/pdfsign"
)

// Level is a PAdES baseline level a signature is made at.
type Level string

// The levels, lowest first.
const (
	// LevelB: the signature alone.
	LevelB Level = "B-B"
	// LevelT: with a signature timestamp (Job.TimeStamp).
	LevelT Level = "B-T"
	// LevelLT: then the chains and revocation data in the /DSS.
	LevelLT Level = "B-LT"
	// LevelLTA: then a document timestamp over all of it.
	LevelLTA Level = "B-LTA"
)

// ErrLevel: the level asked for cannot be made with what the job has (a
// level from B-T up without a time-stamping authority), or is not one.
var ErrLevel = errors.New("the signature level cannot be reached")

// ParseLevel reads "B-B", "B-T", "B-LT" or "B-LTA" (any case).
func ParseLevel(s string) (Level, error) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	if l.rank() < 0 {
		return "", fmt.Errorf("%w: %q is not B-B, B-T, B-LT or B-LTA", ErrLevel, s)
	}
	return l, nil
}

func (l Level) rank() int {
	switch l {
	case LevelB:
		return 0
	case LevelT:
		return 1
	case LevelLT:
		return 2
	case LevelLTA:
		return 3
	}
	return -1
}

// target is the level the job asks for: Job.Level, else B-T with a TSA and
// B-B without (as before levels existed).
func (j *Job) target() Level {
	if j.Level != "" {
		return j.Level
	}
	if j.TimeStamp != nil {
		return LevelT
	}
	return LevelB
}

// checkLevel refuses a level the job cannot even try, unless it is best
// effort.
func (j *Job) checkLevel() error {
	t := j.target()
	if t.rank() < 0 {
		return fmt.Errorf("%w: %q", ErrLevel, t)
	}
	if t.rank() >= LevelT.rank() && j.TimeStamp == nil && !j.BestEffort {
		return fmt.Errorf("%w: %s needs a time-stamping authority (tsa_url or the server's)", ErrLevel, t)
	}
	return nil
}

// reached names the level a written signature reached and why it is
// lower than asked; ltv is what the DSS update reported (nil: none made).
func (j *Job) reached(ltv *pdfsign.LTVResult) (Level, string) {
	t := j.target()
	if j.TimeStamp == nil {
		if t.rank() > LevelB.rank() {
			return LevelB, "no time-stamping authority is configured"
		}
		return LevelB, ""
	}
	if t.rank() < LevelLT.rank() {
		return LevelT, ""
	}
	if ltv == nil {
		return LevelT, "no validation material was added"
	}
	if !ltv.Complete() {
		return LevelT, "no revocation data for " + strings.Join(ltv.Unchecked, "; ")
	}
	if t == LevelLTA {
		if ltv.DocTimeStamp {
			return LevelLTA, ""
		}
		why := "no document timestamp"
		if ltv.DocTimeStampErr != nil {
			why += ": " + ltv.DocTimeStampErr.Error()
		}
		return LevelLT, why
	}
	return LevelLT, ""
}
