package gep

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rwcarlsen/goexif/tiff"
	"golang.org/x/image/tiff/lzw"
)

// GeoTIFF support.
//
// Library choice. No maintained pure-Go GeoTIFF package is served by the
// module proxy this project builds from (github.com/google/tiff,
// gden173/geotiff, airbusgeo/cogger, flywave/go-geotiff and chai2010/tiff
// were refused), godal needs cgo and GDAL, and golang.org/x/image/tiff
// decodes only 1–16-bit unsigned images into image.Image: it refuses
// SampleFormat 3 (float) and does not expose other tags. So the TIFF
// structure — header, IFDs and typed tag values, including the GeoTIFF tags
// ModelPixelScale (33550), ModelTiepoint (33922), GeoKeyDirectory (34735)
// and GDAL_NODATA (42113) — is read by github.com/rwcarlsen/goexif/tiff, a
// small, stable, widely used decoder of TIFF 6.0 directories (the EXIF
// reader of Perkeep); LZW strips are decoded by golang.org/x/image/tiff/lzw
// (the TIFF variant of LZW) and Deflate by the standard library. What is
// left here is the GeoTIFF meaning of those tags and the conversion of
// sample bytes to numbers. Limits: classic TIFF (not BigTIFF, so files
// under 4 GiB), one band, PlanarConfiguration 1, strips or tiles, no
// predictor or the horizontal predictor (2) for integers; anything else is
// refused with an error that names it.

// TIFF and GeoTIFF tag numbers.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagPlanarConfig    = 284
	tagPredictor       = 317
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	tagSampleFormat    = 339
	tagPixelScale      = 33550
	tagTiepoint        = 33922
	tagTransformation  = 34264
	tagGeoKeys         = 34735
	tagGDALNoData      = 42113

	keyModelType      = 1024 // 1 projected, 2 geographic
	keyRasterType     = 1025 // 1 PixelIsArea, 2 PixelIsPoint
	keyGeographicType = 2048
	keyProjectedType  = 3072
)

// ReadGeoTIFF decodes a single-band GeoTIFF into a Raster: integer samples
// (8, 16 or 32 bits, signed or not, uint32 up to 2³¹−1) into Int, float
// samples (32 or 64 bits) into Float, with the grid from ModelPixelScale,
// ModelTiepoint and the EPSG code of GeoKeyDirectory. It fails on a raster
// without georeferencing, with a rotation (ModelTransformation), with a
// user-defined CRS (no EPSG code), or in a layout it does not support.
func ReadGeoTIFF(r io.Reader) (Raster, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Raster{}, err
	}
	t, err := tiff.Decode(bytes.NewReader(data))
	if err != nil {
		return Raster{}, fmt.Errorf("geotiff: %w", err)
	}
	if len(t.Dirs) == 0 {
		return Raster{}, fmt.Errorf("geotiff: no image directory")
	}
	d := dir{tags: map[uint16]*tiff.Tag{}}
	for _, tg := range t.Dirs[0].Tags {
		d.tags[tg.Id] = tg
	}
	var out Raster
	w, h := d.int(tagImageWidth, 0), d.int(tagImageLength, 0)
	bits, format := d.int(tagBitsPerSample, 1), d.int(tagSampleFormat, 1)
	comp, pred := d.int(tagCompression, 1), d.int(tagPredictor, 1)
	switch {
	case d.err != nil:
		return Raster{}, d.err
	case w <= 0 || h <= 0:
		return Raster{}, fmt.Errorf("geotiff: no image size")
	case d.int(tagSamplesPerPixel, 1) != 1:
		return Raster{}, fmt.Errorf("geotiff: %d samples per pixel: only single-band rasters are supported", d.int(tagSamplesPerPixel, 1))
	case d.int(tagPlanarConfig, 1) != 1:
		return Raster{}, fmt.Errorf("geotiff: planar configuration %d is not supported", d.int(tagPlanarConfig, 1))
	case comp != 1 && comp != 5 && comp != 8 && comp != 32946:
		return Raster{}, fmt.Errorf("geotiff: compression %d is not supported (none, LZW and Deflate are)", comp)
	case pred != 1 && !(pred == 2 && format != 3):
		return Raster{}, fmt.Errorf("geotiff: predictor %d is not supported for sample format %d", pred, format)
	}
	kind, err := sampleKind(bits, format)
	if err != nil {
		return Raster{}, err
	}
	if out.Grid, err = d.grid(w, h); err != nil {
		return Raster{}, err
	}
	if tg := d.tags[tagGDALNoData]; tg != nil {
		s, _ := tg.StringVal()
		if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			out.NoData, out.HasNoData = v, true
		}
	}
	// Blocks: strips are tiles as wide as the image.
	bw, bh := w, d.int(tagRowsPerStrip, h)
	offs, counts := d.ints(tagStripOffsets), d.ints(tagStripByteCounts)
	if d.tags[tagTileWidth] != nil {
		bw, bh = d.int(tagTileWidth, 0), d.int(tagTileLength, 0)
		offs, counts = d.ints(tagTileOffsets), d.ints(tagTileByteCounts)
	}
	if d.err != nil {
		return Raster{}, d.err
	}
	if bw <= 0 || bh <= 0 {
		return Raster{}, fmt.Errorf("geotiff: bad block size %d×%d", bw, bh)
	}
	bh = min(bh, h)
	across, down := (w+bw-1)/bw, (h+bh-1)/bh
	if len(offs) != across*down || len(counts) != len(offs) {
		return Raster{}, fmt.Errorf("geotiff: %d blocks listed, want %d", len(offs), across*down)
	}
	size := bits / 8
	if kind == 'f' {
		out.Float = make([]float32, w*h)
	} else {
		out.Int = make([]int32, w*h)
	}
	order := t.Order
	for b := range offs {
		o, n := offs[b], counts[b]
		if o < 0 || n < 0 || o+n > int64(len(data)) {
			return Raster{}, fmt.Errorf("geotiff: block %d lies outside the file", b)
		}
		raw := data[o : o+n]
		switch comp {
		case 5:
			raw, err = io.ReadAll(lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8))
		case 8, 32946:
			var zr io.ReadCloser
			if zr, err = zlib.NewReader(bytes.NewReader(raw)); err == nil {
				raw, err = io.ReadAll(zr)
			}
		}
		if err != nil {
			return Raster{}, fmt.Errorf("geotiff: block %d: %w", b, err)
		}
		bx, by := (b%across)*bw, (b/across)*bh
		rows := min(bh, h-by)
		if len(raw) < bw*size*rows {
			return Raster{}, fmt.Errorf("geotiff: block %d has %d bytes, want %d", b, len(raw), bw*size*rows)
		}
		for y := 0; y < rows; y++ {
			row := raw[y*bw*size : (y+1)*bw*size]
			dst := (by+y)*w + bx
			n := min(bw, w-bx)
			if kind == 'f' {
				for x := 0; x < n; x++ {
					out.Float[dst+x] = decodeFloat(row[x*size:], size, order)
				}
				continue
			}
			var prev int64
			for x := 0; x < n; x++ {
				v := decodeInt(row[x*size:], size, kind, order)
				if pred == 2 {
					v = wrapInt(prev+v, size, kind)
					prev = v
				}
				if v > math.MaxInt32 {
					return Raster{}, fmt.Errorf("geotiff: sample %d exceeds the 32-bit signed range", v)
				}
				out.Int[dst+x] = int32(v)
			}
		}
	}
	return out, nil
}

// sampleKind returns 'u', 'i' or 'f' for the sample layout.
func sampleKind(bits, format int) (byte, error) {
	switch {
	case format == 3 && (bits == 32 || bits == 64):
		return 'f', nil
	case (format == 1 || format == 2) && (bits == 8 || bits == 16 || bits == 32):
		return "xui"[format], nil
	}
	return 0, fmt.Errorf("geotiff: %d-bit samples of format %d are not supported", bits, format)
}

func decodeFloat(b []byte, size int, o binary.ByteOrder) float32 {
	if size == 8 {
		return float32(math.Float64frombits(o.Uint64(b)))
	}
	return math.Float32frombits(o.Uint32(b))
}

func decodeInt(b []byte, size int, kind byte, o binary.ByteOrder) int64 {
	switch size {
	case 1:
		if kind == 'i' {
			return int64(int8(b[0]))
		}
		return int64(b[0])
	case 2:
		if kind == 'i' {
			return int64(int16(o.Uint16(b)))
		}
		return int64(o.Uint16(b))
	}
	if kind == 'i' {
		return int64(int32(o.Uint32(b)))
	}
	return int64(o.Uint32(b))
}

// wrapInt brings a predictor sum back into the sample's range.
func wrapInt(v int64, size int, kind byte) int64 {
	u := uint64(v) & (1<<(8*size) - 1)
	if kind == 'i' && u >= 1<<(8*size-1) {
		return int64(u) - 1<<(8*size)
	}
	return int64(u)
}

// dir reads typed tag values, keeping the first error.
type dir struct {
	tags map[uint16]*tiff.Tag
	err  error
}

func (d *dir) ints(id uint16) []int64 {
	tg := d.tags[id]
	if tg == nil {
		return nil
	}
	out := make([]int64, 0, tg.Count)
	for i := 0; i < int(tg.Count); i++ {
		v, err := tg.Int64(i)
		if err != nil {
			if d.err == nil {
				d.err = fmt.Errorf("geotiff: tag %d: %w", id, err)
			}
			return nil
		}
		out = append(out, v)
	}
	return out
}

func (d *dir) int(id uint16, def int) int {
	v := d.ints(id)
	if len(v) == 0 {
		return def
	}
	return int(v[0])
}

func (d *dir) floats(id uint16) []float64 {
	tg := d.tags[id]
	if tg == nil {
		return nil
	}
	out := make([]float64, 0, tg.Count)
	for i := 0; i < int(tg.Count); i++ {
		v, err := tg.Float(i)
		if err != nil {
			if d.err == nil {
				d.err = fmt.Errorf("geotiff: tag %d: %w", id, err)
			}
			return nil
		}
		out = append(out, v)
	}
	return out
}

// grid reads the georeferencing of the image.
func (d *dir) grid(w, h int) (Grid, error) {
	if d.tags[tagTransformation] != nil {
		return Grid{}, fmt.Errorf("geotiff: ModelTransformation (rotated or sheared grids) is not supported")
	}
	scale, tie, keys := d.floats(tagPixelScale), d.floats(tagTiepoint), d.ints(tagGeoKeys)
	if d.err != nil {
		return Grid{}, d.err
	}
	if len(scale) < 2 || len(tie) < 6 || len(keys) < 4 {
		return Grid{}, fmt.Errorf("geotiff: not georeferenced (ModelPixelScale, ModelTiepoint and GeoKeyDirectory are required)")
	}
	if scale[0] <= 0 || scale[1] <= 0 {
		return Grid{}, fmt.Errorf("geotiff: pixel scale %v×%v is not positive", scale[0], scale[1])
	}
	key := map[int64]int64{}
	for i := 4; i+3 < len(keys) && (i-4)/4 < int(keys[3]); i += 4 {
		if keys[i+1] == 0 { // value stored in the directory itself
			key[keys[i]] = keys[i+3]
		}
	}
	g := Grid{Width: w, Height: h, PixelWidth: scale[0], PixelHeight: scale[1]}
	switch key[keyModelType] {
	case 1:
		g.EPSG, g.Projected = int(key[keyProjectedType]), true
	case 2:
		g.EPSG = int(key[keyGeographicType])
	default:
		return Grid{}, fmt.Errorf("geotiff: model type %d is neither projected (1) nor geographic (2)", key[keyModelType])
	}
	if g.EPSG == 0 || g.EPSG == 32767 {
		return Grid{}, fmt.Errorf("geotiff: the coordinate reference system has no EPSG code (user-defined): reproject to an EPSG CRS")
	}
	// The tiepoint maps raster (i, j) to model (x, y): the origin is the
	// upper-left corner of pixel (0, 0). PixelIsPoint puts the tie at the
	// pixel's centre.
	g.OriginX = tie[3] - tie[0]*g.PixelWidth
	g.OriginY = tie[4] + tie[1]*g.PixelHeight
	if key[keyRasterType] == 2 {
		g.OriginX -= g.PixelWidth / 2
		g.OriginY += g.PixelHeight / 2
	}
	return g, nil
}

// WriteGeoTIFF encodes a single-band raster as an uncompressed, little-endian
// GeoTIFF with one strip per row: Float as 32-bit floats, otherwise Int as
// 32-bit signed integers; the grid as ModelPixelScale, ModelTiepoint (the
// upper-left corner, PixelIsArea) and GeoKeyDirectory with the EPSG code, and
// NoData as GDAL_NODATA. It fails when the data do not fill the grid or the
// grid has no EPSG code. Files it writes are read back by ReadGeoTIFF and by
// GDAL.
func WriteGeoTIFF(w io.Writer, r Raster) error {
	g := r.Grid
	n := g.Width * g.Height
	isFloat := r.Float != nil
	if (isFloat && len(r.Float) != n) || (!isFloat && len(r.Int) != n) || n == 0 {
		return fmt.Errorf("geotiff: %d×%d grid but %d float and %d int samples", g.Width, g.Height, len(r.Float), len(r.Int))
	}
	if g.EPSG <= 0 {
		return fmt.Errorf("geotiff: the grid has no EPSG code")
	}
	le := binary.LittleEndian
	var pix bytes.Buffer
	pix.Grow(4 * n)
	var b [4]byte
	for i := 0; i < n; i++ {
		if isFloat {
			le.PutUint32(b[:], math.Float32bits(r.Float[i]))
		} else {
			le.PutUint32(b[:], uint32(r.Int[i]))
		}
		pix.Write(b[:])
	}
	format := 2
	if isFloat {
		format = 3
	}
	modelType, crsKey := 1, keyProjectedType
	if !g.Projected {
		modelType, crsKey = 2, keyGeographicType
	}
	type entry struct {
		tag, typ uint16
		vals     any // []uint16, []uint32, []float64 or string
	}
	offsets, counts := make([]uint32, g.Height), make([]uint32, g.Height)
	entries := []entry{
		{tagImageWidth, 4, []uint32{uint32(g.Width)}},
		{tagImageLength, 4, []uint32{uint32(g.Height)}},
		{tagBitsPerSample, 3, []uint16{32}},
		{tagCompression, 3, []uint16{1}},
		{tagPhotometric, 3, []uint16{1}},
		{tagStripOffsets, 4, offsets},
		{tagSamplesPerPixel, 3, []uint16{1}},
		{tagRowsPerStrip, 4, []uint32{1}},
		{tagStripByteCounts, 4, counts},
		{tagPlanarConfig, 3, []uint16{1}},
		{tagSampleFormat, 3, []uint16{uint16(format)}},
		{tagPixelScale, 12, []float64{g.PixelWidth, g.PixelHeight, 0}},
		{tagTiepoint, 12, []float64{0, 0, 0, g.OriginX, g.OriginY, 0}},
		{tagGeoKeys, 3, []uint16{1, 1, 0, 3,
			keyModelType, 0, 1, uint16(modelType),
			keyRasterType, 0, 1, 1,
			uint16(crsKey), 0, 1, uint16(g.EPSG)}},
	}
	if g.EPSG > math.MaxUint16 {
		return fmt.Errorf("geotiff: EPSG code %d does not fit a GeoKey", g.EPSG)
	}
	if r.HasNoData {
		entries = append(entries, entry{tagGDALNoData, 2, strconv.FormatFloat(r.NoData, 'g', -1, 64) + "\x00"})
	}
	// Layout: header (8), IFD (2 + 12·k + 4), out-of-line values, pixels.
	ifdSize := 2 + 12*len(entries) + 4
	extra := func(e entry) []byte {
		var buf bytes.Buffer
		switch v := e.vals.(type) {
		case []uint16:
			binary.Write(&buf, le, v)
		case []uint32:
			binary.Write(&buf, le, v)
		case []float64:
			binary.Write(&buf, le, v)
		case string:
			buf.WriteString(v)
		}
		return buf.Bytes()
	}
	count := func(e entry) int {
		switch v := e.vals.(type) {
		case []uint16:
			return len(v)
		case []uint32:
			return len(v)
		case []float64:
			return len(v)
		case string:
			return len(v)
		}
		return 0
	}
	// First pass: sizes of the out-of-line values, to place the pixels.
	valuesAt := 8 + ifdSize
	size := 0
	for _, e := range entries {
		if l := len(extra(e)); l > 4 {
			size += l + l%2
		}
	}
	pixAt := valuesAt + size
	for y := range offsets {
		offsets[y] = uint32(pixAt + y*4*g.Width)
		counts[y] = uint32(4 * g.Width)
	}
	var head, values bytes.Buffer
	head.WriteString("II")
	binary.Write(&head, le, uint16(42))
	binary.Write(&head, le, uint32(8))
	binary.Write(&head, le, uint16(len(entries)))
	for _, e := range entries {
		raw := extra(e)
		binary.Write(&head, le, e.tag)
		binary.Write(&head, le, e.typ)
		binary.Write(&head, le, uint32(count(e)))
		if len(raw) <= 4 {
			var v [4]byte
			copy(v[:], raw)
			head.Write(v[:])
			continue
		}
		binary.Write(&head, le, uint32(valuesAt+values.Len()))
		values.Write(raw)
		if len(raw)%2 == 1 {
			values.WriteByte(0)
		}
	}
	binary.Write(&head, le, uint32(0))
	for _, part := range [][]byte{head.Bytes(), values.Bytes(), pix.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}
