package links

import (
	"html/template"
	"net/http"
	"strings"

	"gridbot/bot/qr"
)

// Handler serves the short links: GET /s/<code> redirects to the target's
// resident page (Sources.Pages), /s/<code>/qr.png is its QR code (?print=1 for paper) and
// /s/<code>/poster the printable A4 poster. Unknown codes get a short
// Chinese page with 404. Mount it at /s/.
func (l *Links) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /s/{code}", l.serveRedirect)
	mux.HandleFunc("GET /s/{code}/qr.png", l.serveQR)
	mux.HandleFunc("GET /s/{code}/poster", l.servePoster)
	return mux
}

func (l *Links) resolve(w http.ResponseWriter, r *http.Request) (Link, bool) {
	code := r.PathValue("code")
	t, ok, err := l.Resolve(r.Context(), code)
	if err != nil {
		l.env.Log.Error("resolve link", "err", err)
		http.Error(w, pageBusy, http.StatusServiceUnavailable)
		return Link{}, false
	}
	if !ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_ = notFoundPage.Execute(w, nil)
		return Link{}, false
	}
	code = strings.ToLower(code)
	return Link{Target: t, Code: code, URL: l.URL(code)}, true
}

func (l *Links) serveRedirect(w http.ResponseWriter, r *http.Request) {
	link, ok := l.resolve(w, r)
	if !ok {
		return
	}
	page := l.base + Page(link.Target)
	if l.src.Pages != nil {
		u, err := l.src.Pages.URL(r.Context(), string(link.Target.Kind), link.Target.ID, "")
		if err != nil {
			l.env.Log.Error("page of link", "code", link.Code, "err", err)
			http.Error(w, pageBusy, http.StatusServiceUnavailable)
			return
		}
		page = u
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, page, http.StatusFound)
}

func (l *Links) serveQR(w http.ResponseWriter, r *http.Request) {
	link, ok := l.resolve(w, r)
	if !ok {
		return
	}
	size := qr.Screen
	if r.URL.Query().Get("print") == "1" {
		size = qr.Print
	}
	png, err := QR(link, size)
	if err != nil {
		l.env.Log.Error("qr of link", "code", link.Code, "err", err)
		http.Error(w, pageBusy, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(png)
}

// poster is what the poster template shows.
type poster struct {
	About
	URL, QR string
}

func (l *Links) servePoster(w http.ResponseWriter, r *http.Request) {
	link, ok := l.resolve(w, r)
	if !ok {
		return
	}
	about, err := l.About(r.Context(), link.Target)
	if err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_ = notFoundPage.Execute(w, nil)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := posterPage.Execute(w, poster{About: about, URL: link.URL, QR: l.QRURL(link, true)}); err != nil {
		l.env.Log.Warn("poster page", "err", err)
	}
}

const pageBusy = "系统繁忙，请稍后再试。"

var notFoundPage = template.Must(template.New("nf").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>链接已失效</title><style>body{font:22px/1.6 system-ui,sans-serif;margin:2em 1em;color:#222}</style></head>
<body><h1>链接不对或已失效</h1><p>请核对链接，或在群里问网格员要新的链接。</p></body></html>`))

// posterPage is an A4 portrait poster: kind, title, the facts, a big QR
// code and the short link to type. On screen a 打印 button; in print only
// the sheet.
var posterPage = template.Must(template.New("poster").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Kind}}海报 · {{.Title}}</title>
<style>
@page{size:A4 portrait;margin:0}
*{box-sizing:border-box}
html,body{margin:0;background:#ddd;color:#111;font-family:"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif}
.sheet{width:210mm;height:297mm;margin:10mm auto;background:#fff;padding:18mm 16mm;display:flex;flex-direction:column;align-items:center;text-align:center;overflow:hidden}
.kind{font-size:13mm;font-weight:700;color:#fff;background:#c0392b;border-radius:4mm;padding:2mm 10mm;letter-spacing:2mm}
h1{font-size:15mm;line-height:1.25;margin:10mm 0 6mm;word-break:break-all}
.facts{font-size:8.5mm;line-height:1.6;margin:0 0 6mm}
.ended{font-size:8mm;color:#c0392b;font-weight:700}
.qr{width:110mm;height:110mm;margin:4mm 0}
.scan{font-size:9mm;font-weight:700;margin:2mm 0}
.url{font-size:6.5mm;font-family:ui-monospace,monospace;margin-top:3mm;word-break:break-all}
.tools{text-align:center;margin:6mm}
.tools button{font-size:20px;padding:12px 36px;border-radius:8px;border:0;background:#c0392b;color:#fff}
@media print{html,body{background:#fff}.sheet{margin:0;box-shadow:none}.tools{display:none}}
</style></head><body>
<div class="tools"><button onclick="window.print()">打印海报（A4）</button></div>
<main class="sheet">
<div class="kind">{{.Kind}}</div>
<h1>{{.Title}}</h1>
<div class="facts">{{range .Lines}}<div>{{.}}</div>{{end}}</div>
{{if .Ended}}<div class="ended">（已结束，扫码可看详情）</div>{{end}}
<img class="qr" src="{{.QR}}" alt="二维码">
<div class="scan">微信扫一扫，查看详情{{if eq .Kind "活动"}}、在线报名{{end}}</div>
<div class="url">{{.URL}}</div>
</main></body></html>`))
