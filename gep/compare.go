package gep

import (
	"context"
	"math"
	"strings"
	"time"
)

// LineDiff is one line of a comparison of two results: the line of A, the
// line of B, or both, matched by category, indicator, component and
// ecosystem type.
type LineDiff struct {
	Category  Category  `json:"category"`
	Indicator Indicator `json:"indicator"`
	Component string    `json:"component,omitempty"`
	Ecosystem Ecosystem `json:"ecosystem,omitempty"`
	Unit      string    `json:"unit"`
	QuantityA float64   `json:"quantity_a"`
	QuantityB float64   `json:"quantity_b"`
	PriceA    float64   `json:"price_a"`
	PriceB    float64   `json:"price_b"`
	ValueA    float64   `json:"value_a"`
	ValueB    float64   `json:"value_b"`
	Delta     float64   `json:"delta"` // ValueB − ValueA, 元
	// Status is "same", "changed", "added" (only in B) or "removed" (only in A).
	Status string `json:"status"`
}

// TotalDiff is a total (by indicator) in A and in B.
type TotalDiff struct {
	Key    string  `json:"key"`
	NameZH string  `json:"name_zh"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Delta  float64 `json:"delta"`
}

// Comparison is two results line by line. A and B are set by
// Service.Compare (zero from CompareResults).
type Comparison struct {
	A           RunSummary  `json:"a"`
	B           RunSummary  `json:"b"`
	Lines       []LineDiff  `json:"lines"`
	ByIndicator []TotalDiff `json:"by_indicator"`
	GEPA        float64     `json:"gep_a"`
	GEPB        float64     `json:"gep_b"`
	Delta       float64     `json:"delta"` // GEPB − GEPA, 元
	// ProfileChanged is true when the two ran under different profiles:
	// a change of a line may then be a change of method, not of nature.
	ProfileChanged bool `json:"profile_changed"`
	Changed        int  `json:"changed"` // lines not "same"
}

type lineKey struct {
	cat  Category
	ind  Indicator
	comp string
	eco  Ecosystem
}

// same reports whether two figures are equal to 1e-9 relative.
func same(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

// CompareResults compares two results line by line: lines of A in A's order
// (changed, same or removed), then the lines only B has. A line is "same"
// when its quantity, price and value agree to 1e-9 relative. ByIndicator
// lists the indicators of either in catalogue order.
func CompareResults(a, b Result) Comparison {
	c := Comparison{GEPA: a.GEP, GEPB: b.GEP, Delta: b.GEP - a.GEP, ProfileChanged: a.ProfileID != b.ProfileID}
	key := func(l Line) lineKey { return lineKey{l.Category, l.Indicator, l.Component, l.Ecosystem} }
	inB := map[lineKey]int{}
	for i, l := range b.Lines {
		inB[key(l)] = i
	}
	used := map[int]bool{}
	for _, l := range a.Lines {
		d := LineDiff{Category: l.Category, Indicator: l.Indicator, Component: l.Component, Ecosystem: l.Ecosystem, Unit: l.Unit,
			QuantityA: l.Quantity, PriceA: l.Price, ValueA: l.Value, Status: "removed"}
		if j, ok := inB[key(l)]; ok && !used[j] {
			used[j] = true
			m := b.Lines[j]
			d.QuantityB, d.PriceB, d.ValueB = m.Quantity, m.Price, m.Value
			d.Status = "changed"
			if same(l.Quantity, m.Quantity) && same(l.Price, m.Price) && same(l.Value, m.Value) && l.Unit == m.Unit {
				d.Status = "same"
			}
		}
		d.Delta = d.ValueB - d.ValueA
		c.Lines = append(c.Lines, d)
	}
	for j, m := range b.Lines {
		if used[j] {
			continue
		}
		c.Lines = append(c.Lines, LineDiff{Category: m.Category, Indicator: m.Indicator, Component: m.Component, Ecosystem: m.Ecosystem,
			Unit: m.Unit, QuantityB: m.Quantity, PriceB: m.Price, ValueB: m.Value, Delta: m.Value, Status: "added"})
	}
	for _, d := range c.Lines {
		if d.Status != "same" {
			c.Changed++
		}
	}
	ta, tb := map[string]float64{}, map[string]float64{}
	for _, t := range a.ByIndicator {
		ta[t.Key] = t.Value
	}
	for _, t := range b.ByIndicator {
		tb[t.Key] = t.Value
	}
	for _, info := range Indicators() {
		k := string(info.Code)
		va, okA := ta[k]
		vb, okB := tb[k]
		if okA || okB {
			c.ByIndicator = append(c.ByIndicator, TotalDiff{Key: k, NameZH: info.NameZH, A: va, B: vb, Delta: vb - va})
		}
	}
	return c
}

// AssetValue is the ecological-asset value (生态资产价值) of a region-year
// that green finance may take as the basis of an ecological credit loan
// (生态信用贷, GEP 贷): the GEP of the newest run of the region-year, with
// the run that made it, so that a loan file can cite the exact version,
// profile and inputs.
//
// It is kept apart from carbon-sink accounting. It comes only from GEP runs
// of a region, never from the registry's project-level carbon-sink credits
// (碳汇) or their trading. Carbon sequestration is one regulating service
// inside GEP, so a lender that also takes carbon-sink credits of the same
// land as collateral must not add both: CarbonSequestration shows that part
// so it can be netted out.
type AssetValue struct {
	Region    string `json:"region"`
	Name      string `json:"name"`
	Year      int    `json:"year"`
	RunID     int64  `json:"run_id"`
	Version   int    `json:"version"`
	ProfileID string `json:"profile_id"`
	// Value is the GEP, 元; Provisioning, Regulating and Cultural its parts.
	Value        float64 `json:"value"`
	Provisioning float64 `json:"provisioning"`
	Regulating   float64 `json:"regulating"`
	Cultural     float64 `json:"cultural"`
	// CarbonSequestration is the value of the carbon_sequestration lines
	// inside Value, 元 (see the type's comment).
	CarbonSequestration float64 `json:"carbon_sequestration"`
	// Within is the run's magnitude check; a lender should not rely on a
	// value outside the plausible band.
	Within bool `json:"within_band"`
	// Demo is true when the run used the built-in demo inputs: the value is
	// illustrative and must not back a loan.
	Demo      bool      `json:"demo"`
	Basis     string    `json:"basis"`
	RunAt     time.Time `json:"run_at"`
	InputNote string    `json:"input_source"`
}

// AssetValue returns the ecological-asset value of a region-year from its
// newest run (see the type). It fails with ENOTFOUND when the region-year
// has no run, and with EFORBIDDEN for citizens. Finance calls it; it reads
// no tenant data.
func (s *Service) AssetValue(ctx context.Context, region string, year int) (AssetValue, error) {
	r, err := s.Latest(ctx, region, year)
	if err != nil {
		return AssetValue{}, err
	}
	v := AssetValue{Region: r.Region, Name: r.Name, Year: r.Year, RunID: r.ID, Version: r.Version, ProfileID: r.ProfileID,
		Value: r.GEP, Provisioning: r.Provisioning, Regulating: r.Regulating, Cultural: r.Cultural, Within: r.Magnitude.Within,
		Demo: strings.Contains(r.InputSource, demoDataSources), RunAt: r.CreatedAt, InputNote: r.InputSource,
		Basis: "GEP (生态系统生产总值) of the newest accounting run; excludes registry carbon-sink credits (碳汇), which are accounted apart"}
	for _, l := range r.Lines {
		if l.Indicator == CarbonSequestration {
			v.CarbonSequestration += l.Value
		}
	}
	return v, nil
}
