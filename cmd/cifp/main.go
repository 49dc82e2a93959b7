// Command cifp is the Climate Investment & Financing Platform (气候投融资数智平台):
// one binary that serves the web application and API and runs the
// administrative commands. Run `cifp help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"cifp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "cifp:", describe(err))
		}
		os.Exit(1)
	}
}

// errSilent is returned by commands that have already printed their failure.
var errSilent = errors.New("failed")

// describe renders an error for the terminal, with every bad field on its own line.
func describe(err error) string {
	msg := err.Error()
	if fs := cifp.ErrorFields(err); len(fs) > 0 {
		var b strings.Builder
		b.WriteString(cifp.ErrorMessage(err))
		for _, f := range fs {
			b.WriteString("\n  - " + f.String())
		}
		return b.String()
	}
	return msg
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) error
}

// env is what commands read and write besides their flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands []command

func init() {
	commands = []command{
		{"serve", "start the web application and API", runServe},
		{"migrate", "apply database migrations", runMigrate},
		{"demo", "load the deterministic Lishui demo data into an empty database", runDemo},
		{"import", "import a file, all or nothing: cifp import orgs|projects FILE.xlsx|FILE.csv", runImport},
		{"export", "export a dataset: cifp export orgs -o FILE.xlsx|FILE.csv, cifp export projects [--national] -o FILE.xlsx", runExport},
		{"user", "manage users: cifp user add | reset-password", runUser},
		{"audit", "check the audit log: cifp audit verify", runAudit},
		{"carbon", "carbon accounts: cifp carbon calc --in activity.csv (no database needed)", runCarbon},
		{"gep", "GEP accounting: cifp gep run --region 331100 --year 2024 | template | import | export", runGEP},
		{"bench", "time bulk import and recompute: cifp bench carbon|finance", runBench},
		{"version", "print the version", runVersion},
		{"help", "show this help", nil},
	}
}

// Run runs the command line args (without the program name).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return Run(ctx, []string{args[1], "-h"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] && c.run != nil {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "cifp %s — 气候投融资数智平台 (Climate Investment & Financing Platform)\n\nUsage: cifp COMMAND [flags]\n\nCommands:\n", cifp.Version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun `cifp COMMAND -h` for a command's flags. Flags fall back to environment variables\n"+
		"(CIFP_DB, CIFP_ADDR, …) named in each command's help.\n")
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags("version", "print the version", e)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "cifp", cifp.Version)
	return nil
}

// newFlags returns a flag set whose -h prints the summary and the flags.
func newFlags(name, summary string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cifp %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// getenv returns the environment variable, or def when it is unset.
func getenv(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// dbFlag adds the --db flag (env CIFP_DB).
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", getenv("CIFP_DB", "sqlite:cifp.db"), "database: sqlite:PATH or a postgres:// URL (env CIFP_DB)")
}
