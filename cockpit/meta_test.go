package cockpit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"cifp/carbon"
	"cifp/finance"
)

// panelKeys are meta.csv's keys: every panel, and the map by indicator.
func panelKeys() []string {
	keys := []string{"credit", "trend", "breakdown", "carbon", "pipeline", "matching", "warnings", "loop", "enterprise"}
	for _, in := range MapIndicators {
		keys = append(keys, "map."+in)
	}
	return keys
}

// TestMetaFile checks meta.csv: every panel and map indicator has its
// definition (or takes the finance indicator's), quality and source in
// both languages, and no key is unknown.
func TestMetaFile(t *testing.T) {
	keys := panelKeys()
	for key := range notes {
		if !slices.Contains(keys, key) {
			t.Errorf("meta.csv: key %q is no panel's", key)
		}
	}
	for _, key := range keys {
		n := notes[key]
		fields := []string{"quality"}
		if _, fromFinance := mapFinanceIndicator[strings.TrimPrefix(key, "map.")]; key != "credit" && !(strings.HasPrefix(key, "map.") && fromFinance) {
			fields = append(fields, "definition")
		}
		if key != "credit" {
			fields = append(fields, "source")
		}
		for _, field := range fields {
			if n[field].zh == "" || n[field].en == "" {
				t.Errorf("meta.csv: %s has no %s in both languages: %+v", key, field, n[field])
			}
		}
		if key == "credit" && (n["definition"] != text{} || n["source"] != text{}) {
			t.Errorf("meta.csv: the credit panel's definitions and sources are the finance indicators'")
		}
	}
	for in, code := range mapFinanceIndicator {
		if _, ok := notes["map."+in]["definition"]; ok {
			t.Errorf("meta.csv: map.%s has a definition, but the map shows %s's", in, code)
		}
	}
	for _, in := range finance.DefaultReference().Indicators {
		if in.DefinitionZH == "" || in.DefinitionEN == "" || in.Source == "" {
			t.Errorf("finance indicator %s has no definition in both languages or no source", in.Code)
		}
	}
}

// TestMetaBilingual builds each panel's meta as the panels do and checks
// that it has the definition, quality and source in both languages, that
// a format was filled, and that the JSON has the English fields.
func TestMetaBilingual(t *testing.T) {
	f := Filter{Month: "2025-12", Year: 2025}
	d := carbon.Distribution{Accounts: 7, Quality: map[carbon.Quality]int{carbon.Metered: 2, carbon.Reported: 4, carbon.Estimated: 1}}
	metas := map[string]Meta{
		"trend":          panelMeta("trend", "2025-01—2025-12", nil),
		"breakdown":      panelMeta("breakdown", f.Month, nil),
		"carbon":         accountsMeta("carbon", f.Year, nil, d),
		"carbon (none)":  accountsMeta("carbon", f.Year, nil, carbon.Distribution{}),
		"pipeline":       panelMeta("pipeline", "", nil),
		"matching":       panelMeta("matching", "", nil),
		"warnings":       panelMeta("warnings", "2025", nil),
		"loop":           panelMeta("loop", "2025", nil, 12, 5),
		"enterprise":     panelMeta("enterprise", "", nil),
		"map.accounts 0": mapMeta("accounts", f, carbon.Distribution{}),
	}
	for code, m := range creditMeta(finance.Row{Scope: "pboc-2019-green-loan", Comparable: false, Note: "no statistics for 2024-12"}, 3, f.Month) {
		metas["credit."+code] = m
	}
	for _, in := range MapIndicators {
		metas["map."+in] = mapMeta(in, f, d)
	}
	for name, m := range metas {
		for _, p := range [][3]string{{"definition", m.Definition, m.DefinitionEN}, {"quality", m.Quality, m.QualityEN},
			{"source", m.Source, m.SourceEN}, {"as_of", m.AsOf, m.AsOfEN}} {
			if (p[1] == "") != (p[2] == "") || (p[0] != "as_of" && p[1] == "") {
				t.Errorf("%s: %s zh %q, en %q", name, p[0], p[1], p[2])
			}
			if strings.Contains(p[1]+p[2], "%!") {
				t.Errorf("%s: %s badly formatted: %q / %q", name, p[0], p[1], p[2])
			}
		}
		if m.Scope != "" && m.ScopeEN == "" {
			t.Errorf("%s: scope %q has no English", name, m.Scope)
		}
		if en := m.In("en"); en.Definition != m.DefinitionEN || en.Quality != m.QualityEN || m.In("zh").Definition != m.Definition {
			t.Errorf("%s: In picks the wrong language: %+v", name, en)
		}
	}
	// The formats were filled, each language with its own order.
	if m := metas["loop"]; m.Quality != "12 个项目中 5 个有放款前后两年的碳账户" || !strings.HasPrefix(m.QualityEN, "5 of 12 projects") {
		t.Errorf("loop quality %q / %q", m.Quality, m.QualityEN)
	}
	if m := metas["carbon"]; m.Quality != "7 户：计量 2、报送 4、估算 1" || m.QualityEN != "7 accounts: 2 metered, 4 reported, 1 estimated" {
		t.Errorf("carbon quality %q / %q", m.Quality, m.QualityEN)
	}
	if m := metas["carbon (none)"]; m.Quality != "无碳账户" || m.QualityEN != "No carbon accounts" {
		t.Errorf("carbon quality without accounts %q / %q", m.Quality, m.QualityEN)
	}
	if m := metas["credit.green_loan_balance"]; m.Quality != "3 家机构报送 2025-12 月末逐笔贷款数据；no statistics for 2024-12" ||
		!strings.Contains(m.QualityEN, "2025-12") || !strings.HasSuffix(m.QualityEN, "; no statistics for 2024-12") || m.Scope != "pboc-2019-green-loan" {
		t.Errorf("credit meta %+v", m)
	}
	if m := metas["map.green_share"]; !strings.Contains(m.Definition, "占各项贷款余额的比重") || !strings.Contains(m.DefinitionEN, "all-loan balance") {
		t.Errorf("the map's share takes the finance indicator's definitions: %+v", m)
	}
	if m := metas["pipeline"]; m.AsOf != "实时" || m.AsOfEN != "live" {
		t.Errorf("pipeline's data date %q / %q", m.AsOf, m.AsOfEN)
	}
	b, _ := json.Marshal(metas["carbon"])
	for _, field := range []string{`"definition":`, `"definition_en":`, `"scope_en":`, `"quality_en":`, `"source_en":`, `"as_of_en":`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("the JSON has no %s: %s", field, b)
		}
	}
}

func TestParseNotes(t *testing.T) {
	for _, bad := range []string{
		"key,field,zh,en\ntrend,definition,定义,\n",               // no English
		"key,field,zh,en\ntrend,colour,红,red\n",                 // unknown field
		"key,field,zh,en\ntrend,source,甲,A\ntrend,source,乙,B\n", // twice
	} {
		if _, err := parseNotes([]byte(bad)); err == nil {
			t.Errorf("parseNotes accepted %q", bad)
		}
	}
}
