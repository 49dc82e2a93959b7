package gep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"cifp"
)

// Grid is the georeferencing of a raster: a north-up grid of Width×Height
// pixels in the coordinate reference system EPSG, whose upper-left corner is
// (OriginX, OriginY) and whose pixels are PixelWidth × PixelHeight CRS units
// (rows run south). Projected is true for a projected CRS in metres (e.g.
// EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E, EPSG:32650 UTM 50N).
type Grid struct {
	EPSG        int     `json:"epsg"`
	Projected   bool    `json:"projected"`
	OriginX     float64 `json:"origin_x"`
	OriginY     float64 `json:"origin_y"`
	PixelWidth  float64 `json:"pixel_width"`
	PixelHeight float64 `json:"pixel_height"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
}

// Pixels returns Width × Height.
func (g Grid) Pixels() int { return g.Width * g.Height }

// PixelAreaM2 returns the area of a pixel in m², 0 when the CRS is not
// projected (the area of a degree cell varies with latitude).
func (g Grid) PixelAreaM2() float64 {
	if !g.Projected {
		return 0
	}
	return g.PixelWidth * g.PixelHeight
}

// Match returns nil when o is the same grid as g: the same EPSG code, size,
// pixel size and origin (within a millionth of a pixel). The error says
// which differs, so a user knows to reproject or resample.
func (g Grid) Match(o Grid) error {
	switch {
	case g.EPSG != o.EPSG:
		return fmt.Errorf("in EPSG:%d, not EPSG:%d: reproject it to the grid of the other layers", o.EPSG, g.EPSG)
	case g.Width != o.Width || g.Height != o.Height:
		return fmt.Errorf("%d×%d pixels, not %d×%d: resample it to the grid of the other layers", o.Width, o.Height, g.Width, g.Height)
	case !near(g.PixelWidth, o.PixelWidth, g.PixelWidth) || !near(g.PixelHeight, o.PixelHeight, g.PixelHeight):
		return fmt.Errorf("pixels of %g×%g, not %g×%g", o.PixelWidth, o.PixelHeight, g.PixelWidth, g.PixelHeight)
	case !near(g.OriginX, o.OriginX, g.PixelWidth) || !near(g.OriginY, o.OriginY, g.PixelHeight):
		return fmt.Errorf("origin (%.3f, %.3f), not (%.3f, %.3f): the grids are shifted", o.OriginX, o.OriginY, g.OriginX, g.OriginY)
	}
	return nil
}

func near(a, b, unit float64) bool { return math.Abs(a-b) <= 1e-6*math.Abs(unit) }

// Raster is one band on a grid: integer samples in Int or float samples in
// Float (the other is nil). NoData marks missing pixels when HasNoData.
type Raster struct {
	Grid
	Float     []float32
	Int       []int32
	NoData    float64
	HasNoData bool
}

// Floats returns the samples as float32 with NoData pixels as NaN (a copy,
// except for float rasters without NoData).
func (r Raster) Floats() []float32 {
	if r.Float != nil && !r.HasNoData {
		return r.Float
	}
	out := make([]float32, r.Pixels())
	nan := float32(math.NaN())
	for i := range out {
		var v float64
		if r.Float != nil {
			v = float64(r.Float[i])
		} else if i < len(r.Int) {
			v = float64(r.Int[i])
		}
		if r.HasNoData && v == r.NoData {
			out[i] = nan
		} else {
			out[i] = float32(v)
		}
	}
	return out
}

// Ints returns integer samples with NoData pixels as 0. A float raster must
// hold whole numbers.
func (r Raster) Ints() ([]int32, error) {
	out := make([]int32, r.Pixels())
	for i := range out {
		var v float64
		if r.Int != nil {
			v = float64(r.Int[i])
		} else {
			v = float64(r.Float[i])
			if v != math.Trunc(v) && !(r.HasNoData && v == r.NoData) && !math.IsNaN(v) {
				return nil, fmt.Errorf("sample %d is %v, not a whole number", i, v)
			}
		}
		if (r.HasNoData && v == r.NoData) || math.IsNaN(v) {
			continue
		}
		out[i] = int32(v)
	}
	return out, nil
}

// GridInputs are per-pixel layers on one grid, as plain slices of
// Grid.Pixels() values in row order. NaN marks a missing value; such a pixel
// is skipped and counted in ZoneTotal.Skipped.
type GridInputs struct {
	Grid Grid
	// Zone is the zone of each pixel: a region code (GB/T 2260) from a region
	// mask, or any id; 0 or negative is outside every zone.
	Zone []int32
	// Class is the ecosystem class of each pixel (Ecosystem.Class); 0 = none.
	Class []uint8
	// RUSLE factors (see RUSLE); P may be nil for 1 everywhere. Nil R skips
	// soil retention.
	R, K, LS, C, P []float32
	// Precipitation and actual evapotranspiration, mm/a. Nil Precip skips
	// water conservation.
	Precip, ET []float32
}

// GridLayers are the rasters to build GridInputs from. Zone and Class are
// required; the soil layers (R, K, LS, C; P optional) and the water layers
// (Precip, ET) come all or none.
type GridLayers struct {
	Zone, Class    Raster
	R, K, LS, C, P Raster
	Precip, ET     Raster
}

// Inputs checks that every given layer is on the zone raster's grid in a
// projected CRS and returns the pixel slices. It returns a *cifp.Error
// (EINVALID) naming each layer that is missing, in another projection or
// on another grid.
func (l GridLayers) Inputs() (GridInputs, error) {
	g := l.Zone.Grid
	var fs []cifp.FieldError
	has := func(r Raster) bool { return r.Float != nil || r.Int != nil }
	layers := []struct {
		name string
		r    Raster
		need bool
	}{{"zone", l.Zone, true}, {"class", l.Class, true},
		{"r", l.R, has(l.K) || has(l.LS) || has(l.C)}, {"k", l.K, has(l.R)}, {"ls", l.LS, has(l.R)}, {"c", l.C, has(l.R)},
		{"p", l.P, false}, {"precip", l.Precip, has(l.ET)}, {"et", l.ET, has(l.Precip)}}
	for _, x := range layers {
		switch {
		case !has(x.r):
			if x.need {
				fs = append(fs, cifp.FieldError{Field: x.name, Message: "layer is missing"})
			}
		case len(x.r.Float)+len(x.r.Int) != x.r.Pixels():
			fs = append(fs, cifp.FieldError{Field: x.name, Message: fmt.Sprintf("has %d samples for %d pixels", len(x.r.Float)+len(x.r.Int), x.r.Pixels())})
		default:
			if err := g.Match(x.r.Grid); err != nil {
				fs = append(fs, cifp.FieldError{Field: x.name, Message: "is " + err.Error()})
			}
		}
	}
	if g.EPSG != 0 && !g.Projected {
		fs = append(fs, cifp.FieldError{Field: "zone", Message: fmt.Sprintf("EPSG:%d is geographic (degrees): reproject the layers to a projected CRS in metres", g.EPSG)})
	}
	if err := cifp.Invalid("gep: the grid layers do not line up", fs...); err != nil {
		return GridInputs{}, err
	}
	in := GridInputs{Grid: g}
	var err error
	if in.Zone, err = l.Zone.Ints(); err != nil {
		return GridInputs{}, cifp.Invalid("gep: bad zone layer", cifp.FieldError{Field: "zone", Message: err.Error()})
	}
	cls, err := l.Class.Ints()
	if err != nil {
		return GridInputs{}, cifp.Invalid("gep: bad class layer", cifp.FieldError{Field: "class", Message: err.Error()})
	}
	in.Class = make([]uint8, len(cls))
	for i, c := range cls {
		if c < 0 || c >= NumClasses {
			return GridInputs{}, cifp.Invalid("gep: bad class layer", cifp.FieldError{Field: "class",
				Message: fmt.Sprintf("pixel %d has class %d; want 0–%d (Ecosystem.Class)", i, c, NumClasses-1)})
		}
		in.Class[i] = uint8(c)
	}
	fl := func(r Raster) []float32 {
		if !has(r) {
			return nil
		}
		return r.Floats()
	}
	in.R, in.K, in.LS, in.C, in.P = fl(l.R), fl(l.K), fl(l.LS), fl(l.C), fl(l.P)
	in.Precip, in.ET = fl(l.Precip), fl(l.ET)
	return in, nil
}

// GridParams are the per-class parameters of the pixel formulas.
type GridParams struct {
	Runoff [NumClasses]float32 // storm-runoff coefficient α per class
	Water  [NumClasses]bool    // the class counts for water conservation
	Soil   [NumClasses]bool    // the class counts for soil retention
}

// GridParamsOf takes the classes and runoff coefficients from a profile. It
// fails naming each runoff coefficient that water conservation needs and the
// profile does not know.
func GridParamsOf(p *Profile) (GridParams, error) {
	var gp GridParams
	var fs []cifp.FieldError
	for _, e := range Ecosystems() {
		c := e.Class()
		gp.Soil[c] = p.Counts(SoilRetention, e)
		gp.Water[c] = p.Counts(WaterConservation, e)
		if !gp.Water[c] {
			continue
		}
		code := "coef.runoff." + string(e)
		q, ok := p.Param(code)
		if !ok || !q.Known() {
			fs = append(fs, cifp.FieldError{Field: code, Message: "unknown in profile " + p.ID + "; needed by water_conservation"})
			continue
		}
		gp.Runoff[c] = float32(*q.Value)
	}
	return gp, cifp.Invalid("gep: the profile lacks runoff coefficients", fs...)
}

// ZoneTotal sums a zone's pixels by ecosystem class (index = Ecosystem.Class).
type ZoneTotal struct {
	Zone              int32               `json:"zone"`
	Pixels            [NumClasses]int64   `json:"pixels"`
	AreaKm2           [NumClasses]float64 `json:"area_km2"`
	SoilRetention     [NumClasses]float64 `json:"soil_retention"`     // t/a
	WaterConservation [NumClasses]float64 `json:"water_conservation"` // m³/a, may be negative
	Skipped           int64               `json:"skipped"`            // pixels with a missing value
}

// Quantities returns the zone's soil retention and water conservation by
// ecosystem type as modelled quantities for Inputs.Modelled.
func (z ZoneTotal) Quantities(source string) []Quantity {
	var out []Quantity
	for c := 1; c < NumClasses; c++ {
		e := EcosystemOfClass(uint8(c))
		if z.SoilRetention[c] > 0 {
			out = append(out, Quantity{Indicator: SoilRetention, Ecosystem: e, Value: z.SoilRetention[c], Source: source})
		}
	}
	for c := 1; c < NumClasses; c++ {
		e := EcosystemOfClass(uint8(c))
		if z.Pixels[c] > 0 && z.WaterConservation[c] != 0 {
			out = append(out, Quantity{Indicator: WaterConservation, Ecosystem: e, Value: max(z.WaterConservation[c], 0), Source: source})
		}
	}
	return out
}

// gridChunk is the number of pixels one task sums.
const gridChunk = 1 << 18

// ZoneTotals computes soil retention R·K·LS·(1−C·P) (t/hm²/a × pixel area)
// and water conservation (P − α·P − ET) × 1e-3 × pixel area (m³) pixel by
// pixel and sums them by zone and ecosystem class, in parallel over
// GOMAXPROCS workers. Sums are deterministic: each chunk of pixels is summed
// alone and the chunks are added in order. Pixels outside every zone or
// without a class are ignored; pixels with a NaN in a layer they need are
// skipped and counted. It fails when a layer's length is not the grid's or
// the grid is not projected. The result is ordered by zone.
func ZoneTotals(in GridInputs, gp GridParams) ([]ZoneTotal, error) {
	n := in.Grid.Pixels()
	area := in.Grid.PixelAreaM2()
	if area <= 0 {
		return nil, fmt.Errorf("gep: zone totals need a projected grid in metres (EPSG:%d)", in.Grid.EPSG)
	}
	for _, l := range []struct {
		name string
		n    int
		opt  bool
	}{{"zone", len(in.Zone), false}, {"class", len(in.Class), false}, {"r", len(in.R), true}, {"k", len(in.K), in.R == nil},
		{"ls", len(in.LS), in.R == nil}, {"c", len(in.C), in.R == nil}, {"p", len(in.P), true},
		{"precip", len(in.Precip), true}, {"et", len(in.ET), in.Precip == nil}} {
		if l.n != n && !(l.opt && l.n == 0) {
			return nil, fmt.Errorf("gep: layer %s has %d pixels, the grid %d", l.name, l.n, n)
		}
	}
	chunks := (n + gridChunk - 1) / gridChunk
	parts := make([]map[int32]*ZoneTotal, chunks)
	var wg sync.WaitGroup
	next := make(chan int, chunks)
	for c := range chunks {
		next <- c
	}
	close(next)
	for range min(runtime.GOMAXPROCS(0), chunks) {
		wg.Go(func() {
			for c := range next {
				lo := c * gridChunk
				parts[c] = sumChunk(in, gp, area, lo, min(lo+gridChunk, n))
			}
		})
	}
	wg.Wait()
	total := map[int32]*ZoneTotal{}
	for _, p := range parts {
		for _, zone := range slices.Sorted(mapsKeys(p)) {
			z := p[zone]
			t := total[zone]
			if t == nil {
				t = &ZoneTotal{Zone: zone}
				total[zone] = t
			}
			for c := range NumClasses {
				t.Pixels[c] += z.Pixels[c]
				t.SoilRetention[c] += z.SoilRetention[c]
				t.WaterConservation[c] += z.WaterConservation[c]
			}
			t.Skipped += z.Skipped
		}
	}
	out := make([]ZoneTotal, 0, len(total))
	for _, zone := range slices.Sorted(mapsKeys(total)) {
		t := total[zone]
		for c := range NumClasses {
			t.AreaKm2[c] = float64(t.Pixels[c]) * area / 1e6
		}
		out = append(out, *t)
	}
	return out, nil
}

func mapsKeys(m map[int32]*ZoneTotal) func(func(int32) bool) {
	return func(yield func(int32) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// sumChunk sums pixels [lo, hi). Zones come in runs, so the last zone's
// accumulator is kept at hand; per-pixel sums are float64.
func sumChunk(in GridInputs, gp GridParams, areaM2 float64, lo, hi int) map[int32]*ZoneTotal {
	out := map[int32]*ZoneTotal{}
	var cur *ZoneTotal
	curZone := int32(math.MinInt32)
	areaHm2 := areaM2 / 1e4
	soil, water := in.R != nil, in.Precip != nil
	for i := lo; i < hi; i++ {
		zone, c := in.Zone[i], in.Class[i]
		if zone <= 0 || c == 0 || int(c) >= NumClasses {
			continue
		}
		if zone != curZone {
			cur = out[zone]
			if cur == nil {
				cur = &ZoneTotal{Zone: zone}
				out[zone] = cur
			}
			curZone = zone
		}
		skip := false
		if soil && gp.Soil[c] {
			p := float32(1)
			if in.P != nil {
				p = in.P[i]
			}
			v := in.R[i] * in.K[i] * in.LS[i] * (1 - in.C[i]*p)
			if v != v { // NaN
				skip = true
			} else {
				cur.SoilRetention[c] += float64(v) * areaHm2
			}
		}
		if water && gp.Water[c] {
			pr := in.Precip[i]
			v := pr - gp.Runoff[c]*pr - in.ET[i]
			if v != v {
				skip = true
			} else {
				cur.WaterConservation[c] += float64(v) * 1e-3 * areaM2
			}
		}
		if skip {
			cur.Skipped++
		}
		cur.Pixels[c]++
	}
	return out
}

// SyntheticGrid returns deterministic synthetic layers of pixels 30 m
// pixels (a square-ish grid in EPSG:4549) with Lishui-like magnitudes:
// nine county zones in bands, classes about 80 % forest, R 4,000–7,000,
// K 0.02–0.04, LS 0–12, C 0.01–0.3, P 1, precipitation 1,400–2,000 mm and
// ET 600–950 mm. Lishui's 17,300 km² is about 19.2 million pixels. It is
// the workload of BenchmarkGrid and of the CLI's benchmark; generation runs
// in parallel and does not count as the work measured.
func SyntheticGrid(seed uint64, pixels int) GridInputs {
	w := int(math.Ceil(math.Sqrt(float64(pixels))))
	h := (pixels + w - 1) / w
	n := w * h
	g := Grid{EPSG: 4549, Projected: true, OriginX: 40_380_000, OriginY: 3_160_000, PixelWidth: 30, PixelHeight: 30, Width: w, Height: h}
	in := GridInputs{Grid: g, Zone: make([]int32, n), Class: make([]uint8, n),
		R: make([]float32, n), K: make([]float32, n), LS: make([]float32, n), C: make([]float32, n),
		Precip: make([]float32, n), ET: make([]float32, n)}
	counties := []int32{331102, 331121, 331122, 331123, 331124, 331125, 331126, 331127, 331181}
	// class weights: forest 80, shrub 3, grassland 1.5, wetland 2.5, farmland 9, urban 3.5, bare 0.5 (‰ of 1000)
	cum := []struct {
		upTo int
		c    uint8
	}{{800, 1}, {830, 2}, {845, 3}, {870, 4}, {960, 5}, {995, 6}, {1000, 7}}
	chunks := (n + gridChunk - 1) / gridChunk
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for ch := range chunks {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rng := rand.New(rand.NewPCG(seed, uint64(ch)))
			lo := ch * gridChunk
			for i := lo; i < min(lo+gridChunk, n); i++ {
				in.Zone[i] = counties[(i/w)*len(counties)/h]
				k := rng.IntN(1000)
				for _, x := range cum {
					if k < x.upTo {
						in.Class[i] = x.c
						break
					}
				}
				in.R[i] = 4000 + 3000*rng.Float32()
				in.K[i] = 0.02 + 0.02*rng.Float32()
				in.LS[i] = 12 * rng.Float32()
				in.C[i] = 0.01 + 0.29*rng.Float32()
				in.Precip[i] = 1400 + 600*rng.Float32()
				in.ET[i] = 600 + 350*rng.Float32()
			}
		})
	}
	wg.Wait()
	return in
}
