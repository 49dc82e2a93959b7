package qr

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	goqrcode "github.com/skip2/go-qrcode"

	"cifp"
	"cifp/internal/signed"
)

const shortURL = "https://cifp.example/c/AbC-123_xyz?x=1"

// signedURL returns a verification link with a real signed token, about 200
// characters long.
func signedURL(t testing.TB) string {
	t.Helper()
	s, err := signed.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	tok := s.Token("carbon-code", []string{
		"91331102MA2HXXXX7Q", "2025", "一级", "丽水市莲都区绿色制造有限公司",
	}, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	u := "https://cifp.lishui.example/verify/carbon-code?t=" + tok + "&src=printed-certificate"
	if len(u) < 180 || len(u) > 260 {
		t.Fatalf("signed URL is %d characters, want about 200: %s", len(u), u)
	}
	return u
}

// libBitmap returns the library's module matrix for text, quiet zone included.
func libBitmap(t testing.TB, text string) [][]bool {
	t.Helper()
	q, err := goqrcode.New(text, goqrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	return q.Bitmap()
}

// decodeImage reads the QR code in img with the ZXing port, without hints
// that it is a clean, computer-made code.
func decodeImage(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

func decodePNG(t testing.TB, b []byte, size int) image.Image {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("not a PNG: % x", b[:min(len(b), 8)])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r != image.Rect(0, 0, size, size) {
		t.Fatalf("PNG bounds = %v, want %dx%d", r, size, size)
	}
	return img
}

func isDark(c color.Color) bool {
	g := color.GrayModel.Convert(c).(color.Gray)
	return g.Y < 128
}

func TestPNGDecodes(t *testing.T) {
	for _, text := range []string{shortURL, signedURL(t)} {
		for _, size := range []int{256, 300, 512, 1024} {
			b, err := PNG(text, size)
			if err != nil {
				t.Fatalf("PNG(%q, %d): %v", text, size, err)
			}
			img := decodePNG(t, b, size)
			if got := decodeImage(t, img); got != text {
				t.Errorf("size %d: decoded %q, want %q", size, got, text)
			}
		}
	}
}

// The PNG is the library's module matrix, each module a square of the same
// whole number of pixels, centred, black on white.
func TestPNGMatchesMatrix(t *testing.T) {
	for _, text := range []string{shortURL, signedURL(t), "1"} {
		m := libBitmap(t, text)
		n := len(m)
		for _, size := range []int{n, n + 1, 2*n - 1, 256, 257, 1000} {
			b, err := PNG(text, size)
			if err != nil {
				t.Fatalf("PNG(%q, %d): %v", text, size, err)
			}
			img := decodePNG(t, b, size)
			scale := size / n
			off := (size - scale*n) / 2
			for y := range size {
				for x := range size {
					c := img.At(x, y)
					if !isPureBW(c) {
						t.Fatalf("pixel (%d,%d) = %v, not black or white", x, y, c)
					}
					mx, my := (x-off)/scale, (y-off)/scale
					want := x >= off && y >= off && mx < n && my < n && m[my][mx]
					if isDark(c) != want {
						t.Fatalf("%q size %d: pixel (%d,%d) dark=%v, want %v", text, size, x, y, isDark(c), want)
					}
				}
			}
		}
	}
}

func isPureBW(c color.Color) bool {
	r, g, b, a := c.RGBA()
	return a == 0xffff && r == g && g == b && (r == 0 || r == 0xffff)
}

func TestPNGIsSmallPalette(t *testing.T) {
	b, err := PNG(signedURL(t), 512)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := img.(*image.Paletted)
	if !ok || len(p.Palette) != 2 {
		t.Errorf("PNG is %T, want a two-colour paletted image", img)
	}
	if len(b) > 8<<10 {
		t.Errorf("PNG is %d bytes, want a few KB", len(b))
	}
}

// svgDoc is what the tests read from an SVG.
type svgDoc struct {
	XMLName        xml.Name `xml:"svg"`
	Width          string   `xml:"width,attr"`
	Height         string   `xml:"height,attr"`
	ViewBox        string   `xml:"viewBox,attr"`
	ShapeRendering string   `xml:"shape-rendering,attr"`
	Rects          []struct {
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Fill   string `xml:"fill,attr"`
	} `xml:"rect"`
	Paths []struct {
		D    string `xml:"d,attr"`
		Fill string `xml:"fill,attr"`
	} `xml:"path"`
}

func parseSVG(t testing.TB, b []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("SVG does not parse: %v\n%s", err, b)
	}
	if doc.XMLName.Space != "http://www.w3.org/2000/svg" || doc.XMLName.Local != "svg" {
		t.Fatalf("root = %v, want svg in the SVG namespace", doc.XMLName)
	}
	// The document is well-formed to the end, not just up to the root.
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG token: %v", err)
			}
			break
		}
	}
	return doc
}

// renderPath fills an n×n grid from path data made of closed, axis-aligned
// rectangles (M, m, H, h, V, v, Z, z with integer coordinates), failing on
// anything else or on overlapping rectangles.
func renderPath(t testing.TB, d string, n int) [][]bool {
	t.Helper()
	grid := make([][]bool, n)
	for i := range grid {
		grid[i] = make([]bool, n)
	}
	toks := tokenizePath(t, d)
	var x, y int
	var pts [][2]int
	closeRect := func() {
		if len(pts) != 4 {
			t.Fatalf("subpath with %d corners: %v", len(pts), pts)
		}
		x0, y0, x1, y1 := pts[0][0], pts[0][1], pts[0][0], pts[0][1]
		for _, p := range pts {
			x0, y0, x1, y1 = min(x0, p[0]), min(y0, p[1]), max(x1, p[0]), max(y1, p[1])
		}
		for _, p := range pts { // every corner is a corner of the bounding box
			if (p[0] != x0 && p[0] != x1) || (p[1] != y0 && p[1] != y1) {
				t.Fatalf("subpath %v is not a rectangle", pts)
			}
		}
		if x0 < 0 || y0 < 0 || x1 > n || y1 > n || x0 == x1 || y0 == y1 {
			t.Fatalf("rectangle %v outside the %d×%d view box or empty", pts, n, n)
		}
		for yy := y0; yy < y1; yy++ {
			for xx := x0; xx < x1; xx++ {
				if grid[yy][xx] {
					t.Fatalf("module (%d,%d) drawn twice", xx, yy)
				}
				grid[yy][xx] = true
			}
		}
		pts = nil
	}
	num := func(i int) int {
		if i >= len(toks) {
			t.Fatalf("path ends after a command")
		}
		v, err := strconv.Atoi(toks[i])
		if err != nil {
			t.Fatalf("path number %q: %v", toks[i], err)
		}
		return v
	}
	for i := 0; i < len(toks); {
		cmd := toks[i]
		i++
		switch cmd {
		case "M", "m":
			if pts != nil {
				t.Fatal("subpath not closed")
			}
			if cmd == "M" {
				x, y = num(i), num(i+1)
			} else {
				x, y = x+num(i), y+num(i+1)
			}
			i += 2
		case "H", "h", "V", "v":
			v := num(i)
			i++
			switch cmd {
			case "H":
				x = v
			case "h":
				x += v
			case "V":
				y = v
			case "v":
				y += v
			}
		case "Z", "z":
			closeRect()
			continue
		default:
			t.Fatalf("unexpected path command %q", cmd)
		}
		if cmd != "M" && cmd != "m" || pts == nil {
			pts = append(pts, [2]int{x, y})
		}
	}
	if pts != nil {
		t.Fatal("path ends with an open subpath")
	}
	return grid
}

func tokenizePath(t testing.TB, d string) []string {
	var toks []string
	for i := 0; i < len(d); {
		c := d[i]
		switch {
		case c == ' ' || c == ',' || c == '\n' || c == '\t':
			i++
		case strings.IndexByte("MmHhVvZz", c) >= 0:
			toks = append(toks, string(c))
			i++
		case c == '-' || '0' <= c && c <= '9':
			j := i + 1
			for j < len(d) && '0' <= d[j] && d[j] <= '9' {
				j++
			}
			toks = append(toks, d[i:j])
			i = j
		default:
			t.Fatalf("unexpected %q in path data at %d", c, i)
		}
	}
	return toks
}

func TestSVG(t *testing.T) {
	for _, text := range []string{shortURL, signedURL(t), "丽水碳效码"} {
		m := libBitmap(t, text)
		n := len(m)
		b, err := SVG(text, 256)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("<?xml")) {
			t.Errorf("SVG lacks an XML declaration")
		}
		doc := parseSVG(t, b)
		if doc.Width != "256" || doc.Height != "256" {
			t.Errorf("width, height = %q, %q; want 256", doc.Width, doc.Height)
		}
		if want := fmt.Sprintf("0 0 %d %d", n, n); doc.ViewBox != want {
			t.Errorf("viewBox = %q, want %q", doc.ViewBox, want)
		}
		if doc.ShapeRendering != "crispEdges" {
			t.Errorf("shape-rendering = %q", doc.ShapeRendering)
		}
		if len(doc.Rects) != 1 || doc.Rects[0].Fill != "#fff" || doc.Rects[0].Width != strconv.Itoa(n) || doc.Rects[0].Height != strconv.Itoa(n) {
			t.Errorf("background = %+v, want one white %d×%d rect", doc.Rects, n, n)
		}
		if len(doc.Paths) != 1 || doc.Paths[0].Fill != "#000" {
			t.Fatalf("paths = %d, want one black path", len(doc.Paths))
		}

		grid := renderPath(t, doc.Paths[0].D, n)
		dark, libDark := 0, 0
		for y := range n {
			for x := range n {
				if grid[y][x] != m[y][x] {
					t.Fatalf("%q: module (%d,%d) = %v in the SVG, %v in the library", text, x, y, grid[y][x], m[y][x])
				}
				if grid[y][x] {
					dark++
				}
				if m[y][x] {
					libDark++
				}
			}
		}
		if dark != libDark || dark == 0 {
			t.Errorf("dark modules: SVG %d, library %d", dark, libDark)
		}
		checkStructure(t, grid)

		// The SVG, rasterised, reads back as the text.
		if got := decodeImage(t, rasterize(grid, 4)); got != text {
			t.Errorf("SVG decodes as %q, want %q", got, text)
		}
	}
}

func TestSVGSizes(t *testing.T) {
	for _, size := range []int{1, 64, 100, 777, MaxSize} {
		b, err := SVG(shortURL, size)
		if err != nil {
			t.Fatal(err)
		}
		doc := parseSVG(t, b)
		if doc.Width != strconv.Itoa(size) || doc.Height != strconv.Itoa(size) {
			t.Errorf("size %d: width, height = %q, %q", size, doc.Width, doc.Height)
		}
	}
	a, _ := SVG(shortURL, 100)
	b, _ := SVG(shortURL, 100)
	if !bytes.Equal(a, b) {
		t.Error("SVG is not deterministic")
	}
}

// rasterize draws a module grid with scale pixels per module.
func rasterize(grid [][]bool, scale int) image.Image {
	n := len(grid)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for y := range n * scale {
		for x := range n * scale {
			if grid[y/scale][x/scale] {
				img.SetGray(x, y, color.Gray{0})
			} else {
				img.SetGray(x, y, color.Gray{255})
			}
		}
	}
	return img
}

// checkStructure checks the parts of a QR code any reader needs, independent
// of any decoder: a white quiet zone of 4 modules, the three finder patterns
// with their white separators, and the timing patterns.
func checkStructure(t testing.TB, m [][]bool) {
	t.Helper()
	n := len(m)
	size := n - 2*QuietZone
	if size < 21 || (size-17)%4 != 0 {
		t.Fatalf("symbol is %d modules wide, not a QR version", size)
	}
	at := func(x, y int) bool { return m[QuietZone+y][QuietZone+x] }
	for y := range n {
		for x := range n {
			if (x < QuietZone || y < QuietZone || x >= n-QuietZone || y >= n-QuietZone) && m[y][x] {
				t.Fatalf("dark module (%d,%d) in the quiet zone", x, y)
			}
		}
	}
	finder := func(x0, y0 int) {
		for dy := range 7 {
			for dx := range 7 {
				ring := max(abs(dx-3), abs(dy-3)) // 3: outer ring, 2: white ring, ≤1: centre
				want := ring != 2
				if at(x0+dx, y0+dy) != want {
					t.Fatalf("finder at (%d,%d): module (%d,%d) = %v", x0, y0, dx, dy, !want)
				}
			}
		}
	}
	finder(0, 0)
	finder(size-7, 0)
	finder(0, size-7)
	for i := range 8 { // separators
		for _, p := range [][2]int{{7, i}, {i, 7}, {size - 8, i}, {size - 8 + i, 7}, {7, size - 8 + i}, {i, size - 8}} {
			if at(p[0], p[1]) {
				t.Fatalf("separator module %v is dark", p)
			}
		}
	}
	for i := 8; i < size-8; i++ { // timing patterns
		if at(i, 6) != (i%2 == 0) || at(6, i) != (i%2 == 0) {
			t.Fatalf("timing pattern wrong at %d", i)
		}
	}
	if !at(8, size-8) {
		t.Fatal("dark module missing")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestStructure(t *testing.T) {
	for _, text := range []string{"a", shortURL, signedURL(t), strings.Repeat("x", 1000)} {
		checkStructure(t, libBitmap(t, text))
	}
}

// Random texts of many lengths, drawn at random sizes, all read back: a check
// of the library's encoder as much as of this package.
func TestRandomTextsDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~:/?#[]@!$&'()*+,;=% "
	lengths := []int{1, 2, 7, 10, 14, 17, 20, 25, 26, 32, 47, 50, 64, 77, 100, 127, 128, 150, 200, 255, 256, 300, 400, 500}
	if testing.Short() {
		lengths = lengths[:8]
	}
	for _, l := range lengths {
		for k := range 3 {
			var sb strings.Builder
			for range l {
				switch k {
				case 0: // URL characters: mixed segments
					sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
				case 1: // digits: numeric mode
					sb.WriteByte('0' + byte(rng.IntN(10)))
				default: // upper case and digits: alphanumeric mode
					sb.WriteByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:"[rng.IntN(45)])
				}
			}
			text := sb.String()
			n := len(libBitmap(t, text))
			size := n * (2 + rng.IntN(4))
			size += rng.IntN(n) // not always a multiple
			b, err := PNG(text, size)
			if err != nil {
				t.Fatalf("PNG(%q, %d): %v", text, size, err)
			}
			if got := decodeImage(t, decodePNG(t, b, size)); got != text {
				t.Fatalf("length %d, size %d: decoded %q, want %q", l, size, got, text)
			}
		}
	}
}

func TestChineseText(t *testing.T) {
	// Chinese text is encoded as UTF-8 bytes without an ECI header; ZXing,
	// like phone scanners, guesses UTF-8 for it.
	for _, text := range []string{"丽水市碳效码：一级", "https://cifp.example/c/丽水"} {
		b, err := PNG(text, 400)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeImage(t, decodePNG(t, b, 400)); got != text {
			t.Errorf("decoded %q, want %q", got, text)
		}
	}
}

func TestLongest(t *testing.T) {
	// Level M holds at most 2331 bytes (version 40).
	text := strings.Repeat("a", 2331)
	m := libBitmap(t, text)
	if len(m) != 177+2*QuietZone {
		t.Fatalf("matrix is %d modules, want 185", len(m))
	}
	b, err := PNG(text, 185*3)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeImage(t, decodePNG(t, b, 185*3)); got != text {
		t.Errorf("version 40 code does not read back")
	}
	for _, f := range []func(string, int) ([]byte, error){PNG, SVG} {
		_, err := f(text+"a", 1000)
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("2332 bytes: err = %v, want EINVALID", err)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, f := range []struct {
		name string
		fn   func(string, int) ([]byte, error)
	}{{"PNG", PNG}, {"SVG", SVG}} {
		for _, c := range []struct {
			text string
			size int
		}{
			{"", 256},
			{shortURL, 0},
			{shortURL, -1},
			{shortURL, MaxSize + 1},
			{strings.Repeat("x", 5000), 256},
		} {
			b, err := f.fn(c.text, c.size)
			if cifp.ErrorCode(err) != cifp.EINVALID || b != nil {
				t.Errorf("%s(%.20q, %d) = %d bytes, %v; want EINVALID", f.name, c.text, c.size, len(b), err)
			}
		}
	}
	// A PNG smaller than the code's modules cannot be drawn.
	n := len(libBitmap(t, shortURL))
	if _, err := PNG(shortURL, n-1); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("PNG(%d px for %d modules): err = %v, want EINVALID", n-1, n, err)
	}
	if _, err := PNG(shortURL, n); err != nil {
		t.Errorf("PNG(%d px for %d modules): %v", n, n, err)
	}
	if _, err := PNG(shortURL, MaxSize); err != nil {
		t.Errorf("PNG(MaxSize): %v", err)
	}
	// SVG is vector: any size draws.
	if _, err := SVG(shortURL, 1); err != nil {
		t.Errorf("SVG(1 px): %v", err)
	}
}

func BenchmarkPNG(b *testing.B) {
	u := signedURL(b)
	for b.Loop() {
		if _, err := PNG(u, 256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSVG(b *testing.B) {
	u := signedURL(b)
	for b.Loop() {
		if _, err := SVG(u, 256); err != nil {
			b.Fatal(err)
		}
	}
}
