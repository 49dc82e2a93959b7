// Package datafile reads the platform's reference-data files: CSV with #
// comment lines (each file's source and notes) and a header row.
package datafile

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Read returns the rows of a data file as maps from the header's column
// names to the trimmed values.
func Read(data []byte) ([]map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			m[h] = strings.TrimSpace(rec[i])
		}
		out = append(out, m)
	}
}

// NonNegative reads a row's column as a finite number of at least zero.
func NonNegative(row map[string]string, col string) (float64, error) {
	v, err := strconv.ParseFloat(row[col], 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%s: %q is not a non-negative number", col, row[col])
	}
	return v, nil
}
