package cifp

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in web/errors.go and to one exit
// message in the CLI.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state (duplicate key, …)
	EINTERNAL     = "internal"     // a failure that is not the caller's fault
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the entity does not exist, or the caller may not know it does
	EUNAUTHORIZED = "unauthorized" // the caller is not logged in
	EFORBIDDEN    = "forbidden"    // the caller is logged in but may not do this
	ETOOLARGE     = "too_large"    // the request body or file is larger than allowed
	ERATELIMIT    = "rate_limited" // the caller tried too often
	EUNSUPPORTED  = "unsupported"  // the media type or format is not supported
)

// FieldError names one bad value: the field (or column), and for files the
// row, with a message a user can act on.
type FieldError struct {
	Field   string `json:"field"`
	Row     int    `json:"row,omitempty"`    // 1-based row in a file, 0 when not from a file
	Column  string `json:"column,omitempty"` // column letter or header in a file
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

func (f FieldError) String() string {
	s := f.Field
	if f.Row > 0 {
		s = fmt.Sprintf("row %d", f.Row)
		if f.Column != "" {
			s += ", column " + f.Column
		}
		if f.Field != "" {
			s += " (" + f.Field + ")"
		}
	}
	if f.Value != "" {
		return fmt.Sprintf("%s: %s: %q", s, f.Message, f.Value)
	}
	return s + ": " + f.Message
}

// Error is the platform's one error type. Code is one of the E* constants;
// Message is safe to show to the user; Fields lists the bad values, if any.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	for i, f := range e.Fields {
		if i == 5 {
			s += fmt.Sprintf("; … and %d more", len(e.Fields)-5)
			break
		}
		s += "; " + f.String()
	}
	return s
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for the given field errors. It returns nil
// when fields is empty, so callers can collect errors and return Invalid(…) once.
func Invalid(message string, fields ...FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the Message of an
// *Error, or a generic text for internal errors, which must not leak details.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field errors of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems returns "1 problem" or "N problems", for messages about files.
func Problems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
