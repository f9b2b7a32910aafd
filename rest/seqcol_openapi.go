package rest

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/seqfs/seqfs/repo"
)

// openAPIDoc is the encoded OpenAPI document, built once.
var openAPIDoc = sync.OnceValue(func() []byte {
	b, err := json.Marshal(openAPISpec())
	if err != nil {
		panic("rest: encode OpenAPI document: " + err.Error()) // static data
	}
	return append(b, '\n')
})

// openAPI serves GET /openapi.json: an OpenAPI 3 description of the
// refget v2 and seqcol 1.0 endpoints.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeRawJSON(w, r, openAPIDoc())
}

// openAPISpec returns the OpenAPI 3.0 document.
func openAPISpec() map[string]any {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	jsonBody := func(desc string, schema any) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}
	}
	problem := map[string]any{"description": "Error (RFC 7807 problem document)",
		"content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}}
	pathParam := func(name, desc string) map[string]any {
		return map[string]any{"name": name, "in": "path", "required": true, "description": desc, "schema": str}
	}
	queryParam := func(name, desc string, schema any) map[string]any {
		return map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	page := []any{
		queryParam("page", "Page number, from 0", map[string]any{"type": "integer", "minimum": 0, "default": 0}),
		queryParam("page_size", "Results per page", map[string]any{"type": "integer", "minimum": 1, "maximum": maxPageSize, "default": defaultPageSize}),
	}
	listParams := append([]any{}, page...)
	for _, a := range repo.SeqcolAttributes {
		listParams = append(listParams, queryParam(a, "Only collections whose "+a+" have this level-1 digest (filters are ANDed)", str))
	}
	attrParam := map[string]any{"name": "attr", "in": "path", "required": true, "description": "Attribute of the schema",
		"schema": map[string]any{"type": "string", "enum": repo.SeqcolAttributes}}
	op := func(tag, summary string, params []any, responses map[string]any) map[string]any {
		return map[string]any{"tags": []string{tag}, "summary": summary, "parameters": params, "responses": responses}
	}
	digestParam := pathParam("digest", "Level-0 seqcol digest of a collection")
	sequenceParams := []any{pathParam("id", "Sequence identifier: sha512t24u (optionally ga4gh:SQ.), MD5, TRUNC512 or namespace:alias"),
		queryParam("start", "0-based start (inclusive)", integer), queryParam("end", "0-based end (exclusive)", integer)}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "seqfs refget and sequence collections API",
			"description": "GA4GH refget sequences v2.0.0 and refget sequence collections (seqcol) v1.0.0 served by seqfs.",
			"version":     "1.0.0",
		},
		"paths": map[string]any{
			"/service-info": map[string]any{"get": op("service-info", "GA4GH service-info for refget and seqcol (seqcol.schema is the JSON Schema of the collections)",
				[]any{}, map[string]any{"200": jsonBody("Service description", map[string]any{"type": "object"})})},
			"/sequence/{id}": map[string]any{"get": op("refget", "Sequence residues (plain text); a Range header or start/end select a subsequence",
				sequenceParams, map[string]any{
					"200": map[string]any{"description": "Residues", "content": map[string]any{"text/vnd.ga4gh.refget.v2.0.0+plain": map[string]any{"schema": str}}},
					"206": map[string]any{"description": "Requested byte range of the residues"},
					"404": problem, "416": problem})},
			"/sequence/{id}/metadata": map[string]any{"get": op("refget", "Sequence metadata (md5, ga4gh, trunc512, length, aliases)",
				[]any{pathParam("id", "Sequence identifier")}, map[string]any{"200": jsonBody("Metadata", map[string]any{"type": "object"}), "404": problem})},
			"/collection/{digest}": map[string]any{"get": op("seqcol", "A sequence collection at level 1 (a digest per attribute) or level 2 (the arrays)",
				[]any{digestParam, queryParam("level", "Representation level", map[string]any{"type": "integer", "enum": []int{1, 2}, "default": 2})},
				map[string]any{"200": jsonBody("The collection", map[string]any{"oneOf": []any{ref("Level1"), ref("Level2")}}), "400": problem, "404": problem})},
			"/comparison/{a}/{b}": map[string]any{"get": op("seqcol", "Compare two stored collections",
				[]any{pathParam("a", "Level-0 digest of collection a"), pathParam("b", "Level-0 digest of collection b")},
				map[string]any{"200": jsonBody("Comparison", ref("Comparison")), "404": problem})},
			"/comparison/{a}": map[string]any{"post": map[string]any{"tags": []string{"seqcol"}, "summary": "Compare a stored collection with a level-2 collection in the body",
				"parameters":  []any{pathParam("a", "Level-0 digest of collection a")},
				"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref("Level2")}}},
				"responses":   map[string]any{"200": jsonBody("Comparison", ref("Comparison")), "400": problem, "404": problem, "413": problem}}},
			"/list/collection": map[string]any{"get": op("seqcol", "Digests of the stored collections, filtered by level-1 attribute digests",
				listParams, map[string]any{"200": jsonBody("A page of collection digests", ref("Page")), "400": problem})},
			"/list/attributes/{attr}": map[string]any{"get": op("seqcol", "Level-1 digests of an attribute across the stored collections",
				append([]any{attrParam}, page...), map[string]any{"200": jsonBody("A page of attribute digests", ref("Page")), "400": problem, "404": problem})},
			"/attribute/collection/{attr}/{digest}": map[string]any{"get": op("seqcol", "The level-2 value of an attribute by its level-1 digest (not for transient attributes)",
				[]any{attrParam, pathParam("digest", "Level-1 digest of the attribute")},
				map[string]any{"200": jsonBody("The attribute's array", map[string]any{"type": "array"}), "404": problem})},
		},
		"components": map[string]any{"schemas": map[string]any{
			"Level2": openAPISchema(repo.SeqcolSchema()),
			"Level1": map[string]any{"type": "object", "description": "A level-1 digest per attribute", "additionalProperties": str},
			"Comparison": map[string]any{"type": "object", "required": []string{"digests", "attributes", "array_elements"},
				"properties": map[string]any{
					"digests": map[string]any{"type": "object", "properties": map[string]any{
						"a": map[string]any{"type": "string", "nullable": true}, "b": map[string]any{"type": "string", "nullable": true}}},
					"attributes": map[string]any{"type": "object", "properties": map[string]any{
						"a_only": map[string]any{"type": "array", "items": str}, "b_only": map[string]any{"type": "array", "items": str},
						"a_and_b": map[string]any{"type": "array", "items": str}}},
					"array_elements": map[string]any{"type": "object", "properties": map[string]any{
						"a_count":            map[string]any{"type": "object", "additionalProperties": integer},
						"b_count":            map[string]any{"type": "object", "additionalProperties": integer},
						"a_and_b_count":      map[string]any{"type": "object", "additionalProperties": integer},
						"a_and_b_same_order": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "boolean", "nullable": true}}}},
				}},
			"Page": map[string]any{"type": "object", "properties": map[string]any{
				"results": map[string]any{"type": "array", "items": str},
				"pagination": map[string]any{"type": "object", "properties": map[string]any{
					"page": integer, "page_size": integer, "total": integer}}}},
			"Problem": map[string]any{"type": "object", "properties": map[string]any{
				"type": str, "title": str, "status": integer, "detail": str}},
		}},
	}
}

// openAPISchema strips the keywords that OpenAPI 3.0 schema objects do not
// know ($id and seqcol's qualifiers) from a JSON Schema.
func openAPISchema(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "$id" || k == "ga4gh" || k == "collated" {
				continue
			}
			out[k] = openAPISchema(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = openAPISchema(e)
		}
		return out
	}
	return v
}
