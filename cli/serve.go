package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/natunakab/besign/server"
)

// `besign serve`: the organisation server, the authority's roles over
// HTTPS for the desktop apps of a whole organisation.

func init() {
	register(command{"serve", "besign serve [--config FILE]   the organisation server (the [server] keys of FILE)", runServe})
}

func runServe(env *Env, args []string) error {
	fs := newFlagSet("serve")
	cfgPath := fs.String("config", "", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("serve: unexpected argument %q", rest[0])
	}
	if *cfgPath != "" {
		env.ConfigPath = *cfgPath
	}
	cfg, err := env.Config()
	if err != nil {
		return err
	}
	// JSON lines on stderr, for journald or a log collector.
	log := slog.New(slog.NewJSONHandler(env.Stderr, nil))
	s, err := server.Open(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("serving the authority over HTTPS", "address", s.Addr().String(), "configuration", cfg.Files)
	err = s.Serve(ctx)
	log.Info("stopped")
	return err
}
