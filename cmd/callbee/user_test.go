package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/callbee/callbee/store"
)

func runUser(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	code := cmdUser(context.Background(), c, args)
	return result{code, out.String(), errb.String()}
}

// TestUserCommand: the first admin from the command line, with a real
// bcrypt hash in the store; list, passwd, role, disable, delete.
func TestUserCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // substring of stdout
	}{
		{"add admin from stdin", "correct horse battery\n", []string{"add", "--name", "boss", "--role", "admin", "--password-stdin", "--db", db}, exitOK, ""},
		{"add generated", "", []string{"add", "--name", "amy", "--role", "agent", "--db", db}, exitOK, "password for amy: "},
		{"duplicate", "another password\n", []string{"add", "--name", "boss", "--role", "admin", "--password-stdin", "--db", db}, exitFail, ""},
		{"short password", "short\n", []string{"add", "--name", "tom", "--role", "trainer", "--password-stdin", "--db", db}, exitFail, ""},
		{"bad role", "", []string{"add", "--name", "tom", "--role", "root", "--db", db}, exitUsage, ""},
		{"bad name", "", []string{"add", "--name", "a b", "--role", "agent", "--db", db}, exitUsage, ""},
		{"unknown command", "", []string{"frobnicate"}, exitUsage, ""},
		{"role", "", []string{"role", "--name", "amy", "--role", "trainer", "--db", db}, exitOK, ""},
		{"disable", "", []string{"disable", "--name", "amy", "--db", db}, exitOK, ""},
		{"list", "", []string{"list", "--db", db}, exitOK, "amy   trainer  disabled"},
		{"passwd unknown", "long enough pw\n", []string{"passwd", "--name", "zed", "--password-stdin", "--db", db}, exitFail, ""},
		{"passwd", "a new long password\n", []string{"passwd", "--name", "boss", "--password-stdin", "--db", db}, exitOK, ""},
		{"delete", "", []string{"delete", "--name", "amy", "--db", db}, exitOK, ""},
	} {
		r := runUser(t, tc.stdin, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.out) {
			t.Errorf("%s: code %d, want %d; stdout %q; stderr %q", tc.name, r.code, tc.code, r.stdout, r.stderr)
		}
	}
	st, err := store.Open(context.Background(), db, store.WithLogger(quietLogger(&bytes.Buffer{})))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, hash, err := st.User(context.Background(), "boss")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("boss = %+v, %v", u, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("a new long password")) != nil {
		t.Error("the stored hash does not match the new password")
	}
	if _, _, err := st.User(context.Background(), "amy"); err == nil {
		t.Error("amy not deleted")
	}
}
