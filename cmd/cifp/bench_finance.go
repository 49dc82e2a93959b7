package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"cifp"
	"cifp/carbon"
	"cifp/demo"
	"cifp/finance"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

// runBenchFinance is `cifp bench finance`.
func runBenchFinance(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench finance", "Time, on a new database: (a) the demo organisations; (b) generating a loan-book file of\n"+
		"--loans loans of one bank; (c) the platform's import of the file (all checks, classification,\n"+
		"statistics cells); (d) the floor: the database's own bulk load of the same rows into the same\n"+
		"loans table (sqlite3 .import, PostgreSQL COPY); (e) eleven more month-end snapshots of the book\n"+
		"(made in the database, untimed), then the full recompute of the statistics cells and the tables\n"+
		"over the twelve months.", e)
	dsn := fs.String("db", "", "database: a new sqlite:PATH, or a postgres:// URL in which the bench makes a schema of its own\n(default: a new SQLite file in a temporary folder)")
	n := fs.Int("enterprises", demo.MaxEnterprises, "number of enterprises (borrowers), 10–100000")
	loans := fs.Int("loans", 1_000_000, "loans in the book")
	keep := fs.Bool("keep", false, "keep the database and the CSV files")
	seed := fs.Int64("seed", 1, "seed of the demo data and the loans")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *loans < 1 || *loans > finance.MaxLoanRows {
		return fmt.Errorf("--loans must be 1 to %d", finance.MaxLoanRows)
	}
	b := &bench{e: e, seed: *seed, n: *n}
	cleanup, err := b.open(ctx, *dsn, *keep, false)
	if err != nil {
		return err
	}
	defer cleanup()
	return b.runFinance(ctx, *loans)
}

// benchMonth is the month-end of the loan book the bench imports.
const benchMonth = "2025-12"

func (b *bench) runFinance(ctx context.Context, loans int) error {
	out := b.e.stdout
	ctx, err := b.begin(ctx)
	if b.db != nil {
		defer b.db.Close()
	}
	if err != nil {
		return err
	}
	db := b.db

	// (b) A loan book of one bank: the demo bank user's.
	var bank cifp.Actor
	var role string
	if err := db.QueryRow(ctx, `SELECT id, org_id, username, role FROM users WHERE username = 'bank'`).Scan(&bank.UserID, &bank.OrgID, &bank.Username, &role); err != nil {
		return err
	}
	bank.Role = cifp.Role(role)
	path := filepath.Join(b.dir, "loans.csv")
	d, err := b.timed("", func() error { return writeLoanBook(path, demo.Enterprises(b.seed, b.n), loans, b.seed) })
	if err != nil {
		return err
	}
	b.step("(b) generate the loan-book CSV", loans, d, fileSize(path))

	// (c) The platform's import.
	svc := finance.NewService(db, carbon.NewService(db, org.NewService(db)), project.NewService(db))
	var imp finance.LoanImport
	d, err = b.timed("", func() error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		imp, err = svc.ImportLoans(bank.Context(ctx), bufio.NewReaderSize(f, 1<<16), "loans.csv", benchMonth)
		if err != nil {
			return fmt.Errorf("%w %v", err, cifp.ErrorFields(err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	platform := d
	b.step("(c) ImportLoans", imp.Rows, d, fmt.Sprintf("%s green, %s classified by the assistant", group(imp.Green), group(imp.Suggested)))
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}

	// (d) The floor: the same rows, as stored, bulk-loaded by the database's
	// own tool into the same table (its key and index) after emptying it.
	canon := filepath.Join(b.dir, "loans-canonical.csv")
	null := "" // sqlite3 .import reads every field as text
	if db.Dialect == store.Postgres {
		null = `\N`
	}
	if err := exportLoans(ctx, db, canon, null); err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `DELETE FROM loans`); err != nil {
		return err
	}
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	floor, tool, err := b.loanFloor(ctx, canon)
	if err != nil {
		return err
	}
	if floor > 0 {
		b.step("(d) floor: "+tool+" into loans", loans, floor, fmt.Sprintf("the import is %.2f× the floor (goal ≤ 2×)", platform.Seconds()/floor.Seconds()))
	}
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}

	// (e) Twelve month-ends: the book as it stood in each month of 2025,
	// made in the database (untimed), then the full statistics recompute.
	d, err = b.timed("", func() error {
		for m := 1; m <= 11; m++ {
			month := fmt.Sprintf("2025-%02d", m)
			cols := strings.Join(finance.LoanColumns[1:], ", ")
			if _, err := db.Exec(ctx, `INSERT INTO loans (month, `+cols+`) SELECT ?, `+cols+` FROM loans WHERE month = ? AND start_date <= ?`,
				month, benchMonth, month+"-31"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var rows int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM loans`).Scan(&rows); err != nil {
		return err
	}
	b.step("(e) twelve month-ends in the book (untimed)", rows, d, "")
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	// As an import of the size does (and autovacuum later), the planner
	// learns the table's new size.
	if err := db.Analyze(ctx, "loans"); err != nil {
		return err
	}
	var cells int
	d, err = b.timed("", func() error {
		cells, err = svc.Recompute(ctx)
		return err
	})
	if err != nil {
		return err
	}
	recompute := d
	b.step("    Recompute: cells from every loan row", rows, d, fmt.Sprintf("%s cells", group(cells)))
	admin := cifp.System.Context(ctx)
	d, err = b.timed("", func() error {
		for _, by := range finance.Dimensions {
			if _, err := svc.Statistics(admin, benchMonth, by, finance.Slice{}); err != nil {
				return err
			}
		}
		_, err := svc.Trend(admin, "2025-01", benchMonth, finance.ByTotal, finance.Slice{})
		return err
	})
	if err != nil {
		return err
	}
	b.step("    Statistics by every dimension + trend", 0, d, "")
	b.step("    full recompute (cells + tables)", rows, recompute+d, "goal < 10 s on SQLite, < 5 s on PostgreSQL")
	if db.Dialect == store.SQLite {
		fmt.Fprintf(out, "\ndatabase file: %s\n", fileSize(strings.TrimPrefix(db.Name, "sqlite:")))
	}
	return nil
}

// writeLoanBook writes a loan-book file of n loans to the enterprises.
func writeLoanBook(path string, ents []org.Org, n int, seed int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(bufio.NewWriterSize(f, 1<<16))
	w.Write(finance.LoanHeader)
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	purposes := []string{"屋顶光伏电站建设", "补充流动资金", "电机系统节能改造", "购置生产设备", "海绵城市改造", "厂房建设", "森林经营碳汇", "新能源公交购置"}
	rec := make([]string, len(finance.LoanHeader))
	for i := 0; i < n; i++ {
		e := ents[r.IntN(len(ents))]
		amount := float64(10 + r.IntN(5000))
		start := time.Date(2020+r.IntN(6), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, finance.China)
		rec[0] = "L" + strconv.Itoa(i+1)
		rec[1] = e.USCC
		rec[2] = "流动资金贷款"
		rec[3] = strconv.FormatFloat(amount, 'f', -1, 64)
		rec[4] = strconv.FormatFloat(float64(int(amount*r.Float64())), 'f', -1, 64)
		rec[5] = "3.45"
		rec[6] = start.Format(time.DateOnly)
		rec[7] = start.AddDate(1+r.IntN(5), 0, 0).Format(time.DateOnly)
		rec[8] = purposes[r.IntN(len(purposes))]
		rec[9], rec[10], rec[11], rec[12] = "", "", "", ""
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// exportLoans writes the stored loans, in the table's columns, as CSV,
// with null as the text of a NULL.
func exportLoans(ctx context.Context, db *store.DB, path, null string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<16)
	w := csv.NewWriter(bw)
	rows, err := db.Query(ctx, `SELECT `+strings.Join(finance.LoanColumns, ", ")+` FROM loans`)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(finance.LoanColumns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(vals))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				rec[i] = null
			case []byte:
				rec[i] = string(v)
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// loanFloor bulk-loads the canonical file into the loans table with the
// database's own tool and returns the time (0 when the tool is missing).
func (b *bench) loanFloor(ctx context.Context, canon string) (time.Duration, string, error) {
	switch b.db.Dialect {
	case store.SQLite:
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			fmt.Fprintf(b.e.stdout, "(d) floor skipped: the sqlite3 command-line tool is not installed (apt-get install -y sqlite3)\n")
			return 0, "", nil
		}
		d, err := b.timed("", func() error {
			cmd := exec.CommandContext(ctx, bin, "-bail", strings.TrimPrefix(b.db.Name, "sqlite:"))
			cmd.Stdin = strings.NewReader(".import --csv " + canon + " loans\n")
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				return fmt.Errorf("sqlite3: %v: %s", err, strings.TrimSpace(stderr.String()))
			}
			return nil
		})
		return d, "sqlite3 .import", err
	default:
		conn, err := pgx.Connect(ctx, b.dsn)
		if err != nil {
			return 0, "", err
		}
		defer conn.Close(context.Background())
		d, err := b.timed("", func() error {
			f, err := os.Open(canon)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = conn.PgConn().CopyFrom(ctx, bufio.NewReaderSize(f, 1<<16), "COPY loans ("+strings.Join(finance.LoanColumns, ", ")+") FROM STDIN (FORMAT csv, NULL '\\N')")
			return err
		})
		return d, "COPY FROM STDIN csv", err
	}
}
