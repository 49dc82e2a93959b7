package demo

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/org"
	"cifp/store"
)

// ActivityOptions say which activity data WriteActivity generates.
type ActivityOptions struct {
	Seed int64
	// Years are the years of data, e.g. []int{2025}, in any order. Every
	// year but the last is whole.
	Years []int
	// Months is how many months of the last year to include, 1–12 (the year
	// to date); 0 means 12, the whole year.
	Months int
}

// activityOptions returns the generator's options for Load's activity
// years, and the years sorted: every month of a past year, the whole months
// of the current one. A year that has not begun, or the current year in its
// first month, is EINVALID.
func activityOptions(o Options, now time.Time) (ActivityOptions, []int, error) {
	if len(o.ActivityYears) == 0 {
		return ActivityOptions{}, nil, nil
	}
	ao := ActivityOptions{Seed: o.Seed, Years: o.ActivityYears}
	years, _, err := activityPeriods(ao)
	if err != nil {
		return ActivityOptions{}, nil, err
	}
	last := years[len(years)-1]
	switch {
	case last > now.Year() || last == now.Year() && now.Month() == time.January:
		msg := "has no whole month yet"
		return ActivityOptions{}, nil, cifp.Invalid("invalid demo options: activity year "+strconv.Itoa(last)+" "+msg,
			cifp.FieldError{Field: "activity_years", Value: strconv.Itoa(last), Message: msg})
	case last == now.Year():
		ao.Months = int(now.Month()) - 1
	}
	return ao, years, nil
}

// loadActivity imports the enterprises' activity data for o.ActivityYears
// as one batch, streaming the generated file through a pipe, and computes
// the accounts of those years.
func loadActivity(ctx context.Context, db *store.DB, ents []org.Org, o Options, res *Result) error {
	ao, years, err := activityOptions(o, time.Now())
	if err != nil {
		return err
	}
	progress := func(stage string, done, total int) {
		if o.ActivityProgress != nil {
			o.ActivityProgress(stage, done, total)
		}
	}
	svc := carbon.NewService(db, org.NewService(db))
	pr, pw := io.Pipe()
	type written struct {
		rows int
		err  error
	}
	wrote := make(chan written, 1)
	go func() {
		n, err := writeActivity(pw, ents, ao, func(done int) { progress("activity", done, len(ents)) })
		if err == nil {
			progress("store", 0, n)
		}
		pw.CloseWithError(err)
		wrote <- written{n, err}
	}()
	imp, err := svc.ImportActivity(ctx, pr, "csv", carbon.ImportOptions{Source: "import",
		Filename: fmt.Sprintf("demo-activity-%d.csv", o.Seed), SkipRecompute: true})
	pr.CloseWithError(errors.New("the import has stopped reading")) // unblocks the writer if it stopped early
	w := <-wrote
	if err == nil {
		err = w.err
	}
	if err != nil {
		return fmt.Errorf("demo: the organisations are loaded, but not their activity data: %w", err)
	}
	res.ActivityRows = imp.Rows
	progress("store", imp.Rows, imp.Rows)
	progress("accounts", 0, len(ents))
	n, err := svc.Recompute(ctx, years...)
	if err != nil {
		return fmt.Errorf("demo: the organisations and activity data are loaded, but not the accounts: %w", err)
	}
	res.Accounts = n
	progress("accounts", n, n)
	return nil
}

// Enterprises returns the enterprises Load creates for the seed and number,
// in order and without ids: what WriteActivity takes. A pure function.
func Enterprises(seed int64, n int) []org.Org {
	d := generate(seed, n)
	return d.orgs[d.inst:]
}

// WriteActivity writes a CSV file of monthly activity data (header
// carbon.ActivityHeader) for the enterprises to w and returns the number of
// data rows. Organisations that are not enterprises are skipped.
//
// Each enterprise gets, per month, its energy use in natural units — purchased
// electricity in kWh or MWh, coal in t, natural gas in m3 or 万Nm3, diesel and
// LPG in t (kg for small users), purchased heat in GJ; rooftop PV (自发自用)
// for about one in ten;
// generation and exports for power and heat plants — with a seasonal swing of
// at most ±15%, and per year its value added and output value (万元, period
// YYYY; for a partial last year, those of the months included). The mix and
// the carbon intensity (tCO2 per 万元 of value added) follow a profile of its
// GB/T 4754 class or division: cement 4–10, papermaking 2–4, ceramics and
// chemicals 1–3, pharmaceuticals and semiconductors 0.3–0.8, machinery
// 0.2–0.6, toys and stone carving 0.1–0.3, and so on, spread log-normally
// with a few leaders and laggards so that every grade occurs. Firm size is
// log-normal.
//
// It is a pure function of its inputs: an enterprise's rows depend only on
// the seed, its USCC, industry and division, and the years, not on the other
// enterprises; the same inputs give byte-identical output.
func WriteActivity(w io.Writer, enterprises []org.Org, o ActivityOptions) (int, error) {
	return writeActivity(w, enterprises, o, nil)
}

// writeActivity is WriteActivity calling progress (when not nil) with the
// number of organisations done after each batch of them, and at the end.
func writeActivity(w io.Writer, enterprises []org.Org, o ActivityOptions, progress func(done int)) (int, error) {
	years, months, err := activityPeriods(o)
	if err != nil {
		return 0, err
	}
	g := activityGen{fs: carbon.DefaultFactors(), seed: o.Seed, years: years, months: months, grid: map[[2]int]float64{}}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(carbon.ActivityHeader + "\n")
	n := 0
	for i := range enterprises {
		e := &enterprises[i]
		if e.Kind == org.KindEnterprise {
			n += g.enterprise(bw, e)
		}
		if progress != nil && (i+1)%500 == 0 {
			progress(i + 1)
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("demo: write activity: %w", err)
	}
	if progress != nil {
		progress(len(enterprises))
	}
	return n, nil
}

// activityPeriods checks the options and returns the sorted distinct years
// and the months of the last one.
func activityPeriods(o ActivityOptions) ([]int, int, error) {
	var fe []cifp.FieldError
	years := slices.Clone(o.Years)
	slices.Sort(years)
	years = slices.Compact(years)
	if len(years) == 0 {
		fe = append(fe, cifp.FieldError{Field: "years", Message: "give at least one year"})
	}
	for _, y := range years {
		if y < 2000 || y > 2999 {
			fe = append(fe, cifp.FieldError{Field: "years", Value: strconv.Itoa(y), Message: "must be a year from 2000"})
		}
	}
	months := o.Months
	if months == 0 {
		months = 12
	}
	if months < 1 || months > 12 {
		fe = append(fe, cifp.FieldError{Field: "months", Value: strconv.Itoa(o.Months), Message: "must be between 1 and 12"})
	}
	if len(fe) > 0 {
		return nil, 0, cifp.Invalid("invalid activity options", fe...)
	}
	return years, months, nil
}

// Seasonal shapes: a month's share of an item's year, relative to the mean
// (normalised to 1). Each stays within ±11%, so that with the monthly noise
// (±2.5%) no month is more than 15% off the year's mean.
var (
	// production: the Spring Festival dip, a busy year end.
	seasonProduction = normalised(0.97, 0.88, 1.00, 1.02, 1.02, 1.01, 0.98, 0.98, 1.02, 1.03, 1.04, 1.06)
	// cooling: electricity, with air conditioning in summer and some heating in winter.
	seasonCooling = normalised(1.03, 0.89, 0.96, 0.95, 0.99, 1.05, 1.11, 1.12, 1.03, 0.96, 0.95, 1.01)
	// heating: gas and heat, highest in winter.
	seasonHeating = normalised(1.12, 1.00, 1.04, 0.97, 0.93, 0.90, 0.89, 0.89, 0.93, 1.00, 1.07, 1.12)
	// spring: tea, made from March to May.
	seasonSpring = normalised(0.89, 0.88, 1.11, 1.12, 1.10, 1.02, 0.96, 0.94, 0.98, 1.03, 0.98, 0.92)
	// wet: hydropower, in the plum-rain and flood season.
	seasonWet = normalised(0.89, 0.90, 1.00, 1.07, 1.12, 1.12, 1.06, 0.98, 0.95, 0.93, 0.89, 0.88)
	// dry: grid power bought by hydro and solar plants, more in the dry winter.
	seasonDry = normalised(1.11, 1.09, 1.00, 0.94, 0.89, 0.88, 0.93, 1.00, 1.03, 1.05, 1.09, 1.11)
	// sun: solar generation.
	seasonSun = normalised(0.88, 0.89, 0.95, 1.02, 1.07, 1.08, 1.12, 1.12, 1.05, 0.98, 0.92, 0.88)
)

// normalised returns the twelve monthly values divided by their mean, each
// within ±11% of it.
func normalised(v ...float64) [12]float64 {
	var out [12]float64
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	for i := range out {
		out[i] = 1 + min(0.11, max(-0.11, v[i]*12/sum-1))
	}
	return out
}

// mixItem is an energy item of a profile and its share of the gross emissions.
type mixItem struct {
	item   string
	share  float64
	season *[12]float64
}

// Profile kinds.
const (
	kindPlain     = iota // E = L × VA, split among the mix
	kindPower            // coal-fired plant: fuel for exported electricity and heat
	kindRenewable        // hydro, solar: grid power partly offset by its own
)

// profile is the energy use of an industry.
type profile struct {
	kind    int
	lo, hi  float64 // intended range of L (tCO2/万元); gross of own renewable power for kindRenewable
	va      float64 // median annual value added, 万元
	vaSigma float64 // log-normal spread of firm size
	vaRate  float64 // value added / output value
	mix     []mixItem
	// kindPower: efficiencies of the plant, fuel to exported electricity and
	// to exported heat (ranges), and the share of value added from heat.
	elecEff, heatEff [2]float64
	heatVA           float64
	// kindRenewable: own zero-carbon power used, as a share of grid power.
	selfShare [2]float64
}

// Items, for brevity.
const (
	itElec = carbon.ItemElectricity
	itHeat = carbon.ItemHeat
	itSelf = carbon.ItemSelfRenewable
	itExpE = carbon.ItemExportedElectricity
	itExpH = carbon.ItemExportedHeat
	itCoal = "raw_coal"
	itGas  = "natural_gas"
	itDsl  = "diesel"
	itLPG  = "lpg"
)

func elec(share float64) mixItem { return mixItem{itElec, share, &seasonCooling} }
func gas(share float64) mixItem  { return mixItem{itGas, share, &seasonHeating} }
func heat(share float64) mixItem { return mixItem{itHeat, share, &seasonHeating} }
func coal(share float64) mixItem { return mixItem{itCoal, share, &seasonProduction} }
func dsl(share float64) mixItem  { return mixItem{itDsl, share, &seasonProduction} }
func lpg(share float64) mixItem  { return mixItem{itLPG, share, &seasonProduction} }

// profiles are keyed by GB/T 4754 class (4 digits) or division (2 digits);
// a class's own profile wins over its division's.
var profiles = map[string]*profile{
	// Non-metallic minerals: cement (coal kilns), building and art ceramics (gas kilns).
	"3011": {lo: 4, hi: 10, va: 6000, vaSigma: 0.6, vaRate: 0.28, mix: []mixItem{coal(0.70), elec(0.27), dsl(0.03)}},
	"3071": {lo: 1, hi: 3, va: 2500, vaSigma: 0.6, vaRate: 0.25, mix: []mixItem{gas(0.62), elec(0.38)}},
	"3074": {lo: 1, hi: 3, va: 250, vaSigma: 0.8, vaRate: 0.35, mix: []mixItem{gas(0.55), elec(0.40), lpg(0.05)}},
	"3075": {lo: 1, hi: 3, va: 120, vaSigma: 0.8, vaRate: 0.40, mix: []mixItem{gas(0.50), elec(0.40), lpg(0.10)}},
	// Papermaking: coal boilers, electricity and steam.
	"2221": {lo: 2, hi: 4, va: 2000, vaSigma: 0.7, vaRate: 0.22, mix: []mixItem{coal(0.45), elec(0.35), heat(0.20)}},
	// Chemicals and synthetic resins.
	"26": {lo: 1, hi: 3, va: 3000, vaSigma: 0.8, vaRate: 0.22, mix: []mixItem{gas(0.35), elec(0.40), heat(0.25)}},
	// Pharmaceuticals.
	"27": {lo: 0.3, hi: 0.8, va: 3000, vaSigma: 0.9, vaRate: 0.35, mix: []mixItem{elec(0.50), gas(0.30), heat(0.20)}},
	// Stainless-steel pipes and other steel rolling: electricity and gas furnaces.
	"3130": {lo: 0.5, hi: 1.5, va: 2000, vaSigma: 0.8, vaRate: 0.18, mix: []mixItem{elec(0.55), gas(0.45)}},
	// Metal products, machinery, valves, bearings, auto parts.
	"33":   {lo: 0.2, hi: 0.6, va: 600, vaSigma: 0.9, vaRate: 0.25, mix: []mixItem{elec(0.72), gas(0.22), dsl(0.06)}},
	"34":   {lo: 0.2, hi: 0.6, va: 800, vaSigma: 0.9, vaRate: 0.25, mix: []mixItem{elec(0.72), gas(0.22), dsl(0.06)}},
	"35":   {lo: 0.2, hi: 0.6, va: 800, vaSigma: 0.9, vaRate: 0.25, mix: []mixItem{elec(0.75), gas(0.20), dsl(0.05)}},
	"36":   {lo: 0.2, hi: 0.6, va: 1000, vaSigma: 0.9, vaRate: 0.22, mix: []mixItem{elec(0.75), gas(0.20), dsl(0.05)}},
	"3324": {lo: 0.2, hi: 0.6, va: 150, vaSigma: 0.8, vaRate: 0.40, mix: []mixItem{elec(0.65), lpg(0.35)}}, // swords: forging furnaces
	// Electrical equipment: cables, PV equipment, lithium batteries.
	"38":   {lo: 0.2, hi: 0.6, va: 1500, vaSigma: 0.9, vaRate: 0.22, mix: []mixItem{elec(0.80), gas(0.20)}},
	"3825": {lo: 0.3, hi: 0.8, va: 2000, vaSigma: 0.9, vaRate: 0.22, mix: []mixItem{elec(0.90), gas(0.10)}},
	"3841": {lo: 0.3, hi: 0.8, va: 3000, vaSigma: 0.9, vaRate: 0.22, mix: []mixItem{elec(0.80), gas(0.20)}},
	// Electronics; semiconductors and integrated circuits.
	"39":   {lo: 0.2, hi: 0.6, va: 1500, vaSigma: 0.9, vaRate: 0.28, mix: []mixItem{elec(0.90), gas(0.10)}},
	"3972": {lo: 0.3, hi: 0.8, va: 6000, vaSigma: 0.9, vaRate: 0.35, mix: []mixItem{elec(0.88), gas(0.12)}},
	"3973": {lo: 0.3, hi: 0.8, va: 6000, vaSigma: 0.9, vaRate: 0.38, mix: []mixItem{elec(0.90), gas(0.10)}},
	// Crafts: wooden toys, stone carving.
	"2459": {lo: 0.1, hi: 0.3, va: 150, vaSigma: 0.8, vaRate: 0.30, mix: []mixItem{elec(0.95), dsl(0.05)}},
	"2431": {lo: 0.1, hi: 0.3, va: 120, vaSigma: 0.8, vaRate: 0.40, mix: []mixItem{elec(0.95), dsl(0.05)}},
	// Garments and shoes: sewing lines, ironing steam.
	"18": {lo: 0.1, hi: 0.35, va: 400, vaSigma: 0.8, vaRate: 0.25, mix: []mixItem{elec(0.85), gas(0.15)}},
	"19": {lo: 0.1, hi: 0.35, va: 400, vaSigma: 0.8, vaRate: 0.25, mix: []mixItem{elec(0.85), gas(0.15)}},
	// Wood and bamboo; furniture.
	"20": {lo: 0.2, hi: 0.6, va: 300, vaSigma: 0.8, vaRate: 0.28, mix: []mixItem{elec(0.85), dsl(0.15)}},
	"21": {lo: 0.1, hi: 0.4, va: 500, vaSigma: 0.8, vaRate: 0.25, mix: []mixItem{elec(0.90), gas(0.10)}},
	// Tea processing (spring), liquor (steam).
	"1530": {lo: 0.15, hi: 0.5, va: 150, vaSigma: 0.8, vaRate: 0.30, mix: []mixItem{
		{itElec, 0.80, &seasonSpring}, {itLPG, 0.20, &seasonSpring}}},
	"1512": {lo: 0.3, hi: 0.8, va: 500, vaSigma: 0.8, vaRate: 0.35, mix: []mixItem{elec(0.45), gas(0.55)}},
	// Farming: mushrooms, tea gardens, vegetables.
	"01": {lo: 0.05, hi: 0.3, va: 100, vaSigma: 0.8, vaRate: 0.40, mix: []mixItem{elec(0.70), dsl(0.30)}},
	// Coal-fired power, combined heat and power, heat supply.
	"4411": {kind: kindPower, va: 3000, vaSigma: 0.5, vaRate: 0.25, elecEff: [2]float64{0.30, 0.38}},
	"4412": {kind: kindPower, va: 2000, vaSigma: 0.5, vaRate: 0.25, elecEff: [2]float64{0.15, 0.20},
		heatEff: [2]float64{0.35, 0.45}, heatVA: 0.45},
	"4430": {kind: kindPower, va: 800, vaSigma: 0.6, vaRate: 0.25, heatEff: [2]float64{0.50, 0.60}, heatVA: 1},
	// Hydro, wind, solar, biomass: a little grid power, partly offset by their own.
	"4413": {kind: kindRenewable, lo: 0.08, hi: 0.4, va: 400, vaSigma: 0.8, vaRate: 0.60,
		mix: []mixItem{{itElec, 1, &seasonDry}, {itSelf, 0, &seasonWet}}, selfShare: [2]float64{0.2, 0.6}},
	"4415": {kind: kindRenewable, lo: 0.05, hi: 0.3, va: 600, vaSigma: 0.6, vaRate: 0.60,
		mix: []mixItem{{itElec, 1, &seasonDry}, {itSelf, 0, &seasonProduction}}, selfShare: [2]float64{0.3, 0.8}},
	"4416": {kind: kindRenewable, lo: 0.05, hi: 0.3, va: 200, vaSigma: 0.8, vaRate: 0.60,
		mix: []mixItem{{itElec, 1, &seasonDry}, {itSelf, 0, &seasonSun}}, selfShare: [2]float64{0.3, 0.8}},
	"4417": {kind: kindRenewable, lo: 0.2, hi: 0.6, va: 800, vaSigma: 0.6, vaRate: 0.35,
		mix:       []mixItem{{itElec, 0.85, &seasonProduction}, {itDsl, 0.15, &seasonProduction}, {itSelf, 0, &seasonProduction}},
		selfShare: [2]float64{0.3, 0.6}},
}

// defaultProfile is for industries without one of their own.
var defaultProfile = &profile{lo: 0.2, hi: 0.8, va: 500, vaSigma: 0.8, vaRate: 0.28, mix: []mixItem{elec(0.80), gas(0.20)}}

// profileOf returns the profile of an industry code.
func profileOf(industry string) *profile {
	if p, ok := profiles[industry]; ok {
		return p
	}
	if len(industry) >= 2 {
		if p, ok := profiles[industry[:2]]; ok {
			return p
		}
	}
	return defaultProfile
}

// Shares of firms and of their figures.
const (
	pvShare        = 0.10 // firms with rooftop PV
	estimatedShare = 0.05 // item-years estimated from some month on (≈ 3% of rows)
	laggardShare   = 0.06 // firms far above their industry's intensity
	leaderShare    = 0.08 // firms far below it
)

// activityGen writes the activity rows of enterprises.
type activityGen struct {
	fs     *carbon.FactorSet
	seed   int64
	years  []int
	months int
	grid   map[[2]int]float64 // (province, year) → tCO2/MWh
	line   []byte
}

// rng returns a generator seeded by the seed, the USCC and a salt (0 for the
// enterprise, the year for a year's figures).
func (g *activityGen) rng(uscc string, salt int) *rand.Rand {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(g.seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(salt))
	h.Write(b[:])
	h.Write([]byte(uscc))
	return rand.New(rand.NewPCG(h.Sum64(), pcgStream))
}

// gridFactor returns the electricity factor the platform will use for the
// enterprise's province and year (the East China or national value when the
// factor set has none, so that the data still looks right).
func (g *activityGen) gridFactor(e *org.Org, year int) float64 {
	prov := carbon.Enterprise{USCC: e.USCC, County: e.Division}.Province()
	p, _ := strconv.Atoi(prov)
	k := [2]int{p, year}
	if v, ok := g.grid[k]; ok {
		return v
	}
	v := 0.55
	if f, err := g.fs.Electricity(carbon.KindDefault, prov, year); err == nil {
		v = f.Value
	}
	g.grid[k] = v
	return v
}

// firm is what stays the same for an enterprise from year to year.
type firm struct {
	p         *profile
	va        float64   // value added in the base year, 万元
	intensity float64   // L in the base year (plain and renewable profiles)
	shares    []float64 // of the mix, jittered and normalised
	pv        float64   // rooftop PV: own power as a share of grid power, 0 without
	selfShare float64   // kindRenewable
	elecEff   float64   // kindPower
	heatEff   float64
	priceE    float64 // kindPower: value added per MWh and per GJ exported, 万元
	priceH    float64
	vaRate    float64
	kWh, m3   bool // the units it reports electricity and gas in
}

// unif returns a uniform draw in [lo, hi).
func unif(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// newFirm draws an enterprise's lasting traits. The draws are always the
// same in number and order, whatever the profile.
func (g *activityGen) newFirm(e *org.Org) firm {
	r := g.rng(e.USCC, 0)
	p := profileOf(e.Industry)
	f := firm{p: p}
	zSize := r.NormFloat64()
	f.va = p.va * math.Exp(p.vaSigma*zSize)
	// Intensity: log-normal around the geometric middle of the range, ~80%
	// inside it; larger firms a little more efficient; a few leaders and
	// laggards.
	sigma := math.Log(p.hi/p.lo) / 2.56
	f.intensity = math.Sqrt(p.lo*p.hi) * math.Exp(sigma*r.NormFloat64()-0.08*zSize)
	switch u, v := r.Float64(), r.Float64(); {
	case u < laggardShare:
		f.intensity *= 1.7 + 1.1*v
	case u > 1-leaderShare:
		f.intensity *= 0.45 + 0.2*v
	}
	f.shares = make([]float64, len(p.mix))
	sum := 0.0
	for i, m := range p.mix {
		f.shares[i] = m.share * math.Exp(0.2*r.NormFloat64())
		sum += f.shares[i]
	}
	for i := range f.shares {
		if sum > 0 {
			f.shares[i] /= sum
		}
	}
	hasPV, pv := r.Float64() < pvShare, unif(r, 0.05, 0.25)
	if hasPV && p.kind == kindPlain && slices.ContainsFunc(p.mix, func(m mixItem) bool { return m.item == itElec }) {
		f.pv = pv
	}
	f.selfShare = unif(r, p.selfShare[0], p.selfShare[1])
	f.elecEff = unif(r, p.elecEff[0], p.elecEff[1])
	f.heatEff = unif(r, p.heatEff[0], p.heatEff[1])
	f.priceE = unif(r, 0.010, 0.015)
	f.priceH = unif(r, 0.0010, 0.0016)
	f.vaRate = p.vaRate * unif(r, 0.85, 1.15)
	f.kWh = r.Float64() < 0.6
	f.m3 = r.Float64() < 0.6
	if f.va*f.intensity > 20_000 { // large users read their meters in MWh
		f.kWh = false
	}
	return f
}

// series is one item's figures for a year.
type series struct {
	item    string
	annual  float64 // canonical unit
	season  *[12]float64
	estFrom int // the first estimated month, 13 for none
	unit        // what it is reported in
}

// unit is how a series is written: unit, decimals kept, the factor from the
// canonical unit, and the quality of a figure that is not estimated.
type unit struct {
	name    string
	prec    int
	scale   float64
	quality string
}

// unitOf returns the unit the firm reports an item in: electricity in kWh
// or MWh, gas in m3 or 万Nm3, solid and liquid fuels in t (kg for small
// amounts), heat in GJ, money in 万元.
func unitOf(item string, annual float64, f *firm) unit {
	switch item {
	case itElec, itSelf, itExpE:
		if f.kWh {
			return unit{"kWh", 0, 1000, "metered"}
		}
		return unit{"MWh", 3, 1, "metered"}
	case itHeat, itExpH:
		return unit{"GJ", 1, 1, "metered"}
	case itGas:
		if f.m3 {
			return unit{"m3", 0, 10000, "reported"}
		}
		return unit{"万Nm3", 4, 1, "reported"}
	case carbon.ItemValueAdded, carbon.ItemOutputValue:
		return unit{"万元", 2, 1, "reported"}
	}
	if annual < 120 { // under 10 t a month
		return unit{"kg", 1, 1000, "reported"}
	}
	return unit{"t", 3, 1, "reported"}
}

// emissionFactor returns tCO2 per canonical unit of an energy item.
func (g *activityGen) emissionFactor(item string, grid float64) float64 {
	switch item {
	case itElec, itSelf, itExpE:
		return grid
	case itHeat, itExpH:
		return g.fs.Other["heat_purchased"].Value
	}
	return g.fs.Fuels[item].EF()
}

// enterprise writes one enterprise's rows and returns their number.
func (g *activityGen) enterprise(w *bufio.Writer, e *org.Org) int {
	f := g.newFirm(e)
	n := 0
	for i, year := range g.years {
		months := 12
		if i == len(g.years)-1 {
			months = g.months
		}
		n += g.year(w, e, &f, year, months)
	}
	return n
}

// year writes an enterprise's rows for a year — months 1..months, then the
// value added and output value of those months — and returns their number.
func (g *activityGen) year(w *bufio.Writer, e *org.Org, f *firm, year, months int) int {
	r := g.rng(e.USCC, year)
	p := f.p
	grid := g.gridFactor(e, year)
	// The year's size and intensity: growth, and a slow decline of the
	// intensity, around the firm's own level.
	t := float64(year - 2025)
	va := f.va * math.Pow(1.05, t) * math.Exp(0.06*r.NormFloat64())
	intensity := f.intensity * math.Pow(0.97, t) * math.Exp(0.05*r.NormFloat64())

	var ss []series
	add := func(item string, annual float64, season *[12]float64) {
		ss = append(ss, series{item: item, annual: annual, season: season, estFrom: 13, unit: unitOf(item, annual, f)})
	}
	switch p.kind {
	case kindPlain, kindRenewable:
		// E = L × VA, split by the mix into quantities; own power on top.
		gross := intensity * va
		gridPower := 0.0
		for i, m := range p.mix {
			if m.item == itSelf {
				continue
			}
			q := gross * f.shares[i] / g.emissionFactor(m.item, grid)
			if m.item == itElec {
				gridPower = q
			}
			add(m.item, q, m.season)
		}
		for _, m := range p.mix {
			if m.item == itSelf {
				add(itSelf, gridPower*f.selfShare, m.season)
			}
		}
		if f.pv > 0 {
			add(itSelf, gridPower*f.pv, &seasonSun)
		}
	case kindPower:
		// The electricity and heat sold make the value added; the coal burnt
		// follows from the plant's efficiency; a little grid power for the
		// plant's own use when it is down.
		var mwh, gj, fuelGJ float64
		if p.heatVA < 1 {
			mwh = va * (1 - p.heatVA) / f.priceE
			fuelGJ = mwh * 3.6 / f.elecEff
			gj = fuelGJ * f.heatEff
		} else {
			gj = va / f.priceH
			fuelGJ = gj / f.heatEff
		}
		va = mwh*f.priceE + gj*f.priceH
		add(itCoal, fuelGJ/g.fs.Fuels[itCoal].NCV, &seasonHeating)
		add(itElec, mwh*0.01+gj*0.004, &seasonProduction)
		if mwh > 0 {
			add(itExpE, mwh, &seasonCooling)
		}
		if gj > 0 {
			add(itExpH, gj, &seasonHeating)
		}
	}
	// A few item-years are estimated from some month on.
	for i := range ss {
		if est, from := r.Float64() < estimatedShare, 1+r.IntN(12); est {
			ss[i].estFrom = from
		}
	}
	// The months: the item's season with a little noise.
	mf := make([][12]float64, len(ss))
	covered, whole := 0.0, 0.0
	for i, s := range ss {
		sum := 0.0
		for m := range 12 {
			mf[i][m] = s.season[m] * (1 + 0.025*(2*r.Float64()-1))
			sum += mf[i][m]
		}
		part := 0.0
		for m := range 12 {
			mf[i][m] *= s.annual / sum
			if m < months {
				part += mf[i][m]
			}
		}
		if s.item != itSelf && s.item != itExpE && s.item != itExpH {
			ef := g.emissionFactor(s.item, grid)
			covered += part * ef
			whole += s.annual * ef
		}
	}
	n := 0
	for m := range months {
		for i, s := range ss {
			if g.row(w, e.USCC, year, m+1, s.item, mf[i][m], s.unit, m+1 >= s.estFrom) {
				n++
			}
		}
	}
	// Value added and output value of the months covered, so that a partial
	// year has the intensity of a whole one.
	if whole > 0 {
		va *= covered / whole
	}
	money := unitOf(carbon.ItemValueAdded, 0, f)
	if g.row(w, e.USCC, year, 0, carbon.ItemValueAdded, va, money, false) {
		n++
	}
	if g.row(w, e.USCC, year, 0, carbon.ItemOutputValue, va/f.vaRate, money, false) {
		n++
	}
	return n
}

// pow10 are the scales of the decimals kept.
var pow10 = [...]float64{1, 10, 100, 1000, 10000}

// row writes one row, the quantity (canonical unit) in u, rounded as a
// meter or a form would give it, and reports whether it did: a figure that
// rounds to zero is left out. Month 0 is the year.
func (g *activityGen) row(w *bufio.Writer, uscc string, year, month int, item string, q float64, u unit, estimated bool) bool {
	prec, quality := u.prec, u.quality
	if estimated {
		quality = "estimated"
	}
	q *= u.scale
	q = math.Round(q*pow10[prec]) / pow10[prec]
	if !(q > 0) {
		return false
	}
	b := append(g.line[:0], uscc...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(year), 10)
	if month > 0 {
		b = append(b, '-', byte('0'+month/10), byte('0'+month%10))
	}
	b = append(b, ',')
	b = append(b, item...)
	b = append(b, ',')
	b = strconv.AppendFloat(b, q, 'f', prec, 64)
	b = append(b, ',')
	b = append(b, u.name...)
	b = append(b, ',')
	b = append(b, quality...)
	b = append(b, '\n')
	w.Write(b)
	g.line = b
	return true
}
