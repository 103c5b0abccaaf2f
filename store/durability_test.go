package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// committerEnv names the database the helper process writes to; unset, the helper test skips.
const committerEnv = "CALLBEE_STORE_COMMITTER_DB"

// TestHelperCommitter is not a test on its own: TestKillDurability runs the test binary again with
// committerEnv set, and this function then commits turns on killSessions sessions at once until it is
// killed, printing "session seq" to stdout only after CommitTurn has returned (the acknowledgement).
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
	// Several sessions commit at once so that the kill can land inside a group commit.
	var mu sync.Mutex // guards stdout
	for g := range killSessions {
		go func() {
			session := fmt.Sprintf("victim%d", g)
			for i := 0; ctx.Err() == nil; i++ {
				w := simpleTurn(session, i)
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
				mu.Lock()
				_, err = fmt.Fprintf(os.Stdout, "%d %d\n", g, ids.Seq) // unbuffered: the parent sees each ack at once
				mu.Unlock()
				if err != nil {
					os.Exit(4)
				}
			}
		}()
	}
	<-ctx.Done()
	os.Exit(5) // only reached if the parent never killed us
}

// killSessions is how many sessions the helper commits to concurrently.
const killSessions = 4

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
	for g := range killSessions {
		mustSession(t, s, fmt.Sprintf("victim%d", g), "demo")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	acked := make([]map[int]bool, killSessions) // per session: acknowledged seqs
	stored := make([]int, killSessions)         // per session: turns found after the previous kill
	for g := range acked {
		acked[g] = map[int]bool{}
	}
	for round, killAfter := range []int{200, 37, 120} {
		got := runCommitterUntilKilled(t, ctx, path, killAfter, 3*time.Second)
		if len(got) == 0 {
			t.Fatalf("round %d: no acknowledgements", round)
		}
		maxAck := make([]int, killSessions)
		for _, a := range got {
			acked[a.session][a.seq] = true
			maxAck[a.session] = max(maxAck[a.session], a.seq)
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
		total := 0
		for g := range killSessions {
			turns, err := s.Turns(ctx, fmt.Sprintf("victim%d", g))
			if err != nil {
				t.Fatal(err)
			}
			have := map[int]bool{}
			for k, tu := range turns {
				have[tu.Seq] = true
				if tu.Seq != k+1 {
					t.Fatalf("round %d: victim%d turn %d has seq %d, want dense 1..n", round, g, k, tu.Seq)
				}
			}
			for q := range acked[g] {
				if !have[q] {
					t.Errorf("round %d: victim%d: acknowledged seq %d lost", round, g, q)
				}
			}
			// Beyond the acknowledged turns, only the batch in flight at the kill may have landed:
			// at most one turn per session.
			floor := max(maxAck[g], stored[g])
			if extra := len(turns) - floor; extra < 0 || extra > 1 {
				t.Errorf("round %d: victim%d: %d turns stored, %d acknowledged or stored before", round, g, len(turns), floor)
			}
			stored[g] = len(turns)
			total += len(turns)
		}
		t.Logf("round %d: killed after %d acks this round; %d turns stored, integrity %s", round, len(got), total, integrity)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// ack is one acknowledged turn reported by the helper process.
type ack struct{ session, seq int }

// runCommitterUntilKilled starts the helper process on path and SIGKILLs it after killAfter
// acknowledgements or after limit, whichever comes first. It returns every seq the helper
// acknowledged, including any still in the pipe when it died.
func runCommitterUntilKilled(t *testing.T, ctx context.Context, path string, killAfter int, limit time.Duration) []ack {
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
	lines := make(chan ack, 64)
	go func() { // ends at EOF, when the killed process's pipe closes
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var a ack
			if _, err := fmt.Sscanf(sc.Text(), "%d %d", &a.session, &a.seq); err == nil {
				lines <- a
			}
		}
	}()

	var got []ack
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
