package org

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"cifp"
)

//go:embed data/divisions.csv
var divisionsCSV []byte

// Division is one administrative division (行政区划) of GB/T 2260.
type Division struct {
	Code   string // 6 digits, e.g. "331100"
	Name   string // official Chinese name, e.g. "丽水市"
	NameEN string // English name, e.g. "Lishui City"
	// Level is "province" (省), "city" (地级市), "district" (市辖区),
	// "county" (县), "autonomous_county" (自治县) or "county_city" (县级市).
	Level  string
	Parent string // the code one level up; "" for a province
}

// divisionRank orders the division levels: a parent is one rank above its
// children.
var divisionRank = map[string]int{
	"province":          1,
	"city":              2,
	"district":          3,
	"county":            3,
	"autonomous_county": 3,
	"county_city":       3,
}

type divisionTable struct {
	list   []Division
	byCode map[string]int // index into list
}

// divisions parses the embedded table once. A malformed file is a build
// defect, so it panics; TestDivisionsParse catches it before release.
var divisions = sync.OnceValue(func() divisionTable {
	t, err := parseDivisions(divisionsCSV)
	if err != nil {
		panic("org: embedded data/divisions.csv: " + err.Error())
	}
	return t
})

// Divisions returns the administrative divisions the platform knows, in file
// order: Zhejiang province (浙江省), Lishui city (丽水市) and Lishui's nine
// county-level divisions. The caller may modify the returned slice.
func Divisions() []Division {
	return slices.Clone(divisions().list)
}

// DivisionByCode returns the division with the 6-digit GB/T 2260 code, and
// false with a zero Division if the platform does not know the code.
func DivisionByCode(code string) (Division, bool) {
	t := divisions()
	i, ok := t.byCode[code]
	if !ok {
		return Division{}, false
	}
	return t.list[i], true
}

// Counties returns the county-level divisions (区, 县, 自治县, 县级市) whose
// parent is city, in file order: for "331100" (丽水市) the nine divisions of
// Lishui. It returns nil if city is unknown or has none.
func Counties(city string) []Division {
	var out []Division
	for _, d := range divisions().list {
		if d.Parent == city && divisionRank[d.Level] == 3 {
			out = append(out, d)
		}
	}
	return out
}

// ValidateDivision returns nil if code is a GB/T 2260 division the platform
// knows (see Divisions), and otherwise a cifp.EINVALID error with one
// cifp.FieldError, Field "division", naming the value.
func ValidateDivision(code string) error {
	if _, ok := DivisionByCode(code); ok {
		return nil
	}
	msg := fmt.Sprintf("%q is not a known GB/T 2260 administrative division code", code)
	return cifp.Invalid("unknown administrative division (行政区划): "+msg,
		cifp.FieldError{Field: "division", Value: code, Message: msg})
}

// parseDivisions reads and checks a divisions table: 6-digit unique codes,
// known levels, and every parent present and one level up.
func parseDivisions(data []byte) (divisionTable, error) {
	rows, err := readCodeTable(data)
	if err != nil {
		return divisionTable{}, err
	}
	t := divisionTable{byCode: make(map[string]int, len(rows))}
	for _, r := range rows {
		d := Division{Code: r.f[0], Name: r.f[1], NameEN: r.f[2], Level: r.f[3], Parent: r.f[4]}
		switch {
		case len(d.Code) != 6 || strings.Trim(d.Code, "0123456789") != "":
			return divisionTable{}, fmt.Errorf("line %d: code %q is not 6 digits", r.line, d.Code)
		case divisionRank[d.Level] == 0:
			return divisionTable{}, fmt.Errorf("line %d: code %s: unknown level %q", r.line, d.Code, d.Level)
		}
		if _, dup := t.byCode[d.Code]; dup {
			return divisionTable{}, fmt.Errorf("line %d: duplicate code %s", r.line, d.Code)
		}
		t.byCode[d.Code] = len(t.list)
		t.list = append(t.list, d)
	}
	for i, d := range t.list {
		line := rows[i].line
		if d.Level == "province" {
			if d.Parent != "" {
				return divisionTable{}, fmt.Errorf("line %d: province %s has parent %q", line, d.Code, d.Parent)
			}
			continue
		}
		j, ok := t.byCode[d.Parent]
		if !ok {
			return divisionTable{}, fmt.Errorf("line %d: code %s: parent %q is not in the table", line, d.Code, d.Parent)
		}
		if p := t.list[j]; divisionRank[p.Level] != divisionRank[d.Level]-1 {
			return divisionTable{}, fmt.Errorf("line %d: code %s (%s): parent %s is a %s", line, d.Code, d.Level, p.Code, p.Level)
		}
	}
	return t, nil
}

// codeTableHeader is the header row of the embedded reference tables.
var codeTableHeader = []string{"code", "name", "name_en", "level", "parent"}

type codeRow struct {
	line int      // 1-based line in the file
	f    []string // code, name, name_en, level, parent
}

// readCodeTable reads a CSV reference table: lines starting with '#' are
// comments, the first record must be codeTableHeader, every record has its
// five fields, and every field but parent is non-empty and without
// surrounding white space.
func readCodeTable(data []byte) ([]codeRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = len(codeTableHeader)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if !slices.Equal(header, codeTableHeader) {
		return nil, fmt.Errorf("header is %q, want %q", header, codeTableHeader)
	}
	var rows []codeRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		for i, v := range rec {
			if v != strings.TrimSpace(v) {
				return nil, fmt.Errorf("line %d: %s %q has surrounding white space", line, codeTableHeader[i], v)
			}
			if v == "" && i < len(rec)-1 {
				return nil, fmt.Errorf("line %d: %s is empty", line, codeTableHeader[i])
			}
		}
		rows = append(rows, codeRow{line: line, f: rec})
	}
	if len(rows) == 0 {
		return nil, errors.New("no rows")
	}
	return rows, nil
}
