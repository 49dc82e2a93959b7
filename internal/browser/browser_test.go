package browser

import (
	"errors"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
)

const (
	selftestPage = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>浏览器自检</title>
<link rel="stylesheet" href="/selftest.css">
<script src="/selftest.js" defer></script>
</head>
<body>
<h1>气候投融资数智平台</h1>
<p>丽水市绿色金融 · 浏览器自检页面（简体中文渲染检查：碳排放、碳汇、绿色贷款余额 1,234.56 亿元）</p>
<button id="go" type="button">点击更新</button>
<p id="msg">等待点击……</p>
<script>document.title = "inline script ran";</script>
</body>
</html>`

	selftestJS = `document.getElementById("go").addEventListener("click", function () {
  var msg = document.getElementById("msg");
  msg.textContent = "已更新：欢迎使用气候投融资数智平台";
  msg.className = "done";
});
`

	selftestCSS = `body { font-family: "PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif; margin: 40px; background: #f4f6f9; color: #1f2d3d; }
h1 { color: #0b3d91; }
button { font: inherit; padding: 6px 16px; background: #0b3d91; color: #fff; border: 0; border-radius: 4px; }
#msg.done { color: #1a7f37; font-weight: 600; }
`

	wantMsg = "已更新：欢迎使用气候投融资数智平台"
)

// selftestServer serves the self-test page under the same strict
// Content-Security-Policy as the application: scripts from the origin only.
// The Accept-Language of the last page request goes to *acceptLang.
func selftestServer(t *testing.T, acceptLang *atomic.Value) *httptest.Server {
	t.Helper()
	serve := func(ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(ctype, "text/html") {
				acceptLang.Store(r.Header.Get("Accept-Language"))
			}
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
			w.Write([]byte(body))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", serve("text/html; charset=utf-8", selftestPage))
	mux.Handle("GET /selftest.js", serve("text/javascript; charset=utf-8", selftestJS))
	mux.Handle("GET /selftest.css", serve("text/css; charset=utf-8", selftestCSS))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowser(t *testing.T) {
	var acceptLang atomic.Value
	srv := selftestServer(t, &acceptLang)
	ctx := New(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#go")),
	); err != nil {
		t.Fatal(err)
	}

	before, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#msg")))
	if err != nil {
		t.Fatal(err)
	}
	if before != "等待点击……" {
		t.Errorf("before the click #msg = %q", before)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#go")),
		chromedp.WaitVisible(chromedp.CSS("#msg.done")),
	); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#msg")))
	if err != nil {
		t.Fatal(err)
	}
	if got != wantMsg {
		t.Errorf("after the click #msg = %q, want %q", got, wantMsg)
	}

	// The CSP holds: the inline script did not run.
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "浏览器自检" {
		t.Errorf("title = %q: the inline script ran despite script-src 'self'", title)
	}

	// The page sees a zh-CN browser.
	locale, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[navigator.language, Intl.DateTimeFormat().resolvedOptions().locale, new Date(2024, 0, 2).toLocaleDateString()]`))
	if err != nil {
		t.Fatal(err)
	}
	al, _ := acceptLang.Load().(string)
	t.Logf("navigator.language=%q Intl locale=%q date=%q Accept-Language=%q", locale[0], locale[1], locale[2], al)
	if locale[0] != "zh-CN" || locale[1] != "zh-CN" || locale[2] != "2024/1/2" || !strings.HasPrefix(al, "zh-CN") {
		t.Errorf("the page does not see a zh-CN browser")
	}

	Screenshot(t, ctx, "browser-selftest")

	dir, err := artifactsDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "browser-selftest.png")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Fatalf("%s is empty", path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cfg.Width != windowWidth {
		t.Errorf("%s is %d px wide, want %d", path, cfg.Width, windowWidth)
	}
}

func TestScreenshotName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"dashboard", "dashboard.png"},
		{"dashboard.png", "dashboard.png"},
		{"TestPages/登录页", "TestPages_登录页.png"},
		{"../../etc/passwd", "_.._etc_passwd.png"},
		{"a b:c", "a_b_c.png"},
	} {
		got, err := screenshotName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("screenshotName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", ".png", "..", "/"} {
		if got, err := screenshotName(bad); err == nil {
			t.Errorf("screenshotName(%q) = %q, want an error", bad, got)
		}
	}
}

func TestFindChromiumExplicitMissing(t *testing.T) {
	t.Setenv(envChromium, filepath.Join(t.TempDir(), "no-such-browser"))
	_, err := findChromium()
	if err == nil || errors.Is(err, errNotFound) {
		t.Fatalf("findChromium with a bad %s = %v; want an error that is not errNotFound", envChromium, err)
	}
}

func TestArtifactsDir(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}

	t.Setenv(envArtifacts, "")
	if got, _ := artifactsDir(); got != filepath.Join(root, "artifacts") {
		t.Errorf("default artifacts dir = %q", got)
	}
	t.Setenv(envArtifacts, "out/shots")
	if got, _ := artifactsDir(); got != filepath.Join(root, "out", "shots") {
		t.Errorf("relative artifacts dir = %q", got)
	}
	abs := t.TempDir()
	t.Setenv(envArtifacts, abs)
	if got, _ := artifactsDir(); got != abs {
		t.Errorf("absolute artifacts dir = %q, want %q", got, abs)
	}
}
