package embedded

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Attacks on the data dir at rest (issue 17): someone who copied the data
// dir, but not the OS keyring that holds the master key, and who knows or
// guesses the passphrase.

// attackerOpen is the offline attacker's own opener of a passphrase-sealed
// key, written from the stored format (JSON with the argon2id parameters,
// salt, nonce and AES-GCM ciphertext), independent of the authority's code.
func attackerOpen(blob []byte, passphrase, aad string) ([]byte, bool) {
	var s struct {
		Memory     uint32 `json:"m"`
		Time       uint32 `json:"t"`
		Threads    uint8  `json:"p"`
		Salt       []byte `json:"salt"`
		Nonce      []byte `json:"nonce"`
		Ciphertext []byte `json:"ct"`
	}
	if json.Unmarshal(blob, &s) != nil || s.Threads == 0 || s.Memory > 1<<20 || s.Time > 16 {
		return nil, false
	}
	k := argon2.IDKey([]byte(passphrase), s.Salt, s.Time, s.Memory, s.Threads, 32)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, false
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(s.Nonce) != gcm.NonceSize() {
		return nil, false
	}
	out, err := gcm.Open(nil, s.Nonce, s.Ciphertext, []byte(aad))
	return out, err == nil
}

// copyDataDir copies every file of the data dir (database, -wal, -shm, CRL)
// to a new directory, as a backup or a stolen laptop disk gives them.
func copyDataDir(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, ent.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// offlineAttack tries passphrase on every signing key it can find in a
// copied data dir without the master key: the certificates table read
// with plain SQLite, and every argon2id blob anywhere in the files' bytes
// (freed pages and old WAL frames too). It returns how many keys opened.
func offlineAttack(t *testing.T, dir, passphrase string) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "authority.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT serial, user_id, key FROM certificates")
	if err != nil {
		t.Fatalf("attacker reads the copy: %v", err)
	}
	var aads []string
	var blobs [][]byte
	for rows.Next() {
		var serial string
		var user int64
		var key []byte
		if err := rows.Scan(&serial, &user, &key); err != nil {
			t.Fatal(err)
		}
		aads = append(aads, certAAD(serial, user))
		blobs = append(blobs, key)
	}
	rows.Close()
	if len(aads) == 0 {
		t.Fatal("the copy has no certificate: nothing was attacked")
	}
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, ent.Name()))
		for {
			i := bytes.Index(b, []byte(`{"kdf":"argon2id"`))
			if i < 0 {
				break
			}
			b = b[i:]
			end := bytes.IndexByte(b, '}')
			if end < 0 {
				break
			}
			blobs = append(blobs, b[:end+1])
			b = b[end+1:]
		}
	}
	opened := 0
	for _, blob := range blobs {
		for _, aad := range aads {
			if _, ok := attackerOpen(blob, passphrase, aad); ok {
				opened++
			}
		}
	}
	return opened
}

// TestOfflineKeyAttack: a copy of the data dir without the master key does
// not give the signing key, even with the right passphrase. Before the key
// was sealed under the master key too, this attack opened it (and a word
// list found the passphrase at 0.8 s a guess).
func TestOfflineKeyAttack(t *testing.T) {
	e, _, s, _ := verifiedAccount(t, nil)
	link := approve(t, e)
	if _, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true}); err != nil {
		t.Fatal(err)
	}
	// The attacker's opener works on a key sealed under the passphrase
	// alone: a failure below is the sealing's doing, not a broken attack.
	probe, err := sealKey([]byte("pkcs8"), testPassphrase, fastKDF, certAAD("ab", 1))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := attackerOpen(probe, testPassphrase, certAAD("ab", 1)); !ok || string(got) != "pkcs8" {
		t.Fatal("the attacker's opener does not open a passphrase-sealed key")
	}

	dir := filepath.Dir(e.opts.Path)
	if n := offlineAttack(t, copyDataDir(t, dir), testPassphrase); n > 0 {
		t.Errorf("open authority: the copied data dir gave the signing key %d times with the passphrase alone", n)
	}
	opts := e.opts
	e.Close()
	stolen := copyDataDir(t, dir)
	if n := offlineAttack(t, stolen, testPassphrase); n > 0 {
		t.Errorf("closed authority: the copied data dir gave the signing key %d times with the passphrase alone", n)
	}
	// With the master key the copy is a working backup.
	opts.Path = filepath.Join(stolen, "authority.db")
	b, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.kdf = fastKDF
	d := sha256.Sum256([]byte("x"))
	if _, err := b.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}}); err != nil {
		t.Errorf("the copy with the master key does not sign: %v", err)
	}
}

// TestOfflineKeyAttackAfterMigration: a data dir written before keys were
// sealed under the master key is protected once the authority opens it:
// the stored key and every old copy of it in the files.
//
// The old data dir is made here: a certificate is issued, then its key is
// replaced by the same key sealed the old way (under the passphrase alone)
// and marked as such, which is what a database from before the change
// holds after its schema migration.
func TestOfflineKeyAttackAfterMigration(t *testing.T) {
	e, _, s, _ := verifiedAccount(t, nil)
	link := approve(t, e)
	info, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := signingKeyPKCS8(t, e, s.Account.ID, testPassphrase)
	old, err := sealKey(pkcs8, testPassphrase, fastKDF, certAAD(info.Serial, s.Account.ID))
	if err != nil {
		t.Fatal(err)
	}
	opts := e.opts
	e.Close()
	downgradeKey(t, opts.Path, info.Serial, old)
	if n := offlineAttack(t, copyDataDir(t, filepath.Dir(opts.Path)), testPassphrase); n == 0 {
		t.Fatal("the old data dir is not open to the attack: the test made it wrong")
	}

	e, err = Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.kdf = fastKDF
	if n := offlineAttack(t, copyDataDir(t, filepath.Dir(opts.Path)), testPassphrase); n > 0 {
		t.Errorf("after the migration: the copied data dir gave the signing key %d times with the passphrase alone", n)
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}}); err != nil {
		t.Errorf("the migrated key does not sign: %v", err)
	}
	e.Close()
	if n := offlineAttack(t, copyDataDir(t, filepath.Dir(opts.Path)), testPassphrase); n > 0 {
		t.Errorf("after the migration, closed: the copied data dir gave the signing key %d times", n)
	}
}

// downgradeKey writes an old-style key (sealed under the passphrase alone)
// into the certificate row, as a database from before the change has it.
func downgradeKey(t *testing.T, path, serial string, key []byte) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := "UPDATE certificates SET key = ? WHERE serial = ?"
	var n int
	db.QueryRow("SELECT count(*) FROM pragma_table_info('certificates') WHERE name = 'key_wrapped'").Scan(&n)
	if n > 0 {
		q = "UPDATE certificates SET key = ?, key_wrapped = 0 WHERE serial = ?"
	}
	if _, err := db.Exec(q, key, serial); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}

// signingKeyPKCS8 unlocks the account's key as the authority does.
func signingKeyPKCS8(t *testing.T, e *Authority, userID int64, passphrase string) []byte {
	t.Helper()
	var c store.Certificate
	if err := e.db.View(ctx, func(tx store.Tx) (err error) {
		c, err = tx.CurrentCertificate(ctx, userID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pkcs8, err := e.openSigningKey(c, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	return pkcs8
}

// An old-style key that appears while the authority is open (written by
// an older version still running beside the migrated one) opens with the
// passphrase and is sealed under the master key at that unlock.
func TestOldKeyWrappedAtUnlock(t *testing.T) {
	e, _, s, _ := verifiedAccount(t, nil)
	link := approve(t, e)
	info, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	old, err := sealKey(signingKeyPKCS8(t, e, s.Account.ID, testPassphrase), testPassphrase, fastKDF, certAAD(info.Serial, s.Account.ID))
	if err != nil {
		t.Fatal(err)
	}
	downgradeKey(t, e.opts.Path, info.Serial, old)
	d := sha256.Sum256([]byte("x"))
	if _, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}}); err != nil {
		t.Fatalf("old-style key: %v", err)
	}
	var c store.Certificate
	e.db.View(ctx, func(tx store.Tx) (err error) { c, err = tx.CurrentCertificate(ctx, s.Account.ID); return err })
	if !c.KeyWrapped || bytes.Equal(c.Key, old) {
		t.Fatal("the old-style key was not sealed under the master key at unlock")
	}
	if _, ok := attackerOpen(c.Key, testPassphrase, certAAD(info.Serial, s.Account.ID)); ok {
		t.Fatal("the re-sealed key opens with the passphrase alone")
	}
	if _, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}}); err != nil {
		t.Fatalf("after re-sealing: %v", err)
	}
}
