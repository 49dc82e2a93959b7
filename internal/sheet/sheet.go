// Package sheet reads the tabular files that government and bank users
// exchange: .xlsx (the first sheet) and .csv in UTF-8, with or without a BOM,
// or in GB18030 as Excel on a Chinese Windows saves it.
package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"cifp"
)

// Format tells a file's format from its name: "xlsx", "csv" or "".
func Format(name string) string {
	switch n := strings.ToLower(name); {
	case strings.HasSuffix(n, ".xlsx"):
		return "xlsx"
	case strings.HasSuffix(n, ".csv"):
		return "csv"
	}
	return ""
}

// Read returns every row of an "xlsx" or "csv" file, the header included. A
// file with more than maxRows rows (header included) is ETOOLARGE; a file
// that is not of its format is EINVALID.
func Read(r io.Reader, format string, maxRows int) ([][]string, error) {
	var rows [][]string
	err := Each(r, format, func(line int, rec []string) error {
		if line > maxRows {
			return cifp.Errorf(cifp.ETOOLARGE, "the file has more than %d rows", maxRows-1)
		}
		rows = append(rows, append([]string(nil), rec...))
		return nil
	})
	return rows, err
}

// Each calls fn for every row of the file in order with its 1-based line
// number, streaming, and stops at fn's first error. rec is valid only during
// the call: fn must copy what it keeps.
func Each(r io.Reader, format string, fn func(line int, rec []string) error) error {
	switch format {
	case "xlsx":
		return eachXLSX(r, fn)
	case "csv":
		return eachCSV(r, fn)
	}
	return cifp.Errorf(cifp.EUNSUPPORTED, "unsupported file format %q: use .xlsx or .csv", format)
}

func eachXLSX(r io.Reader, fn func(int, []string) error) error {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return cifp.Errorf(cifp.EINVALID, "not a readable .xlsx file: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return cifp.Errorf(cifp.EINVALID, "the .xlsx file has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return cifp.Errorf(cifp.EINVALID, "sheet %q: %v", sheets[0], err)
	}
	defer rows.Close()
	for line := 1; rows.Next(); line++ {
		cols, err := rows.Columns()
		if err != nil {
			return cifp.Errorf(cifp.EINVALID, "sheet %q row %d: %v", sheets[0], line, err)
		}
		if err := fn(line, cols); err != nil {
			return err
		}
	}
	return nil
}

func eachCSV(r io.Reader, fn func(int, []string) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	// Sniff the encoding from the first 64 KiB: UTF-8 (BOM optional) or GB18030.
	head, _ := br.Peek(1 << 16)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	var src io.Reader = br
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	} else if !utf8.Valid(trimPartialRune(head)) {
		src = simplifiedchinese.GB18030.NewDecoder().Reader(br)
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return cifp.Errorf(cifp.EINVALID, "the .csv file is malformed: %v", err)
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of a peeked
// buffer, so that the check does not fail on a cut character.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

// ColumnName returns the spreadsheet letter of a 0-based column index.
func ColumnName(i int) string {
	name, _ := excelize.ColumnNumberToName(i + 1)
	return name
}
