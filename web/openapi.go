package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"cifp"
)

// APIDoc documents an API route in the OpenAPI document.
type APIDoc struct {
	Tag, Summary string
	Query        []Param
	Body         any    // a value of the request body's type
	Response     any    // a value of the response's type
	Status       int    // success status; 200 when zero
	Produces     string // a non-JSON response media type
	Consumes     string // a non-JSON request media type
}

// Param is a query parameter.
type Param struct{ Name, Desc string }

// Page is one page of a list and the cursor of the next (empty on the last).
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// openapi serves the OpenAPI 3.0 document built from the route table, so it
// lists every endpoint there is.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, s.OpenAPI())
}

// OpenAPI returns the OpenAPI document of the API and operational routes.
func (s *Server) OpenAPI() map[string]any {
	schemas := map[string]any{
		"Problem": schemaOf(reflect.TypeOf(Problem{}), nil),
	}
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		if rt.Doc.Summary == "" {
			continue // a page, not part of the API
		}
		op := map[string]any{"summary": rt.Doc.Summary, "tags": []string{rt.Doc.Tag},
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(rt.Path)}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
			typ := "integer" // ids
			if m[1] == "action" || m[1] == "lang" || m[1] == "token" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
		}
		for _, q := range rt.Doc.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Desc, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Doc.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Doc.Body), schemas)}}}
		} else if rt.Doc.Consumes != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				rt.Doc.Consumes: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}},
				"text/csv":      map[string]any{"schema": map[string]any{"type": "string"}}}}
		}
		status := rt.Doc.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		switch {
		case rt.Doc.Produces != "":
			ok["content"] = map[string]any{rt.Doc.Produces: map[string]any{"schema": map[string]any{"type": "string"}}}
		case rt.Doc.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Doc.Response), schemas)}}
		}
		problem := map[string]any{"description": "Error", "content": map[string]any{
			"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
		op["responses"] = map[string]any{itoa(status): ok, "default": problem}
		if rt.Roles != nil {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
			if len(rt.Roles) > 0 {
				var names []string
				for _, r := range rt.Roles {
					names = append(names, string(r))
				}
				op["description"] = "Roles: " + strings.Join(names, ", ")
			}
		}
		p := paths[rt.Path]
		if p == nil {
			p = map[string]any{}
			paths[rt.Path] = p
		}
		p[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "CIFP — 气候投融资数智平台 API", "version": cifp.Version,
			"description": "Errors are application/problem+json (RFC 9457) with the bad fields in `errors`. Lists page by cursor."},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "An API token (cifp_…) made on the API tokens page"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": cookieSession},
			},
		},
	}
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf returns a JSON schema of t; named struct types go into schemas
// and are referenced.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	if t.Kind() == reflect.Pointer {
		return schemaOf(t.Elem(), schemas)
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if t == reflect.TypeOf(json.RawMessage{}) {
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := strings.NewReplacer("[", "_", "]", "", "/", "_", "*", "").Replace(t.Name())
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = name[i+1:]
		}
		if schemas != nil && name != "" {
			if _, ok := schemas[name]; ok {
				return map[string]any{"$ref": "#/components/schemas/" + name}
			}
			schemas[name] = map[string]any{} // break cycles
		}
		props := map[string]any{}
		var keys []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			key, _, _ := strings.Cut(tag, ",")
			if key == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
				// An embedded struct's fields are the outer object's, as in encoding/json.
				inner := schemaOf(f.Type, nil)
				for k, v := range inner["properties"].(map[string]any) {
					props[k] = v
					keys = append(keys, k)
				}
				continue
			}
			if key == "" {
				key = f.Name
			}
			props[key] = schemaOf(f.Type, schemas)
			keys = append(keys, key)
		}
		sort.Strings(keys)
		sch := map[string]any{"type": "object", "properties": props}
		if schemas != nil && name != "" {
			schemas[name] = sch
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		return sch
	}
	return map[string]any{}
}
