package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// committerEnv names the database the helper process writes to; unset, the helper test skips.
const committerEnv = "CALLBEE_STORE_COMMITTER_DB"

// TestHelperCommitter is not a test on its own: TestKillDurability runs the test binary again with
// committerEnv set, and this function then commits turns until it is killed, printing each turn's seq
// to stdout only after CommitTurn has returned (the acknowledgement).
func TestHelperCommitter(t *testing.T) {
	path := os.Getenv(committerEnv)
	if path == "" {
		t.Skip("helper process for TestKillDurability")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // never outlive a lost parent
	defer cancel()
	s, err := Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ctx.Err() == nil; i++ {
		w := simpleTurn("victim", i)
		w.Turn.Trace = json.RawMessage(fmt.Sprintf(`{"i":%d,"pad":"%0200d"}`, i, i))
		if i%7 == 0 {
			w.Handoff = &Handoff{Kind: HandoffLive, Reason: "request", Summary: json.RawMessage(`{"n":1}`)}
		}
		if i%11 == 0 {
			w.Unresolved = &Unresolved{Text: fmt.Sprintf("question %d", i)}
		}
		ids, err := s.CommitTurn(ctx, w)
		if err != nil {
			fmt.Fprintln(os.Stderr, "commit:", err)
			os.Exit(3)
		}
		fmt.Fprintln(out, ids.Seq)
		if err := out.Flush(); err != nil { // unbuffered in effect: the parent sees each ack at once
			os.Exit(4)
		}
	}
	os.Exit(5) // only reached if the parent never killed us
}

// TestKillDurability kills a process that is committing turns with SIGKILL, at a point where a commit
// is very likely in flight, then checks that every acknowledged turn is in the reopened database, that
// seqs are dense, and that the file passes PRAGMA integrity_check. It runs several rounds on the same
// file so that recovery from a killed writer's WAL is exercised too.
//
// A process kill leaves the OS page cache intact, so this proves atomicity and crash recovery of the
// process, not power-loss durability; that is what synchronous=FULL (checked in TestOpenPragmas) is for.
func TestKillDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "kill.db")
	s, err := Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	mustSession(t, s, "victim", "demo")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	acked := map[int]bool{}
	maxAck := 0
	for round, killAfter := range []int{200, 37, 120} {
		got := runCommitterUntilKilled(t, ctx, path, killAfter, 3*time.Second)
		if len(got) == 0 {
			t.Fatalf("round %d: no acknowledgements", round)
		}
		for _, q := range got {
			acked[q] = true
			maxAck = max(maxAck, q)
		}

		s, err := Open(ctx, path, WithLogger(quietLog))
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		var integrity string
		if err := s.w.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil {
			t.Fatal(err)
		}
		if integrity != "ok" {
			t.Errorf("round %d: integrity_check = %q", round, integrity)
		}
		var fkProblems int
		if err := s.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&fkProblems); err != nil {
			t.Fatal(err)
		}
		if fkProblems != 0 {
			t.Errorf("round %d: %d foreign key violations", round, fkProblems)
		}
		turns, err := s.Turns(ctx, "victim")
		if err != nil {
			t.Fatal(err)
		}
		stored := map[int]bool{}
		for k, tu := range turns {
			stored[tu.Seq] = true
			if tu.Seq != k+1 {
				t.Fatalf("round %d: turn %d has seq %d, want dense 1..n", round, k, tu.Seq)
			}
		}
		for q := range acked {
			if !stored[q] {
				t.Errorf("round %d: acknowledged seq %d lost", round, q)
			}
		}
		// At most the one commit in flight at the kill may have landed without its acknowledgement.
		if extra := len(turns) - maxAck; extra < 0 || extra > 1 {
			t.Errorf("round %d: %d turns stored, %d acknowledged", round, len(turns), maxAck)
		}
		maxAck = len(turns) // an unacknowledged but committed turn still took its seq
		t.Logf("round %d: killed after %d acks this round; %d turns stored, integrity %s", round, len(got), len(turns), integrity)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// runCommitterUntilKilled starts the helper process on path and SIGKILLs it after killAfter
// acknowledgements or after limit, whichever comes first. It returns every seq the helper
// acknowledged, including any still in the pipe when it died.
func runCommitterUntilKilled(t *testing.T, ctx context.Context, path string, killAfter int, limit time.Duration) []int {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperCommitter$", "-test.count=1")
	cmd.Env = append(os.Environ(), committerEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int, 64)
	go func() { // ends at EOF, when the killed process's pipe closes
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if q, err := strconv.Atoi(sc.Text()); err == nil {
				lines <- q
			}
		}
	}()

	var got []int
	timer := time.NewTimer(limit)
	defer timer.Stop()
	killed := false
	for !killed {
		select {
		case q, ok := <-lines:
			if !ok {
				t.Fatalf("helper exited before it was killed (acks %d)", len(got))
			}
			got = append(got, q)
			if len(got) >= killAfter {
				killed = true
			}
		case <-timer.C:
			killed = true
		case <-ctx.Done():
			t.Fatalf("deadline before kill: %v", ctx.Err())
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	for q := range lines {
		got = append(got, q)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
		t.Fatalf("helper wait = %v, want killed by a signal", err)
	}
	return got
}
