package org

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"cifp"
)

// The 统一社会信用代码 (unified social credit code, USCC) of GB 32100-2015 has
// 18 characters:
//
//	1      登记管理部门代码, the registering department (1 机构编制, 5 民政, 9 市场监管, …)
//	2      机构类别代码, the kind of body within that department (for 9: 1 企业, 2 个体工商户, …)
//	3–8    登记管理机关行政区划码, the registering authority's GB/T 2260 division (digits)
//	9–17   主体标识码, the GB 11714 组织机构代码: 8 body characters and 1 check character
//	18     the USCC check character
//
// See /work/shared/reference/china-standards.md §7.1.
const (
	usccLen = 18

	// usccAlphabet is the USCC character set in value order: 0–9 are 0–9,
	// A is 10 … Y is 30. I, O, S, V and Z are not used.
	usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
)

// usccWeights[i] = 3^i mod 31, the weight of position i+1.
var usccWeights = [usccLen - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgCodeWeights are the GB 11714 weights of the 8 body characters of an
// organisation code (组织机构代码).
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// usccValue returns the value of c in the USCC alphabet, or -1 if c is not in it.
func usccValue(c byte) int {
	return strings.IndexByte(usccAlphabet, c)
}

// NormalizeUSCC returns s with surrounding white space removed and letters
// upper-cased, the form ValidateUSCC expects. It does not validate; callers
// normalise user input once and then validate the result.
func NormalizeUSCC(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// ValidateUSCC reports whether code is a well-formed 统一社会信用代码 with a
// correct check character (position 18). It returns nil for a valid code;
// otherwise a *cifp.Error with code cifp.EINVALID whose message says what is
// wrong (the length, the first character that is not allowed and where, or
// the check character and what it should be) and one cifp.FieldError with
// Field "uscc" and Value code.
//
// ValidateUSCC does not trim or upper-case: normalise user input with
// NormalizeUSCC first. It does not reject a code whose organisation-code
// check (positions 9–17, GB 11714) fails, because some real codes, such as
// those of individual businesses (个体工商户), do not satisfy it; use
// OrgCodeCheckOK for that hint. Nor does it check positions 3–8 against
// the known divisions: a body may register anywhere.
func ValidateUSCC(code string) error {
	if msg := usccProblem(code); msg != "" {
		return usccError(code, msg)
	}
	return nil
}

// usccProblem returns a description of the first problem with code, or "".
func usccProblem(code string) string {
	if n := utf8.RuneCountInString(code); n != usccLen {
		return fmt.Sprintf("a unified social credit code has 18 characters, this one has %d", n)
	}
	pos := 0
	for _, r := range code {
		pos++
		if msg := usccCharProblem(pos, r); msg != "" {
			return msg
		}
	}
	// All 18 runes are ASCII now, so bytes and positions agree.
	want, _ := usccCheck(code[:usccLen-1])
	if got := code[usccLen-1]; got != want {
		return fmt.Sprintf("check character (position 18) is %q but should be %q", got, want)
	}
	return ""
}

// usccCharProblem describes what is wrong with rune r at 1-based position
// pos of a USCC, or returns "" if r is allowed there.
func usccCharProblem(pos int, r rune) string {
	if pos >= 3 && pos <= 8 {
		if r >= '0' && r <= '9' {
			return ""
		}
		return fmt.Sprintf("character %d (%q) must be a digit: positions 3–8 are the registering authority's administrative division code", pos, r)
	}
	return usccAlphabetProblem(pos, r)
}

// usccAlphabetProblem describes why rune r at 1-based position pos is not in
// the USCC alphabet, or returns "" if it is.
func usccAlphabetProblem(pos int, r rune) string {
	if r < utf8.RuneSelf && usccValue(byte(r)) >= 0 {
		return ""
	}
	if u := unicode.ToUpper(r); u != r && u < utf8.RuneSelf && usccValue(byte(u)) >= 0 {
		return fmt.Sprintf("character %d (%q) is lower case: letters in a unified social credit code are capitals", pos, r)
	}
	return fmt.Sprintf("character %d (%q) is not allowed: a unified social credit code uses only digits and the capital letters A–H, J–N, P, Q, R, T, U, W, X, Y (not I, O, S, V, Z)", pos, r)
}

func usccError(code, msg string) error {
	return cifp.Invalid("invalid unified social credit code (统一社会信用代码): "+msg,
		cifp.FieldError{Field: "uscc", Value: code, Message: msg})
}

// usccCheck returns the check character for the 17 ASCII characters of
// first17, each of which must be in the USCC alphabet; ok is false if one is
// not.
func usccCheck(first17 string) (c byte, ok bool) {
	sum := 0
	for i := range usccLen - 1 {
		v := usccValue(first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], true
}

// USCCCheckChar returns the check character (position 18) of the unified
// social credit code whose first 17 characters are first17: the character
// whose value is 31 − (Σ value×3^i mod 31), with 31 written as '0'. It
// returns a cifp.EINVALID error, with Field "uscc", if first17 is not 17
// characters of the USCC alphabet (digits and capitals except I, O, S, V, Z).
// It does not check that positions 3–8 are digits.
func USCCCheckChar(first17 string) (byte, error) {
	if n := utf8.RuneCountInString(first17); n != usccLen-1 {
		return 0, usccError(first17, fmt.Sprintf("the check character is computed from the first 17 characters, got %d", n))
	}
	pos := 0
	for _, r := range first17 {
		pos++
		if msg := usccAlphabetProblem(pos, r); msg != "" {
			return 0, usccError(first17, msg)
		}
	}
	c, _ := usccCheck(first17) // 17 runes, all ASCII and in the alphabet
	return c, nil
}

// orgCodeValue returns the GB 11714 value of c (0–9, A=10 … Z=35), or -1.
func orgCodeValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// orgCodeCheck returns the GB 11714 check character of the 8 body characters
// of an organisation code: 11 − (Σ value × weight mod 11), with 10 written
// 'X' and 11 written '0'. ok is false if body is not 8 characters of 0–9, A–Z.
func orgCodeCheck(body string) (c byte, ok bool) {
	if len(body) != len(orgCodeWeights) {
		return 0, false
	}
	sum := 0
	for i := range len(orgCodeWeights) {
		v := orgCodeValue(body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * orgCodeWeights[i]
	}
	switch d := 11 - sum%11; d {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + d), true
	}
}

// OrgCodeCheckOK reports whether positions 9–17 of the 18-character code
// uscc form a GB 11714 organisation code (组织机构代码) with a correct check
// character. It returns false for a code of the wrong length or with
// characters outside 0–9, A–Z in those positions. A false result is a hint,
// not an error: some valid codes (e.g. of 个体工商户) never satisfied it.
func OrgCodeCheckOK(uscc string) bool {
	if len(uscc) != usccLen {
		return false
	}
	c, ok := orgCodeCheck(uscc[8:16])
	return ok && uscc[16] == c
}

// MakeUSCC builds a valid unified social credit code from its parts: the
// registering department dept (e.g. '9' 市场监管) and kind of body kind
// (e.g. '1' 企业), the 6-digit GB/T 2260 division of the registering
// authority, and the 8 body characters body8 of the organisation code. It
// appends the GB 11714 check character of body8 and then the USCC check
// character, so the result passes both ValidateUSCC and OrgCodeCheckOK.
//
// It returns a cifp.EINVALID error, with Field "uscc", if dept, kind or a
// character of body8 is not in the USCC alphabet (digits and capitals except
// I, O, S, V, Z) or division is not 6 digits. The division is not looked up.
func MakeUSCC(dept, kind byte, division string, body8 string) (string, error) {
	first := string([]byte{dept, kind}) + division + body8
	if usccValue(dept) < 0 || usccValue(kind) < 0 {
		return "", usccError(first, fmt.Sprintf("department %q and kind %q must each be a digit or a capital letter other than I, O, S, V, Z", dept, kind))
	}
	if len(division) != 6 || strings.Trim(division, "0123456789") != "" {
		return "", usccError(first, fmt.Sprintf("division %q must be a 6-digit GB/T 2260 code", division))
	}
	if len(body8) != 8 {
		return "", usccError(first, fmt.Sprintf("organisation code body %q must have 8 characters", body8))
	}
	for i := range len(body8) {
		if usccValue(body8[i]) < 0 {
			return "", usccError(first, fmt.Sprintf("organisation code body %q: character %d (%q) must be a digit or a capital letter other than I, O, S, V, Z", body8, i+1, body8[i]))
		}
	}
	oc, _ := orgCodeCheck(body8) // body8 is 8 characters of a subset of 0–9, A–Z
	first17 := first + string(oc)
	cc, _ := usccCheck(first17) // every character is in the USCC alphabet
	return first17 + string(cc), nil
}
