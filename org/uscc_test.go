package org

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"cifp"
)

// Positive vectors from china-standards.md §7.1; all pass both checks.
var validUSCCs = []string{
	"91350200776049653A",
	"91350503MA31DKY80A",
	"123502001549897397",
	"91350213678251743X",
}

// assertUSCCError checks that err is a single-field EINVALID error about
// value whose message contains every string in want.
func assertUSCCError(t *testing.T, err error, value string, want ...string) {
	t.Helper()
	var e *cifp.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *cifp.Error", err, err)
	}
	if e.Code != cifp.EINVALID {
		t.Errorf("Code = %q, want %q", e.Code, cifp.EINVALID)
	}
	if len(e.Fields) != 1 {
		t.Fatalf("Fields = %v, want exactly one", e.Fields)
	}
	f := e.Fields[0]
	if f.Field != "uscc" || f.Value != value {
		t.Errorf("FieldError = {Field %q, Value %q}, want {Field \"uscc\", Value %q}", f.Field, f.Value, value)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) || !strings.Contains(f.Message, w) {
			t.Errorf("messages %q / %q do not contain %q", e.Message, f.Message, w)
		}
	}
}

func TestValidateUSCC(t *testing.T) {
	tests := []struct {
		name string
		code string
		want []string // substrings of the message; nil means valid
	}{
		{"reference 1", "91350200776049653A", nil},
		{"reference 2 with letters", "91350503MA31DKY80A", nil},
		{"reference 3 机构编制", "123502001549897397", nil},
		{"reference 4 org check X", "91350213678251743X", nil},
		{"wrong check character", "91350203M0001QAY9B", []string{"check character", "'B'", "should be '9'"}},
		{"empty", "", []string{"18 characters", "has 0"}},
		{"17 characters", "91350200776049653", []string{"18 characters", "has 17"}},
		{"19 characters", "91350200776049653AA", []string{"18 characters", "has 19"}},
		{"surrounding space is not trimmed", " 91350200776049653A", []string{"has 19"}},
		{"lower case", "91350503ma31dky80a", []string{"character 9 ('m')", "lower case"}},
		{"letter I", "9135050IMA31DKY80A", []string{"character 8 ('I')", "must be a digit"}},
		{"letter I in body", "91350503MI31DKY80A", []string{"character 10 ('I')", "not allowed"}},
		{"letter O", "91350503MA31DKO80A", []string{"character 15 ('O')", "not allowed"}},
		{"letter S", "S1350503MA31DKY80A", []string{"character 1 ('S')", "not allowed"}},
		{"letter V", "9V350503MA31DKY80A", []string{"character 2 ('V')", "not allowed"}},
		{"letter Z as check", "91350503MA31DKY80Z", []string{"character 18 ('Z')", "not allowed"}},
		{"letter in division", "91A50200776049653A", []string{"character 3 ('A')", "must be a digit", "positions 3–8"}},
		{"letter at position 8", "9135020X776049653A", []string{"character 8 ('X')", "must be a digit"}},
		{"punctuation", "91350200-76049653A", []string{"character 9 ('-')", "not allowed"}},
		{"full-width digit", "9135020077604965３A", []string{"character 17 ('３')", "not allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateUSCC(tt.code)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateUSCC(%q) = %v, want nil", tt.code, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateUSCC(%q) = nil, want an error", tt.code)
			}
			assertUSCCError(t, err, tt.code, tt.want...)
		})
	}
}

func TestValidateUSCCReferenceVectors(t *testing.T) {
	for _, code := range validUSCCs {
		c, err := USCCCheckChar(code[:17])
		if err != nil || c != code[17] {
			t.Errorf("USCCCheckChar(%q) = %q, %v; want %q", code[:17], c, err, code[17])
		}
		if !OrgCodeCheckOK(code) {
			t.Errorf("OrgCodeCheckOK(%q) = false, want true", code)
		}
	}
}

// TestValidateUSCCSingleSubstitution checks that changing any one character
// of a valid code to another allowed character is caught: the weights 3^i are
// units mod 31, so the check detects every single substitution.
func TestValidateUSCCSingleSubstitution(t *testing.T) {
	for _, code := range validUSCCs {
		for i := range 18 {
			alphabet := usccAlphabet
			if i >= 2 && i <= 7 {
				alphabet = "0123456789"
			}
			for j := range len(alphabet) {
				if alphabet[j] == code[i] {
					continue
				}
				mutated := code[:i] + alphabet[j:j+1] + code[i+1:]
				if ValidateUSCC(mutated) == nil {
					t.Errorf("ValidateUSCC(%q) = nil (from %q), want an error", mutated, code)
				}
			}
		}
	}
}

func TestNormalizeUSCC(t *testing.T) {
	tests := []struct{ in, want string }{
		{"91350503ma31dky80a", "91350503MA31DKY80A"},
		{"  91350503Ma31dKy80a\t\n", "91350503MA31DKY80A"},
		{"91350200776049653A", "91350200776049653A"},
		{"", ""},
		{" 9135 0200 ", "9135 0200"}, // inner spaces stay; ValidateUSCC rejects them
	}
	for _, tt := range tests {
		if got := NormalizeUSCC(tt.in); got != tt.want {
			t.Errorf("NormalizeUSCC(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if err := ValidateUSCC(NormalizeUSCC(" 91350503ma31dky80a ")); err != nil {
		t.Errorf("normalised lower-case code: %v", err)
	}
}

func TestUSCCCheckCharErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"16 characters", "9135020077604965", []string{"first 17 characters", "got 16"}},
		{"18 characters", "91350200776049653A", []string{"got 18"}},
		{"forbidden letter", "9135020077604O653", []string{"character 14 ('O')", "not allowed"}},
		{"lower case", "91350503ma31dky80", []string{"character 9 ('m')", "lower case"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := USCCCheckChar(tt.in)
			if err == nil {
				t.Fatalf("USCCCheckChar(%q) = %q, nil; want an error", tt.in, c)
			}
			assertUSCCError(t, err, tt.in, tt.want...)
		})
	}
}

func TestOrgCodeCheckOK(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"91350200776049653A", true},
		{"91350213678251743X", true},  // GB 11714 check 10 → 'X'
		{"91350200776049654A", false}, // org check digit changed
		{"91350200776049653", false},  // too short
		{"", false},
		{"91350200776o49653A", false}, // lower case is not in 0–9, A–Z
	}
	for _, tt := range tests {
		if got := OrgCodeCheckOK(tt.code); got != tt.want {
			t.Errorf("OrgCodeCheckOK(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestMakeUSCC(t *testing.T) {
	got, err := MakeUSCC('9', '1', "350200", "77604965")
	if err != nil || got != "91350200776049653A" {
		t.Errorf("MakeUSCC(reference parts) = %q, %v; want %q", got, err, "91350200776049653A")
	}
	got, err = MakeUSCC('9', '1', "350503", "MA31DKY8")
	if err != nil || got != "91350503MA31DKY80A" {
		t.Errorf("MakeUSCC(reference parts with letters) = %q, %v; want %q", got, err, "91350503MA31DKY80A")
	}

	// Random parts round-trip through both checks; enough of them to hit
	// the GB 11714 special cases 10 → 'X' and 11 → '0'.
	r := rand.New(rand.NewPCG(2260, 4754))
	divisions := []string{"331100", "331102", "331121", "331127", "331181", "330000"}
	var sawX, saw0 bool
	for range 2000 {
		body := make([]byte, 8)
		for i := range body {
			body[i] = usccAlphabet[r.IntN(len(usccAlphabet))]
		}
		dept, kind := "159Y"[r.IntN(4)], "123"[r.IntN(3)]
		div := divisions[r.IntN(len(divisions))]
		code, err := MakeUSCC(dept, kind, div, string(body))
		if err != nil {
			t.Fatalf("MakeUSCC(%q, %q, %q, %q): %v", dept, kind, div, body, err)
		}
		if want := string([]byte{dept, kind}) + div + string(body); !strings.HasPrefix(code, want) {
			t.Fatalf("MakeUSCC = %q, want prefix %q", code, want)
		}
		if err := ValidateUSCC(code); err != nil {
			t.Fatalf("ValidateUSCC(MakeUSCC(…) = %q): %v", code, err)
		}
		if !OrgCodeCheckOK(code) {
			t.Fatalf("OrgCodeCheckOK(MakeUSCC(…) = %q) = false", code)
		}
		sawX = sawX || code[16] == 'X'
		saw0 = saw0 || code[16] == '0'
	}
	if !sawX || !saw0 {
		t.Errorf("organisation check characters seen: X %v, 0 %v; want both", sawX, saw0)
	}
}

func TestMakeUSCCErrors(t *testing.T) {
	tests := []struct {
		name       string
		dept, kind byte
		div, body  string
		want       string
	}{
		{"forbidden department", 'I', '1', "331100", "12345678", "department 'I'"},
		{"lower-case kind", '9', 'a', "331100", "12345678", "kind 'a'"},
		{"short division", '9', '1', "33110", "12345678", `division "33110"`},
		{"letter in division", '9', '1', "33110A", "12345678", `division "33110A"`},
		{"short body", '9', '1', "331100", "1234567", "8 characters"},
		{"forbidden letter in body", '9', '1', "331100", "1234567O", "character 8 ('O')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := MakeUSCC(tt.dept, tt.kind, tt.div, tt.body)
			if err == nil {
				t.Fatalf("MakeUSCC = %q, nil; want an error", code)
			}
			if cifp.ErrorCode(err) != cifp.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("MakeUSCC error = %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
}

func ExampleValidateUSCC() {
	fmt.Println(ValidateUSCC(NormalizeUSCC(" 91350503ma31dky80a ")))
	fmt.Println(cifp.ErrorMessage(ValidateUSCC("91350203M0001QAY9B")))
	// Output:
	// <nil>
	// invalid unified social credit code (统一社会信用代码): check character (position 18) is 'B' but should be '9'
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range validUSCCs {
		f.Add(s)
	}
	for _, s := range []string{"91350203M0001QAY9B", "", "91350503ma31dky80a", " 91350200776049653A ", "9135020077604965３A", "ÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateUSCC(s)
		_ = OrgCodeCheckOK(s)
		if len(s) >= 17 {
			_, _ = USCCCheckChar(s[:17])
		}
		if err != nil {
			var e *cifp.Error
			if !errors.As(err, &e) || e.Code != cifp.EINVALID || len(e.Fields) != 1 || e.Fields[0].Value != s {
				t.Fatalf("ValidateUSCC(%q) = %#v, want a one-field EINVALID *cifp.Error", s, err)
			}
			return
		}
		n := NormalizeUSCC(s)
		if n != s {
			t.Errorf("valid %q changed by NormalizeUSCC to %q", s, n)
		}
		if err := ValidateUSCC(n); err != nil {
			t.Errorf("valid %q invalid after NormalizeUSCC: %v", s, err)
		}
		if c, err := USCCCheckChar(s[:17]); err != nil || c != s[17] {
			t.Errorf("USCCCheckChar(%q) = %q, %v; want %q", s[:17], c, err, s[17])
		}
	})
}
