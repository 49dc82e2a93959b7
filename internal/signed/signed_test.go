package signed

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cifp"
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	now      = time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
)

func mustSigner(t testing.TB, key []byte) *Signer {
	t.Helper()
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantForbidden fails unless err is a *cifp.Error with code EFORBIDDEN and
// the message.
func wantForbidden(t testing.TB, err error, message string) {
	t.Helper()
	var e *cifp.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *cifp.Error", err, err)
	}
	if e.Code != cifp.EFORBIDDEN || e.Message != message {
		t.Fatalf("err = %v, want %s: %s", err, cifp.EFORBIDDEN, message)
	}
}

func TestNewSigner(t *testing.T) {
	for _, n := range []int{0, 1, 16, 31} {
		_, err := NewSigner(make([]byte, n))
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("NewSigner(%d bytes) err = %v, want EINVALID", n, err)
		}
	}
	for _, n := range []int{32, 64} {
		if _, err := NewSigner(make([]byte, n)); err != nil {
			t.Errorf("NewSigner(%d bytes): %v", n, err)
		}
	}
}

func TestNewSignerCopiesKey(t *testing.T) {
	key := bytes.Clone(testKey)
	s := mustSigner(t, key)
	tok := s.Token("carbon-code", []string{"x"}, time.Time{})
	key[0] ^= 0xff
	if _, err := s.Open("carbon-code", tok, now); err != nil {
		t.Fatalf("changing the caller's key slice changed the signer: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	s := mustSigner(t, testKey)
	for _, fields := range [][]string{
		{"91331100MA2A0XXXXX"},
		{"丽水市莲都区绿色制造有限公司", "碳效码", "一级"},
		{"a|b", "c"},                          // separator-like characters inside
		{"a", "|b", "c"},                      // …the same characters, split differently
		{"", "", ""},                          // empty values count
		{"", "a"},                             //
		{"\x00\x01\xff", "\n", "=&?#/%+"},     // bytes a naive format would choke on
		{strings.Repeat("长", 300), "x"},       // long values (lengths above one varint byte)
		{"2026-03-01", "AbC-123_xyz", "tail"}, //
	} {
		tok := s.Token("carbon-code", fields, time.Time{})
		if !isBase64URL(tok) || strings.Contains(tok, "=") {
			t.Errorf("token %q is not base64url without padding", tok)
		}
		got, err := s.Open("carbon-code", tok, now)
		if err != nil {
			t.Fatalf("Open(Token(%q)): %v", fields, err)
		}
		if !slices.Equal(got, fields) {
			t.Errorf("Open(Token(%q)) = %q", fields, got)
		}
	}
}

func TestNoFields(t *testing.T) {
	s := mustSigner(t, testKey)
	for _, fields := range [][]string{nil, {}} {
		got, err := s.Open("p", s.Token("p", fields, time.Time{}), now)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || len(got) != 0 {
			t.Errorf("Open = %#v, want an empty, non-nil slice", got)
		}
	}
}

// Fields that differ only in how they are split give different tokens.
func TestFieldsAreUnambiguous(t *testing.T) {
	s := mustSigner(t, testKey)
	seen := map[string][]string{}
	for _, fields := range [][]string{
		{"ab", "c"}, {"a", "bc"}, {"abc"}, {"abc", ""}, {"", "abc"}, {"a", "b", "c"},
		{"a\x00b"}, {"a", "\x00b"}, {"\x01a"}, {"\x01", "a"},
	} {
		tok := s.Token("p", fields, time.Time{})
		if prev, ok := seen[tok]; ok {
			t.Errorf("fields %q and %q give the same token", prev, fields)
		}
		seen[tok] = fields
	}
}

func TestTokenIsDeterministicAndShort(t *testing.T) {
	s := mustSigner(t, testKey)
	fields := []string{"91331100MA2A0XXXXX", "2026"}
	a := s.Token("carbon-code", fields, time.Time{})
	b := s.Token("carbon-code", fields, time.Time{})
	if a != b {
		t.Errorf("tokens differ: %q, %q", a, b)
	}
	// header + count + 2×(len+value) + 16-byte MAC
	want := base64.RawURLEncoding.EncodedLen(1 + 1 + 1 + 18 + 1 + 4 + 16)
	if len(a) != want {
		t.Errorf("len(token) = %d, want %d (%q)", len(a), want, a)
	}
}

func TestTamperEveryByte(t *testing.T) {
	s := mustSigner(t, testKey)
	for _, expires := range []time.Time{{}, now.Add(time.Hour)} {
		tok := s.Token("carbon-code", []string{"丽水", "a|b"}, expires)
		if _, err := s.Open("carbon-code", tok, now); err != nil {
			t.Fatal(err)
		}
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := range len(tok) {
			// every other character at position i
			for _, c := range []byte(alphabet + "=+/. \n") {
				if c == tok[i] {
					continue
				}
				bad := tok[:i] + string(c) + tok[i+1:]
				_, err := s.Open("carbon-code", bad, now)
				if err == nil {
					t.Fatalf("token with byte %d changed to %q opens: %q", i, c, bad)
				}
				wantForbidden(t, err, "invalid link")
			}
			// deleting the character, inserting one, cutting the token short
			for _, bad := range []string{
				tok[:i] + tok[i+1:],
				tok[:i] + "A" + tok[i:],
				tok[:i] + "\n" + tok[i:],
				tok[:i],
			} {
				_, err := s.Open("carbon-code", bad, now)
				if err == nil {
					t.Fatalf("altered token opens: %q", bad)
				}
				wantForbidden(t, err, "invalid link")
			}
		}
		for _, bad := range []string{tok + "A", tok + "AA", tok + "=", tok + "\n", " " + tok} {
			_, err := s.Open("carbon-code", bad, now)
			if err == nil {
				t.Fatalf("altered token opens: %q", bad)
			}
			wantForbidden(t, err, "invalid link")
		}
	}
}

// Flipping any bit of the decoded token fails, including bits in the MAC.
func TestTamperEveryBit(t *testing.T) {
	s := mustSigner(t, testKey)
	tok := s.Token("carbon-code", []string{"碳效码", "x"}, now.Add(time.Hour))
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(raw) * 8 {
		b := bytes.Clone(raw)
		b[i/8] ^= 1 << (i % 8)
		_, err := s.Open("carbon-code", base64.RawURLEncoding.EncodeToString(b), now)
		if err == nil {
			t.Fatalf("token with bit %d flipped opens", i)
		}
		wantForbidden(t, err, "invalid link")
	}
}

func TestPurposeIsBound(t *testing.T) {
	s := mustSigner(t, testKey)
	tok := s.Token("carbon-code", []string{"91331100MA2A0XXXXX"}, time.Time{})
	for _, p := range []string{"loan-code", "", "carbon-code ", "Carbon-code", "carbon-cod", "carbon-code\x00"} {
		_, err := s.Open(p, tok, now)
		wantForbidden(t, err, "invalid link")
	}
	// A purpose that is a prefix of another, with the rest moved into the
	// fields, is still a different MAC input.
	tok = s.Token("ab", []string{"c"}, time.Time{})
	if _, err := s.Open("a", tok, now); err == nil {
		t.Error("token for purpose ab opens for a")
	}
	if _, err := s.Open("", s.Token("", nil, time.Time{}), now); err != nil {
		t.Errorf("empty purpose: %v", err)
	}
}

func TestOtherKey(t *testing.T) {
	a, b := mustSigner(t, testKey), mustSigner(t, otherKey)
	tok := a.Token("carbon-code", []string{"x"}, time.Time{})
	_, err := b.Open("carbon-code", tok, now)
	wantForbidden(t, err, "invalid link")
	// (HMAC pads short keys with zeros, so testKey and testKey+"\x00" are
	// the same HMAC key; keys are random, so this does not matter.)
}

func TestExpiry(t *testing.T) {
	s := mustSigner(t, testKey)
	exp := now.Add(24 * time.Hour)
	tok := s.Token("loan-code", []string{"L-2026-0001"}, exp)

	for _, at := range []time.Time{now, exp.Add(-time.Second), exp.Add(-time.Nanosecond), time.Unix(0, 0)} {
		if _, err := s.Open("loan-code", tok, at); err != nil {
			t.Errorf("Open at %v: %v", at, err)
		}
	}
	for _, at := range []time.Time{exp, exp.Add(time.Nanosecond), exp.Add(time.Hour), exp.AddDate(100, 0, 0)} {
		_, err := s.Open("loan-code", tok, at)
		wantForbidden(t, err, "expired link")
	}
	// An expired token for another purpose, or altered, is invalid, not expired:
	// "expired" is only said of genuine tokens.
	_, err := s.Open("carbon-code", tok, exp.Add(time.Hour))
	wantForbidden(t, err, "invalid link")

	// Sub-second expiries are rounded down.
	tok = s.Token("p", nil, exp.Add(900*time.Millisecond))
	_, err = s.Open("p", tok, exp)
	wantForbidden(t, err, "expired link")

	// Expiries before 1970 and far in the future are carried faithfully.
	old := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
	tok = s.Token("p", nil, old)
	if _, err := s.Open("p", tok, old.Add(-time.Second)); err != nil {
		t.Errorf("pre-1970 expiry: %v", err)
	}
	_, err = s.Open("p", tok, now)
	wantForbidden(t, err, "expired link")
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := s.Open("p", s.Token("p", nil, far), now); err != nil {
		t.Errorf("far expiry: %v", err)
	}
}

func TestNoExpiry(t *testing.T) {
	s := mustSigner(t, testKey)
	tok := s.Token("carbon-code", []string{"x"}, time.Time{})
	for _, at := range []time.Time{
		now, now.AddDate(50, 0, 0), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), {}, time.Unix(1<<40, 0),
	} {
		if _, err := s.Open("carbon-code", tok, at); err != nil {
			t.Errorf("Open at %v: %v", at, err)
		}
	}
	// A token without expiry and one with it differ.
	if tok == s.Token("carbon-code", []string{"x"}, now.AddDate(1, 0, 0)) {
		t.Error("the expiry does not change the token")
	}
}

func TestGarbage(t *testing.T) {
	s := mustSigner(t, testKey)
	valid := s.Token("p", []string{"x"}, time.Time{})
	for _, tok := range []string{
		"",
		"A",
		"AA",
		"AAAA",
		"!!!!",
		"not base64 at all",
		"a+b/c==",
		"%41%41%41",
		strings.Repeat("A", 22),            // 16 zero bytes: no body
		strings.Repeat("A", 24),            // body of one zero byte (bad header)
		strings.Repeat("A", 100),           //
		strings.Repeat("_", 100),           //
		strings.Repeat("A", MaxTokenLen+1), // too long
		valid + "=",                        // padding
		strings.ToUpper(valid),             //
		valid[:len(valid)/2],               //
		"\x00\x00\x00\x00\x00\x00\x00\x00", //
		"丽水丽水丽水丽水丽水丽水丽水丽水丽水丽水丽水丽水", //
	} {
		got, err := s.Open("p", tok, now)
		if got != nil {
			t.Errorf("Open(%q) = %q", tok, got)
		}
		wantForbidden(t, err, "invalid link")
	}
}

// Bodies that are malformed but carry a valid MAC (as only a key holder, or a
// bug, could make) are rejected by the parser without panicking.
func TestMalformedBodyWithValidMAC(t *testing.T) {
	s := mustSigner(t, testKey)
	for _, body := range [][]byte{
		{},
		{0x00, 0x00},
		{0x03, 0x00},
		{headerNoExp},                   // no count
		{headerNoExp, 0x01},             // one field, missing
		{headerNoExp, 0x01, 0x05, 'a'},  // field shorter than its length
		{headerNoExp, 0x00, 'x'},        // trailing byte
		{headerNoExp, 0xff, 0xff, 0xff}, // huge count
		{headerNoExp, 0x80},             // truncated varint
		{headerNoExp, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // huge length
		{headerWithExp},       // no expiry
		{headerWithExp, 0x80}, // truncated expiry
		{headerWithExp, 0x02}, // expiry, no count
	} {
		tok := base64.RawURLEncoding.EncodeToString(append(bytes.Clone(body), s.mac("p", body)...))
		_, err := s.Open("p", tok, now)
		wantForbidden(t, err, "invalid link")
	}
	// …while a well-formed body with a valid MAC opens.
	body := []byte{headerNoExp, 0x02, 0x01, 'a', 0x00}
	tok := base64.RawURLEncoding.EncodeToString(append(bytes.Clone(body), s.mac("p", body)...))
	if got, err := s.Open("p", tok, now); err != nil || !slices.Equal(got, []string{"a", ""}) {
		t.Errorf("Open = %q, %v", got, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := mustSigner(t, testKey)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				f := []string{strings.Repeat("碳", i), string(rune('a' + j%26))}
				got, err := s.Open("p", s.Token("p", f, time.Time{}), now)
				if err != nil || !slices.Equal(got, f) {
					t.Errorf("Open = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzOpen(f *testing.F) {
	s := mustSigner(f, testKey)
	f.Add("p", s.Token("p", []string{"丽水", "a|b"}, time.Time{}))
	f.Add("carbon-code", s.Token("carbon-code", []string{"x"}, now.Add(time.Hour)))
	f.Add("p", s.Token("p", nil, now))
	f.Add("p", "")
	f.Add("", "A")
	f.Add("p", "AAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("p", "not base64!")
	f.Fuzz(func(t *testing.T, purpose, token string) {
		fields, err := s.Open(purpose, token, now)
		if err != nil {
			if fields != nil {
				t.Fatalf("fields %q with error %v", fields, err)
			}
			code := cifp.ErrorCode(err)
			if code != cifp.EFORBIDDEN {
				t.Fatalf("err = %v, want EFORBIDDEN", err)
			}
			return
		}
		// Anything that opens must be what Token makes for these fields: the
		// format has exactly one spelling per payload. (Only no-expiry and
		// future-expiry tokens can open at now; re-signing the first kind must
		// give the same token.)
		if raw, _ := base64.RawURLEncoding.DecodeString(token); len(raw) > 0 && raw[0] == headerNoExp {
			if again := s.Token(purpose, fields, time.Time{}); again != token {
				t.Fatalf("token %q opens to %q, which signs as %q", token, fields, again)
			}
		}
	})
}

// FuzzRoundTrip checks that any fields and purpose survive Token and Open.
func FuzzRoundTrip(f *testing.F) {
	s := mustSigner(f, testKey)
	f.Add("carbon-code", "丽水", "a|b", int64(0))
	f.Add("", "", "", int64(1))
	f.Add("loan-code", "\x00", "\xff", int64(-5))
	f.Fuzz(func(t *testing.T, purpose, a, b string, exp int64) {
		var expires time.Time
		if exp != 0 {
			expires = time.Unix(exp, 0)
		}
		tok := s.Token(purpose, []string{a, b}, expires)
		at := now
		if !expires.IsZero() {
			at = expires.Add(-time.Second)
		}
		got, err := s.Open(purpose, tok, at)
		if err != nil {
			if len(tok) > MaxTokenLen {
				return
			}
			t.Fatalf("Open: %v", err)
		}
		if !slices.Equal(got, []string{a, b}) {
			t.Fatalf("Open = %q, want %q", got, []string{a, b})
		}
		if !expires.IsZero() {
			_, err := s.Open(purpose, tok, expires)
			wantForbidden(t, err, "expired link")
		}
	})
}

func TestKeyFromFile(t *testing.T) {
	t.Setenv("CIFP_TEST_SIGNING_KEY", "")
	path := filepath.Join(t.TempDir(), "secrets", "signing.key")

	k1, err := KeyFromEnvOrFile("CIFP_TEST_SIGNING_KEY", path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 32 {
		t.Fatalf("len(key) = %d, want 32", len(k1))
	}
	if bytes.Equal(k1, make([]byte, 32)) {
		t.Fatal("key is all zeros")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	onDisk, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(onDisk, k1) {
		t.Fatalf("file holds %x (%v), want %x", onDisk, err, k1)
	}
	mtime := fi.ModTime()

	k2, err := KeyFromEnvOrFile("CIFP_TEST_SIGNING_KEY", path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Fatalf("second call returned another key: %x, %x", k1, k2)
	}
	if fi, err := os.Stat(path); err != nil || !fi.ModTime().Equal(mtime) {
		t.Errorf("key file rewritten: %v", err)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want 1", len(entries))
	}

	// A link made with the first key opens with the second, as after a restart.
	tok := mustSigner(t, k1).Token("carbon-code", []string{"x"}, time.Time{})
	if _, err := mustSigner(t, k2).Open("carbon-code", tok, now); err != nil {
		t.Error(err)
	}
	// Without an env var name the file is used too.
	k3, err := KeyFromEnvOrFile("", path)
	if err != nil || !bytes.Equal(k1, k3) {
		t.Errorf("KeyFromEnvOrFile(\"\", path) = %x, %v", k3, err)
	}
}

func TestKeyFromFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	keys := make([][]byte, 16)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := KeyFromEnvOrFile("", path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("concurrent callers got different keys: %x, %x", keys[0], k)
		}
	}
}

func TestKeyFromExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	key := bytes.Repeat([]byte{7}, 40)
	if err := os.WriteFile(path, key, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := KeyFromEnvOrFile("", path)
	if err != nil || !bytes.Equal(got, key) {
		t.Errorf("got %x, %v; want %x", got, err, key)
	}

	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := KeyFromEnvOrFile("", short); err == nil {
		t.Error("short key file accepted")
	}
	if b, _ := os.ReadFile(short); string(b) != "too short" {
		t.Error("short key file was overwritten")
	}

	if _, err := KeyFromEnvOrFile("", ""); err == nil {
		t.Error("no env var and no path accepted")
	}
	if _, err := KeyFromEnvOrFile("", dir); err == nil {
		t.Error("a folder accepted as the key file")
	}
}

func TestKeyFromEnv(t *testing.T) {
	const env = "CIFP_TEST_SIGNING_KEY"
	key := []byte("0123456789abcdef0123456789abcdef!") // 33 bytes
	path := filepath.Join(t.TempDir(), "signing.key")
	for _, v := range []string{
		hex.EncodeToString(key),
		strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		"  " + hex.EncodeToString(key) + "\n",
	} {
		t.Setenv(env, v)
		got, err := KeyFromEnvOrFile(env, path)
		if err != nil {
			t.Errorf("%s=%q: %v", env, v, err)
			continue
		}
		if !bytes.Equal(got, key) {
			t.Errorf("%s=%q: key = %x, want %x", env, v, got, key)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("key file created although the env var is set: %v", err)
	}
}

func TestKeyFromEnvRejected(t *testing.T) {
	const env = "CIFP_TEST_SIGNING_KEY"
	path := filepath.Join(t.TempDir(), "signing.key")
	for _, v := range []string{
		hex.EncodeToString(make([]byte, 16)),
		hex.EncodeToString(make([]byte, 31)), // 62 hex digits are also valid unpadded base64 (46 bytes)
		base64.StdEncoding.EncodeToString(make([]byte, 31)),
		"short",
		"not hex, not base64!",
	} {
		t.Setenv(env, v)
		_, err := KeyFromEnvOrFile(env, path)
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("%s=%q: err = %v, want EINVALID", env, v, err)
		}
		if err != nil && strings.Contains(err.Error(), v) {
			t.Errorf("error %q shows the key", err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("key file created although the env var is set: %v", err)
	}
}
