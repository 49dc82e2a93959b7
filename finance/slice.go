package finance

import (
	"regexp"
	"strconv"

	"cifp"
)

// Slice narrows the green-credit statistics to part of the loan book: the
// cockpit's drill-down (钻取) and the statistics API's filters. The zero
// Slice is the whole book the actor may see.
//
// County, Institution and Sector narrow the book itself: every figure,
// the all-loan balance and the share included, is of those loans. Class
// narrows the green loans only: the other loans of the slice stay in the
// all-loan balance as not green, so that the share reads "loans of the
// class in all loans" (e.g. 清洁能源产业贷款占各项贷款比重), and the
// climate-financing balance and attributed reductions are of the class's
// loans.
type Slice struct {
	County      string `json:"county,omitempty"`      // borrower's GB/T 2260 county
	Institution int64  `json:"institution,omitempty"` // lending institution's organisation id
	Class       string `json:"class,omitempty"`       // "catalogue/class", as the ByClass keys
	Sector      string `json:"sector,omitempty"`      // 6+1 sector of the loan's use
}

var (
	countyRe = regexp.MustCompile(`^\d{6}$`)
	classRe  = regexp.MustCompile(`^[0-9]{4}/\S+$`)
)

// Check names the first malformed field of the slice.
func (f Slice) Check() error {
	var errs []cifp.FieldError
	if f.County != "" && !countyRe.MatchString(f.County) {
		errs = append(errs, cifp.FieldError{Field: "county", Value: f.County, Message: "is not a GB/T 2260 code of 6 digits"})
	}
	if f.Institution < 0 {
		errs = append(errs, cifp.FieldError{Field: "institution", Value: strconv.FormatInt(f.Institution, 10), Message: "is not an organisation id"})
	}
	if f.Class != "" && !classRe.MatchString(f.Class) {
		errs = append(errs, cifp.FieldError{Field: "class", Value: f.Class, Message: `is not a class key "catalogue/class" (e.g. "2025/3")`})
	}
	if f.Sector != "" && !sectorKnown(f.Sector) {
		errs = append(errs, cifp.FieldError{Field: "sector", Value: f.Sector, Message: "is not a sector of the plan"})
	}
	if len(errs) > 0 {
		return cifp.Invalid("bad filter", errs...)
	}
	return nil
}

// IsZero reports whether the slice is the whole book.
func (f Slice) IsZero() bool { return f == Slice{} }

// Apply returns the cells of the slice, copies that the caller may keep:
// a pure function, so that the statistics of a slice are Table's of
// Apply's cells.
func (f Slice) Apply(cells []Cell) []Cell { return f.appendTo(make([]Cell, 0, len(cells)), cells) }

// appendTo appends the cells of the slice to out.
func (f Slice) appendTo(out, cells []Cell) []Cell {
	for _, c := range cells {
		if (f.County != "" && c.County != f.County) || (f.Institution != 0 && c.InstitutionID != f.Institution) ||
			(f.Sector != "" && c.Sector != f.Sector) {
			continue
		}
		if f.Class != "" && (!c.Green || c.Catalogue+"/"+c.Class != f.Class) {
			// Another class, or not green: it counts in all loans only.
			c.Class, c.Catalogue, c.Green, c.ClimateType, c.AttributedTCO2 = "", "", false, "none", 0
		}
		out = append(out, c)
	}
	return out
}

// sectorKnown reports whether s is one of the 6+1 sectors of sectors.csv.
func sectorKnown(s string) bool {
	if s == "living" {
		return true
	}
	for _, p := range sectorPrefixes() {
		if p[1] == s {
			return true
		}
	}
	return false
}
