package gep

import (
	_ "embed"
	"fmt"
	"sync"

	"cifp/internal/datafile"
)

// Band is the plausible range of GEP per unit area, 万元 per km².
type Band struct {
	Reference  float64 `json:"reference"` // the reference value the band is built around
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
}

// MagnitudeCheck is the magnitude guard's verdict on a result.
type MagnitudeCheck struct {
	PerKm2 float64 `json:"per_km2"` // GEP per km² of land, 万元/km²
	Band   Band    `json:"band"`
	Within bool    `json:"within"`
	// Ratio is PerKm2 / Band.Reference.
	Ratio   float64 `json:"ratio"`
	Message string  `json:"message"`
}

//go:embed data/magnitude.csv
var magnitudeCSV []byte

var defaultBand = sync.OnceValues(func() (Band, error) {
	rows, err := datafile.Read(magnitudeCSV)
	if err != nil || len(rows) != 1 {
		return Band{}, fmt.Errorf("gep: magnitude.csv: want one row (%v)", err)
	}
	r := rows[0]
	var b Band
	for _, c := range []struct {
		col string
		v   *float64
	}{{"reference", &b.Reference}, {"low", &b.Low}, {"high", &b.High}} {
		if *c.v, err = datafile.NonNegative(r, c.col); err != nil {
			return Band{}, fmt.Errorf("gep: magnitude.csv: %w", err)
		}
	}
	if !(b.Low < b.Reference && b.Reference < b.High) {
		return Band{}, fmt.Errorf("gep: magnitude.csv: want low < reference < high")
	}
	b.Confidence, b.Source = r["confidence"], r["source"]
	return b, nil
})

// DefaultBand returns the embedded plausible band (data/magnitude.csv). It
// panics if the file is malformed, which a test catches.
func DefaultBand() Band {
	b, err := defaultBand()
	if err != nil {
		panic(err)
	}
	return b
}

// CheckMagnitude compares GEP (元) per km² of land with the default band. A
// result outside it is flagged, not refused: Account adds the message to the
// result's warnings. A zero area yields Within false.
func CheckMagnitude(gepYuan, areaKm2 float64) MagnitudeCheck {
	b := DefaultBand()
	m := MagnitudeCheck{Band: b}
	if areaKm2 <= 0 {
		m.Message = "magnitude: no land area to compare with"
		return m
	}
	m.PerKm2 = gepYuan / Wan / areaKm2
	m.Ratio = m.PerKm2 / b.Reference
	m.Within = m.PerKm2 >= b.Low && m.PerKm2 <= b.High
	if m.Within {
		m.Message = fmt.Sprintf("magnitude: %.0f 万元/km² is within the plausible band %.0f–%.0f 万元/km²", m.PerKm2, b.Low, b.High)
	} else {
		m.Message = fmt.Sprintf("magnitude: %.0f 万元/km² is outside the plausible band %.0f–%.0f 万元/km² (%.2f× the reference %.0f): check units and inputs",
			m.PerKm2, b.Low, b.High, m.Ratio, b.Reference)
	}
	return m
}
