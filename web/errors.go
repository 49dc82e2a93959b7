package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"cifp"
)

// statuses maps error codes to HTTP statuses: the one table of it.
var statuses = map[string]int{
	cifp.EINVALID:      http.StatusBadRequest,
	cifp.ENOTFOUND:     http.StatusNotFound,
	cifp.ECONFLICT:     http.StatusConflict,
	cifp.EUNAUTHORIZED: http.StatusUnauthorized,
	cifp.EFORBIDDEN:    http.StatusForbidden,
	cifp.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	cifp.ERATELIMIT:    http.StatusTooManyRequests,
	cifp.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	cifp.EINTERNAL:     http.StatusInternalServerError,
}

// Status returns the HTTP status of an error.
func Status(err error) int {
	if s, ok := statuses[cifp.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem document, with the platform's code and the
// list of bad fields.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Instance  string            `json:"instance,omitempty"`
	Code      string            `json:"code"`
	Errors    []cifp.FieldError `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// problem writes err as application/problem+json. Internal errors are logged
// once, here, and their details are not shown.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
	}
	p := Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    cifp.ErrorMessage(err),
		Instance:  r.URL.Path,
		Code:      cifp.ErrorCode(err),
		Errors:    cifp.ErrorFields(err),
		RequestID: requestID(r.Context()),
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cifp"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// Size limits of request bodies.
const (
	maxJSONBody   = 1 << 20  // 1 MiB
	maxUploadBody = 32 << 20 // 32 MiB
)

// decode reads a JSON request body into v strictly: the media type must be
// JSON, unknown fields and trailing data are errors, and a body over 1 MiB is
// ETOOLARGE. Errors name the field or the byte offset.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return cifp.Errorf(cifp.EUNSUPPORTED, "the request body must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() || dec.Decode(&struct{}{}) != io.EOF {
			return cifp.Errorf(cifp.EINVALID, "the body must hold exactly one JSON object")
		}
		return nil
	}
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return cifp.Errorf(cifp.ETOOLARGE, "the body is larger than %d bytes", maxErr.Limit)
	case errors.As(err, &syntaxErr):
		return cifp.Errorf(cifp.EINVALID, "malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		return &cifp.Error{Code: cifp.EINVALID, Message: fmt.Sprintf("field %q must be %s", field, typeErr.Type),
			Fields: []cifp.FieldError{{Field: field, Message: "must be " + typeErr.Type.String()}}}
	case errors.Is(err, io.EOF):
		return cifp.Errorf(cifp.EINVALID, "the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return cifp.Errorf(cifp.EINVALID, "malformed JSON: the body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &cifp.Error{Code: cifp.EINVALID, Message: fmt.Sprintf("unknown field %q", field),
			Fields: []cifp.FieldError{{Field: field, Message: "is not a field of this object"}}}
	}
	return cifp.Errorf(cifp.EINVALID, "malformed JSON: %v", err)
}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Default().Debug("write json", "err", err)
	}
}
