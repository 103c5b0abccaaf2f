package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web/console"
)

const userUsage = `usage: callbee user <command>

commands:
  add --name N --role admin|trainer|agent [--password-stdin]   create a console account
  list                                                         list accounts
  passwd --name N [--password-stdin]                           set a new password (ends the user's logins)
  role --name N --role admin|trainer|agent                     change a role (ends the user's logins)
  disable|enable --name N                                      lock or unlock an account
  delete --name N                                              remove an account

Without --password-stdin a random password is generated and printed once.
With it, the first line of standard input is the password (8 to 72 bytes).
Every command takes --db FILE / --config FILE like serve.
`

// cmdUser manages console accounts. The first admin is created here; the
// console's users page manages the rest.
func cmdUser(ctx context.Context, c *cli, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, userUsage)
		return exitUsage
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, userUsage)
		return exitOK
	case "add", "list", "passwd", "role", "disable", "enable", "delete":
	default:
		fmt.Fprintf(c.stderr, "callbee user: unknown command %q\n\n%s", sub, userUsage)
		return exitUsage
	}
	fs := c.newFlags("user "+sub, "[flags]")
	var o common
	o.register(fs)
	name := fs.String("name", "", "login name (1-64 of a-z A-Z 0-9 . _ - @)")
	role := fs.String("role", "", "admin, trainer or agent")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	pos, code, ok := parseArgs(fs, args[1:])
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	cmd := "user " + sub
	if sub != "list" && !store.ValidUserName(*name) {
		return c.usageError(cmd, "--name: 1-64 of a-z A-Z 0-9 . _ - @")
	}
	if (sub == "add" || sub == "role") && !store.ValidRole(*role) {
		return c.usageError(cmd, "--role: admin, trainer or agent")
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf(cmd, "%v", err)
	}
	st, err := openStore(ctx, cfg.DB, quietLogger(c.stderr))
	if err != nil {
		return c.errorf(cmd, "%v", err)
	}
	defer st.Close()

	password := func() (string, bool, error) {
		if *fromStdin {
			p, err := readPasswordLine(c.stdin)
			return p, false, err
		}
		p, err := randomPassword()
		return p, true, err
	}
	switch sub {
	case "list":
		us, err := st.Users(ctx)
		if err != nil {
			return c.errorf(cmd, "%v", err)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCREATED")
		for _, u := range us {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.CreatedAt.Format("2006-01-02 15:04"))
		}
		if err := tw.Flush(); err != nil {
			return c.errorf(cmd, "%v", err)
		}
		return exitOK
	case "add", "passwd":
		p, generated, err := password()
		if err != nil {
			return c.errorf(cmd, "%v", err)
		}
		hash, err := console.HashPassword(p, 0)
		if err != nil {
			return c.errorf(cmd, "%v", err)
		}
		if sub == "add" {
			err = st.CreateUser(ctx, *name, *role, hash)
		} else {
			err = st.SetPassword(ctx, *name, hash)
		}
		if err != nil {
			return c.errorf(cmd, "%s", userError(*name, err))
		}
		if generated {
			fmt.Fprintf(c.stdout, "password for %s: %s\n", *name, p)
		}
		if sub == "add" {
			fmt.Fprintf(c.stderr, "callbee: user %s (%s) created; log in at /console/login\n", *name, *role)
		} else {
			fmt.Fprintf(c.stderr, "callbee: password of %s changed; their logins have ended\n", *name)
		}
		return exitOK
	case "role":
		if err := st.SetUserRole(ctx, *name, *role); err != nil {
			return c.errorf(cmd, "%s", userError(*name, err))
		}
	case "disable", "enable":
		if err := st.SetUserDisabled(ctx, *name, sub == "disable"); err != nil {
			return c.errorf(cmd, "%s", userError(*name, err))
		}
	case "delete":
		if err := st.DeleteUser(ctx, *name); err != nil {
			return c.errorf(cmd, "%s", userError(*name, err))
		}
	}
	fmt.Fprintf(c.stderr, "callbee: user %s: %s done\n", *name, sub)
	return exitOK
}

// usageError prints a usage problem and returns exitUsage.
func (c *cli) usageError(cmd, msg string) int {
	fmt.Fprintf(c.stderr, "callbee %s: %s\n", cmd, msg)
	return exitUsage
}

func userError(name string, err error) string {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Sprintf("no user %q", name)
	case errors.Is(err, store.ErrExists):
		return fmt.Sprintf("user %q already exists (use `callbee user passwd` to reset the password)", name)
	}
	return err.Error()
}

// readPasswordLine reads the first line of r (without its line ending).
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	p := strings.TrimRight(line, "\r\n")
	if err := console.CheckPasswordRules(p); err != nil {
		return "", err
	}
	return p, nil
}

// randomPassword is 18 random bytes, URL-safe base64 (24 characters).
func randomPassword() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
