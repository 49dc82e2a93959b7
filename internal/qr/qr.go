// Package qr draws QR codes as PNG and SVG images, for links printed on
// paper or shown on screen (the public page of an enterprise's
// carbon-efficiency code, a bank's loan code, …).
//
// The codes use error-correction level M (about 15% of the code may be
// damaged), the smallest version that fits, and a quiet zone of at least 4
// modules. Text is encoded as its UTF-8 bytes (the library picks numeric,
// alphanumeric or byte segments as is shortest; no ECI header), which phone
// scanners read as UTF-8; links, which are ASCII, are the main use. Both
// formats draw every module as a whole number of pixels (PNG) or as exact
// squares (SVG), black on white, so that scanners read them easily.
package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"cifp"
)

// MaxSize is the largest image size PNG and SVG accept, in pixels.
const MaxSize = 4096

// QuietZone is the white border around the code, in modules.
const QuietZone = 4

// modules returns the module matrix of the code for text, quiet zone
// included: m[y][x] is true for a dark module.
func modules(text string) ([][]bool, error) {
	if text == "" {
		return nil, cifp.Errorf(cifp.EINVALID, "no text for the QR code")
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		if strings.Contains(err.Error(), "too long") {
			return nil, cifp.Errorf(cifp.EINVALID, "text too long for a QR code (%d bytes)", len(text))
		}
		return nil, fmt.Errorf("qr: %w", err)
	}
	m := q.Bitmap() // with the library's 4-module quiet zone
	if len(m) == 0 || len(m) != len(m[0]) {
		return nil, fmt.Errorf("qr: bad module matrix")
	}
	return m, nil
}

func checkSize(size int) error {
	if size <= 0 || size > MaxSize {
		return cifp.Errorf(cifp.EINVALID, "QR code size must be from 1 to %d pixels, got %d", MaxSize, size)
	}
	return nil
}

// PNG returns a QR code of text as a size×size pixel PNG image (black and
// white, 1 bit per pixel), error-correction level M, with a quiet zone. Each
// module is drawn as the same whole number of pixels and the code is centred,
// so the quiet zone takes up what is left over and may be wider than 4
// modules. The error is EINVALID for empty text, text too long for a QR code,
// a size outside 1…MaxSize, or a size smaller than the code's modules
// (quiet zone included: 29 for a short text, up to 185).
func PNG(text string, size int) ([]byte, error) {
	if err := checkSize(size); err != nil {
		return nil, err
	}
	m, err := modules(text)
	if err != nil {
		return nil, err
	}
	n := len(m)
	scale := size / n
	if scale < 1 {
		return nil, cifp.Errorf(cifp.EINVALID, "QR code for this text needs at least %d pixels, got %d", n, size)
	}
	offset := (size - scale*n) / 2

	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range m {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := offset + y*scale; py < offset+(y+1)*scale; py++ {
				line := img.Pix[py*img.Stride:]
				for px := offset + x*scale; px < offset+(x+1)*scale; px++ {
					line[px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return buf.Bytes(), nil
}

// SVG returns the QR code of text as a standalone SVG document: a white
// background and one black <path> of the dark modules, its viewBox in modules
// with a 4-module quiet zone, width and height size pixels, and
// shape-rendering="crispEdges". The errors are those of PNG, except that any
// size from 1 to MaxSize will do.
func SVG(text string, size int) ([]byte, error) {
	if err := checkSize(size); err != nil {
		return nil, err
	}
	m, err := modules(text)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(len(m))
	s := strconv.Itoa(size)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="` + s + `" height="` + s +
		`" viewBox="0 0 ` + n + ` ` + n + `" shape-rendering="crispEdges">` + "\n")
	b.WriteString(`<rect width="` + n + `" height="` + n + `" fill="#fff"/>` + "\n")
	b.WriteString(`<path fill="#000" d="`)
	b.WriteString(pathData(m))
	b.WriteString(`"/>` + "\n</svg>\n")
	return b.Bytes(), nil
}

// pathData returns SVG path data drawing the dark modules of m: one closed
// rectangle "M{x} {y}h{w}v1h-{w}z" for each horizontal run of dark modules.
func pathData(m [][]bool) string {
	var b strings.Builder
	for y, row := range m {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			w := 1
			for x+w < len(row) && row[x+w] {
				w++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, w, w)
			x += w
		}
	}
	return b.String()
}
