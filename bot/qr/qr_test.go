package qr_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"gridbot/bot/qr"
)

const link = "https://wx.example.com/a/ab3k7m?g=3%E7%BD%91%E6%A0%BC"

// decode reads a QR code with ZXing's Go port, a decoder independent of the
// encoder under test.
func decode(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: false})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

func render(t *testing.T, s qr.Size) image.Image {
	t.Helper()
	b, err := qr.PNG(link, s)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func TestPNGDecodesToTheLink(t *testing.T) {
	for name, s := range map[string]qr.Size{"screen": qr.Screen, "print": qr.Print} {
		img := render(t, s)
		if got := decode(t, img); got != link {
			t.Errorf("%s: decoded %q, want %q", name, got, link)
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w != h || w < s.MinPixels || w > s.MinPixels*3/2 {
			t.Errorf("%s: image %dx%d, want square, at least %d", name, w, h, s.MinPixels)
		}
	}
}

// TestQuietZone checks that a white border of four modules surrounds the
// code and that the code itself starts right after it (the top-left finder
// pattern's black corner).
func TestQuietZone(t *testing.T) {
	img := render(t, qr.Screen)
	n, _ := qr.Modules(link, qr.Screen.Level)
	scale := img.Bounds().Dx() / (n + 2*qr.QuietZone)
	if scale*(n+2*qr.QuietZone) != img.Bounds().Dx() {
		t.Fatalf("image side %d is not a whole number of %d-module steps", img.Bounds().Dx(), n+8)
	}
	quiet := qr.QuietZone * scale
	side := img.Bounds().Dx()
	for i := 0; i < side; i++ {
		for d := 0; d < quiet; d++ {
			for _, p := range [][2]int{{i, d}, {d, i}, {i, side - 1 - d}, {side - 1 - d, i}} {
				if !white(img.At(p[0], p[1])) {
					t.Fatalf("pixel %v inside the quiet zone is not white", p)
				}
			}
		}
	}
	if white(img.At(quiet, quiet)) {
		t.Fatal("the finder pattern does not start right after the quiet zone")
	}
}

// TestReadableWhenShrunk scales the screen code down to 200 pixels, about
// what a phone camera sees of a code on another screen, and reads it.
func TestReadableWhenShrunk(t *testing.T) {
	src := render(t, qr.Screen)
	if got := decode(t, shrink(src, 200)); got != link {
		t.Fatalf("shrunk code decoded %q", got)
	}
}

// TestPrintSurvivesDamage covers a fifth of the print code's width with a
// white band through the middle, as a fold or a smudge would, and reads it.
func TestPrintSurvivesDamage(t *testing.T) {
	src := render(t, qr.Print)
	img := image.NewRGBA(src.Bounds())
	for y := range src.Bounds().Dy() {
		for x := range src.Bounds().Dx() {
			img.Set(x, y, src.At(x, y))
		}
	}
	side := img.Bounds().Dx()
	n, _ := qr.Modules(link, qr.Print.Level)
	scale := side / (n + 8)
	x0 := side/2 - scale*n/10
	for x := x0; x < x0+scale*n/5; x++ {
		for y := side * 45 / 100; y < side*55/100; y++ {
			img.Set(x, y, color.White)
		}
	}
	if got := decode(t, img); got != link {
		t.Fatalf("damaged code decoded %q", got)
	}
}

func TestScale(t *testing.T) {
	for _, c := range []struct{ modules, min, want int }{
		{21, 720, 25}, {21, 725, 25}, {21, 726, 26}, {29, 1200, 33}, {177, 10, 1},
	} {
		if got := qr.Scale(c.modules, c.min); got != c.want {
			t.Errorf("Scale(%d, %d) = %d, want %d", c.modules, c.min, got, c.want)
		}
	}
}

func TestBadLinks(t *testing.T) {
	for _, bad := range []string{"", "wx.example.com/a/1", "javascript:alert(1)", "ftp://x/y", "https://",
		"https://x/" + strings.Repeat("a", qr.MaxLinkLen)} {
		if _, err := qr.PNG(bad, qr.Screen); !errors.Is(err, qr.ErrBadLink) {
			t.Errorf("PNG(%.30q) = %v, want ErrBadLink", bad, err)
		}
	}
}

// shrink scales a square image down to side pixels by averaging the grey
// of each source block, so module edges blur as in a camera picture.
func shrink(src image.Image, side int) image.Image {
	n := src.Bounds().Dx()
	dst := image.NewGray(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			sum, cnt := 0, 0
			for sy := y * n / side; sy < (y+1)*n/side; sy++ {
				for sx := x * n / side; sx < (x+1)*n/side; sx++ {
					sum += int(color.GrayModel.Convert(src.At(sx, sy)).(color.Gray).Y)
					cnt++
				}
			}
			dst.SetGray(x, y, color.Gray{Y: uint8(sum / max(cnt, 1))})
		}
	}
	return dst
}

func white(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xf000 && g > 0xf000 && b > 0xf000
}

func BenchmarkPNGPrint(b *testing.B) {
	for b.Loop() {
		if _, err := qr.PNG(link, qr.Print); err != nil {
			b.Fatal(err)
		}
	}
}
