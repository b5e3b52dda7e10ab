package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/keystore"
	"github.com/natunakab/besign/server"
)

func init() {
	register(command{"admin", "besign admin users add --name NAME --email EMAIL [--role verifier] [--language id|en] | users list | users unlock EMAIL | users reset-otp EMAIL | users import FILE.csv | outbox [--to EMAIL] | directory import FILE.csv | activations list | show EMAIL | approve EMAIL | reject EMAIL --reason TEXT | ca export --out FILE.pem | ca crl --out FILE.crl | audit [--since T]", runAdmin})
}

func runAdmin(env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("admin: which? users add | users list | users unlock | users reset-otp | users import | outbox | directory import | activations | ca | audit")
	}
	switch args[0] {
	case "users":
		if len(args) < 2 {
			return usageErrorf("admin users: which? add | list | unlock | reset-otp | import")
		}
		switch args[1] {
		case "add":
			return withAuthority(env, args[2:], adminUsersAdd)
		case "list":
			return withAuthority(env, args[2:], adminUsersList)
		case "unlock":
			return withAuthority(env, args[2:], adminUsersUnlock)
		case "reset-otp":
			return withAuthority(env, args[2:], adminUsersResetOTP)
		case "import":
			return withAuthority(env, args[2:], adminUsersImport)
		}
		return usageErrorf("admin users: unknown command %q", args[1])
	case "outbox":
		return withAuthority(env, args[1:], adminOutbox)
	case "audit":
		return withAuthority(env, args[1:], adminAudit)
	case "directory":
		return runAdminDirectory(env, args[1:])
	case "activations":
		return runAdminActivations(env, args[1:])
	case "ca":
		return runAdminCA(env, args[1:])
	}
	return usageErrorf("admin: unknown command %q", args[0])
}

// warningText says a master key warning in the CLI's words.
func warningText(w *keystore.Warning) string {
	switch {
	case w == nil:
		return ""
	case w.Kind == keystore.WarnKeyFileLeft:
		return fmt.Sprintf("the master key moved into the OS keyring, but %s could not be removed; remove it by hand", w.Path)
	}
	return fmt.Sprintf("no OS keyring (%s): the master key is kept in %s, readable by anyone who can read that file", w.Reason, w.Path)
}

// adminAuthority is what the admin commands use of the authority.
type adminAuthority interface {
	authority.Admin
	authority.Outbox
	authority.ActivationAdmin
	authority.Trust
}

// narrow hands an admin command only the role it uses; adminAuthority has
// every one of them, which the CLI tests exercise command by command.
func narrow[R any](run func(R) error) func(adminAuthority) error {
	return func(a adminAuthority) error { return run(any(a).(R)) }
}

// adminFunc is an admin command; parse runs before the data dir is opened so
// that usage errors never touch local state.
type adminFunc func(env *Env, args []string) (run func(a adminAuthority) error, err error)

func withAuthority(env *Env, args []string, f adminFunc) error {
	run, err := f(env, args)
	if err != nil {
		return err
	}
	cfg, err := env.Config()
	if err != nil {
		return err
	}
	if cfg.Server.Database != "" {
		// On the server host with the server's configuration: its
		// database, under its master key file (run as the server's user).
		a, err := server.OpenAuthority(cfg, slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			return err
		}
		defer a.Close()
		return run(a)
	}
	local, err := datadir.Open(env.DataDir, cfg)
	if err != nil {
		return err
	}
	defer local.Close()
	if w := warningText(local.Warning); w != "" {
		fmt.Fprintf(env.Stderr, "besign: warning: %s\n", w)
	}
	return run(local.Authority)
}

func adminUsersAdd(env *Env, args []string) (func(adminAuthority) error, error) {
	fs := newFlagSet("admin users add")
	name := fs.String("name", "", "")
	email := fs.String("email", "", "")
	role := fs.String("role", string(authority.RoleSigner), "")
	language := fs.String("language", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usageErrorf("admin users add: unexpected argument %q", rest[0])
	}
	if *name == "" || *email == "" {
		return nil, usageErrorf("admin users add: --name and --email are required")
	}
	r, err := parseRole(*role)
	if err != nil {
		return nil, err
	}
	return narrow(func(a authority.Admin) error {
		acc, err := a.CreateUser(context.Background(), authority.CreateUserRequest{Name: *name, Email: *email, Role: r,
			Language: authority.Language(*language)})
		if err != nil {
			return fmt.Errorf("add user %s: %w", *email, err)
		}
		fmt.Fprintf(env.Stdout, "created %s (username %s, role %s); an activation mail is in the outbox\n", acc.Email, acc.Username, acc.Role)
		return nil
	}), nil
}

func parseRole(s string) (authority.Role, error) {
	switch r := authority.Role(strings.ToLower(strings.TrimSpace(s))); r {
	case "", authority.RoleSigner:
		return authority.RoleSigner, nil
	case authority.RoleVerifier:
		return r, nil
	}
	return "", usageErrorf("--role must be %q or %q, not %q", authority.RoleSigner, authority.RoleVerifier, s)
}

func adminUsersList(env *Env, args []string) (func(adminAuthority) error, error) {
	if len(args) > 0 {
		return nil, usageErrorf("admin users list takes no arguments")
	}
	return narrow(func(a authority.Admin) error {
		users, err := a.ListUsers(context.Background())
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tUSERNAME\tNAME\tROLE\tPASSWORD\tOTP\tSTATE")
		for _, u := range users {
			state := "active"
			if u.Locked {
				state = "locked until " + u.LockedTil.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Username, u.Name, u.Role, yesNo(u.HasPassword), yesNo(u.HasOTP), state)
		}
		return tw.Flush()
	}), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func adminUsersUnlock(env *Env, args []string) (func(adminAuthority) error, error) {
	if len(args) != 1 {
		return nil, usageErrorf("admin users unlock EMAIL: give one email address")
	}
	email := args[0]
	return narrow(func(a authority.Admin) error {
		if err := a.UnlockUser(context.Background(), email); err != nil {
			if errors.Is(err, authority.ErrNotFound) {
				return fmt.Errorf("unlock %s: no such account", email)
			}
			return fmt.Errorf("unlock %s: %w", email, err)
		}
		fmt.Fprintf(env.Stdout, "unlocked %s\n", email)
		return nil
	}), nil
}

// adminUsersResetOTP removes the OTP devices of an account (a lost phone);
// the person is mailed a link to set OTP up again.
func adminUsersResetOTP(env *Env, args []string) (func(adminAuthority) error, error) {
	if len(args) != 1 {
		return nil, usageErrorf("admin users reset-otp EMAIL: give one email address")
	}
	email := args[0]
	return narrow(func(a authority.Admin) error {
		if err := a.ResetOTP(context.Background(), email); err != nil {
			if errors.Is(err, authority.ErrNotFound) {
				return fmt.Errorf("reset-otp %s: no such account", email)
			}
			return fmt.Errorf("reset-otp %s: %w", email, err)
		}
		fmt.Fprintf(env.Stdout, "removed the OTP devices of %s and ended its sessions; a mail asks them to set up OTP again\n", email)
		return nil
	}), nil
}

// adminUsersImport reads a CSV with the columns name,email[,role]; a first
// row naming the columns is skipped.
func adminUsersImport(env *Env, args []string) (func(adminAuthority) error, error) {
	if len(args) != 1 {
		return nil, usageErrorf("admin users import FILE.csv: give one file")
	}
	data, err := readBounded(args[0], maxCSVSize, "a list of users")
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	rows, err := readUserCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", args[0], err)
	}
	return narrow(func(a authority.Admin) error {
		res, err := a.ImportUsers(context.Background(), rows)
		if len(res.Errors) > 0 {
			for _, re := range res.Errors {
				fmt.Fprintf(env.Stderr, "%s: row %d: %s\n", args[0], re.Row+1, re.Err)
			}
			return fmt.Errorf("import %s: %d bad rows, nothing imported", args[0], len(res.Errors))
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", args[0], err)
		}
		fmt.Fprintf(env.Stdout, "imported %d accounts; activation mails are in the outbox\n", len(res.Created))
		return nil
	}), nil
}

func readUserCSV(r io.Reader) ([]authority.CreateUserRequest, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows []authority.CreateUserRequest
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if line == 1 && len(rec) > 1 && strings.EqualFold(strings.TrimSpace(rec[1]), "email") {
			continue
		}
		if len(rec) < 2 || len(rec) > 3 {
			return nil, fmt.Errorf("line %d: want name,email[,role], got %d columns", line, len(rec))
		}
		req := authority.CreateUserRequest{Name: rec[0], Email: rec[1], Role: authority.RoleSigner}
		if len(rec) == 3 {
			role, err := parseRole(rec[2])
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			req.Role = role
		}
		rows = append(rows, req)
	}
	if len(rows) == 0 {
		return nil, errors.New("no rows")
	}
	return rows, nil
}

func adminOutbox(env *Env, args []string) (func(adminAuthority) error, error) {
	fs := newFlagSet("admin outbox")
	to := fs.String("to", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usageErrorf("admin outbox: unexpected argument %q", rest[0])
	}
	return narrow(func(a authority.Outbox) error {
		mails, err := a.Outbox(context.Background(), authority.OutboxQuery{To: *to})
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		for i, m := range mails {
			if i > 0 {
				fmt.Fprintln(env.Stdout)
			}
			fmt.Fprintf(env.Stdout, "Date: %s\nTo: %s\nSubject: %s\n", m.CreatedAt.Local().Format(time.RFC1123Z), m.To, m.Subject)
			if m.ActionLink != "" {
				fmt.Fprintf(env.Stdout, "Link: %s\n", m.ActionLink)
			}
			switch {
			case !m.SentAt.IsZero():
				fmt.Fprintf(env.Stdout, "Delivered: %s\n", m.SentAt.Local().Format(time.RFC1123Z))
			case m.SendError != "":
				fmt.Fprintf(env.Stdout, "Delivery failed: %s\n", m.SendError)
			}
			fmt.Fprintf(env.Stdout, "\n%s\n", strings.TrimRight(m.Body, "\n"))
		}
		return nil
	}), nil
}
