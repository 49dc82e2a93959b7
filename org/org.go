package org

import (
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
)

// Kind is the kind of an organisation (组织类型).
type Kind string

// The kinds of organisation.
const (
	KindEnterprise Kind = "enterprise" // 企业
	KindBank       Kind = "bank"       // 银行
	KindInsurer    Kind = "insurer"    // 保险公司
	KindAgency     Kind = "agency"     // 政府部门
	KindVerifier   Kind = "verifier"   // 第三方核查机构
	KindPlatform   Kind = "platform"   // 平台运营方 (the operator; admins and citizens belong to it)
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{KindEnterprise, KindBank, KindInsurer, KindAgency, KindVerifier, KindPlatform}

// kindNames are the Chinese names, also accepted on import.
var kindNames = map[Kind]string{
	KindEnterprise: "企业", KindBank: "银行", KindInsurer: "保险公司",
	KindAgency: "政府部门", KindVerifier: "核查机构", KindPlatform: "平台运营方",
}

// NameZH returns the kind's Chinese name.
func (k Kind) NameZH() string { return kindNames[k] }

// Valid reports whether k is a defined kind.
func (k Kind) Valid() bool { _, ok := kindNames[k]; return ok }

// ParseKind accepts a kind's code or its Chinese name.
func ParseKind(s string) (Kind, bool) {
	s = strings.TrimSpace(s)
	if k := Kind(strings.ToLower(s)); k.Valid() {
		return k, true
	}
	for k, name := range kindNames {
		if s == name {
			return k, true
		}
	}
	return "", false
}

// Role returns the user role that members of this kind of organisation have.
func (k Kind) Role() cifp.Role {
	switch k {
	case KindEnterprise:
		return cifp.RoleEnterprise
	case KindBank, KindInsurer:
		return cifp.RoleFinance
	case KindAgency:
		return cifp.RoleRegulator
	case KindVerifier:
		return cifp.RoleVerifier
	}
	return cifp.RoleAdmin
}

// RoleFits reports whether a user of role r may belong to an organisation of
// kind k: regulators to agencies, financial users to banks and insurers, and
// so on; admins and citizens to the platform operator.
func RoleFits(r cifp.Role, k Kind) bool {
	if r == cifp.RoleCitizen {
		return k == KindPlatform
	}
	return k.Role() == r
}

// Org is an organisation (组织机构) on the platform: an enterprise, a financial
// institution, a government agency, a verifier or the platform operator.
type Org struct {
	ID       int64  `json:"id"`
	Kind     Kind   `json:"kind"`
	Name     string `json:"name"`
	USCC     string `json:"uscc"`     // 统一社会信用代码, GB 32100-2015
	Industry string `json:"industry"` // GB/T 4754-2017 code; required for enterprises
	Division string `json:"division"` // GB/T 2260 county-level code
	Address  string `json:"address"`
	LegalRep string `json:"legal_rep"` // 法定代表人
	Contact  string `json:"contact"`   // 联系人
	Phone    string `json:"phone"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"` // incremented on every update
}

// Normalize trims the text fields and upper-cases the USCC.
func (o *Org) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.USCC = NormalizeUSCC(o.USCC)
	o.Industry = strings.ToUpper(strings.TrimSpace(o.Industry))
	o.Division = strings.TrimSpace(o.Division)
	o.Address = strings.TrimSpace(o.Address)
	o.LegalRep = strings.TrimSpace(o.LegalRep)
	o.Contact = strings.TrimSpace(o.Contact)
	o.Phone = strings.TrimSpace(o.Phone)
}

// Limits on text fields, in characters.
const (
	maxName    = 200
	maxAddress = 300
	maxShort   = 60
)

// Validate checks every field and returns an EINVALID *cifp.Error listing all
// bad fields, or nil. It expects a normalised Org.
func (o *Org) Validate() error {
	var fs []cifp.FieldError
	bad := func(field, value, msg string) {
		fs = append(fs, cifp.FieldError{Field: field, Value: value, Message: msg})
	}
	if !o.Kind.Valid() {
		bad("kind", string(o.Kind), "must be one of enterprise, bank, insurer, agency, verifier, platform")
	}
	switch n := utf8.RuneCountInString(o.Name); {
	case n == 0:
		bad("name", "", "is required")
	case n > maxName:
		bad("name", "", "is longer than 200 characters")
	}
	if o.USCC == "" {
		bad("uscc", "", "is required")
	} else if err := ValidateUSCC(o.USCC); err != nil {
		fs = append(fs, fieldsOf(err, "uscc", o.USCC)...)
	}
	if o.Division == "" {
		bad("division", "", "is required")
	} else if err := ValidateDivision(o.Division); err != nil {
		fs = append(fs, fieldsOf(err, "division", o.Division)...)
	}
	if o.Industry == "" {
		if o.Kind == KindEnterprise {
			bad("industry", "", "is required for an enterprise")
		}
	} else if err := ValidateIndustry(o.Industry); err != nil {
		fs = append(fs, fieldsOf(err, "industry", o.Industry)...)
	}
	if utf8.RuneCountInString(o.Address) > maxAddress {
		bad("address", "", "is longer than 300 characters")
	}
	for _, f := range []struct{ name, v string }{{"legal_rep", o.LegalRep}, {"contact", o.Contact}, {"phone", o.Phone}} {
		if utf8.RuneCountInString(f.v) > maxShort {
			bad(f.name, "", "is longer than 60 characters")
		}
	}
	if o.Phone != "" && !validPhone(o.Phone) {
		bad("phone", o.Phone, "is not a phone number (digits, spaces, +, - and parentheses)")
	}
	return cifp.Invalid("the organisation has invalid fields", fs...)
}

// fieldsOf returns the field errors of a validator's error, or one made from
// its message.
func fieldsOf(err error, field, value string) []cifp.FieldError {
	if fs := cifp.ErrorFields(err); len(fs) > 0 {
		return fs
	}
	return []cifp.FieldError{{Field: field, Value: value, Message: cifp.ErrorMessage(err)}}
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() ", r):
		default:
			return false
		}
	}
	return digits >= 5
}
