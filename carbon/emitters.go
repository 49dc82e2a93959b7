package carbon

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sync"

	"cifp"
)

//go:embed data/key-emitters.csv
var keyEmittersCSV []byte

// Threshold is a rule that makes an enterprise a key emitter (重点排放单位)
// or key energy user (重点用能单位).
type Threshold struct {
	Code       string  `json:"code"`
	NameZH     string  `json:"name_zh"`
	Measure    string  `json:"measure"` // total_tco2 or energy_tce
	Value      float64 `json:"threshold"`
	Unit       string  `json:"unit"`
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
}

// Thresholds returns the rules of data/key-emitters.csv.
var Thresholds = sync.OnceValue(func() []Threshold {
	rows, err := readTable(keyEmittersCSV, []string{"code", "name_zh", "measure", "threshold", "unit", "confidence", "source"})
	if err != nil {
		panic(fmt.Sprintf("carbon: data/key-emitters.csv: %v", err))
	}
	var out []Threshold
	for _, r := range rows {
		t := Threshold{Code: r.get("code"), NameZH: r.get("name_zh"), Measure: r.get("measure"), Unit: r.get("unit"),
			Confidence: r.get("confidence"), Source: r.get("source")}
		if t.Value, err = r.float("threshold"); err != nil {
			panic(fmt.Sprintf("carbon: data/key-emitters.csv: %v", err))
		}
		if t.Measure != "total_tco2" && t.Measure != "energy_tce" {
			panic(fmt.Sprintf("carbon: data/key-emitters.csv: unknown measure %q", t.Measure))
		}
		out = append(out, t)
	}
	return out
})

// Meets returns the codes of the thresholds an annual account meets.
func Meets(a Account) []string {
	var out []string
	for _, t := range Thresholds() {
		v := a.Total
		if t.Measure == "energy_tce" {
			v = a.EnergyTCE
		}
		if v >= t.Value {
			out = append(out, t.Code)
		}
	}
	return out
}

// KeyEmitter is an enterprise on the key-emitters list for a year.
type KeyEmitter struct {
	StoredAccount
	Rules []string `json:"rules"` // threshold codes met
}

// KeyEmitterList is the regulator's list for a year and how much of it has
// a current, verified account.
type KeyEmitterList struct {
	Year     int          `json:"year"`
	Emitters []KeyEmitter `json:"emitters"`
	Verified int          `json:"verified"`
	Share    float64      `json:"verified_share"` // Verified / len(Emitters), 0 for none
}

// KeyEmitters lists the enterprises whose account of the year meets a
// threshold, largest emitters first. Admins and regulators only.
func (s *Service) KeyEmitters(ctx context.Context, year int) (KeyEmitterList, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return KeyEmitterList{}, err
	}
	if !a.Role.CityWide() {
		return KeyEmitterList{}, cifp.Errorf(cifp.EFORBIDDEN, "the key-emitters list is for regulators")
	}
	min, minTCE := math.Inf(1), math.Inf(1)
	for _, t := range Thresholds() {
		if t.Measure == "total_tco2" && t.Value < min {
			min = t.Value
		}
		if t.Measure == "energy_tce" && t.Value < minTCE {
			minTCE = t.Value
		}
	}
	rows, err := s.db.Query(ctx, `SELECT `+accountColumns+` FROM accounts a JOIN orgs o ON o.id = a.org_id
		WHERE a.year = ? AND (a.total >= ? OR a.energy_tce >= ?) ORDER BY a.total DESC`, year, min, minTCE)
	if err != nil {
		return KeyEmitterList{}, err
	}
	defer rows.Close()
	list := KeyEmitterList{Year: year, Emitters: []KeyEmitter{}}
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return KeyEmitterList{}, err
		}
		acc.Lines, acc.Factors, acc.Months = nil, nil, nil
		if rules := Meets(acc.Account); len(rules) > 0 {
			list.Emitters = append(list.Emitters, KeyEmitter{StoredAccount: acc, Rules: rules})
			if acc.Verified {
				list.Verified++
			}
		}
	}
	if n := len(list.Emitters); n > 0 {
		list.Share = float64(list.Verified) / float64(n)
	}
	return list, rows.Err()
}
