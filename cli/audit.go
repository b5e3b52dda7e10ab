package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/natunakab/besign/authority"
)

// `besign admin audit [--since T]`: the audit log of signatures, oldest
// first: when, the account, its certificate, the client, and the digests
// signed. T is RFC 3339 (2026-12-07T08:00:00+07:00), a date (2026-12-07,
// local midnight) or a duration before now (24h).

func adminAudit(env *Env, args []string) (func(adminAuthority) error, error) {
	fs := newFlagSet("admin audit")
	sinceFlag := fs.String("since", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usageErrorf("admin audit: unexpected argument %q", rest[0])
	}
	since, err := parseSince(*sinceFlag, time.Now())
	if err != nil {
		return nil, err
	}
	return narrow(func(a authority.Admin) error {
		rows, err := a.Audit(context.Background(), since)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tACCOUNT\tCERTIFICATE\tCLIENT\tUSER AGENT\tDIGESTS (SHA-256)")
		for _, r := range rows {
			ds := make([]string, len(r.Digests))
			for i, d := range r.Digests {
				ds[i] = hex.EncodeToString(d)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.At.Local().Format(time.RFC3339), r.Account, r.Serial,
				orDash(r.Client.Address, "local"), orDash(r.Client.UserAgent, "-"), strings.Join(ds, " "))
		}
		return tw.Flush()
	}), nil
}

func orDash(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// parseSince reads --since: "" is the whole log.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErrorf("admin audit: --since %q is not a time (2026-12-07T08:00:00+07:00), a date (2026-12-07) or a duration (24h)", s)
}
