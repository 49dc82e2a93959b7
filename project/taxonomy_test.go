package project

import (
	"bytes"
	"strings"
	"testing"
)

func TestTaxonomyIsVersionedData(t *testing.T) {
	tax := DefaultTaxonomy()
	if !strings.HasPrefix(tax.ID, tax.Version+"@") || len(tax.ID) != len(tax.Version)+13 {
		t.Errorf("ID %q does not name the version and content hash", tax.ID)
	}
	// The catalogues as the standards have them: six 2021 classes, nine 2025 ones.
	if n := len(tax.Catalogues[0].Classes); n != 6 {
		t.Errorf("2021 catalogue has %d classes", n)
	}
	if n := len(tax.Catalogues[1].Classes); n != 9 {
		t.Errorf("2025 catalogue has %d classes", n)
	}
	if len(tax.Sectors.Items) != 7 || len(tax.Lists.Items) != 3 || len(tax.ClimateTypes.Items) != 3 {
		t.Errorf("6+1 sectors, three lists, three climate types: %d %d %d", len(tax.Sectors.Items), len(tax.Lists.Items), len(tax.ClimateTypes.Items))
	}
	for _, s := range []Section{tax.ClimateTypes, tax.Sectors, tax.Lists, tax.Documents} {
		if s.Source == "" {
			t.Error("a section without its source")
		}
	}
	if !tax.TwoHighIndustry("3011") || !tax.TwoHighIndustry("4411") || tax.TwoHighIndustry("4416") || tax.TwoHighIndustry("") {
		t.Error("两高 industries by GB/T 4754 prefix")
	}
	if got := tax.Successors("1"); len(got) != 3 {
		t.Errorf("crosswalk of class 1: %v", got)
	}
	// A change is a new version.
	changed := bytes.Replace(taxonomyJSON, []byte(`"name_zh": "光伏发电"`), []byte(`"name_zh": "光伏发电项目"`), 1)
	t2, err := ParseTaxonomy(changed)
	if err != nil || t2.ID == tax.ID {
		t.Errorf("changed taxonomy: %v, ID %s", err, t2.ID)
	}
	// Broken references are refused, naming them.
	for _, c := range []struct{ from, to, want string }{
		{`"cat2025": "4", "list": "green", "method": "grid_renewable"`, `"cat2025": "12", "list": "green", "method": "grid_renewable"`, "unknown 2025 class"},
		{`"sector": "energy"`, `"sector": "space"`, "unknown sector"},
		{`"method": "forest"`, `"method": "magic"`, "unknown method"},
		{`"categories": ["coal_power"]`, `"categories": ["oil_power"]`, "unknown category"},
		{`"review_count": 3`, `"review_count": 1`, "below the minimum"},
	} {
		_, err := ParseTaxonomy(bytes.Replace(taxonomyJSON, []byte(c.from), []byte(c.to), 1))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: %v, want %q", c.from, c.to, err, c.want)
		}
	}
}

func TestParamsAndCriteria(t *testing.T) {
	p := DefaultParams()
	if len(p.Species) != 3 || p.Values["gwp_ch4"].Value != 28 || p.Values["gwp_ch4"].Source == "" {
		t.Errorf("params: %+v", p)
	}
	sum := 0.0
	for _, c := range Criteria() {
		sum += c.Max
	}
	if sum != 100 {
		t.Errorf("criteria add to %g", sum)
	}
	if _, err := Score(map[string]float64{"climate_benefit": 30, "compliance": 20, "feasibility": 20, "economics": 15, "co_benefits": 15, "charm": 5}); err == nil {
		t.Error("an unpublished criterion was accepted")
	}
	if total, err := Score(goodScores); err != nil || total != 80 {
		t.Errorf("score %g %v", total, err)
	}
}
