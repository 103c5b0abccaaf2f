// Command callbee is the voice customer-service bot for online shops: one
// binary whose subcommands serve the HTTP API, answer one question (ask), chat
// in a terminal, manage shop files (kb) and measure the brain (bench).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// processStart is when the process began running Go code (bench reports the
// time from here to the first answer).
var processStart = time.Now()

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command failed (bad shop file, unknown session, ...)
	exitUsage = 2 // bad flags or arguments
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "serve the HTTP API for one or more shops", cmdServe},
		{"ask", "answer one caller turn and print the reply as one JSON line", cmdAsk},
		{"chat", "talk to a shop's bot in the terminal", cmdChat},
		{"kb", "import, export, validate shop files; industry packs", cmdKB},
		{"call", "run a voice call on audio files and print one JSON line per caller turn", cmdCall},
		{"bench", "measure accuracy, throughput, latency and memory", cmdBench},
		{"user", "manage console accounts (admin, trainer, agent)", cmdUser},
		{"dial", "place a phone call that runs the voice loop (callbacks, proactive service)", cmdDial},
		{"version", "print the version", cmdVersion},
	}
}

// cli carries the process's standard streams to a command.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		c.usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		c.usage(stdout)
		return exitOK
	case "-v", "--version":
		return cmdVersion(ctx, c, nil)
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			return cmd.run(ctx, c, args[1:])
		}
	}
	fmt.Fprintf(stderr, "callbee: unknown command %q\n\n", args[0])
	c.usage(stderr)
	return exitUsage
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: callbee <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `callbee <command> -h` for a command's flags.")
}

// errorf prints "callbee <cmd>: msg" on stderr and returns exitFail.
func (c *cli) errorf(cmd, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "callbee %s: %s\n", cmd, fmt.Sprintf(format, args...))
	return exitFail
}
