package sqlite

import (
	"context"
	"fmt"
	"github.com/natunakab/besign/authority/store"
)

// migrations are applied in order; migrations[i] brings the schema from
// version i to i+1 (PRAGMA user_version). Never edit a released step: add one.
// Times are Unix nanoseconds (UTC); NULL means "not set".
var migrations = []string{
	// 1: accounts, tokens, OTP, mail.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL,
	username      TEXT NOT NULL UNIQUE,
	email         TEXT NOT NULL UNIQUE, -- lower case
	role          TEXT NOT NULL CHECK (role IN ('signer', 'verifier')),
	password_hash TEXT,                 -- NULL until the first reset
	failures      INTEGER NOT NULL DEFAULT 0,
	last_failure  INTEGER,
	locked_until  INTEGER,
	otp_last_step INTEGER NOT NULL DEFAULT -1,
	created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
	token_hash BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE tokens (
	token_hash BLOB PRIMARY KEY,
	kind       TEXT NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	remember   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE TABLE otp_enrolments (
	id         TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	secret     BLOB NOT NULL, -- sealed with the master key
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE TABLE otp_devices (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	secret     BLOB NOT NULL, -- sealed with the master key
	created_at INTEGER NOT NULL
);
CREATE INDEX otp_devices_user ON otp_devices (user_id);
CREATE TABLE mail (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	to_addr      TEXT NOT NULL, -- lower case
	subject      TEXT NOT NULL,
	body         TEXT NOT NULL,
	action_label TEXT NOT NULL DEFAULT '',
	action_link  TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	sent_at      INTEGER,
	send_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_to ON mail (to_addr, created_at);
`,
	// 2: the language of an account's mail ('' = the authority's default).
	`ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';`,
	// 3: action links kept sealed beside a masked mail, and delivery attempts.
	`
ALTER TABLE mail ADD COLUMN link_secret BLOB;  -- the link's token, sealed with the master key
ALTER TABLE mail ADD COLUMN token_hash  BLOB;  -- the token's hash, to forget it once used
ALTER TABLE mail ADD COLUMN attempts    INTEGER NOT NULL DEFAULT 0;
`,
	// 4: activations: one per account; the employee directory for NIP checks.
	// Self-contained (touches no earlier table) so that it can be renumbered.
	`
CREATE TABLE activations (
	user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	status       TEXT NOT NULL CHECK (status IN ('draft', 'WAITING_FOR_VERIFICATION', 'verified', 'rejected')),
	step         INTEGER NOT NULL DEFAULT 0,
	data         BLOB NOT NULL, -- the form as JSON, sealed with the master key
	photo        BLOB,          -- JPEG, sealed with the master key
	nik_hash     BLOB UNIQUE,   -- HMAC of the NIK under a master subkey; set on submit
	reason       TEXT NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL,
	submitted_at INTEGER,
	decided_at   INTEGER,
	decided_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activations_status ON activations (status, submitted_at);
CREATE TABLE directory (
	nip      TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	unit     TEXT NOT NULL,
	jabatan  TEXT NOT NULL,
	province TEXT NOT NULL -- as written in the imported file
);
`,
	// 5: the local CA and the accounts' certificates. Self-contained (touches
	// no earlier table) so that it can be renumbered.
	`
CREATE TABLE ca (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	cert       BLOB NOT NULL,    -- the root, DER
	key        BLOB NOT NULL,    -- PKCS#8, sealed with the master key
	crl_number INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE TABLE certificates (
	serial          TEXT PRIMARY KEY, -- lower-case hex
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	cert            BLOB NOT NULL,    -- DER
	key             BLOB NOT NULL,    -- PKCS#8, sealed under a key derived from the passphrase
	not_before      INTEGER NOT NULL,
	not_after       INTEGER NOT NULL,
	revoked_at      INTEGER,
	failures        INTEGER NOT NULL DEFAULT 0, -- wrong passphrases in a row
	suspensions     INTEGER NOT NULL DEFAULT 0, -- suspensions since the last unlock
	suspended_until INTEGER,
	created_at      INTEGER NOT NULL
);
CREATE INDEX certificates_user ON certificates (user_id, created_at);
`,
	// 6: the signing queue ("Tanda Tangan"): local PDFs an account prepared
	// to sign, with their settings. Paths and settings only: no document, no
	// PDF password. Self-contained so that it can be renumbered.
	`
CREATE TABLE queued_documents (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	path       TEXT NOT NULL,    -- absolute, cleaned
	pages      INTEGER NOT NULL CHECK (pages >= 0), -- 0: not known
	size       INTEGER NOT NULL CHECK (size >= 0),  -- the fingerprint: size,
	mod_time   INTEGER,                             -- modification time,
	sha256     BLOB CHECK (sha256 IS NULL OR length(sha256) = 32), -- and hash
	page       INTEGER NOT NULL CHECK (page >= 1),  -- of the visible signature
	invisible  INTEGER NOT NULL CHECK (invisible IN (0, 1)),
	box_x      REAL NOT NULL,    -- PDF points
	box_y      REAL NOT NULL,
	box_w      REAL NOT NULL,
	box_h      REAL NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	location   TEXT NOT NULL DEFAULT '',
	output_dir TEXT NOT NULL DEFAULT '', -- '': beside the input
	added_at   INTEGER NOT NULL
);
-- One path once per account, also when two processes add it at once.
CREATE UNIQUE INDEX queued_documents_path ON queued_documents (user_id, path);
`,
	// 7: signing keys sealed under the master key too, around the
	// passphrase's sealing. Rows from before are marked 0; the authority
	// wraps them when it opens with the master key. Self-contained so that
	// it can be renumbered.
	`
ALTER TABLE certificates ADD COLUMN key_wrapped INTEGER NOT NULL DEFAULT 0 CHECK (key_wrapped IN (0, 1));
`,
	// 8: the audit log of signatures, append-only: triggers refuse UPDATE
	// and DELETE. No foreign key, so that no cascade can remove a row.
	// Self-contained so that it can be renumbered.
	`
CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	email      TEXT NOT NULL,
	serial     TEXT NOT NULL,
	digests    BLOB NOT NULL CHECK (length(digests) % 32 = 0), -- SHA-256, concatenated
	address    TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
	// 9: request counts of the rate limits (RateCounter), one row per key
	// (a hash: no address or login in clear) and current window.
	// Self-contained so that it can be renumbered.
	`
CREATE TABLE rate_limits (
	key          BLOB PRIMARY KEY, -- SHA-256 of the limit's key
	window_start INTEGER NOT NULL,
	hits         INTEGER NOT NULL
);
`,
	// 10: the client's request id of a signing call beside its audit row,
	// at most once per account, so that a retried SignDigests is answered
	// from its first row instead of signing again. Self-contained so that
	// it can be renumbered.
	`
ALTER TABLE audit_log ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_log_request ON audit_log (user_id, request_id) WHERE request_id <> '';
`,
}

// SchemaVersion is the schema version this code writes.
var SchemaVersion = len(migrations)

func (s *Store) migrate(ctx context.Context) error {
	for {
		done := false
		// The version is read inside the (immediate) transaction so that two
		// processes opening a new file cannot both run the same step.
		err := s.update(ctx, func(tx *Tx) error {
			var version int
			if err := tx.q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
				return fmt.Errorf("read schema version: %w", err)
			}
			if version > len(migrations) {
				return fmt.Errorf("schema version %d: %w", version, store.ErrTooNew)
			}
			if version == len(migrations) {
				done = true
				return nil
			}
			if _, err := tx.q.ExecContext(ctx, migrations[version]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", version+1, err)
			}
			// PRAGMAs take no parameters; both values are our own integers.
			if _, err := tx.q.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
				return err
			}
			_, err := tx.q.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		if done {
			return nil
		}
	}
}
