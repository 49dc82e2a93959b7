package cockpit

import (
	_ "embed"
	"fmt"
	"strconv"

	"cifp/carbon"
	"cifp/finance"
	"cifp/internal/datafile"
)

// Meta is what a panel's figures rest on, shown on hover: the definition,
// the statistical scope, the data date, the data quality and the source,
// each in Chinese and in English, and the filters the panel honours (the
// others do not apply to it).
type Meta struct {
	Definition   string   `json:"definition"`
	DefinitionEN string   `json:"definition_en"`
	Scope        string   `json:"scope"`
	ScopeEN      string   `json:"scope_en"`
	AsOf         string   `json:"as_of"`
	AsOfEN       string   `json:"as_of_en"`
	Quality      string   `json:"quality"`
	QualityEN    string   `json:"quality_en"`
	Source       string   `json:"source"`
	SourceEN     string   `json:"source_en"`
	Filters      []string `json:"filters"`
}

// In is the meta in the language ("zh" or "en"): for English, the English
// texts in the Chinese fields, each falling back to the Chinese where it has
// none.
func (m Meta) In(lang string) Meta {
	if lang != "en" {
		return m
	}
	pick := func(en, zh string) string {
		if en != "" {
			return en
		}
		return zh
	}
	m.Definition = pick(m.DefinitionEN, m.Definition)
	m.Scope = pick(m.ScopeEN, m.Scope)
	m.AsOf = pick(m.AsOfEN, m.AsOf)
	m.Quality = pick(m.QualityEN, m.Quality)
	m.Source = pick(m.SourceEN, m.Source)
	return m
}

// metaCSV is the panels' notes: the platform's own wording of each panel's
// definition, scope, quality and source, in both languages.
//
//go:embed meta.csv
var metaCSV []byte

// text is a note in both languages.
type text struct{ zh, en string }

// noteFields are the fields a row of meta.csv may give.
var noteFields = map[string]bool{"definition": true, "scope": true, "as_of": true, "quality": true, "quality_none": true, "source": true}

// parseNotes reads meta.csv: by key, by field, the texts.
func parseNotes(data []byte) (map[string]map[string]text, error) {
	rows, err := datafile.Read(data)
	if err != nil {
		return nil, fmt.Errorf("cockpit/meta.csv: %w", err)
	}
	out := map[string]map[string]text{}
	for i, r := range rows {
		key, field := r["key"], r["field"]
		if key == "" || !noteFields[field] || r["zh"] == "" || r["en"] == "" {
			return nil, fmt.Errorf("cockpit/meta.csv row %d: a key, a field of %v and both the zh and the en text are required", i+1, noteFields)
		}
		if out[key] == nil {
			out[key] = map[string]text{}
		}
		if _, dup := out[key][field]; dup {
			return nil, fmt.Errorf("cockpit/meta.csv row %d: %s %s twice", i+1, key, field)
		}
		out[key][field] = text{zh: r["zh"], en: r["en"]}
	}
	return out, nil
}

// notes are meta.csv's texts.
var notes = func() map[string]map[string]text {
	n, err := parseNotes(metaCSV)
	if err != nil {
		panic(err)
	}
	return n
}()

// note is the key's text of the field, a format filled with args.
func note(key, field string, args ...any) text {
	t := notes[key][field]
	if len(args) == 0 {
		return t
	}
	return text{zh: fmt.Sprintf(t.zh, args...), en: fmt.Sprintf(t.en, args...)}
}

// panelMeta is the key's meta from meta.csv: the definition, scope,
// quality and source in both languages; the data date asOf unless the
// file gives one (实时). args fill the quality's format.
func panelMeta(key, asOf string, filters []string, args ...any) Meta {
	def, scope, q, src := note(key, "definition"), note(key, "scope"), note(key, "quality", args...), note(key, "source")
	m := Meta{Definition: def.zh, DefinitionEN: def.en, Scope: scope.zh, ScopeEN: scope.en, AsOf: asOf, AsOfEN: asOf,
		Quality: q.zh, QualityEN: q.en, Source: src.zh, SourceEN: src.en, Filters: filters}
	if a, ok := notes[key]["as_of"]; ok {
		m.AsOf, m.AsOfEN = a.zh, a.en
	}
	return m
}

// indicatorMeta is the meta of a finance indicator's figure: its own
// definitions and source (a citation, the same in both languages).
func indicatorMeta(in finance.Indicator, scope, asOf string, quality text, filters []string) Meta {
	return Meta{Definition: in.DefinitionZH, DefinitionEN: in.DefinitionEN, Scope: scope, ScopeEN: scope, AsOf: asOf, AsOfEN: asOf,
		Quality: quality.zh, QualityEN: quality.en, Source: in.Source, SourceEN: in.Source, Filters: filters}
}

// creditMeta is the green-credit panel's meta, by indicator code: each
// finance indicator's definition, the month's scope, and how many
// institutions reported.
func creditMeta(total finance.Row, reporting int, month string) map[string]Meta {
	q := note("credit", "quality", reporting, month)
	if !total.Comparable {
		q.zh += "；" + total.Note
		q.en += "; " + total.Note
	}
	out := map[string]Meta{}
	for _, in := range finance.DefaultReference().Indicators {
		out[in.Code] = indicatorMeta(in, total.Scope, month, q, []string{"month", "county", "class", "institution"})
	}
	return out
}

// mapFinanceIndicator is the finance indicator whose definition a loan
// indicator of the map shows.
var mapFinanceIndicator = map[string]string{"green_balance": "green_loan_balance", "green_share": "green_loan_share",
	"green_growth": "green_loan_growth", "climate_balance": "climate_financing_balance"}

// mapMeta is the map's meta for the indicator: the loans' of the month,
// the projects' live, the accounts' of the year (d their distribution).
func mapMeta(indicator string, f Filter, d carbon.Distribution) Meta {
	key := "map." + indicator
	if code, ok := mapFinanceIndicator[indicator]; ok {
		m := panelMeta(key, f.Month, []string{"month", "class", "institution"})
		if in, ok := finance.DefaultReference().Indicator(code); ok {
			m.Definition, m.DefinitionEN = in.DefinitionZH, in.DefinitionEN
		}
		return m
	}
	if indicator == "accounts" || indicator == "emissions" {
		return accountsMeta(key, f.Year, []string{"year", "grade"}, d)
	}
	return panelMeta(key, "", nil)
}

// accountsMeta is the meta of a panel of carbon accounts: its quality is
// how many accounts are metered, reported and estimated.
func accountsMeta(key string, year int, filters []string, d carbon.Distribution) Meta {
	if d.Accounts == 0 {
		m := panelMeta(key, strconv.Itoa(year), filters)
		q := note(key, "quality_none")
		m.Quality, m.QualityEN = q.zh, q.en
		return m
	}
	return panelMeta(key, strconv.Itoa(year), filters, d.Accounts, d.Quality[carbon.Metered], d.Quality[carbon.Reported], d.Quality[carbon.Estimated])
}
