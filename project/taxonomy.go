// Package project is the climate project library (气候投融资项目库): the
// taxonomy projects are screened against, submission, automatic screening
// with the expected emission reduction, expert review, the library and its
// exchange files, and value assessment.
package project

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// Term is an entry of a code list: a climate type, sector, list, class…
type Term struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// Name returns the term's name in the language ("en" or Chinese).
func (t Term) Name(lang string) string {
	if lang == "en" && t.NameEN != "" {
		return t.NameEN
	}
	return t.NameZH
}

// Section is a code list with the source it is taken from.
type Section struct {
	Source string `json:"source"`
	Items  []Term `json:"items"`
}

// Catalogue is a green catalogue (绿色目录) and its top-level (一级) classes.
type Catalogue struct {
	Code    string `json:"code"`
	NameZH  string `json:"name_zh"`
	Source  string `json:"source"`
	Classes []Term `json:"classes"`
}

// Category is a project category (项目类别): the unit of screening. It fixes
// the sector, default climate type, catalogue classes, list, reduction
// methodology and required documents.
type Category struct {
	Code        string   `json:"code"`
	NameZH      string   `json:"name_zh"`
	NameEN      string   `json:"name_en"`
	Sector      string   `json:"sector"`
	ClimateType string   `json:"climate_type"`
	Cat2021     string   `json:"cat2021"`      // 2021 bond catalogue 一级 class; "" when not green
	Cat2021Item string   `json:"cat2021_item"` // the lower-level item the category falls under
	Cat2025     string   `json:"cat2025"`      // 2025 green-finance catalogue 一级 class
	List        string   `json:"list"`         // one of the three lists (三张清单)
	Method      string   `json:"method"`       // reduction methodology; "" = none (adaptation)
	Documents   []string `json:"documents"`    // required attachment kinds
}

// Term returns the category as a code-list term.
func (c Category) Term() Term { return Term{c.Code, c.NameZH, c.NameEN} }

// Exclusion is a rule that keeps a project out of the library (负面清单).
type Exclusion struct {
	Code       string   `json:"code"`
	NameZH     string   `json:"name_zh"`
	NameEN     string   `json:"name_en"`
	Categories []string `json:"categories"`
	Fuels      []string `json:"fuels"` // when set: excluded only if the new fuel is one of these
}

// Taxonomy is a version of the classification the library screens against.
// It is data (data/taxonomy.json), never code branches; ID names the version
// and its content hash.
type Taxonomy struct {
	ID           string      `json:"id"`
	Version      string      `json:"version"`
	Name         string      `json:"name"`
	Notes        string      `json:"notes"`
	ClimateTypes Section     `json:"climate_types"`
	Sectors      Section     `json:"sectors"`
	Catalogues   []Catalogue `json:"catalogues"`
	Crosswalk    struct {
		Source string `json:"source"`
		Items  []struct {
			From string   `json:"from"`
			To   []string `json:"to"`
		} `json:"items"`
	} `json:"crosswalk"`
	Lists      Section `json:"lists"`
	Documents  Section `json:"documents"`
	Categories struct {
		Source string     `json:"source"`
		Items  []Category `json:"items"`
	} `json:"categories"`
	Exclusions struct {
		Source string      `json:"source"`
		Items  []Exclusion `json:"items"`
	} `json:"exclusions"`
	TwoHigh struct {
		Source      string   `json:"source"`
		ReviewCount int      `json:"review_count"` // reviews a 两高 project needs
		Industries  []string `json:"industries"`   // GB/T 4754 code prefixes
	} `json:"two_high"`
}

//go:embed data/taxonomy.json
var taxonomyJSON []byte

// DefaultTaxonomy returns the embedded taxonomy. It panics if the data is
// malformed, which a test catches.
var DefaultTaxonomy = sync.OnceValue(func() *Taxonomy {
	t, err := ParseTaxonomy(taxonomyJSON)
	if err != nil {
		panic(err)
	}
	return t
})

// ParseTaxonomy reads and checks a taxonomy: every reference between its
// lists must resolve.
func ParseTaxonomy(data []byte) (*Taxonomy, error) {
	var t Taxonomy
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("taxonomy: %w", err)
	}
	sum := sha256.Sum256(data)
	t.ID = t.Version + "@" + hex.EncodeToString(sum[:6])
	if t.Version == "" || len(t.Catalogues) != 2 {
		return nil, fmt.Errorf("taxonomy: want a version and the 2021 and 2025 catalogues")
	}
	for _, c := range t.Categories.Items {
		if _, ok := find(t.Sectors.Items, c.Sector); !ok {
			return nil, fmt.Errorf("taxonomy: category %s: unknown sector %q", c.Code, c.Sector)
		}
		if _, ok := find(t.ClimateTypes.Items, c.ClimateType); !ok {
			return nil, fmt.Errorf("taxonomy: category %s: unknown climate type %q", c.Code, c.ClimateType)
		}
		if _, ok := t.Class("2021", c.Cat2021); c.Cat2021 != "" && !ok {
			return nil, fmt.Errorf("taxonomy: category %s: unknown 2021 class %q", c.Code, c.Cat2021)
		}
		if _, ok := t.Class("2025", c.Cat2025); c.Cat2025 != "" && !ok {
			return nil, fmt.Errorf("taxonomy: category %s: unknown 2025 class %q", c.Code, c.Cat2025)
		}
		if _, ok := find(t.Lists.Items, c.List); c.List != "" && !ok {
			return nil, fmt.Errorf("taxonomy: category %s: unknown list %q", c.Code, c.List)
		}
		if _, ok := methods[c.Method]; c.Method != "" && !ok {
			return nil, fmt.Errorf("taxonomy: category %s: unknown method %q", c.Code, c.Method)
		}
		for _, d := range c.Documents {
			if _, ok := find(t.Documents.Items, d); !ok {
				return nil, fmt.Errorf("taxonomy: category %s: unknown document kind %q", c.Code, d)
			}
		}
	}
	for _, e := range t.Exclusions.Items {
		for _, c := range e.Categories {
			if _, ok := t.Category(c); !ok {
				return nil, fmt.Errorf("taxonomy: exclusion %s: unknown category %q", e.Code, c)
			}
		}
	}
	for _, x := range t.Crosswalk.Items {
		if _, ok := t.Class("2021", x.From); !ok {
			return nil, fmt.Errorf("taxonomy: crosswalk: unknown 2021 class %q", x.From)
		}
		for _, to := range x.To {
			if _, ok := t.Class("2025", to); !ok {
				return nil, fmt.Errorf("taxonomy: crosswalk: unknown 2025 class %q", to)
			}
		}
	}
	if t.TwoHigh.ReviewCount < MinReviews {
		return nil, fmt.Errorf("taxonomy: two_high.review_count %d is below the minimum of %d reviews", t.TwoHigh.ReviewCount, MinReviews)
	}
	return &t, nil
}

func find(items []Term, code string) (Term, bool) {
	for _, t := range items {
		if t.Code == code {
			return t, true
		}
	}
	return Term{}, false
}

// Category returns the category with the code.
func (t *Taxonomy) Category(code string) (Category, bool) {
	for _, c := range t.Categories.Items {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Class returns a top-level class of the catalogue ("2021" or "2025").
func (t *Taxonomy) Class(catalogue, code string) (Term, bool) {
	for _, c := range t.Catalogues {
		if c.Code == catalogue {
			return find(c.Classes, code)
		}
	}
	return Term{}, false
}

// Successors returns the 2025 classes nearest to a 2021 class (crosswalk).
func (t *Taxonomy) Successors(class2021 string) []string {
	for _, x := range t.Crosswalk.Items {
		if x.From == class2021 {
			return x.To
		}
	}
	return nil
}

// ClimateType, Sector, List and Document look up their code lists.
func (t *Taxonomy) ClimateType(code string) (Term, bool) { return find(t.ClimateTypes.Items, code) }
func (t *Taxonomy) Sector(code string) (Term, bool)      { return find(t.Sectors.Items, code) }
func (t *Taxonomy) List(code string) (Term, bool)        { return find(t.Lists.Items, code) }
func (t *Taxonomy) Document(code string) (Term, bool)    { return find(t.Documents.Items, code) }

// Exclusion returns the exclusion rule a project of the category with the
// technical data falls under, if any.
func (t *Taxonomy) Exclusion(category string, technical map[string]string) (Exclusion, bool) {
	for _, e := range t.Exclusions.Items {
		for _, c := range e.Categories {
			if c != category {
				continue
			}
			if len(e.Fuels) == 0 {
				return e, true
			}
			for _, f := range e.Fuels {
				if technical["new_fuel"] == f {
					return e, true
				}
			}
		}
	}
	return Exclusion{}, false
}

// TwoHighIndustry reports whether a GB/T 4754 industry code is in a 两高
// industry (high energy consumption, high emission), which needs extra review.
func (t *Taxonomy) TwoHighIndustry(industry string) bool {
	for _, p := range t.TwoHigh.Industries {
		if industry != "" && strings.HasPrefix(industry, p) {
			return true
		}
	}
	return false
}
