package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/region"
)

// `besign admin directory import` and `besign admin activations ...`.

func runAdminDirectory(env *Env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErrorf("admin directory: which? import FILE.csv")
	}
	return withAuthority(env, args[1:], adminDirectoryImport)
}

func adminDirectoryImport(env *Env, args []string) (func(adminAuthority) error, error) {
	if len(args) != 1 {
		return nil, usageErrorf("admin directory import FILE.csv: give one file")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return nil, fmt.Errorf("directory import: %w", err)
	}
	return narrow(func(a authority.ActivationAdmin) error {
		n, err := authority.ImportDirectoryCSV(context.Background(), a, bytes.NewReader(b))
		var de *authority.DirectoryFileError
		if errors.As(err, &de) {
			for _, l := range de.Lines {
				if l.Line > 0 {
					fmt.Fprintf(env.Stderr, "%s: line %d: %s\n", args[0], l.Line, l.Err)
				} else {
					fmt.Fprintf(env.Stderr, "%s: %s\n", args[0], l.Err)
				}
			}
			return fmt.Errorf("directory import %s: %d problem(s), nothing imported", args[0], len(de.Lines))
		}
		if err != nil {
			return fmt.Errorf("directory import %s: %w", args[0], err)
		}
		fmt.Fprintf(env.Stdout, "imported %d employees into the directory\n", n)
		return nil
	}), nil
}

func runAdminActivations(env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("admin activations: which? list | show EMAIL | approve EMAIL | reject EMAIL --reason TEXT")
	}
	switch args[0] {
	case "list":
		return withAuthority(env, args[1:], adminActivationsList)
	case "show":
		return withAuthority(env, args[1:], adminActivationsShow)
	case "approve":
		return withAuthority(env, args[1:], adminActivationsApprove)
	case "reject":
		return withAuthority(env, args[1:], adminActivationsReject)
	}
	return usageErrorf("admin activations: unknown command %q", args[0])
}

func adminActivationsList(env *Env, args []string) (func(adminAuthority) error, error) {
	fs := newFlagSet("admin activations list")
	status := fs.String("status", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usageErrorf("admin activations list: unexpected argument %q", rest[0])
	}
	st := authority.ActivationStatus(*status)
	switch st {
	case "", authority.ActivationDraft, authority.ActivationWaiting, authority.ActivationVerified, authority.ActivationRejected:
	default:
		return nil, usageErrorf("admin activations list: --status must be draft, WAITING_FOR_VERIFICATION, verified or rejected")
	}
	return narrow(func(a authority.ActivationAdmin) error {
		list, err := a.ListActivations(context.Background(), authority.ActivationQuery{Status: st})
		if err != nil {
			return fmt.Errorf("list activations: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tSTATUS\tSUBMITTED\tUNIT")
		for _, x := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Email, x.Data.Name, x.Status, when(x.SubmittedAt), x.Data.Unit)
		}
		return tw.Flush()
	}), nil
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

func oneEmail(what string, args []string) (string, error) {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return "", usageErrorf("admin activations %s EMAIL: give one email address", what)
	}
	return args[0], nil
}

// adminActivationsShow prints the form. The photo's bytes are not printed:
// its format, size and dimensions are.
func adminActivationsShow(env *Env, args []string) (func(adminAuthority) error, error) {
	email, err := oneEmail("show", args)
	if err != nil {
		return nil, err
	}
	return narrow(func(a authority.ActivationAdmin) error {
		x, err := a.ShowActivation(context.Background(), email)
		if err != nil {
			return fmt.Errorf("show activation %s: %w", email, err)
		}
		d := x.Data
		province := d.Province
		if p, ok := region.ByCode(d.Province); ok {
			province = p.Name + " (" + p.Code + ")"
		}
		photo := "none"
		if len(d.Photo) > 0 {
			photo = fmt.Sprintf("%d bytes", len(d.Photo))
			if cfg, format, err := image.DecodeConfig(bytes.NewReader(d.Photo)); err == nil {
				photo = fmt.Sprintf("%s %dx%d, %d bytes (encrypted in the authority database)", format, cfg.Width, cfg.Height, len(d.Photo))
			}
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		for _, row := range [][2]string{
			{"Email", x.Email}, {"Status", string(x.Status)}, {"Reason", x.Reason},
			{"Submitted", when(x.SubmittedAt)}, {"Decided", when(x.DecidedAt)}, {"Decided by", x.DecidedBy},
			{"Nama Lengkap", d.Name}, {"NIK", d.NIK}, {"Gelar Depan", d.GelarDepan}, {"Gelar Belakang", d.GelarBelakang},
			{"Nomor Telepon", d.Phone}, {"Instansi", x.Instansi}, {"Status kepegawaian", string(d.Employment)},
			{"NIP/NRP", d.NIP}, {"Unit Organisasi", d.Unit}, {"Jabatan", d.Jabatan}, {"Provinsi", province},
			{"Foto", photo}, {"Persetujuan", yesNo(d.Consent)},
		} {
			fmt.Fprintf(w, "%s:\t%s\n", row[0], row[1])
		}
		for _, warn := range x.Warnings {
			fmt.Fprintf(w, "Warning:\t%s\n", warningWords[warn])
		}
		return w.Flush()
	}), nil
}

var warningWords = map[authority.Warning]string{
	authority.WarnNIPBirthDate: "the NIP's birth date differs from the NIK's",
	authority.WarnNIPSex:       "the NIP's sex differs from the NIK's",
}

func adminActivationsApprove(env *Env, args []string) (func(adminAuthority) error, error) {
	email, err := oneEmail("approve", args)
	if err != nil {
		return nil, err
	}
	return narrow(func(a authority.ActivationAdmin) error {
		if _, err := a.AdminDecideActivation(context.Background(), authority.DecisionRequest{Email: email, Approve: true}); err != nil {
			return fmt.Errorf("approve %s: %w", email, err)
		}
		fmt.Fprintf(env.Stdout, "approved %s; the \"[BSrE] Set Passphrase\" mail is in the outbox\n", email)
		return nil
	}), nil
}

func adminActivationsReject(env *Env, args []string) (func(adminAuthority) error, error) {
	fs := newFlagSet("admin activations reject")
	reason := fs.String("reason", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	email, err := oneEmail("reject", rest)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(*reason) == "" {
		return nil, usageErrorf("admin activations reject EMAIL --reason TEXT: a reason is required")
	}
	return narrow(func(a authority.ActivationAdmin) error {
		if _, err := a.AdminDecideActivation(context.Background(), authority.DecisionRequest{Email: email, Reason: *reason}); err != nil {
			return fmt.Errorf("reject %s: %w", email, err)
		}
		fmt.Fprintf(env.Stdout, "rejected %s; the user was mailed the reason\n", email)
		return nil
	}), nil
}
