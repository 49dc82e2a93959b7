package org

import (
	_ "embed"
	"fmt"
	"slices"
	"sync"

	"cifp"
)

//go:embed data/industries.csv
var industriesCSV []byte

// Industry is one entry of the national economic industry classification
// (国民经济行业分类), GB/T 4754-2017.
type Industry struct {
	// Code is a section letter "A"–"T", or a division (2 digits), group
	// (3 digits) or class (4 digits) code, e.g. "C", "30", "301", "3011".
	Code   string
	Name   string // official Chinese name, e.g. "水泥制造"
	NameEN string // English rendering, e.g. "Manufacture of cement"
	// Level is "section" (门类), "division" (大类), "group" (中类) or
	// "class" (小类).
	Level  string
	Parent string // the code one level up; "" for a section
}

// industryLevels maps a code's length to its level: a section is one letter,
// a division two digits, a group three and a class four.
var industryLevels = [...]string{1: "section", 2: "division", 3: "group", 4: "class"}

type industryTable struct {
	list   []Industry
	byCode map[string]int // index into list
}

// industries parses the embedded table once. A malformed file is a build
// defect, so it panics; TestIndustriesParse catches it before release.
var industries = sync.OnceValue(func() industryTable {
	t, err := parseIndustries(industriesCSV)
	if err != nil {
		panic("org: embedded data/industries.csv: " + err.Error())
	}
	return t
})

// Industries returns the GB/T 4754-2017 entries the platform knows, in the
// standard's order: all 20 sections and 97 divisions, and the groups and
// classes the platform uses. The caller may modify the returned slice.
func Industries() []Industry {
	return slices.Clone(industries().list)
}

// IndustryByCode returns the entry with code (e.g. "C", "30", "301",
// "3011"), and false with a zero Industry if the platform does not know it.
func IndustryByCode(code string) (Industry, bool) {
	t := industries()
	i, ok := t.byCode[code]
	if !ok {
		return Industry{}, false
	}
	return t.list[i], true
}

// ValidateIndustry returns nil if code is a section letter or a division,
// group or class code in the platform's GB/T 4754-2017 table (see
// Industries), and otherwise a cifp.EINVALID error with one
// cifp.FieldError, Field "industry", naming the value. Codes are matched
// exactly: no section prefix ("C3011"), spaces or lower-case letters.
func ValidateIndustry(code string) error {
	if _, ok := IndustryByCode(code); ok {
		return nil
	}
	msg := fmt.Sprintf("%q is not a GB/T 4754-2017 industry code known to the platform", code)
	return cifp.Invalid("unknown industry (国民经济行业分类): "+msg,
		cifp.FieldError{Field: "industry", Value: code, Message: msg})
}

// IndustryDivision returns the 2-digit division (大类) of a division, group
// or class code: its first two digits, e.g. "30" for "3011". It works on the
// code's form, so it also answers for classes the platform's table leaves
// out. It returns "" for a section letter or a code that is not 2–4 digits.
func IndustryDivision(code string) string {
	if len(code) < 2 || len(code) > 4 {
		return ""
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return ""
		}
	}
	return code[:2]
}

// IndustrySection returns the section letter (门类) of any code: the code
// itself for a known section, otherwise the section of its division, e.g.
// "C" for "3011" and "D" for "44". It returns "" if the code is malformed or
// its division is not one of 01–97.
func IndustrySection(code string) string {
	if len(code) == 1 {
		if in, ok := IndustryByCode(code); ok && in.Level == "section" {
			return code
		}
		return ""
	}
	div, ok := IndustryByCode(IndustryDivision(code))
	if !ok {
		return ""
	}
	return div.Parent
}

// parseIndustries reads and checks an industries table: unique codes whose
// form matches the level, sections A–T, and every parent present, one level
// up and a prefix of the child's code.
func parseIndustries(data []byte) (industryTable, error) {
	rows, err := readCodeTable(data)
	if err != nil {
		return industryTable{}, err
	}
	t := industryTable{byCode: make(map[string]int, len(rows))}
	for _, r := range rows {
		in := Industry{Code: r.f[0], Name: r.f[1], NameEN: r.f[2], Level: r.f[3], Parent: r.f[4]}
		if err := checkIndustryCode(in); err != nil {
			return industryTable{}, fmt.Errorf("line %d: %w", r.line, err)
		}
		if _, dup := t.byCode[in.Code]; dup {
			return industryTable{}, fmt.Errorf("line %d: duplicate code %s", r.line, in.Code)
		}
		t.byCode[in.Code] = len(t.list)
		t.list = append(t.list, in)
	}
	for i, in := range t.list {
		if in.Level == "section" {
			continue
		}
		j, ok := t.byCode[in.Parent]
		if !ok {
			return industryTable{}, fmt.Errorf("line %d: code %s: parent %q is not in the table", rows[i].line, in.Code, in.Parent)
		}
		if p := t.list[j]; len(p.Code) != len(in.Code)-1 {
			return industryTable{}, fmt.Errorf("line %d: code %s (%s): parent %s is a %s", rows[i].line, in.Code, in.Level, p.Code, p.Level)
		}
	}
	return t, nil
}

// checkIndustryCode checks one row on its own: the code's form, its level
// and, below a division, that the parent is the code without its last digit.
func checkIndustryCode(in Industry) error {
	n := len(in.Code)
	if n < 1 || n >= len(industryLevels) || in.Level != industryLevels[n] {
		return fmt.Errorf("code %q does not fit level %q", in.Code, in.Level)
	}
	if n == 1 {
		if in.Code[0] < 'A' || in.Code[0] > 'T' {
			return fmt.Errorf("section %q is not a letter A–T", in.Code)
		}
		if in.Parent != "" {
			return fmt.Errorf("section %s has parent %q", in.Code, in.Parent)
		}
		return nil
	}
	if IndustryDivision(in.Code) == "" {
		return fmt.Errorf("code %q is not %d digits", in.Code, n)
	}
	if n > 2 && in.Parent != in.Code[:n-1] {
		return fmt.Errorf("code %s: parent is %q, want %q", in.Code, in.Parent, in.Code[:n-1])
	}
	return nil
}
