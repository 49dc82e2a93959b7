// Package browser is a small harness that lets Go tests drive a real headless
// Chromium through github.com/chromedp/chromedp, and keep screenshots of what a
// person would see.
//
// A test asks for a browser with New and then uses the chromedp actions on the
// returned context:
//
//	ctx := browser.New(t)
//	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
//		t.Fatal(err)
//	}
//	browser.Screenshot(t, ctx, "dashboard")
//
// The browser is found through the environment variable CIFP_CHROMIUM, then
// /usr/bin/chromium, then chromium, chromium-browser or google-chrome on PATH.
// When none is there the test is skipped, unless CIFP_REQUIRE_BROWSER=1 (as in
// CI), which makes it fail. Screenshots go to $CIFP_ARTIFACTS, by default the
// folder artifacts/ at the root of the module.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const (
	// envChromium names the browser executable (a path, or a name on PATH).
	envChromium = "CIFP_CHROMIUM"
	// envRequire, set to 1, turns a missing browser from a skip into a failure.
	envRequire = "CIFP_REQUIRE_BROWSER"
	// envArtifacts is the folder for screenshots. A relative path is taken
	// relative to the module root.
	envArtifacts = "CIFP_ARTIFACTS"

	// timeout bounds everything a test does with the context that New
	// returns, measured from the moment the browser is up.
	timeout = 3 * time.Minute
	// startTimeout bounds the start of the browser itself.
	startTimeout = 60 * time.Second
	// closeTimeout bounds the graceful close in the cleanup; after it the
	// browser is killed.
	closeTimeout = 10 * time.Second

	windowWidth  = 1366
	windowHeight = 900
)

// New starts a fresh headless Chromium for the test and returns a chromedp
// context for its first tab. Every action on the context shares one overall
// deadline of 3 minutes (browser tests share two cores with the rest of the
// suite in CI). The browser, its profile and everything it started
// are gone when the test's cleanup has run.
//
// When no browser is installed, New skips the test, or fails it when
// CIFP_REQUIRE_BROWSER=1.
func New(t testing.TB) context.Context {
	t.Helper()

	execPath, err := findChromium()
	if err != nil {
		if errors.Is(err, errNotFound) && os.Getenv(envRequire) != "1" {
			t.Skipf("browser: %v; set %s=1 to make this a failure", err, envRequire)
		}
		t.Fatalf("browser: %v", err)
	}

	// A fresh, empty profile. It is created before the cleanup below is
	// registered, so that its removal runs after the browser has stopped.
	profile := t.TempDir()

	// Logging from chromedp's goroutines must stop once the test is over:
	// t.Logf panics after the test has completed.
	lg := &guardedLog{t: t}
	output := &tailBuffer{max: 16 << 10}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(windowWidth, windowHeight),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.CombinedOutput(output),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(lg.prefixed("chromedp: ")),
		chromedp.WithErrorf(lg.prefixed("chromedp error: ")),
	)

	// The first action starts the browser and binds its life to browserCtx,
	// so it must not run under a deadline; a timer kills a hung start.
	startTimer := time.AfterFunc(startTimeout, cancelBrowser)
	err = chromedp.Do(browserCtx)
	startTimer.Stop()
	if err != nil {
		cancelBrowser()
		cancelAlloc()
		killLeftovers(profile)
		removeAllRetry(profile)
		t.Fatalf("browser: starting %s: %v\n%s", execPath, err, output.String())
	}

	// Headless Chromium ignores --lang: pages would see en-US. Make the tab
	// Chinese the way a zh-CN browser is: navigator.language(s), the
	// Accept-Language header and the ICU locale of Intl / toLocaleString.
	if err := chineseLocale(browserCtx); err != nil {
		cancelBrowser()
		cancelAlloc()
		killLeftovers(profile)
		removeAllRetry(profile)
		t.Fatalf("browser: setting the zh-CN locale: %v", err)
	}

	// Forward what the page writes to its console (and its uncaught
	// exceptions) to the test log: invaluable when a script misbehaves.
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range chromedp.Console(browserCtx) {
			if err != nil {
				return
			}
			where := ""
			if m.URL != "" {
				where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
			}
			lg.logf("console.%s: %s%s", m.Type, m.Text, where)
		}
	}()

	ctx, cancelTimeout := context.WithTimeout(browserCtx, timeout)

	t.Cleanup(func() {
		cancelTimeout()

		// Close the browser gracefully, then make sure it is gone.
		closed := make(chan error, 1)
		go func() { closed <- chromedp.Cancel(browserCtx) }()
		select {
		case err := <-closed:
			if err != nil && !errors.Is(err, context.Canceled) {
				lg.logf("browser: closing: %v", err)
			}
		case <-time.After(closeTimeout):
			lg.logf("browser: no graceful close after %v; killing it", closeTimeout)
		}
		cancelBrowser()
		cancelAlloc() // kills the process if needed, and waits for it
		<-consoleDone

		// Helper processes (zygote, crashpad, ...) can outlive the main one
		// for a moment and keep writing into the profile.
		killLeftovers(profile)
		if err := removeAllRetry(profile); err != nil {
			lg.logf("browser: removing the profile: %v", err)
		}
		if t.Failed() {
			if out := output.String(); strings.TrimSpace(out) != "" {
				lg.logf("browser output (last %d bytes):\n%s", output.max, out)
			}
		}
		lg.close()
	})

	return ctx
}

// Screenshot takes a PNG screenshot of the whole page (not only the viewport)
// of the tab behind ctx and writes it to $CIFP_ARTIFACTS/<name>.png (by
// default <module root>/artifacts/<name>.png), creating the folder. The name
// is made safe for a file name: characters other than letters, digits, '.',
// '-' and '_' become '_', so t.Name() is fine. Any error fails the test.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()

	file, err := screenshotName(name)
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	dir, err := artifactsDir()
	if err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 = PNG
	if err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	if !bytes.HasPrefix(buf, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("browser: screenshot %q: the browser did not return a PNG (%d bytes)", name, len(buf))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	t.Logf("browser: screenshot %s (%d bytes)", path, len(buf))
}

// chineseLocale overrides the language of the tab behind ctx with zh-CN,
// keeping the browser's own user agent string.
func chineseLocale(ctx context.Context) error {
	v, err := chromedp.CallBrowser(ctx, cdpbrowser.GetVersion, cdp.Empty{})
	if err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent:      v.UserAgent,
		AcceptLanguage: "zh-CN,zh",
	}); err != nil {
		return err
	}
	_, err = chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "zh_CN"})
	return err
}

var errNotFound = errors.New("no Chromium found")

// candidates are looked up on PATH, in order, after /usr/bin/chromium.
var candidates = []string{"chromium", "chromium-browser", "google-chrome"}

// findChromium returns the browser to run. A CIFP_CHROMIUM that names nothing
// runnable is an error of its own (not errNotFound): the caller asked for a
// particular browser, so a skip would hide a broken setup.
func findChromium() (string, error) {
	if v := os.Getenv(envChromium); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("%s=%q: %w", envChromium, v, err)
		}
		return p, nil
	}
	if isExecutable("/usr/bin/chromium") {
		return unwrapDebian("/usr/bin/chromium"), nil
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return unwrapDebian(p), nil
		}
	}
	return "", fmt.Errorf("%w (looked at $%s, /usr/bin/chromium, and %s on PATH); install a Chromium (Debian: apt-get install chromium) or set %s",
		errNotFound, envChromium, strings.Join(candidates, ", "), envChromium)
}

// debianBinary is the real browser behind Debian's launcher script.
const debianBinary = "/usr/lib/chromium/chromium"

// unwrapDebian returns the real browser binary when p is Debian's launcher
// script /usr/bin/chromium. The script adds flags of its own from
// /etc/chromium.d (extensions, GPU rasterization, ...); the binary runs with
// exactly the flags that New gives. Anything else is returned as it is.
func unwrapDebian(p string) string {
	real, err := filepath.EvalSymlinks(p)
	if err != nil || filepath.Base(real) != "chromium" || !isExecutable(debianBinary) {
		return p
	}
	f, err := os.Open(real)
	if err != nil {
		return p
	}
	defer f.Close()
	head := make([]byte, 2)
	if _, err := f.Read(head); err != nil || string(head) != "#!" {
		return p
	}
	return debianBinary
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// artifactsDir returns $CIFP_ARTIFACTS, or <module root>/artifacts. A
// relative CIFP_ARTIFACTS is taken relative to the module root, not to the
// package folder in which go test runs.
func artifactsDir() (string, error) {
	dir := os.Getenv(envArtifacts)
	if dir != "" && filepath.IsAbs(dir) {
		return dir, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = "artifacts"
	}
	return filepath.Join(root, dir), nil
}

// moduleRoot walks up from the working directory to the folder that holds
// go.mod.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && fi.Mode().IsRegular() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s; set %s", wd, envArtifacts)
		}
		dir = parent
	}
}

// screenshotName turns name into a safe file name ending in .png.
func screenshotName(name string) (string, error) {
	name = strings.TrimSuffix(name, ".png")
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if strings.Trim(s, "_") == "" {
		return "", fmt.Errorf("unusable screenshot name %q", name)
	}
	return s + ".png", nil
}

// killLeftovers kills the processes that still run with the profile dir, i.e.
// the helper processes of the browser that New started (Chromium passes
// --user-data-dir to all of them). It looks a few times, because a helper can
// fork just as the browser stops. Only Linux has /proc; elsewhere it does
// nothing.
func killLeftovers(dir string) {
	want := []byte("--user-data-dir=" + dir)
	self := os.Getpid()
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		found := 0
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == self {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			for _, arg := range bytes.Split(cmdline, []byte{0}) {
				if bytes.Equal(arg, want) {
					if p, err := os.FindProcess(pid); err == nil {
						_ = p.Kill()
					}
					found++
					break
				}
			}
		}
		if found == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// removeAllRetry removes dir, trying again for a few seconds: a helper process
// that was just killed may still have had a file open in it.
func removeAllRetry(dir string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// guardedLog forwards to t.Logf until close, and drops messages after that.
type guardedLog struct {
	mu     sync.Mutex
	t      testing.TB
	closed bool
}

func (l *guardedLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.t.Logf(format, args...)
	}
}

func (l *guardedLog) prefixed(prefix string) func(string, ...any) {
	return func(format string, args ...any) { l.logf(prefix+format, args...) }
}

func (l *guardedLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
}

// tailBuffer keeps the last max bytes written to it; it is safe for
// concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
