// Package signed makes and checks signed links: short tokens that carry a few
// string fields and an optional expiry, authenticated with HMAC-SHA256, so
// that a URL printed as a QR code (an enterprise's carbon-efficiency code,
// a bank's loan code, …) cannot be forged or altered.
//
// A token is the base64url encoding (no padding) of
//
//	header byte   0x01 (no expiry) or 0x02 (with expiry)
//	[expiry]      signed varint, Unix seconds, only with header 0x02
//	count         uvarint, the number of fields
//	fields        for each: uvarint length, then the UTF-8 bytes
//	mac           the first 16 bytes of HMAC-SHA256(key, domain ‖ purpose ‖ all of the above)
//
// The fields are length-prefixed, so no value (whatever it contains) can be
// confused with another split of the fields. The purpose is bound into the MAC
// but not carried in the token: a token made for one purpose does not open
// for another.
package signed

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cifp"
)

// MinKeyLen is the smallest key NewSigner accepts, in bytes.
const MinKeyLen = 32

// MaxTokenLen is the longest token Open looks at, in characters. Longer
// tokens are rejected as invalid without decoding.
const MaxTokenLen = 4096

const (
	macLen        = 16
	headerNoExp   = 0x01
	headerWithExp = 0x02
	domain        = "cifp/signed/v1\x00"
)

// enc is strict: it rejects non-zero padding bits, so every token has exactly
// one spelling. (Newlines, which the decoder would skip, are rejected before
// decoding.)
var enc = base64.RawURLEncoding.Strict()

// Signer signs and checks short payloads with HMAC-SHA256 under a secret key.
// It is safe for concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for the key (at least MinKeyLen bytes, else an
// EINVALID error). The key is copied.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, cifp.Errorf(cifp.EINVALID, "signing key must be at least %d bytes, got %d", MinKeyLen, len(key))
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// Token returns a URL-safe token (base64url, no padding) that carries the
// fields and, when expires is not zero, the expiry (to the second, rounded
// down). Only a Signer with the same key opens it, and only for the same
// purpose.
func (s *Signer) Token(purpose string, fields []string, expires time.Time) string {
	n := 1 + binary.MaxVarintLen64 + binary.MaxVarintLen64 + macLen
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	b := make([]byte, 0, n)
	if expires.IsZero() {
		b = append(b, headerNoExp)
	} else {
		b = append(b, headerWithExp)
		b = binary.AppendVarint(b, expires.Unix())
	}
	b = binary.AppendUvarint(b, uint64(len(fields)))
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = append(b, s.mac(purpose, b)...)
	return enc.EncodeToString(b)
}

// Open checks a token for the purpose and returns its fields (never nil on
// success). A token with a bad MAC, made for another purpose or with another
// key, or malformed, is an EFORBIDDEN error "invalid link"; a genuine token
// whose expiry is at or before now is an EFORBIDDEN error "expired link".
func (s *Signer) Open(purpose, token string, now time.Time) ([]string, error) {
	if len(token) == 0 || len(token) > MaxTokenLen || !isBase64URL(token) {
		return nil, errInvalid()
	}
	raw, err := enc.DecodeString(token)
	if err != nil || len(raw) < 1+1+macLen {
		return nil, errInvalid()
	}
	body, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(mac, s.mac(purpose, body)) {
		return nil, errInvalid()
	}
	fields, expires, ok := parse(body)
	if !ok {
		return nil, errInvalid()
	}
	if expires != nil && !now.Before(*expires) {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "expired link")
	}
	return fields, nil
}

func errInvalid() error { return cifp.Errorf(cifp.EFORBIDDEN, "invalid link") }

// mac returns the truncated MAC of body for the purpose.
func (s *Signer) mac(purpose string, body []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	var p []byte
	p = append(p, domain...)
	p = binary.AppendUvarint(p, uint64(len(purpose)))
	p = append(p, purpose...)
	h.Write(p)
	h.Write(body)
	return h.Sum(nil)[:macLen]
}

// parse decodes the body of a token. Every length is checked against what is
// left, and trailing bytes are an error.
func parse(b []byte) (fields []string, expires *time.Time, ok bool) {
	if len(b) == 0 {
		return nil, nil, false
	}
	header := b[0]
	b = b[1:]
	switch header {
	case headerNoExp:
	case headerWithExp:
		sec, n := binary.Varint(b)
		if n <= 0 {
			return nil, nil, false
		}
		b = b[n:]
		t := time.Unix(sec, 0)
		expires = &t
	default:
		return nil, nil, false
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) { // each field takes at least one byte
		return nil, nil, false
	}
	b = b[n:]
	fields = make([]string, 0, count)
	for range count {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, nil, false
		}
		b = b[n:]
		fields = append(fields, string(b[:l]))
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, nil, false
	}
	return fields, expires, true
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// KeyFromEnvOrFile returns the signing key. When the environment variable
// envVar is set and not empty, the key is its value decoded as hex or, failing
// that, as base64 (standard or URL alphabet, padded or not); it must decode
// to at least MinKeyLen bytes, else the error is EINVALID. Otherwise the key
// is the raw content of the file at path, which is created (with its folder,
// mode 0700) holding 32 random bytes, mode 0600, when it does not exist, so
// that links survive restarts. An existing file shorter than MinKeyLen is an
// error, never overwritten.
func KeyFromEnvOrFile(envVar, path string) ([]byte, error) {
	if envVar != "" {
		if v := strings.TrimSpace(os.Getenv(envVar)); v != "" {
			key, ok := decodeKey(v)
			if !ok {
				return nil, cifp.Errorf(cifp.EINVALID, "%s must be a key in hex or base64", envVar)
			}
			if len(key) < MinKeyLen {
				return nil, cifp.Errorf(cifp.EINVALID, "%s must hold at least %d bytes, got %d", envVar, MinKeyLen, len(key))
			}
			return key, nil
		}
	}
	if path == "" {
		return nil, cifp.Errorf(cifp.EINVALID, "no signing key: set %s or give a key file", envVar)
	}
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	return createKeyFile(path)
}

// decodeKey decodes v as hex or, failing that, base64. A value that is valid
// hex is always taken as hex, so that a short hex key is reported short rather
// than read as a longer base64 key. (A random base64 key is all hex digits with
// negligible probability.)
func decodeKey(v string) ([]byte, bool) {
	if b, err := hex.DecodeString(v); err == nil {
		return b, true
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := e.DecodeString(v); err == nil {
			return b, true
		}
	}
	return nil, false
}

func readKeyFile(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("signing key file %s holds %d bytes, want at least %d", path, len(key), MinKeyLen)
	}
	return key, nil
}

// createKeyFile writes a new random key to a temporary file and links it into
// place, so that a concurrent reader never sees a partial key, and of two
// processes starting at once, both end up with the same key.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, MinKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make signing key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make signing key folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".signing-key-*")
	if err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file with mode 0600 already; Chmod keeps it so
	// whatever the platform does.
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(key)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path) // another process was first
		}
		// No hard links on this file system: create the file exclusively.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		} else if err != nil {
			return nil, fmt.Errorf("write signing key: %w", err)
		}
		_, err = f.Write(key)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write signing key: %w", err)
		}
	}
	return key, nil
}
