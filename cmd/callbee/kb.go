package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
)

const kbUsage = `usage: callbee kb <command>

commands:
  validate FILE...                  check shop files; print every problem as file:line: field: msg
  import FILE... [--db FILE]        validate, then store the shops in the DB (a bad file stores nothing)
  export SHOPID|--shop FILE [-o OUT] write a shop in the shop file format (stdout by default)
  packs SHOPID|--shop FILE          list industry packs and which are subscribed
  subscribe SHOPID PACK...          subscribe the DB copy of a shop to industry packs
  unsubscribe SHOPID PACK...        unsubscribe the DB copy of a shop from industry packs
`

func cmdKB(ctx context.Context, c *cli, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, kbUsage)
		return exitUsage
	}
	switch args[0] {
	case "validate":
		return kbValidate(ctx, c, args[1:])
	case "import":
		return kbImport(ctx, c, args[1:])
	case "export":
		return kbExport(ctx, c, args[1:])
	case "packs":
		return kbPacks(ctx, c, args[1:])
	case "subscribe":
		return kbSubscribe(ctx, c, args[1:], true)
	case "unsubscribe":
		return kbSubscribe(ctx, c, args[1:], false)
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, kbUsage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "callbee kb: unknown command %q\n\n%s", args[0], kbUsage)
	return exitUsage
}

// shopFile is a validated shop and the bytes it was parsed from.
type shopFile struct {
	path string
	data []byte
	shop *kb.Shop
}

// loadAll reads and validates every file, printing each problem; ok is false
// if any failed.
func (c *cli) loadAll(files []string) (out []shopFile, ok bool) {
	ok = true
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil {
			var s *kb.Shop
			if s, err = kb.Parse(f, data); err == nil {
				out = append(out, shopFile{f, data, s})
				continue
			}
		}
		fmt.Fprintln(c.stderr, problems(err))
		ok = false
	}
	return out, ok
}

func kbValidate(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("kb validate", "FILE...")
	files, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		fs.Usage()
		return exitUsage
	}
	shops, ok := c.loadAll(files)
	for _, f := range shops {
		s := f.shop
		fmt.Fprintf(c.stdout, "ok: %s (%s): %d FAQs, %d products, %d orders, packs %s\n", s.ID(),
			s.Shop.Name.Get(firstLang(s)), len(s.FAQs), len(s.Products), len(s.Orders), packList(s))
	}
	if !ok {
		return exitFail
	}
	return exitOK
}

func kbImport(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("kb import", "FILE... [--db FILE]")
	var o common
	o.register(fs)
	files, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		fs.Usage()
		return exitUsage
	}
	// Validate everything first: a bad file changes nothing.
	shops, ok := c.loadAll(files)
	if !ok {
		fmt.Fprintln(c.stderr, "callbee kb import: nothing imported")
		return exitFail
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf("kb import", "%v", err)
	}
	st, err := openStore(ctx, cfg.DB, quietLogger(c.stderr))
	if err != nil {
		return c.errorf("kb import", "%v", err)
	}
	defer st.Close()
	for _, f := range shops {
		s := f.shop
		if err := st.PutShop(ctx, s.ID(), s.Shop.Name.Get(firstLang(s)), f.data); err != nil {
			return c.errorf("kb import", "%s: %v", f.path, err)
		}
		fmt.Fprintf(c.stdout, "imported %s from %s into %s: %d FAQs, %d products, %d orders\n",
			s.ID(), f.path, st.Path(), len(s.FAQs), len(s.Products), len(s.Orders))
	}
	return exitOK
}

// shopRef names a shop by SHOPID (in the DB) or --shop FILE.
type shopRef struct {
	common
	file string
}

func (r *shopRef) register(fs *flag.FlagSet) {
	fs.StringVar(&r.file, "shop", "", "shop file (instead of a SHOPID in the DB)")
}

// load returns the shop named by --shop or id, and the store when the shop
// came from the DB (the caller closes it).
// parseAndLoad parses args (exactly one of SHOPID or --shop FILE) and loads
// the shop; on failure it has printed why and returns the exit code.
func (r *shopRef) parseAndLoad(ctx context.Context, c *cli, fs *flag.FlagSet, cmd string, args []string) (*kb.Shop, *store.Store, int, bool) {
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return nil, nil, code, false
	}
	if (r.file == "") == (len(pos) != 1) || len(pos) > 1 {
		fs.Usage()
		return nil, nil, exitUsage, false
	}
	id := ""
	if len(pos) == 1 {
		id = pos[0]
	}
	s, st, err := r.load(ctx, c, id)
	if err != nil {
		return nil, nil, c.errorf(cmd, "%s", problems(err)), false
	}
	return s, st, exitOK, true
}

func (r *shopRef) load(ctx context.Context, c *cli, id string) (*kb.Shop, *store.Store, error) {
	if r.file != "" {
		s, err := kb.Load(r.file)
		return s, nil, err
	}
	cfg, err := r.config()
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, cfg.DB, quietLogger(c.stderr))
	if err != nil {
		return nil, nil, err
	}
	s, err := shopFromDB(ctx, st, id)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return s, st, nil
}

func kbExport(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("kb export", "SHOPID|--shop FILE [-o OUT.yaml] [--db FILE]")
	var r shopRef
	r.common.register(fs)
	r.register(fs)
	out := fs.String("o", "", "output file (default: stdout)")
	s, st, code, ok := r.parseAndLoad(ctx, c, fs, "kb export", args)
	if !ok {
		return code
	}
	if st != nil {
		defer st.Close()
	}
	var buf bytes.Buffer
	err := kb.Export(&buf, s)
	if err != nil {
		return c.errorf("kb export", "%v", err)
	}
	if *out == "" {
		_, err = c.stdout.Write(buf.Bytes())
	} else {
		err = writeFileAtomic(*out, buf.Bytes())
	}
	if err != nil {
		return c.errorf("kb export", "%v", err)
	}
	return exitOK
}

func kbPacks(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("kb packs", "SHOPID|--shop FILE [--db FILE]")
	var r shopRef
	r.common.register(fs)
	r.register(fs)
	s, st, code, ok := r.parseAndLoad(ctx, c, fs, "kb packs", args)
	if !ok {
		return code
	}
	if st != nil {
		defer st.Close()
	}
	printPacks(c, s)
	return exitOK
}

func printPacks(c *cli, s *kb.Shop) {
	if len(s.IndustryPacks) == 0 {
		fmt.Fprintf(c.stdout, "%s has no industry packs\n", s.ID())
		return
	}
	for _, p := range s.IndustryPacks {
		mark := " "
		if s.Subscribed(p.ID) {
			mark = "*"
		}
		fmt.Fprintf(c.stdout, "%s %-16s %3d FAQs\n", mark, p.ID, len(p.FAQs))
	}
	fmt.Fprintf(c.stdout, "(* subscribed; %d of %d FAQs active)\n", len(s.ActiveFAQs()), len(s.FAQs))
}

func kbSubscribe(ctx context.Context, c *cli, args []string, on bool) int {
	name := "kb unsubscribe"
	if on {
		name = "kb subscribe"
	}
	fs := c.newFlags(name, "SHOPID PACK... [--db FILE]")
	var o common
	o.register(fs)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) < 2 {
		fs.Usage()
		return exitUsage
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf(name, "%v", err)
	}
	st, err := openStore(ctx, cfg.DB, quietLogger(c.stderr))
	if err != nil {
		return c.errorf(name, "%v", err)
	}
	defer st.Close()
	s, err := shopFromDB(ctx, st, pos[0])
	if err != nil {
		return c.errorf(name, "%s", problems(err))
	}
	for _, p := range pos[1:] {
		if on {
			err = s.Subscribe(p)
		} else {
			err = s.Unsubscribe(p)
		}
		if err != nil {
			return c.errorf(name, "%v (packs: %s)", err, allPacks(s))
		}
	}
	var buf bytes.Buffer
	if err := kb.Export(&buf, s); err != nil {
		return c.errorf(name, "%v", err)
	}
	// What is stored must load back with the same subscriptions.
	back, err := kb.Parse("db:"+s.ID(), buf.Bytes())
	if err != nil {
		return c.errorf(name, "exported shop does not load back: %s", problems(err))
	}
	if got, want := packList(back), packList(s); got != want {
		return c.errorf(name, "exported shop subscribes %s, want %s", got, want)
	}
	if err := st.PutShop(ctx, s.ID(), s.Shop.Name.Get(firstLang(s)), buf.Bytes()); err != nil {
		return c.errorf(name, "%v", err)
	}
	printPacks(c, back)
	return exitOK
}

func packList(s *kb.Shop) string {
	p := s.SubscribedPacks()
	if len(p) == 0 {
		return "none"
	}
	return strings.Join(p, ",")
}

func allPacks(s *kb.Shop) string {
	var ids []string
	for _, p := range s.IndustryPacks {
		ids = append(ids, p.ID)
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
