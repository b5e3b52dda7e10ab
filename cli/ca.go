package cli

import (
	"context"
	"encoding/pem"
	"fmt"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/internal/atomicfile"
)

// `besign admin ca`: the authority's root certificate, for IT to make PDF
// readers trust it, and its CRL.

func runAdminCA(env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("admin ca: which? export --out FILE.pem | crl --out FILE.crl")
	}
	switch args[0] {
	case "export":
		return withAuthority(env, args[1:], adminCAExport)
	case "crl":
		return withAuthority(env, args[1:], adminCACRL)
	}
	return usageErrorf("admin ca: unknown command %q", args[0])
}

// outFlag parses the one --out FILE of an admin ca command.
func outFlag(name string, args []string) (string, error) {
	fs := newFlagSet("admin ca " + name)
	out := fs.String("out", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if *out == "" || len(rest) > 0 {
		return "", usageErrorf("admin ca %s: give --out FILE and nothing else", name)
	}
	return *out, nil
}

// adminCAExport writes the root certificate as PEM.
func adminCAExport(env *Env, args []string) (func(adminAuthority) error, error) {
	out, err := outFlag("export", args)
	if err != nil {
		return nil, err
	}
	return narrow(func(a authority.Trust) error {
		der, err := a.RootCertificate(context.Background())
		if err != nil {
			return fmt.Errorf("admin ca export: %w", err)
		}
		if err := atomicfile.Replace(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			return fmt.Errorf("admin ca export: %w", err)
		}
		fmt.Fprintf(env.Stdout, "wrote the root certificate to %s\n", out)
		return nil
	}), nil
}

// adminCACRL writes a freshly signed CRL (DER).
func adminCACRL(env *Env, args []string) (func(adminAuthority) error, error) {
	out, err := outFlag("crl", args)
	if err != nil {
		return nil, err
	}
	return narrow(func(a authority.Trust) error {
		der, err := a.CRL(context.Background())
		if err != nil {
			return fmt.Errorf("admin ca crl: %w", err)
		}
		if err := atomicfile.Replace(out, der, 0o644); err != nil {
			return fmt.Errorf("admin ca crl: %w", err)
		}
		fmt.Fprintf(env.Stdout, "wrote the CRL to %s\n", out)
		return nil
	}), nil
}
