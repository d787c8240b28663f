// Package qr renders a link as a PNG QR code, sized for a phone screen or
// for print, with the standard quiet zone of four modules around it.
//
// Encoding is done by github.com/piglig/go-qr (a maintained, dependency-free
// port of Nayuki's reference QR generator); the modules are drawn here on a
// two-colour image, which encodes at one bit a pixel.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"

	goqr "github.com/piglig/go-qr"
)

// QuietZone is the white border around the code, in modules (the minimum
// the QR standard asks for).
const QuietZone = 4

// MaxLinkLen bounds the links PNG takes: longer ones make a dense code that
// a phone struggles to read off a small print.
const MaxLinkLen = 512

// Level is an error-correction level.
type Level int

// Error-correction levels: the share of the code that may be damaged or
// hidden and still read.
const (
	Medium   Level = iota // about 15%
	Quartile              // about 25%
)

// Size is how a code will be shown.
type Size struct {
	// MinPixels is the smallest side of the image, quiet zone included;
	// the image is the first whole number of pixels per module at or
	// above it, so module edges stay sharp.
	MinPixels int
	// Level is the error correction.
	Level Level
}

var (
	// Screen is for a phone screen and for forwarding in a chat: about
	// 720 pixels, so it stays sharp at 240 CSS pixels on a 3x screen and
	// when WeChat's long-press 识别图中二维码 reads it.
	Screen = Size{MinPixels: 720, Level: Medium}
	// Print is for paper (a poster on the notice board): at least 1200
	// pixels, a 10 cm code at 300 dpi, with more error correction against
	// folds, dirt and glare.
	Print = Size{MinPixels: 1200, Level: Quartile}
)

// ErrBadLink is returned for text that is not an absolute http(s) link of
// at most MaxLinkLen bytes.
var ErrBadLink = errors.New("qr: not an http(s) link")

// PNG renders link as a black-on-white PNG QR code of the given size.
func PNG(link string, size Size) ([]byte, error) {
	q, err := encode(link, size.Level)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, render(q, Scale(q.Size(), size.MinPixels))); err != nil {
		return nil, fmt.Errorf("qr: render: %w", err)
	}
	return buf.Bytes(), nil
}

// bw is the palette of a rendered code: white, then black.
var bw = color.Palette{color.White, color.Black}

// render draws the modules scale pixels wide on a two-colour image with
// the quiet zone around them; image/png writes it at one bit a pixel,
// about six times faster and a third the size of the library's RGBA PNG.
func render(q *goqr.QrCode, scale int) *image.Paletted {
	n := q.Size()
	side := (n + 2*QuietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), bw)
	for y := range n {
		for x := range n {
			if !q.Module(x, y) {
				continue
			}
			x0, y0 := (x+QuietZone)*scale, (y+QuietZone)*scale
			for py := y0; py < y0+scale; py++ {
				row := img.Pix[py*img.Stride+x0 : py*img.Stride+x0+scale]
				for i := range row {
					row[i] = 1
				}
			}
		}
	}
	return img
}

// Modules returns the side of the code for link in modules, without the
// quiet zone (21 for version 1, 4 more per version).
func Modules(link string, level Level) (int, error) {
	q, err := encode(link, level)
	if err != nil {
		return 0, err
	}
	return q.Size(), nil
}

// Scale returns the pixels per module that make a code of the given side
// (in modules, quiet zone excluded) at least minPixels wide with its quiet
// zone; at least 1.
func Scale(modules, minPixels int) int {
	total := modules + 2*QuietZone
	return max((minPixels+total-1)/total, 1)
}

func encode(link string, level Level) (*goqr.QrCode, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(link) > MaxLinkLen {
		return nil, fmt.Errorf("%w: %.40q", ErrBadLink, link)
	}
	ecc := goqr.Medium
	if level == Quartile {
		ecc = goqr.Quartile
	}
	q, err := goqr.EncodeText(link, ecc)
	if err != nil {
		return nil, fmt.Errorf("qr: encode: %w", err)
	}
	return q, nil
}
