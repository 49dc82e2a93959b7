package gep

import (
	"bytes"
	"compress/zlib"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cifp"
)

// lishuiGrid is a 3×2 grid of 30 m pixels in EPSG:4549 (CGCS2000 / 3-degree
// Gauss-Kruger CM 120E).
var lishuiGrid = Grid{EPSG: 4549, Projected: true, OriginX: 40_400_000, OriginY: 3_150_000, PixelWidth: 30, PixelHeight: 30, Width: 3, Height: 2}

func writeRead(t *testing.T, name string, r Raster) Raster {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteGeoTIFF(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadGeoTIFF(f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestGeoTIFFRoundTrip(t *testing.T) {
	fl := Raster{Grid: lishuiGrid, Float: []float32{1.5, -2.25, 3e6, 0, float32(math.Inf(1)), -9999}, NoData: -9999, HasNoData: true}
	got := writeRead(t, "precip.tif", fl)
	if got.Grid != lishuiGrid {
		t.Errorf("grid %+v, want %+v", got.Grid, lishuiGrid)
	}
	if !got.HasNoData || got.NoData != -9999 || got.Int != nil {
		t.Errorf("nodata %v %v, int %v", got.HasNoData, got.NoData, got.Int)
	}
	for i, v := range fl.Float {
		if got.Float[i] != v {
			t.Errorf("pixel %d: %v, want %v", i, got.Float[i], v)
		}
	}
	if f := got.Floats(); !math.IsNaN(float64(f[5])) || f[0] != 1.5 {
		t.Errorf("Floats: %v (nodata should be NaN)", f)
	}
	// 9-digit township codes are exact as int32 (not as float32).
	zones := Raster{Grid: lishuiGrid, Int: []int32{331102001, 331102001, 331121002, 0, -1, 2147483647}}
	gz := writeRead(t, "zones.tif", zones)
	for i, v := range zones.Int {
		if gz.Int[i] != v {
			t.Errorf("zone pixel %d: %d, want %d", i, gz.Int[i], v)
		}
	}
	geo := Raster{Grid: Grid{EPSG: 4490, OriginX: 118.5, OriginY: 28.8, PixelWidth: 0.00025, PixelHeight: 0.00025, Width: 1, Height: 1}, Float: []float32{7}}
	if g := writeRead(t, "geo.tif", geo).Grid; g != geo.Grid {
		t.Errorf("geographic grid %+v, want %+v", g, geo.Grid)
	}
}

// TestGeoTIFFHandMade reads big-endian tiled int16 files with PixelIsPoint,
// one with the horizontal predictor and one Deflate-compressed, written byte
// by byte here, so the reader is not only checked against its own writer.
func TestGeoTIFFHandMade(t *testing.T) {
	be := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = append(b, byte(x>>8), byte(x))
		}
		return b
	}
	// One 2×2 tile of int16 for a 2×2 image: values 10, 7 / −3, 5, stored
	// raw with the horizontal predictor as 10, −3 / −3, 8, or plain and
	// Deflate-compressed.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(be(10, 7, 0xFFFD, 5))
	zw.Close()
	for _, v := range []struct {
		name       string
		pix        []byte
		comp, pred uint16
	}{{"predictor", be(10, 0xFFFD, 0xFFFD, 8), 1, 2}, {"deflate", z.Bytes(), 8, 1}} {
		t.Run(v.name, func(t *testing.T) { readHandMade(t, handMade(v.pix, v.comp, v.pred)) })
	}
}

func readHandMade(t *testing.T, file []byte) {
	r, err := ReadGeoTIFF(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := Grid{EPSG: 32650, Projected: true, OriginX: 500000, OriginY: 3100030, PixelWidth: 30, PixelHeight: 30, Width: 2, Height: 2}
	if r.Grid != want {
		t.Errorf("grid %+v, want %+v", r.Grid, want)
	}
	if got := r.Int; len(got) != 4 || got[0] != 10 || got[1] != 7 || got[2] != -3 || got[3] != 5 {
		t.Errorf("samples %v, want [10 7 -3 5]", got)
	}
}

// handMade builds a big-endian, tiled, PixelIsPoint GeoTIFF of one 2×2 int16
// tile in EPSG:32650 byte by byte.
func handMade(pix []byte, comp, pred uint16) []byte {
	be := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = append(b, byte(x>>8), byte(x))
		}
		return b
	}
	be32 := func(x uint32) []byte { return []byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)} }
	f64 := func(v ...float64) []byte {
		var b []byte
		for _, x := range v {
			u := math.Float64bits(x)
			for s := 56; s >= 0; s -= 8 {
				b = append(b, byte(u>>s))
			}
		}
		return b
	}
	scale := f64(30, 30, 0)
	tie := f64(0, 0, 0, 500015, 3100015, 0) // PixelIsPoint: centre of pixel (0,0)
	keys := be(1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 2, 3072, 0, 1, 32650)
	type ent struct {
		tag, typ uint16
		count    uint32
		val      []byte // inline (≤ 4 bytes) or out of line
	}
	ents := []ent{
		{256, 3, 1, be(2, 0)}, {257, 3, 1, be(2, 0)}, {258, 3, 1, be(16, 0)}, {259, 3, 1, be(comp, 0)},
		{277, 3, 1, be(1, 0)}, {317, 3, 1, be(pred, 0)}, {322, 3, 1, be(2, 0)}, {323, 3, 1, be(2, 0)},
		{324, 4, 1, nil}, {325, 4, 1, be32(uint32(len(pix)))}, {339, 3, 1, be(2, 0)},
		{33550, 12, 3, scale}, {33922, 12, 6, tie}, {34735, 3, 16, keys},
	}
	ifd := 8
	data := 8 + 2 + 12*len(ents) + 4
	var extra []byte
	file := append([]byte("MM"), be(42)...)
	file = append(file, be32(uint32(ifd))...)
	file = append(file, be(uint16(len(ents)))...)
	pixAt := data + len(scale) + len(tie) + len(keys)
	for _, e := range ents {
		file = append(file, be(e.tag, e.typ)...)
		file = append(file, be32(e.count)...)
		switch {
		case e.tag == 324:
			file = append(file, be32(uint32(pixAt))...)
		case len(e.val) <= 4:
			file = append(file, append(e.val, make([]byte, 4-len(e.val))...)...)
		default:
			file = append(file, be32(uint32(data+len(extra)))...)
			extra = append(extra, e.val...)
		}
	}
	file = append(file, 0, 0, 0, 0)
	file = append(file, extra...)
	file = append(file, pix...)
	return file
}

func TestGeoTIFFRefused(t *testing.T) {
	if _, err := ReadGeoTIFF(strings.NewReader("not a tiff")); err == nil {
		t.Error("garbage accepted")
	}
	var buf bytes.Buffer
	if err := WriteGeoTIFF(&buf, Raster{Grid: lishuiGrid, Float: []float32{1}}); err == nil {
		t.Error("short raster written")
	}
	if err := WriteGeoTIFF(&buf, Raster{Grid: Grid{Width: 1, Height: 1}, Float: []float32{1}}); err == nil {
		t.Error("raster without EPSG written")
	}
}

// TestGridMismatchRefused: a layer in another projection, another size or
// shifted by a pixel is refused, naming the layer.
func TestGridMismatchRefused(t *testing.T) {
	n := lishuiGrid.Pixels()
	ones := func(g Grid) Raster {
		v := make([]float32, g.Pixels())
		for i := range v {
			v[i] = 1
		}
		return Raster{Grid: g, Float: v}
	}
	zone := Raster{Grid: lishuiGrid, Int: make([]int32, n)}
	utm := lishuiGrid
	utm.EPSG = 32650
	shifted := lishuiGrid
	shifted.OriginX += 30
	wide := lishuiGrid
	wide.Width = 4
	for _, c := range []struct {
		name  string
		g     Grid
		field string
		want  string
	}{{"projection", utm, "precip", "EPSG:32650"}, {"shift", shifted, "precip", "shifted"}, {"size", wide, "precip", "4×2"}} {
		l := GridLayers{Zone: zone, Class: zone, Precip: ones(c.g), ET: ones(lishuiGrid)}
		_, err := l.Inputs()
		fs := cifp.ErrorFields(err)
		if cifp.ErrorCode(err) != cifp.EINVALID || len(fs) != 1 || fs[0].Field != c.field || !strings.Contains(fs[0].Message, c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	geo := lishuiGrid
	geo.EPSG, geo.Projected = 4490, false
	gz := Raster{Grid: geo, Int: make([]int32, n)}
	if _, err := (GridLayers{Zone: gz, Class: gz}).Inputs(); err == nil || !strings.Contains(err.Error(), "geographic") {
		t.Errorf("geographic grid: %v", err)
	}
	if _, err := (GridLayers{Zone: zone, Class: zone, R: ones(lishuiGrid)}).Inputs(); len(cifp.ErrorFields(err)) != 3 {
		t.Errorf("R without K, LS, C: %v", err)
	}
}

// TestZoneTotalsHand: one row of three 30 m pixels (900 m² = 0.09 hm²).
//
//	pixel 0: zone 331102, forest (1): R 5000, K 0.03, LS 2, C 0.1, P 1
//	    soil = 5000 × 0.03 × 2 × (1 − 0.1) × 0.09 = 300 × 0.9 × 0.09 = 24.3 t
//	    water: P 1800, α 0.0267, ET 800 → 1800 − 48.06 − 800 = 951.94 mm
//	           × 1e-3 × 900 m² = 856.746 m³
//	pixel 1: zone 331102, farmland (5), P factor 0.5, C 0.4:
//	    soil = 5000 × 0.03 × 2 × (1 − 0.4 × 0.5) × 0.09 = 300 × 0.8 × 0.09 = 21.6 t
//	    water: farmland does not count → 0
//	pixel 2: zone 331121, forest, ET NaN → soil 24.3 t, water skipped
func TestZoneTotalsHand(t *testing.T) {
	g := Grid{EPSG: 4549, Projected: true, PixelWidth: 30, PixelHeight: 30, Width: 3, Height: 1}
	nan := float32(math.NaN())
	in := GridInputs{Grid: g, Zone: []int32{331102, 331102, 331121}, Class: []uint8{1, 5, 1},
		R: []float32{5000, 5000, 5000}, K: []float32{0.03, 0.03, 0.03}, LS: []float32{2, 2, 2},
		C: []float32{0.1, 0.4, 0.1}, P: []float32{1, 0.5, 1},
		Precip: []float32{1800, 1800, 1800}, ET: []float32{800, 800, nan}}
	p, _ := LookupProfile(DemoProfile)
	gp, err := GridParamsOf(p)
	if err != nil {
		t.Fatal(err)
	}
	zs, err := ZoneTotals(in, gp)
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 2 || zs[0].Zone != 331102 || zs[1].Zone != 331121 {
		t.Fatalf("zones %+v", zs)
	}
	z := zs[0]
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"forest soil", z.SoilRetention[1], 24.3}, {"farmland soil", z.SoilRetention[5], 21.6},
		{"forest water", z.WaterConservation[1], 856.746}, {"farmland water", z.WaterConservation[5], 0},
		{"forest area", z.AreaKm2[1], 0.0009}, {"zone 2 soil", zs[1].SoilRetention[1], 24.3},
		{"zone 2 water", zs[1].WaterConservation[1], 0},
	} {
		if math.Abs(c.got-c.want) > 1e-3*math.Max(1, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if zs[1].Skipped != 1 || z.Skipped != 0 {
		t.Errorf("skipped %d and %d, want 0 and 1", z.Skipped, zs[1].Skipped)
	}
	qs := z.Quantities("test")
	if len(qs) != 3 || qs[0].Indicator != SoilRetention || qs[2].Indicator != WaterConservation || qs[2].Ecosystem != Forest {
		t.Errorf("quantities %+v", qs)
	}
	// The zj2025 profile lacks the runoff coefficients: named.
	zj, _ := LookupProfile("zj2025")
	if _, err := GridParamsOf(zj); len(cifp.ErrorFields(err)) != 4 || cifp.ErrorFields(err)[0].Field != "coef.runoff.forest" {
		t.Errorf("zj2025 grid params: %v", err)
	}
	in.ET = in.ET[:2]
	if _, err := ZoneTotals(in, gp); err == nil {
		t.Error("short ET layer accepted")
	}
}

// TestZoneTotalsFromGeoTIFF: layers written as GeoTIFF, read back, lined up
// and summed give the same totals as the slices.
func TestZoneTotalsFromGeoTIFF(t *testing.T) {
	in := SyntheticGrid(7, 5000)
	g := in.Grid
	ints := func(v []int32) Raster { return Raster{Grid: g, Int: v} }
	cls := make([]int32, len(in.Class))
	for i, c := range in.Class {
		cls[i] = int32(c)
	}
	fl := func(v []float32) Raster { return Raster{Grid: g, Float: v} }
	l := GridLayers{Zone: writeRead(t, "zone.tif", ints(in.Zone)), Class: writeRead(t, "class.tif", ints(cls)),
		R: writeRead(t, "r.tif", fl(in.R)), K: writeRead(t, "k.tif", fl(in.K)), LS: writeRead(t, "ls.tif", fl(in.LS)),
		C: writeRead(t, "c.tif", fl(in.C)), Precip: writeRead(t, "p.tif", fl(in.Precip)), ET: writeRead(t, "et.tif", fl(in.ET))}
	got, err := l.Inputs()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := LookupProfile(DemoProfile)
	gp, _ := GridParamsOf(p)
	a, err := ZoneTotals(in, gp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ZoneTotals(got, gp)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 9 || len(a) != len(b) {
		t.Fatalf("%d and %d zones, want 9", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("zone %d differs after the GeoTIFF round trip", a[i].Zone)
		}
	}
}

func TestSyntheticGridDeterministic(t *testing.T) {
	a, b := SyntheticGrid(1, 300_000), SyntheticGrid(1, 300_000)
	p, _ := LookupProfile(DemoProfile)
	gp, _ := GridParamsOf(p)
	za, _ := ZoneTotals(a, gp)
	zb, _ := ZoneTotals(b, gp)
	if len(za) != 9 || za[4] != zb[4] {
		t.Fatal("synthetic grid or its totals are not deterministic")
	}
	var forest, all int64
	for _, z := range za {
		forest += z.Pixels[1]
		for _, n := range z.Pixels {
			all += n
		}
	}
	if f := float64(forest) / float64(all); f < 0.78 || f > 0.82 {
		t.Errorf("forest share %.3f, want about 0.80", f)
	}
}

// BenchmarkGrid: soil retention and water conservation pixel by pixel over
// Lishui's 17,300 km² at 30 m (19.2 million pixels), summed by county and
// class.
func BenchmarkGrid(b *testing.B) {
	const pixels = 17_300 * 1_000_000 / 900
	in := SyntheticGrid(1, pixels)
	p, _ := LookupProfile(DemoProfile)
	gp, err := GridParamsOf(p)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := ZoneTotals(in, gp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pixels)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpixel/s")
}
